//! Evidence only grows. The `ai-evidence-removed` pass: an update of
//! `refs/notes/ai` may not erase the AI evidence of a commit that is not
//! yet on a protected ref. The `approvals-rewritten` pass: when the policy
//! counts signed approvals, `refs/notes/reviewgate` is append-only (no
//! deletion, no rewind, no approval changed or removed).

use anyhow::Result;
use git2::Oid;

use super::context::CheckContext;
use super::judge::{Finding, Fix, Judge};
use super::notes;
use super::server::PushState;
use crate::approval;
use crate::push::RefUpdate;
use crate::rule::Rule;
use crate::verdict::short_id;
use crate::walk::Walk;

/// How many commits whose notes an update erases are checked against the
/// protected refs (beyond, the update is refused: the safe side).
pub(super) const MAX_ERASED_CHECKED: usize = 100;

/// An update that writes `refs/notes/ai` (`written`) and erases the AI
/// evidence of commits not yet on a protected ref
/// ([`super::notes::AiNotes::erased`]).
pub(super) fn check(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    update: &RefUpdate,
    written: &str,
    state: &mut PushState<'_>,
) -> Result<Option<Finding>> {
    if written != notes::NOTES_REF {
        return Ok(None);
    }
    let Some(old) = update.old else {
        return Ok(None); // a new notes ref erases nothing
    };
    let erased = match ctx.notes.erased(old, update.new) {
        Ok(e) => e,
        Err(why) => return Ok(Some(notes_unverifiable(judge, &why))),
    };
    if erased.is_empty() {
        return Ok(None);
    }
    let mut tips: Vec<Oid> = state.protected(ctx)?.iter().map(|p| p.tip).collect();
    tips.sort();
    tips.dedup();
    let mut unlanded = Vec::new();
    for (i, id) in erased.iter().enumerate() {
        if i >= MAX_ERASED_CHECKED || !on_protected_ref(state.odb, &tips, *id)? {
            unlanded.push(*id);
        }
    }
    Ok((!unlanded.is_empty()).then(|| evidence_erased(judge, &unlanded)))
}

/// An update that writes the approvals ref (`written`) while the policy
/// counts signed approvals, and deletes it, rewinds it, or changes or
/// removes a recorded approval.
pub(super) fn approvals(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    update: &RefUpdate,
    written: &str,
) -> Result<Option<Finding>> {
    if written != approval::NOTES_REF || !judge.policy.review.signed {
        return Ok(None);
    }
    let Some(old) = update.old else {
        return Ok(None); // a new ref removes nothing
    };
    let rewritten = |what: String| {
        judge.finding(
            Rule::ApprovalsRewritten,
            format!("{} is append-only while the policy counts signed approvals: {what}", approval::NOTES_REF),
            Fix::Advice(format!("fetch the approvals and add yours on top (git fetch origin {0}:{0}; reviewgate approve COMMIT; git push origin {0})", approval::NOTES_REF)),
        )
    };
    let Some(new) = update.new else {
        return Ok(Some(rewritten("this push deletes it".into())));
    };
    if new != old && !ctx.repo.repo.graph_descendant_of(new, old)? {
        return Ok(Some(rewritten(format!(
            "this push rewinds it ({} is not an ancestor of {})",
            short_id(old),
            short_id(new)
        ))));
    }
    let lost = match ctx.approvals.rewritten(old, Some(new)) {
        Ok(l) => l,
        Err(why) => return Ok(Some(notes_unverifiable(judge, &why))),
    };
    Ok(lost.first().map(|(commit, what)| {
        rewritten(format!(
            "this push removes or changes {} recorded approval(s), the first of commit {} ({what})",
            lost.len(),
            short_id(commit)
        ))
    }))
}

/// Whether commit `id` is reachable from one of the protected `tips` (a
/// note for an object that is not a commit here annotates nothing landed).
pub(super) fn on_protected_ref(odb: &git2::Odb<'_>, tips: &[Oid], id: Oid) -> Result<bool> {
    if !odb
        .read_header(id)
        .is_ok_and(|(_, kind)| kind == git2::ObjectType::Commit)
    {
        return Ok(false);
    }
    let mut brought = false;
    Walk::new(odb, tips)?.from(id, |c| -> Result<bool> {
        brought = c.id() == id;
        Ok(false)
    })?;
    Ok(!brought)
}

/// The fix for an erased note, as the explanation gives it.
const KEEP_NOTES: &str = "merge the server's notes into yours, keeping theirs, before pushing:\n  git fetch origin refs/notes/ai:refs/notes/ai-origin\n  git notes --ref=ai merge -s theirs refs/notes/ai-origin\n  git push origin refs/notes/ai\n(a note that is really wrong is an administrator's to remove on the server)";

/// An update of `refs/notes/ai` that erases the AI evidence of `commits`,
/// which are not on a protected ref yet.
fn evidence_erased(judge: &Judge<'_>, commits: &[git2::Oid]) -> Finding {
    let shown: Vec<String> = commits.iter().take(5).map(short_id).collect();
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
fn notes_unverifiable(judge: &Judge<'_>, why: &notes::Unverifiable) -> Finding {
    let what = match why {
        notes::Unverifiable::TooMany => format!(
            "it removes or changes more than {} notes at once",
            notes::MAX_CHANGED_NOTES
        ),
        notes::Unverifiable::Unread => format!(
            "its notes could not all be read (more than {} MiB of notes objects)",
            notes::MAX_NOTES_BYTES >> 20
        ),
    };
    judge.finding(
        Rule::AiEvidenceRemoved,
        format!("this update of refs/notes/ai cannot be shown to keep every AI note: {what}; refused, the safe side"),
        Fix::Advice(KEEP_NOTES.into()),
    )
}
