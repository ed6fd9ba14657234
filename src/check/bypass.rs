//! Break-glass (pure): `git push -o reviewgate.bypass="reason"`, honoured only
//! for authenticated pushers listed in `[bypass] pushers`, and only with a
//! reason. It is decided before the push is judged, so that each finding's
//! severity is decided once, where the finding is made ([`super::Judge`]).

use super::pusher;
use crate::policy::Policy;
use crate::push::{PushOptions, Pusher, IDENTITY_VARIABLES};
use crate::verdict::Bypass;

/// The push option that asks for break-glass.
pub const BYPASS_OPTION: &str = "reviewgate.bypass";

/// The push options reviewgate reads.
pub const KNOWN_OPTIONS: &[&str] = &[BYPASS_OPTION];

/// Each `reviewgate.*` push option that is not one of [`KNOWN_OPTIONS`],
/// as a warning: it is not silently ignored.
pub fn unknown_options(options: &PushOptions) -> Vec<crate::verdict::Violation> {
    options
        .options
        .iter()
        .filter(|o| o.to_ascii_lowercase().starts_with("reviewgate."))
        .filter(|o| {
            let key = o.split_once('=').map_or(o.as_str(), |(k, _)| k);
            !KNOWN_OPTIONS.contains(&key)
        })
        .take(5)
        .map(|o| crate::verdict::Violation {
            rule: crate::rule::Rule::UnknownPushOption,
            severity: crate::rule::Severity::Warning,
            refname: "(this push)".into(),
            commit: None,
            message: format!("push option \"{o}\" is not one reviewgate knows, so it has no effect"),
            hint: format!("the option reviewgate reads is {BYPASS_OPTION}=\"reason\" (git push -o {BYPASS_OPTION}=\"...\")"),
        })
        .collect()
}

/// What became of a break-glass request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// None was made.
    NotAsked,
    /// Refused, and why (the push is rejected with `bypass-denied`).
    Denied(String),
    /// Honoured: review, freeze and force-push findings become warnings.
    Honoured(Bypass),
}

/// Decide a break-glass request from the push options.
pub fn decide(policy: &Policy, who: Option<&Pusher>, options: &PushOptions) -> Decision {
    let bare = options.options.iter().any(|o| o == BYPASS_OPTION);
    let Some(reason) = options.value(BYPASS_OPTION).or(bare.then_some("")) else {
        return Decision::NotAsked;
    };
    let reason = reason.trim();
    if reason.is_empty() {
        return Decision::Denied(
            "break-glass needs a reason: git push -o reviewgate.bypass=\"what is on fire\"".into(),
        );
    }
    match who {
        None => Decision::Denied(format!(
            "break-glass needs an authenticated pusher, and the server gave none (looked for {IDENTITY_VARIABLES})"
        )),
        Some(p) if !pusher::listed(policy, p, &policy.bypass_pushers) => Decision::Denied(format!(
            "pusher `{}` ({}) is not listed in [bypass] pushers",
            p.name(),
            p.source
        )),
        Some(p) => Decision::Honoured(Bypass {
            pusher: p.to_string(),
            reason: reason.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::check::bypass;
    use crate::check::testing::{policy, pusher};

    #[test]
    fn break_glass_decisions() {
        let p = policy("[bypass]\npushers = [\"oncall-*\"]\n[identities]\nann = [\"ann@example.com\"]\n[[protect]]\nrefs = [\"refs/heads/main\"]\n");
        let opts = |o: &[&str]| crate::push::PushOptions {
            options: o.iter().map(|s| s.to_string()).collect(),
            advertised: true,
        };
        let who = pusher("oncall-eu");
        let stranger = pusher("dev");
        let honoured = |d: &bypass::Decision| matches!(d, bypass::Decision::Honoured(_));
        let denied = |d: &bypass::Decision| matches!(d, bypass::Decision::Denied(_));
        assert_eq!(
            bypass::decide(&p, Some(&who), &opts(&[])),
            bypass::Decision::NotAsked
        );
        assert!(honoured(&bypass::decide(
            &p,
            Some(&who),
            &opts(&["reviewgate.bypass=fire"])
        )));
        assert!(denied(&bypass::decide(
            &p,
            Some(&who),
            &opts(&["reviewgate.bypass="])
        )));
        assert!(denied(&bypass::decide(
            &p,
            Some(&who),
            &opts(&["reviewgate.bypass"])
        )));
        assert!(denied(&bypass::decide(
            &p,
            Some(&stranger),
            &opts(&["reviewgate.bypass=fire"])
        )));
        assert!(denied(&bypass::decide(
            &p,
            None,
            &opts(&["reviewgate.bypass=fire"])
        )));
    }
}
