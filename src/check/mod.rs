//! The engine: for each ref update of a push, which protections apply and
//! which of them the update (and the commits it brings) break.
//!
//! [`check_push`] reads as a list of named passes over the updates, as git's
//! `receive-pack` runs its own (each pass skips what an earlier one
//! refused): writes into another namespace are refused; the ref really
//! written is found; AI evidence must not shrink; replace refs are refused;
//! then the protected ref's checks, walking the commits it brings; last, the
//! setup warnings for the whole push. Facts are gathered by the I/O files
//! (`notes`, `server`, `gate`, `pull_request`, `commits`); the checks that
//! decide take plain data (`refs`, `review`, `coverage`, `policy_change`,
//! `bypass`).
//!
//! The files, each using only the ones above it (`tests/it/docs.rs` holds
//! the code to this order):
//!
//! 1. [`judge`]: findings, fixes, and the severity each gets;
//! 2. [`pusher`]: who the pusher stands for in the policy's terms;
//! 3. [`reviewers`]: which reviews count, and the one review decision;
//! 4. [`coverage`]: a reviewed merge covers what it merges;
//! 5. [`review`]: which commits need a review, and the finding when short;
//! 6. [`signoff`]: which sign-off rules apply to a commit, and AI on a ref
//!    (`ai = "forbid"`, an AI's `Signed-off-by:`);
//! 7. [`signed`]: signed commits, proving their authors;
//! 8. [`refs`]: ref rules (pushers, freezes, deletion, force-push, ...);
//! 9. [`hints`]: the fixes, worded for their context;
//! 10. [`policy_change`]: the policy gate's findings;
//! 11. [`bypass`]: break-glass, by push option;
//! 12. [`notes`]: git-ai notes, read lazily and bounded;
//! 13. [`approvals`]: signed approvals and the allowed signers;
//! 14. [`context`]: what every check may read;
//! 15. [`written`]: which ref an update really writes;
//! 16. [`server`]: what the server already has (protected tips, walks);
//! 17. [`evidence`]: AI evidence and signed approvals only grow;
//! 18. [`pull_request`]: a forge's pull request and its copies;
//! 19. [`findings`]: the findings on one ref, and the violations they become;
//! 20. [`gate`]: the policy gate's facts;
//! 21. [`paths`]: the paths a commit changes, read for the sign-off rules
//!     when the walk reaches its parent;
//! 22. [`commits`]: the checks on one protected ref, in one walk;
//! 23. [`setup`]: warnings about the setup itself.

use anyhow::Result;

use crate::policy::{Effective, LoadedPolicy, PolicySource};
use crate::push::RefUpdate;
use crate::rule::{Rule, Severity};
use crate::verdict::{PolicyInfo, PolicyOrigin, Verdict, Violation};

pub mod approvals;
pub mod bypass;
pub mod commits;
pub mod context;
pub mod coverage;
pub mod evidence;
pub mod findings;
pub mod gate;
pub mod hints;
pub mod judge;
pub mod notes;
pub mod paths;
pub mod policy_change;
pub mod pull_request;
pub mod pusher;
pub mod refs;
pub mod review;
pub mod reviewers;
pub mod server;
pub mod setup;
pub mod signed;
pub mod signoff;
#[cfg(test)]
mod testing;
pub mod written;

pub use context::CheckContext;
pub use judge::{Ask, Finding, Fix, Judge};
pub use written::{guards, written_ref};

use findings::RefFindings;
use server::PushState;

/// The policy a verdict is judged by, in the verdict's plain words (its
/// origin names the branch a built-in default stood in for).
pub fn policy_info(policy: &LoadedPolicy) -> PolicyInfo {
    let mut origin = match &policy.source {
        PolicySource::Builtin => PolicyOrigin::default(),
        PolicySource::Repository {
            refname,
            commit,
            blob,
        } => PolicyOrigin {
            refname: Some(refname.clone()),
            commit: Some(commit.to_string()),
            blob: Some(blob.to_string()),
            file: None,
        },
        PolicySource::File(path) => PolicyOrigin {
            file: Some(path.clone()),
            ..PolicyOrigin::default()
        },
    };
    if origin.refname.is_none() && origin.file.is_none() {
        origin.refname = policy.branch.clone();
    }
    PolicyInfo {
        source: policy.source.to_string(),
        origin,
        sha256: policy.sha256.clone(),
        mode: policy.policy.mode,
    }
}

