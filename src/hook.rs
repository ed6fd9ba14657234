//! The two hooks as library calls: input in, [`Outcome`] out (lines to show the
//! pusher and an exit status). The binaries in `hooks/` only wire stdin, argv,
//! the environment and stderr to these functions.
//!
//! Every failure is an outcome, never a panic or a silent accept: bad input and
//! git errors reject with exit 2, a broken policy with exit 78.

use std::ffi::OsString;
use std::panic::{self, AssertUnwindSafe};

use crate::config::LoadedPolicy;
use crate::push::{self, Env, InputError, Pusher, RefUpdate};
use crate::repo::{HookRepo, OpenError, PolicyLoadError};
use crate::report;
use crate::rules::{self, CheckContext};
use crate::verdict::{ExitStatus, Rule, Verdict};

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
    let default_branch = repo.default_branch();
    let policy = match repo.load_policy() {
        Ok(p) => p,
        Err(e) => return policy_failure(&e),
    };
    let pusher = Pusher::from_env(env);
    let verdict = judge(
        &repo,
        &policy,
        pusher.as_ref(),
        default_branch.as_deref(),
        updates,
    );
    let protected = updates.iter().any(|u| {
        policy
            .policy
            .is_protected(&u.name, default_branch.as_deref())
    });
    let mut lines = if protected || !verdict.violations.is_empty() {
        report::render(&verdict)
    } else {
        Vec::new()
    };
    // With our pre-receive installed too, it has already reported; the update
    // hook only speaks when it rejects (which pre-receive would have done).
    if kind == HookKind::Update && !verdict.rejects() && pre_receive_is_ours(&repo) {
        lines.clear();
    }
    Outcome {
        status: verdict.exit_status(),
        lines,
        verdict: Some(verdict),
    }
}

/// Judge updates against a loaded policy.
pub fn judge(
    repo: &HookRepo,
    policy: &LoadedPolicy,
    pusher: Option<&Pusher>,
    default_branch: Option<&str>,
    updates: &[RefUpdate],
) -> Verdict {
    let ctx = CheckContext {
        repo,
        policy,
        pusher,
        default_branch,
    };
    rules::check_push(&ctx, updates)
}

fn policy_failure(e: &PolicyLoadError) -> Outcome {
    let detail = format!(
        "{e}\nEvery update is refused until the policy is fixed (fail closed).\nAn administrator can pin a known-good policy on the server: git config reviewgate.policy /path/to/policy.toml"
    );
    let (headline, status) = match e {
        PolicyLoadError::Invalid(_) => ("the trusted policy is invalid", ExitStatus::ConfigError),
        PolicyLoadError::Read(_) => ("the trusted policy cannot be read", ExitStatus::ConfigError),
    };
    failure(status, Rule::PolicyInvalid, headline, &detail)
}

fn pre_receive_is_ours(repo: &HookRepo) -> bool {
    let dir = repo.hooks_dir();
    let mut candidates = vec![dir.join("pre-receive")];
    if let Ok(entries) = std::fs::read_dir(dir.join("pre-receive.d")) {
        candidates.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
    }
    candidates.iter().any(|p| {
        std::fs::read(p).is_ok_and(|bytes| {
            bytes
                .windows(b"reviewgate".len())
                .any(|w| w == b"reviewgate")
        })
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
