//! Ref rules (pure): who may push, freeze windows, deletion, moving an
//! immutable ref, force-pushes, merge commits on linear refs, and refs that
//! change what git shows (replace refs, namespaces named directly).

use chrono::{DateTime, Utc};

use super::{pusher, Finding, Fix, Judge};
use crate::commit::Anomaly;
use crate::policy::{Effective, LoginPattern};
use crate::push::{Pusher, UpdateKind, IDENTITY_VARIABLES};
use crate::rule::Rule;
use crate::verdict::short_id;

/// The first `[[protect]]` entry with a `pushers` list that the pusher is not
/// on (or every one, when no server vouched for the pusher).
pub fn pushers(judge: &Judge<'_>, eff: &Effective<'_>, who: Option<&Pusher>) -> Option<Finding> {
    if eff.entries.iter().all(|p| p.pushers.is_empty()) {
        return None;
    }
    let Some(p) = who else {
        return Some(judge.finding(
            Rule::PusherUnauthenticated,
            format!("only listed pushers may update this ref, and the server gave no authenticated identity (looked for {IDENTITY_VARIABLES})"),
            Fix::Advice("push through the server's authenticated transport, or ask an administrator to configure identity variables".into()),
        ));
    };
    let refused = eff
        .entries
        .iter()
        .find(|e| !e.pushers.is_empty() && !pusher::listed(judge.policy, p, &e.pushers))?;
    let allowed: Vec<&str> = refused.pushers.iter().map(LoginPattern::as_str).collect();
    Some(judge.finding(
        Rule::PusherNotAllowed,
        format!(
            "pusher `{}` may not update this ref (allowed: {})",
            p.name(),
            allowed.join(", ")
        ),
        Fix::Advice("push to another branch and ask an allowed pusher to bring it in".into()),
    ))
}

/// One finding per freeze window active at `now`.
pub fn freeze(judge: &Judge<'_>, eff: &Effective<'_>, now: DateTime<Utc>) -> Vec<Finding> {
    eff.entries
        .iter()
        .flat_map(|p| &p.freeze)
        .filter_map(|w| {
            let end = w.active_until(now)?;
            Some(judge.finding(
                Rule::FreezeWindow,
                format!(
                    "changes to this ref are frozen: {} (until {})",
                    w.reason(),
                    end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
                Fix::Advice("wait until the window ends; in an emergency a listed pusher can break glass: git push -o reviewgate.bypass=\"reason\"".into()),
            ))
        })
        .collect()
}

/// Deleting a protected ref, or moving one that may only be created.
pub fn kind(judge: &Judge<'_>, eff: &Effective<'_>, kind: UpdateKind) -> Option<Finding> {
    match kind {
        UpdateKind::Delete if !eff.allow_deletion => Some(judge.finding(
            Rule::Deletion,
            "protected refs cannot be deleted".into(),
            Fix::Advice("an administrator can delete it on the server if it really must go".into()),
        )),
        UpdateKind::Update if !eff.allow_update => Some(judge.finding(
            Rule::ImmutableRef,
            "this ref may be created once and never moved".into(),
            Fix::Advice("create a new ref (a new tag name) instead of moving this one".into()),
        )),
        _ => None,
    }
}

/// Whether an update from `old` to `new` must be a fast-forward.
pub fn needs_fast_forward(eff: &Effective<'_>, old: &str, new: &str) -> bool {
    eff.allow_update && !eff.allow_force_push && old != new
}

/// A non-fast-forward update (`old` is not an ancestor of `new`; short ids).
pub fn force_push(judge: &Judge<'_>, old: &str, new: &str) -> Finding {
    judge.finding(
        Rule::ForcePush,
        format!("non-fast-forward update: {old} is not an ancestor of {new}"),
        Fix::Advice("rebase or merge onto the current remote ref instead of rewriting it: git pull --rebase && git push".into()),
    )
}

/// The fix for an erased note, as the explanation gives it.
const KEEP_NOTES: &str = "merge the server's notes into yours, keeping theirs, before pushing:\n  git fetch origin refs/notes/ai:refs/notes/ai-origin\n  git notes --ref=ai merge -s theirs refs/notes/ai-origin\n  git push origin refs/notes/ai\n(a note that is really wrong is an administrator's to remove on the server)";

/// An update of `refs/notes/ai` that erases the AI evidence of `commits`,
/// which are not on a protected ref yet.
pub fn evidence_erased(judge: &Judge<'_>, commits: &[git2::Oid]) -> Finding {
    let shown: Vec<String> = commits
        .iter()
        .take(5)
        .map(|c| short_id(&c.to_string()).to_string())
        .collect();
    let more = commits.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    judge.finding(
        Rule::AiEvidenceRemoved,
        format!(
            "this update erases the git-ai evidence (a note attesting agent-written lines) of {} commit(s) not yet on a protected ref: {}{more}; AI evidence only grows",
            commits.len(),
            shown.join(", ")
        ),
        Fix::Advice(KEEP_NOTES.into()),
    )
}

/// An update of `refs/notes/ai` too large to verify that it keeps every AI
/// note (refused: the safe side).
pub fn notes_unverifiable(judge: &Judge<'_>, why: &super::notes::Unverifiable) -> Finding {
    let what = match why {
        super::notes::Unverifiable::TooMany => format!(
            "it removes or changes more than {} notes at once",
            super::notes::MAX_CHANGED_NOTES
        ),
        super::notes::Unverifiable::Unread => format!(
            "its notes could not all be read (more than {} MiB of notes objects)",
            super::notes::MAX_NOTES_BYTES >> 20
        ),
    };
    judge.finding(
        Rule::AiEvidenceRemoved,
        format!("this update of refs/notes/ai cannot be shown to keep every AI note: {what}; refused, the safe side"),
        Fix::Advice(KEEP_NOTES.into()),
    )
}

/// A merge commit (`parents` > 1) on a ref that requires linear history.
pub fn linear(judge: &Judge<'_>, eff: &Effective<'_>, parents: usize) -> Option<Finding> {
    (eff.linear_history && parents > 1).then(|| {
        judge.finding(
            Rule::MergeCommit,
            "merge commit on a ref that requires linear history".into(),
            Fix::Advice(
                "rebase instead of merging (git rebase origin/main), then push again".into(),
            ),
        )
    })
}

/// A commit whose headers git could read more than one way (fail closed).
pub fn malformed(judge: &Judge<'_>, anomaly: Anomaly) -> Finding {
    judge.finding(
        Rule::MalformedCommit,
        format!("git's reading of this commit is not certain: {anomaly}"),
        Fix::Advice("recreate the commit with git itself (git commit --amend, or git rebase), then push again".into()),
    )
}

/// A push naming `refs/namespaces/...` directly.
pub fn namespaced(judge: &Judge<'_>) -> Finding {
    judge.finding(
        Rule::NamespacedRef,
        "this push names a namespaced ref directly; it would write another namespace's refs past their protections".into(),
        Fix::Advice("push to the namespace through its own URL (the server sets GIT_NAMESPACE)".into()),
    )
}

/// A push to `refs/replace/*` that no `[[protect]]` entry allows.
pub fn replace(judge: &Judge<'_>) -> Finding {
    judge.finding(
        Rule::ReplaceRef,
        "replace refs change what git shows for every ref on the server (git log, show, archive honour them)".into(),
        Fix::Advice("do not push refs/replace/*; an administrator can allow them with a [[protect]] entry for refs/replace/* that sets allow-replace = true".into()),
    )
}
