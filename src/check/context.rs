//! What every check of a push may read: the repository, the trusted
//! policy, who pushed, the clock, break-glass, the forge, the notes and the
//! baseline, gathered once by the hook.

use chrono::{DateTime, Utc};
use git2::Oid;

use super::approvals;
use super::notes;
use crate::policy::LoadedPolicy;
use crate::push::Pusher;
use crate::repo::HookRepo;

/// Everything a check needs besides the updates.
pub struct CheckContext<'a> {
    /// The repository.
    pub repo: &'a HookRepo,
    /// The trusted policy.
    pub policy: &'a LoadedPolicy,
    /// Who pushed, if the server said.
    pub pusher: Option<&'a Pusher>,
    /// The default branch (client-visible ref name).
    pub default_branch: Option<&'a str>,
    /// The time freeze windows are judged at.
    pub now: DateTime<Utc>,
    /// Whether a break-glass request was honoured ([`super::bypass::decide`]).
    pub bypass: bool,
    /// What the forge's environment says about the push, if a forge made it.
    pub forge: Option<&'a crate::push::ForgePush>,
    /// git-ai authorship notes (read only when a commit is asked about).
    pub notes: &'a notes::AiNotes<'a>,
    /// Signed approvals and the allowed signers (read only when asked).
    pub approvals: &'a approvals::Approvals<'a>,
    /// The baseline commits (`reviewgate.baseline`): their history is
    /// exempt from review rules, never from ref protections.
    pub baseline: &'a [Oid],
    /// Whether the engine surveys a history rather than judging a push
    /// (`reviewgate report`): nothing is capped, every commit's decision
    /// is recorded ([`crate::verdict::CommitRecord`]), a new ref hides no
    /// other ref's commits, AI evidence is read on every ref, and a squash
    /// naming a pull request (`(#N)`) is judged as that pull request's
    /// forge merge.
    pub survey: bool,
    /// Told how many commits have been read, every few thousand (a long
    /// survey's progress indicator).
    pub progress: Option<&'a dyn Fn(u64)>,
}