/// Judge a whole push: each update's passes, then the setup warnings.
pub fn check_push(ctx: &CheckContext<'_>, updates: &[RefUpdate]) -> Verdict {
    let mut verdict = Verdict::new(policy_info(ctx.policy));
    verdict.uncapped = ctx.survey;
    let odb = match ctx.repo.repo.odb() {
        Ok(odb) => odb,
        Err(e) => {
            verdict.push(internal_error("(this push)", &anyhow::Error::from(e)));
            return verdict;
        }
    };
    let mut state = PushState::new(&odb);
    for update in updates {
        if let Err(e) = check_update(ctx, update, &mut state, &mut verdict) {
            verdict.push(internal_error(&update.name, &e));
        }
    }
    for v in setup::notices(ctx, updates) {
        verdict.push(v);
    }
    verdict
}

/// The violation for an update that could not be checked (fail closed).
pub fn internal_error(refname: &str, e: &anyhow::Error) -> Violation {
    Violation {
        rule: Rule::InternalError,
        severity: Severity::Error,
        refname: refname.to_string(),
        commit: None,
        message: format!("could not check this update: {e:#}"),
        hint: "the update is refused rather than accepted unchecked; ask the server administrator if this persists".into(),
    }
}

/// One update's passes, in order; a pass that refuses the update ends it.
fn check_update(
    ctx: &CheckContext<'_>,
    update: &RefUpdate,
    state: &mut PushState<'_>,
    verdict: &mut Verdict,
) -> Result<()> {
    let policy = &ctx.policy.policy;
    let refname = update.name.as_str();
    let global = Judge {
        policy,
        mode: policy.mode,
        bypass: ctx.bypass,
    };
    // Direct writes into another namespace would bypass its protections.
    if refname.starts_with("refs/namespaces/") {
        verdict.push(ref_violation(refname, refs::namespaced(&global)));
        return Ok(());
    }
    let written = written_ref(ctx.repo, update)?;
    if let Some(f) = evidence::check(ctx, &global, update, &written, state)? {
        verdict.push(ref_violation(refname, f));
    }
    if let Some(f) = evidence::approvals(ctx, &global, update, &written)? {
        verdict.push(ref_violation(refname, f));
    }
    let names: Vec<&str> = if written == refname {
        vec![refname]
    } else {
        vec![refname, &written]
    };
    let eff = Effective::for_names(policy, &names, ctx.default_branch);
    if written.starts_with("refs/replace/") && !eff.as_ref().is_some_and(|e| e.allow_replace) {
        let judge = Judge {
            mode: eff.as_ref().map_or(policy.mode, |e| e.mode),
            ..global
        };
        verdict.push(ref_violation(refname, refs::replace(&judge)));
        return Ok(());
    }
    // A surveyed history is read on an unprotected branch too.
    let Some(eff) = eff.or_else(|| ctx.survey.then(Effective::unprotected)) else {
        return Ok(());
    };
    let display = if written == refname {
        refname.to_string()
    } else {
        format!("{refname} (-> {written})")
    };
    let written_update = RefUpdate {
        name: written,
        ..update.clone()
    };
    let judge = Judge {
        mode: eff.mode,
        ..global
    };
    let mut found = RefFindings {
        uncapped: ctx.survey,
        ..RefFindings::default()
    };
    commits::check_ref(ctx, &judge, &eff, &written_update, state, &mut found)?;
    let forge_merge = ctx.forge.filter(|f| f.merge);
    found.emit(&display, policy.review.trailer(), forge_merge, verdict);
    Ok(())
}

/// A finding about the update itself, as a violation (its fix worded as is).
fn ref_violation(refname: &str, f: Finding) -> Violation {
    Violation {
        rule: f.rule,
        severity: f.severity,
        refname: refname.to_string(),
        commit: None,
        message: f.message,
        hint: match f.fix {
            Fix::Advice(a) => a,
            Fix::Review(_) | Fix::Approve(_) => String::new(),
        },
    }
}
