//! The two hooks as library calls: input in, [`Outcome`] out (lines to show the
//! pusher and an exit status). The binaries in `hooks/` only wire stdin, argv,
//! the environment and stderr to these functions. This module orchestrates
//! and words nothing: [`crate::report`] does.
//!
//! Every failure is an outcome, never a panic or a silent accept: bad input and
//! git errors reject with exit 2, a broken policy with exit 78.

use std::ffi::OsString;
use std::panic::{self, AssertUnwindSafe};

use chrono::{DateTime, Utc};

use crate::audit;
use crate::check::bypass::{self, Decision};
use crate::check::notes::AiNotes;
use crate::check::{self, CheckContext};
use crate::policy::load::{self, PolicyLoadError};
use crate::policy::LoadedPolicy;
use crate::push::{self, Env, ForgePush, InputError, PushOptions, Pusher, RefUpdate};
use crate::repo::{self, HookRepo, OpenError};
use crate::report;
use crate::verdict::{ExitStatus, Verdict};

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

impl Outcome {
    /// A push refused before it could be judged (exit 2), with the lines
    /// [`report::failure`] words.
    fn failed(headline: &str, detail: &str) -> Self {
        Self {
            status: ExitStatus::InternalError,
            lines: report::failure(headline, detail),
            verdict: None,
        }
    }
}

/// Which hook is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `pre-receive`: all refs at once, objects in quarantine.
    PreReceive,
    /// `update`: one ref, after pre-receive.
    Update,
}

impl HookKind {
    /// The hook's name, as git calls it.
    pub fn name(self) -> &'static str {
        match self {
            HookKind::PreReceive => "pre-receive",
            HookKind::Update => "update",
        }
    }
}

fn input_failure(e: &InputError) -> Outcome {
    Outcome::failed(
        "the hook's input could not be read (fail closed)",
        &e.to_string(),
    )
}

