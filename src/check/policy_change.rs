//! Policy-change rules (pure): a change to `.reviewgate.toml` on a protected
//! branch needs a review by a policy owner that meets every review setting
//! (decided by [`super::reviewers::decide`] with [`Requirement::policy_change`]), and
//! a new file that parses.

use super::review;
use super::reviewers::{Requirement, Shortfall};
use super::{Finding, Fix, Judge};
use crate::policy::{PolicyError, PolicySource, POLICY_FILE};
use crate::rule::Rule;

/// Who reviews policy changes, as messages name them; `source` names the
/// policy in effect when it lists no owners.
fn reviewers(judge: &Judge<'_>, source: &PolicySource) -> String {
    let policy = judge.policy;
    if !policy.owners.is_empty() {
        format!("a policy owner ({})", review::list_text(&policy.owners))
    } else if !policy.review.reviewers.is_empty() {
        format!(
            "a listed reviewer ({}; the policy in effect, {source}, lists no [policy] owners)",
            review::list_text(&policy.review.reviewers)
        )
    } else {
        format!("a human reviewer (the policy in effect, {source}, lists no [policy] owners)")
    }
}

/// A commit changing the policy file whose reviews fall short of
/// [`Requirement::policy_change`].
pub fn unreviewed(judge: &Judge<'_>, short: &Shortfall, source: &PolicySource) -> Finding {
    let policy = judge.policy;
    let req = Requirement::policy_change(policy);
    let who = reviewers(judge, source);
    let message = match short {
        Shortfall::TooFew { valid: 0 } => {
            format!("this commit changes {POLICY_FILE} and has no valid review by {who}")
        }
        Shortfall::TooFew { valid } => format!(
            "this commit changes {POLICY_FILE} and has {valid} distinct valid review(s) by {who}; the policy requires {}",
            req.min
        ),
        Shortfall::Unauthenticated => format!(
            "this commit changes {POLICY_FILE}: the policy requires that a reviewer, {who}, pushes it, and the server gave no authenticated identity (looked for {})",
            crate::push::IDENTITY_VARIABLES
        ),
        Shortfall::NotThePusher { .. } => format!(
            "this commit changes {POLICY_FILE}: the policy requires that a reviewer, {who}, pushes it; {}",
            review::pusher_text(short)
        ),
    };
    let ask = if policy.owners.is_empty() {
        "ask another person to review it"
    } else {
        "ask a policy owner to review it"
    };
    let fix = if matches!(short, Shortfall::TooFew { .. }) {
        format!(
            "{ask}; then the author adds their trailer (a reviewer who amends becomes the committer and no longer counts):\n  {}",
            super::hints::amend_command(policy.review.trailer())
        )
    } else {
        "the owner named in the trailer pushes the change (the policy binds review to the authenticated pusher)".to_string()
    };
    judge.finding(Rule::PolicyChangeUnreviewed, message, Fix::Advice(fix))
}

/// The new policy file does not parse.
pub fn invalid(judge: &Judge<'_>, error: &PolicyError) -> Finding {
    judge.finding(
        Rule::PolicyChangeInvalid,
        format!("the new policy does not parse:\n{error}"),
        Fix::Advice("fix the errors above and push again; `reviewgate policy check .reviewgate.toml` runs the same validation".into()),
    )
}

/// The new policy does not protect `branch`, the branch it is read from:
/// once there, every push would be refused until an administrator pins a
/// policy.
pub fn unprotected(judge: &Judge<'_>, branch: &str) -> Finding {
    judge.finding(
        Rule::PolicyChangeInvalid,
        format!(
            "the new policy does not protect {branch}, the branch it is read from: anyone could change it unreviewed, so the server would refuse every later push (policy-invalid) until an administrator pins a policy"
        ),
        Fix::Advice(format!(
            "add \"@default\" (or \"{branch}\") to a [[protect]] entry's refs; `reviewgate policy check .reviewgate.toml` warns about this before a push"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::policy_change;
    use crate::check::reviewers;
    use crate::check::testing::{facts, policy, MAIN};
    use crate::policy::Mode;
    use crate::rule::Severity;

    #[test]
    fn policy_change_rules() {
        let owned = policy(
            "[policy]\nowners = [\"ann@example.com\"]\n[[protect]]\nrefs = [\"refs/heads/main\"]\n",
        );
        let any = policy(MAIN);
        let judge = |p| Judge {
            policy: p,
            mode: Mode::Enforce,
            bypass: false,
        };
        let dev = "Dev <dev@example.com>";
        let cases = [
            (
                &owned,
                "Change\n\nReviewed-by: Ann <ann@example.com>\n",
                true,
            ),
            (
                &owned,
                "Change\n\nReviewed-by: Bo <bo@example.com>\n",
                false,
            ),
            (&owned, "Change\n", false),
            (&any, "Change\n\nReviewed-by: Bo <bo@example.com>\n", true),
            (
                &any,
                "Change\n\nReviewed-by: Dev <dev@example.com>\n",
                false,
            ),
        ];
        for (p, msg, want) in cases {
            let req = reviewers::Requirement::policy_change(p);
            let commit = reviewers::Reviewed::of(p, &req, &facts(dev, msg));
            let got = reviewers::decide(p, &req, &commit, &[], None);
            assert_eq!(got.is_ok(), want, "{msg}");
        }
        let none = reviewers::Shortfall::TooFew { valid: 0 };
        let builtin = PolicySource::Builtin;
        let f = policy_change::unreviewed(&judge(&owned), &none, &builtin);
        assert_eq!(
            (f.rule, f.severity),
            (Rule::PolicyChangeUnreviewed, Severity::Error)
        );
        assert!(
            f.message.contains("a policy owner (ann@example.com)"),
            "{}",
            f.message
        );
        let warn = Judge {
            policy: &owned,
            mode: Mode::Warn,
            bypass: false,
        };
        assert_eq!(
            policy_change::unreviewed(&warn, &none, &builtin).severity,
            Severity::Warning
        );
        // Without owners, the words name the policy in effect.
        let f = policy_change::unreviewed(&judge(&any), &none, &builtin);
        assert!(
            f.message.contains("a human reviewer (the policy in effect, built-in default, lists no [policy] owners)"),
            "{}",
            f.message
        );
    }
}
