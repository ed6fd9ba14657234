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
use crate::check::approvals::Approvals;
use crate::check::bypass::{self, Decision};
use crate::check::notes::AiNotes;
use crate::check::{self, CheckContext};
use crate::policy::load::{self, PolicyLoadError};
use crate::policy::LoadedPolicy;
use crate::push::{self, Env, ForgePush, InputError, PushOptions, Pusher, RefUpdate};
use crate::repo::{self, HookPaths, HookRepo, OpenError};
use crate::report;
use crate::verdict::{ExitStatus, PolicyInfo, PolicyOrigin, Verdict};

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

/// What a push brings besides its updates: who made it, how, and when.
pub struct Push<'a> {
    /// The ref updates.
    pub updates: &'a [RefUpdate],
    /// The authenticated pusher, if the server said.
    pub pusher: Option<Pusher>,
    /// The forge, if it made the push.
    pub forge: Option<ForgePush>,
    /// Push options (break-glass); the update hook never sees them.
    pub options: PushOptions,
    /// The time freeze windows are judged at.
    pub now: DateTime<Utc>,
}

impl<'a> Push<'a> {
    /// A push with no pusher, forge or options (the CLI's local check).
    pub fn local(updates: &'a [RefUpdate], now: DateTime<Utc>) -> Self {
        Self {
            updates,
            pusher: None,
            forge: None,
            options: PushOptions::default(),
            now,
        }
    }
}

/// Where the hook's repository is, from git's environment.
fn hook_paths(env: &Env) -> HookPaths {
    HookPaths {
        git_dir: env
            .get_os("GIT_DIR")
            .filter(|d| !d.is_empty())
            .map_or_else(|| std::path::PathBuf::from("."), std::path::PathBuf::from),
        quarantine: env
            .get_os("GIT_QUARANTINE_PATH")
            .filter(|q| !q.is_empty())
            .map(std::path::PathBuf::from),
        namespace: env.non_empty("GIT_NAMESPACE").map(String::from),
    }
}