/// The outcome when standard input cannot be read.
pub fn stdin_failure(e: &std::io::Error) -> Outcome {
    Outcome::failed(
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

/// Judge `updates` in the repository the environment names.
pub fn run(updates: &[RefUpdate], env: &Env, kind: HookKind) -> Outcome {
    let repo = match HookRepo::open_for_hook(env) {
        Ok(r) => r,
        Err(e @ OpenError::Sha256) => {
            return Outcome::failed("SHA-256 repositories are not supported", &e.to_string())
        }
        Err(e) => {
            return Outcome::failed("cannot open the repository (fail closed)", &e.to_string())
        }
    };
    // With our pre-receive installed, it has judged (and audited) every ref of
    // this push already, with the push options the update hook cannot see.
    if kind == HookKind::Update && repo::runs_our_pre_receive(&repo) {
        return Outcome {
            status: ExitStatus::Accepted,
            lines: Vec::new(),
            verdict: None,
        };
    }
    let now = repo.settings.now.unwrap_or_else(Utc::now);
    let pusher = Pusher::from_env(env);
    let forge = ForgePush::from_env(env);
    // The update hook never sees push options, so it never breaks glass.
    let options = match kind {
        HookKind::PreReceive => PushOptions::from_env(env),
        HookKind::Update => PushOptions::default(),
    };
    let log = &repo.settings.audit_log;
    let state = repo.policy_state_path();
    let (mut verdict, protected, offer_bypass) =
        match load::load(&repo, audit::last_policy(&state, log)) {
            Ok(policy) => {
                let default_branch = repo.default_branch();
                let protected = updates
                    .iter()
                    .any(|u| check::guards(&repo, &policy.policy, default_branch.as_deref(), u));
                let offer =
                    (!policy.policy.bypass_pushers.is_empty()).then_some(options.advertised);
                let verdict = judge_with_bypass(
                    &repo,
                    &policy,
                    Who {
                        pusher: pusher.as_ref(),
                        forge: forge.as_ref(),
                    },
                    now,
                    updates,
                    &options,
                );
                (verdict, protected, offer)
            }
            Err(e) => {
                let pinned = repo
                    .settings
                    .pinned_policy
                    .as_ref()
                    .map(|p| p.display().to_string());
                (policy_failure(&e, updates, pinned.as_deref()), true, None)
            }
        };
    let record = audit::Record::new(
        now,
        repo.repo.path(),
        kind.name(),
        pusher.as_ref(),
        updates,
        &verdict,
    );
    let recorded = audit::append_owned(
        log,
        &record,
        repo.settings.audit_sync,
        Some(repo.repo.path()),
    )
    .and_then(|()| remember_policy(&repo, &state, &verdict));
    if let Err(e) = recorded {
        // Documented choice: decisions on protected refs must be on the record.
        if protected {
            let first = updates.first().map(|u| u.name.as_str()).unwrap_or_default();
            verdict.push(report::audit_unavailable(first, &e));
        }
    }
    let mut lines = if protected || !verdict.violations.is_empty() || verdict.bypass.is_some() {
        report::render(&verdict)
    } else {
        Vec::new()
    };
    if let Some(advertised) = offer_bypass {
        lines.extend(report::bypass_offer(&verdict, advertised));
    }
    if forge.as_ref().is_some_and(|f| f.web) {
        lines = report::for_gitlab_web(lines);
    }
    Outcome {
        status: verdict.exit_status(),
        lines,
        verdict: Some(verdict),
    }
}

/// Remember where the verdict's policy was read (a repository branch, or
/// the branch a built-in default stood in for), for the next push's move
/// check. A pinned file or a failed load leaves the state as it was.
fn remember_policy(
    repo: &HookRepo,
    state: &std::path::Path,
    verdict: &Verdict,
) -> anyhow::Result<()> {
    let origin = &verdict.policy_origin;
    match &origin.refname {
        Some(refname) if origin.file.is_none() => audit::remember_policy(
            state,
            refname,
            origin.blob.as_deref(),
            Some(repo.repo.path()),
        ),
        _ => Ok(()),
    }
}

/// Who made a push: the authenticated pusher, and the forge if it made it.
#[derive(Clone, Copy)]
struct Who<'a> {
    pusher: Option<&'a Pusher>,
    forge: Option<&'a ForgePush>,
}

/// Decide break-glass, judge the push with it, and record a denial.
fn judge_with_bypass(
    repo: &HookRepo,
    policy: &LoadedPolicy,
    who: Who<'_>,
    now: DateTime<Utc>,
    updates: &[RefUpdate],
    options: &PushOptions,
) -> Verdict {
    let Who { pusher, forge } = who;
    let decision = bypass::decide(&policy.policy, pusher, options);
    let default_branch = repo.default_branch();
    let notes = AiNotes::new(repo, updates);
    let (baseline, baseline_error) = baseline(repo);
    let ctx = CheckContext {
        repo,
        policy,
        pusher,
        default_branch: default_branch.as_deref(),
        now,
        bypass: matches!(decision, Decision::Honoured(_)),
        forge,
        notes: &notes,
        baseline: &baseline,
    };
    let mut verdict = check::check_push(&ctx, updates);
    if let Some(v) = baseline_error {
        verdict.push(v);
    }
    for v in bypass::unknown_options(options) {
        verdict.push(v);
    }
    match decision {
        Decision::NotAsked => {}
        Decision::Denied(message) => verdict.push(report::bypass_denied(message)),
        Decision::Honoured(b) => verdict.bypass = Some(b),
    }
    verdict
}

/// Judge updates against a loaded policy (no break-glass: the CLI's check).
pub fn judge(
    repo: &HookRepo,
    policy: &LoadedPolicy,
    default_branch: Option<&str>,
    now: DateTime<Utc>,
    updates: &[RefUpdate],
) -> Verdict {
    let notes = AiNotes::new(repo, updates);
    let (baseline, baseline_error) = baseline(repo);
    let ctx = CheckContext {
        repo,
        policy,
        pusher: None,
        default_branch,
        now,
        bypass: false,
        forge: None,
        notes: &notes,
        baseline: &baseline,
    };
    let mut verdict = check::check_push(&ctx, updates);
    if let Some(v) = baseline_error {
        verdict.push(v);
    }
    verdict
}

/// The baseline commits; a value that names no commit here refuses the push
/// (fail closed: the administrator meant to exempt something, and which
/// history is exempt must never be a guess).
fn baseline(repo: &HookRepo) -> (Vec<git2::Oid>, Option<crate::verdict::Violation>) {
    match repo.baseline_commits() {
        Ok(b) => (b, None),
        Err(e) => (Vec::new(), Some(check::internal_error("(this push)", &e))),
    }
}

fn policy_failure(e: &PolicyLoadError, updates: &[RefUpdate], pinned: Option<&str>) -> Verdict {
    let source = match e {
        PolicyLoadError::Invalid(pe) => format!("invalid policy: {}", pe.source_desc),
        PolicyLoadError::Read(_) => "unreadable policy".to_string(),
    };
    let mut verdict = Verdict::new(
        &crate::policy::PolicySource::File(source),
        "-",
        crate::rule::Mode::Enforce,
    );
    verdict.push(report::policy_invalid(updates, &e.to_string(), pinned));
    verdict
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
            Outcome::failed("reviewgate hit an internal error (fail closed)", &what)
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
