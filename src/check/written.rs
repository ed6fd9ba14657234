//! Which ref an update really writes, and whether a decision on it guards
//! protected state: one answer for the checks, the audit log's fail-closed
//! rule and the setup warnings.

use anyhow::Result;

use super::notes;
use crate::policy::Policy;
use crate::push::RefUpdate;
use crate::repo::HookRepo;

/// The ref an update really writes: a push to a symbolic ref writes the ref
/// it points to (a deletion removes the symbolic ref itself, as
/// receive-pack does). Every decision that depends on "is this protected"
/// asks about this name ([`guards`]).
pub fn written_ref(repo: &HookRepo, update: &RefUpdate) -> Result<String> {
    let target = match update.new {
        Some(_) => repo.symref_target(&update.name)?,
        None => None,
    };
    Ok(target.unwrap_or_else(|| update.name.clone()))
}

/// Whether a decision on `update` guards protected state, so it must be on
/// the record (the audit log's fail-closed rule): the ref it names or the
/// ref it really writes is protected; it writes `refs/replace/*` (which
/// changes what every ref shows), another namespace's refs, the AI
/// evidence of `refs/notes/ai`, or (when the policy counts them) the signed
/// approvals of `refs/notes/reviewgate`; or which ref it writes cannot be
/// read (fail closed).
pub fn guards(
    repo: &HookRepo,
    policy: &Policy,
    default_branch: Option<&str>,
    update: &RefUpdate,
) -> bool {
    let special = |name: &str| {
        name.starts_with("refs/replace/")
            || name.starts_with("refs/namespaces/")
            || name == notes::NOTES_REF
            || (policy.review.signed && name == crate::approval::NOTES_REF)
    };
    if special(&update.name) || policy.is_protected(&update.name, default_branch) {
        return true;
    }
    match written_ref(repo, update) {
        Ok(written) => special(&written) || policy.is_protected(&written, default_branch),
        Err(_) => true,
    }
}