/// Judge `updates` in the repository the environment names.
pub fn run(updates: &[RefUpdate], env: &Env, kind: HookKind) -> Outcome {
    let repo = match HookRepo::open_for_hook(&hook_paths(env)) {
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
    let push = Push {
        updates,
        pusher: Pusher::from_env(env),
        forge: ForgePush::from_env(env),
        options: match kind {
            HookKind::PreReceive => PushOptions::from_env(env),
            HookKind::Update => PushOptions::default(),
        },
        now: repo.settings.now.unwrap_or_else(Utc::now),
    };
    let state = repo.policy_state_path();
    let loaded = load::load(&repo, audit::last_policy(&state, &repo.settings.audit_log));
    let mut verdict = verdict(&repo, &loaded, &push);
    let guarded = match &loaded {
        Ok(policy) => {
            let default_branch = repo.default_branch();
            updates
                .iter()
                .any(|u| check::guards(&repo, &policy.policy, default_branch.as_deref(), u))
        }
        Err(_) => true,
    };
    if let Err(e) = record(&repo, &state, kind, &push, &verdict) {
        // Documented choice: decisions on protected refs must be on the record.
        if guarded {
            let first = updates.first().map(|u| u.name.as_str()).unwrap_or_default();
            verdict.push(report::audit_unavailable(first, &e));
        }
    }
    let lines = words(&verdict, &loaded, &push, guarded);
    Outcome {
        status: verdict.exit_status(),
        lines,
        verdict: Some(verdict),
    }
}

/// The verdict on a push, assembled in this one place: a policy that could
/// not be loaded refuses it; otherwise break-glass is decided, the engine
/// judges every update, and the baseline's and the push options' findings
/// are added. The hooks and the CLI's local check both come here.
pub fn verdict(
    repo: &HookRepo,
    loaded: &Result<LoadedPolicy, PolicyLoadError>,
    push: &Push<'_>,
) -> Verdict {
    judged(repo, loaded.as_ref(), push, Err(()))
}

/// The engine surveying a history rather than judging a push
/// ([`CheckContext::survey`]): the same passes, nothing capped, every
/// commit's decision recorded in the verdict. `reviewgate report` and
/// `reviewgate policy test` come here.
pub fn survey(
    repo: &HookRepo,
    policy: &LoadedPolicy,
    push: &Push<'_>,
    progress: Option<&dyn Fn(u64)>,
) -> Verdict {
    judged(repo, Ok(policy), push, Ok(progress))
}

fn judged(
    repo: &HookRepo,
    loaded: Result<&LoadedPolicy, &PolicyLoadError>,
    push: &Push<'_>,
    // Surveying (with its progress, if shown), or judging a push.
    survey: Result<Option<&dyn Fn(u64)>, ()>,
) -> Verdict {
    let policy = match loaded {
        Ok(p) => p,
        Err(e) => {
            let pinned = repo
                .settings
                .pinned_policy
                .as_ref()
                .map(|p| p.display().to_string());
            return policy_failure(e, push.updates, pinned.as_deref());
        }
    };
    let decision = bypass::decide(&policy.policy, push.pusher.as_ref(), &push.options);
    let default_branch = repo.default_branch();
    let notes = AiNotes::new(repo, push.updates);
    let approvals = Approvals::new(
        repo,
        push.updates,
        repo.settings.allowed_signers.clone(),
        push.now,
    );
    let (baseline, baseline_error) = baseline(repo);
    let ctx = CheckContext {
        repo,
        policy,
        pusher: push.pusher.as_ref(),
        default_branch: default_branch.as_deref(),
        now: push.now,
        bypass: matches!(decision, Decision::Honoured(_)),
        forge: push.forge.as_ref(),
        notes: &notes,
        approvals: &approvals,
        baseline: &baseline,
        survey: survey.is_ok(),
        progress: survey.ok().flatten(),
    };
    let mut verdict = check::check_push(&ctx, push.updates);
    verdict.extend(baseline_error);
    if let Some(e) = &repo.settings.now_error {
        verdict.extend(Some(check::internal_error(
            "(this push)",
            &anyhow::anyhow!("{e}"),
        )));
    }
    verdict.extend(bypass::unknown_options(&push.options));
    match decision {
        Decision::NotAsked => {}
        Decision::Denied(message) => verdict.push(report::bypass_denied(message)),
        Decision::Honoured(b) => verdict.bypass = Some(b),
    }
    verdict
}

/// Write the decision to the audit log, and remember where the policy was
/// read for the next push.
fn record(
    repo: &HookRepo,
    state: &std::path::Path,
    kind: HookKind,
    push: &Push<'_>,
    verdict: &Verdict,
) -> anyhow::Result<()> {
    let record = audit::Record::new(
        push.now,
        repo.repo.path(),
        kind.name(),
        push.pusher.as_ref(),
        push.updates,
        verdict,
    );
    audit::append_owned(
        &repo.settings.audit_log,
        &record,
        repo.settings.audit_sync,
        Some(repo.repo.path()),
    )?;
    remember_policy(repo, state, verdict)
}

/// What the pusher reads: the verdict when it concerns protected state or
/// found anything; the break-glass offer; GitLab's web prefix.
fn words(
    verdict: &Verdict,
    loaded: &Result<LoadedPolicy, PolicyLoadError>,
    push: &Push<'_>,
    guarded: bool,
) -> Vec<String> {
    let mut lines = if guarded || !verdict.violations.is_empty() || verdict.bypass.is_some() {
        report::render(verdict)
    } else {
        Vec::new()
    };
    if let Ok(policy) = loaded {
        // Offered only where it could work: someone is listed, and the
        // server says who pushes (break-glass needs a listed identity).
        if !policy.policy.bypass_pushers.is_empty() && push.pusher.is_some() {
            lines.extend(report::bypass_offer(verdict, push.options.advertised));
        }
    }
    if push.forge.as_ref().is_some_and(|f| f.web) {
        lines = report::for_gitlab_web(lines);
    }
    lines
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

/// The baseline commits; a value that names no commit here refuses the push
/// (fail closed: the administrator meant to exempt something, and which
/// history is exempt must never be a guess).
fn baseline(repo: &HookRepo) -> (Vec<git2::Oid>, Option<crate::verdict::Violation>) {
    match repo.baseline_commits() {
        Ok(b) => (b, None),
        Err(e) => (Vec::new(), Some(check::internal_error("(this push)", &e))),
    }
}

/// The verdict when the trusted policy could not be loaded: every update
/// refused, fail closed.
fn policy_failure(e: &PolicyLoadError, updates: &[RefUpdate], pinned: Option<&str>) -> Verdict {
    let source = match e {
        PolicyLoadError::Invalid(pe) => format!("invalid policy: {}", pe.source_desc),
        PolicyLoadError::Untrusted { found_in, .. } => format!("untrusted policy: {found_in}"),
        PolicyLoadError::Read(_) => "unreadable policy".to_string(),
    };
    let mut verdict = Verdict::new(PolicyInfo {
        origin: PolicyOrigin {
            file: Some(source.clone()),
            ..PolicyOrigin::default()
        },
        source,
        sha256: "-".into(),
        mode: crate::rule::Mode::Enforce,
    });
    verdict.push(report::policy_invalid(updates, &e.to_string(), pinned));
    verdict
}

/// Run `f`, turning a panic into a rejecting outcome (fail closed). The
/// hook binaries also silence the process's panic hook, so no backtrace
/// reaches the pusher's terminal; the library leaves process-wide settings
/// to them.
pub fn guarded(f: impl FnOnce() -> Outcome) -> Outcome {
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
        assert_eq!(outcome.status, ExitStatus::InternalError);
        let text = outcome.lines.join("\n");
        assert!(text.contains("error[internal-error]"), "{text}");
        assert!(text.contains("fail closed"), "{text}");
        assert!(text.contains("simulated bug in a rule"), "{text}");
        assert!(!text.contains("RUST_BACKTRACE"), "{text}");
    }
}
