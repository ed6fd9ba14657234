//! The two hooks as library calls: input in, [`Outcome`] out (lines to show the
//! pusher and an exit status). The binaries in `hooks/` only wire stdin, argv,
//! the environment and stderr to these functions.
//!
//! Every failure is an outcome, never a panic or a silent accept: bad input and
//! git errors reject with exit 2, a broken policy with exit 78.

use std::ffi::OsString;
use std::panic::{self, AssertUnwindSafe};

use chrono::{DateTime, Utc};

use crate::audit;
use crate::config::{LoadedPolicy, Mode, Policy, PolicySource};
use crate::push::{self, Env, InputError, PushOptions, Pusher, RefUpdate, IDENTITY_VARIABLES};
use crate::repo::{HookRepo, OpenError, PolicyLoadError};
use crate::report;
use crate::rules::{self, CheckContext};
use crate::verdict::{Bypass, ExitStatus, Rule, Severity, Verdict, Violation};

/// What a hook run decided.
#[derive(Debug)]
pub struct Outcome {
    /// The exit status.
    pub status: ExitStatus,
    /// Lines for the pusher (already sanitised).
    pub lines: Vec<String>,
    /// The verdict, when the push could be judged.
    pub verdict: Option<Verdict>,
}

/// Which hook is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `pre-receive`: all refs at once, objects in quarantine.
    PreReceive,
    /// `update`: one ref, after pre-receive.
    Update,
}

fn failure(status: ExitStatus, rule: Rule, headline: &str, detail: &str) -> Outcome {
    let mut lines = vec![format!("reviewgate: push rejected: {headline}")];
    lines.push(format!(
        "error[{}]: {}",
        rule.code(),
        report::sanitize(headline)
    ));
    for l in detail.lines() {
        lines.push(format!("  {}", report::sanitize(l)));
    }
    lines.push(format!(
        "reviewgate: run `reviewgate explain {}` for details",
        rule.code()
    ));
    Outcome {
        status,
        lines,
        verdict: None,
    }
}

fn input_failure(e: &InputError) -> Outcome {
    failure(
        ExitStatus::InternalError,
        Rule::InternalError,
        "the hook's input could not be read (fail closed)",
        &e.to_string(),
    )
}

/// The outcome when standard input cannot be read.
pub fn stdin_failure(e: &std::io::Error) -> Outcome {
    failure(
        ExitStatus::InternalError,
        Rule::InternalError,
        "the hook's input could not be read (fail closed)",
        &e.to_string(),
    )
}

/// Run the pre-receive hook on its standard input.
pub fn pre_receive(stdin: &[u8], env: &Env) -> Outcome {
    match push::parse_pre_receive(stdin) {
        Ok(updates) => run(&updates, env, HookKind::PreReceive),
        Err(e) => input_failure(&e),
    }
}

/// Run the update hook on its arguments (`refname old new`).
pub fn update(args: &[OsString], env: &Env) -> Outcome {
    match push::parse_update_args(args) {
        Ok(u) => run(std::slice::from_ref(&u), env, HookKind::Update),
        Err(e) => input_failure(&e),
    }
}

/// The git config key that pins "now" for freeze windows (tests; server-side only).
pub const NOW_KEY: &str = "reviewgate.now";

/// The time to judge freeze windows at: `reviewgate.now` from the server's git
/// config if set (for tests and drills), else the clock.
pub fn now_for(repo: &HookRepo) -> DateTime<Utc> {
    repo.repo
        .config()
        .ok()
        .and_then(|c| c.get_string(NOW_KEY).ok())
        .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

/// Judge `updates` in the repository the environment names.
pub fn run(updates: &[RefUpdate], env: &Env, kind: HookKind) -> Outcome {
    let repo = match HookRepo::open_for_hook(env) {
        Ok(r) => r,
        Err(e @ OpenError::Sha256) => {
            return failure(
                ExitStatus::InternalError,
                Rule::InternalError,
                "SHA-256 repositories are not supported",
                &e.to_string(),
            )
        }
        Err(e) => {
            return failure(
                ExitStatus::InternalError,
                Rule::InternalError,
                "cannot open the repository (fail closed)",
                &e.to_string(),
            )
        }
    };
    // With our pre-receive installed, it has judged (and audited) every ref of
    // this push already, with the push options the update hook cannot see.
    if kind == HookKind::Update && pre_receive_is_ours(&repo) {
        return Outcome {
            status: ExitStatus::Accepted,
            lines: Vec::new(),
            verdict: None,
        };
    }
    let now = now_for(&repo);
    let default_branch = repo.default_branch();
    let pusher = Pusher::from_env(env);
    let options = PushOptions::from_env(env);
    let mut bypass_hint = None;
    let log = audit::log_path(&repo.repo);
    let (mut verdict, protected) = match repo.load_policy_after(audit::last_policy_source(&log)) {
        Ok(policy) => {
            let mut verdict = judge(
                &repo,
                &policy,
                pusher.as_ref(),
                default_branch.as_deref(),
                now,
                updates,
            );
            if kind == HookKind::PreReceive {
                apply_bypass(&mut verdict, &policy.policy, pusher.as_ref(), &options);
            }
            if !policy.policy.bypass_pushers.is_empty() {
                bypass_hint = Some(options.advertised);
            }
            let protected = updates.iter().any(|u| {
                policy
                    .policy
                    .is_protected(&u.name, default_branch.as_deref())
            });
            (verdict, protected)
        }
        Err(e) => (policy_failure(&e, updates), true),
    };

    let hook_name = match kind {
        HookKind::PreReceive => "pre-receive",
        HookKind::Update => "update",
    };
    let record = audit::Record::new(
        now,
        repo.repo.path(),
        hook_name,
        pusher.as_ref(),
        updates,
        &verdict,
    );
    let sync = repo
        .repo
        .config()
        .ok()
        .and_then(|c| c.get_bool(audit::AUDIT_SYNC_KEY).ok())
        .unwrap_or(false);
    if let Err(e) = audit::append(&log, &record, sync) {
        // Documented choice: decisions on protected refs must be on the record.
        if protected {
            verdict.push(Violation {
                rule: Rule::AuditUnavailable,
                severity: Severity::Error,
                refname: updates.first().map(|u| u.name.clone()).unwrap_or_default(),
                commit: None,
                message: format!("cannot write the audit log: {e:#}"),
                hint: format!("the server administrator must make the log writable or move it (git config {})", audit::AUDIT_LOG_KEY),
            });
        }
    }

    let mut lines = if protected || !verdict.violations.is_empty() || verdict.bypass.is_some() {
        report::render(&verdict)
    } else {
        Vec::new()
    };
    let bypassable = verdict.violations.iter().any(|v| {
        v.severity == Severity::Error && !v.rule.is_fail_closed() && !v.rule.survives_bypass()
    });
    if verdict.rejects() && verdict.bypass.is_none() && bypassable {
        if let Some(advertised) = bypass_hint {
            lines.push("reviewgate: emergency? a pusher listed in [bypass] can break glass (audited): git push -o reviewgate.bypass=\"reason\"".into());
            if !advertised {
                lines.push("reviewgate: (push options need the server setting receive.advertisePushOptions=true)".into());
            }
        }
    }
    Outcome {
        status: verdict.exit_status(),
        lines,
        verdict: Some(verdict),
    }
}

/// The push option that asks for break-glass.
pub const BYPASS_OPTION: &str = "reviewgate.bypass";

/// Honour or refuse a break-glass request: only for authenticated pushers
/// listed in `[bypass] pushers`, only with a reason. Honoured, every policy
/// violation becomes a warning (fail-closed ones stay errors).
pub fn apply_bypass(
    verdict: &mut Verdict,
    policy: &Policy,
    pusher: Option<&Pusher>,
    options: &PushOptions,
) {
    let bare = options.options.iter().any(|o| o == BYPASS_OPTION);
    let Some(reason) = options.value(BYPASS_OPTION).or(bare.then_some("")) else {
        return;
    };
    let reason = reason.trim();
    let denial = if reason.is_empty() {
        Some(
            "break-glass needs a reason: git push -o reviewgate.bypass=\"what is on fire\""
                .to_string(),
        )
    } else {
        match pusher {
            None => Some(format!("break-glass needs an authenticated pusher, and the server gave none (looked for {IDENTITY_VARIABLES})")),
            Some(p) if !crate::rules::pusher_listed(policy, p, &policy.bypass_pushers) => Some(
                format!("pusher `{}` ({}) is not listed in [bypass] pushers", p.name(), p.source),
            ),
            Some(_) => None,
        }
    };
    if let Some(message) = denial {
        verdict.push(Violation {
            rule: Rule::BypassDenied,
            severity: Severity::Error,
            refname: "(this push)".into(),
            commit: None,
            message,
            hint: "push without the option to be judged normally, or ask a listed pusher".into(),
        });
        return;
    }
    for v in &mut verdict.violations {
        if v.severity == Severity::Error && !v.rule.is_fail_closed() && !v.rule.survives_bypass() {
            v.severity = Severity::Warning;
        }
    }
    if let Some(p) = pusher {
        verdict.bypass = Some(Bypass {
            pusher: p.to_string(),
            reason: reason.to_string(),
        });
    }
}

/// Judge updates against a loaded policy.
pub fn judge(
    repo: &HookRepo,
    policy: &LoadedPolicy,
    pusher: Option<&Pusher>,
    default_branch: Option<&str>,
    now: DateTime<Utc>,
    updates: &[RefUpdate],
) -> Verdict {
    let ctx = CheckContext {
        repo,
        policy,
        pusher,
        default_branch,
        now,
    };
    rules::check_push(&ctx, updates)
}

fn policy_failure(e: &PolicyLoadError, updates: &[RefUpdate]) -> Verdict {
    let source = match e {
        PolicyLoadError::Invalid(pe) => format!("invalid policy: {}", pe.source_desc),
        PolicyLoadError::Read(_) => "unreadable policy".to_string(),
    };
    let mut verdict = Verdict::new(&PolicySource::File(source), "-", Mode::Enforce);
    let refs: Vec<&str> = updates.iter().map(|u| u.name.as_str()).take(5).collect();
    verdict.push(Violation {
        rule: Rule::PolicyInvalid,
        severity: Severity::Error,
        refname: refs.join(", "),
        commit: None,
        message: format!(
            "the trusted policy cannot be used, so every update is refused (fail closed):\n{e}"
        ),
        hint: "an administrator can pin a known-good policy on the server:\n  git config reviewgate.policy /path/to/policy.toml\nthen push the fix and unset it (README: Recovering from a broken policy)".into(),
    });
    verdict
}

/// Whether git will run our pre-receive for this push, so the update hook
/// may stand down: the `pre-receive` in the hooks directory git uses
/// (`core.hooksPath` aware) is executable and is either our binary, our
/// installer's wrapper calling an executable binary of ours, or Gitea's
/// wrapper with our wrapper in `pre-receive.d/`. Anything less (a file that
/// merely mentions reviewgate, a hook that is not executable, a wrapper whose
/// binary is gone) and the update hook judges for itself.
fn pre_receive_is_ours(repo: &HookRepo) -> bool {
    let dir = repo.hooks_dir();
    let hook = dir.join("pre-receive");
    if runs_our_pre_receive(&hook) {
        return true;
    }
    // Gitea/Forgejo: their pre-receive runs every executable in pre-receive.d/.
    let gitea_wrapper =
        std::fs::read(&hook).is_ok_and(|t| is_executable(&hook) && contains(&t, b"pre-receive.d"));
    gitea_wrapper && runs_our_pre_receive(&dir.join("pre-receive.d").join("reviewgate"))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The hook file at `path` is executable and runs our pre-receive binary:
/// it is that binary (by name, through any symlink), or our installer's
/// wrapper naming an executable `reviewgate-pre-receive`.
fn runs_our_pre_receive(path: &std::path::Path) -> bool {
    const BINARY: &str = "reviewgate-pre-receive";
    if !is_executable(path) {
        return false;
    }
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if resolved.file_name().is_some_and(|n| n == BINARY) {
        return true;
    }
    let Ok(text) = std::fs::read(path) else {
        return false;
    };
    if !text.starts_with(b"#!/bin/sh\n# reviewgate hook wrapper (pre-receive)") {
        return false;
    }
    // The wrapper calls the binary by an absolute, single-quoted path.
    String::from_utf8_lossy(&text).lines().any(|line| {
        line.split('\'')
            .skip(1)
            .step_by(2)
            .any(|p| p.ends_with(BINARY) && is_executable(std::path::Path::new(p)))
    })
}

/// Run `f`, turning a panic into a rejecting outcome (fail closed) instead of
/// a backtrace on the pusher's terminal.
pub fn guarded(f: impl FnOnce() -> Outcome) -> Outcome {
    panic::set_hook(Box::new(|_| {}));
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(o) => o,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            failure(
                ExitStatus::InternalError,
                Rule::InternalError,
                "reviewgate hit an internal error (fail closed)",
                &what,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_fail_closed_rejection() {
        let outcome = guarded(|| panic!("simulated bug in a rule"));
        // guarded() silences the process-wide panic hook; give tests theirs back.
        drop(std::panic::take_hook());
        assert_eq!(outcome.status, ExitStatus::InternalError);
        let text = outcome.lines.join("\n");
        assert!(text.contains("error[internal-error]"), "{text}");
        assert!(text.contains("fail closed"), "{text}");
        assert!(text.contains("simulated bug in a rule"), "{text}");
        assert!(!text.contains("RUST_BACKTRACE"), "{text}");
    }
}
