//! git-ai authorship notes as AI evidence: a commit whose `refs/notes/ai`
//! note attests agent-written lines counts as AI-assisted even when its
//! message says nothing. The notes read are the ones the push brings (its new
//! `refs/notes/ai`) and the ones the repository already has. Notes can only
//! add evidence: a missing, malformed or human-only note clears nothing.

use std::collections::HashMap;

use git2::Oid;

use crate::detect::notes::{self, MAX_NOTE_BYTES};
use crate::detect::AiEvidence;
use crate::push::RefUpdate;
use crate::repo::HookRepo;

/// The notes ref the Git AI Standard requires.
pub const NOTES_REF: &str = "refs/notes/ai";

/// The most notes read from one notes commit.
const MAX_NOTES: usize = 2_000_000;

/// The notes available to a push: annotated commit -> note blob, per notes
/// commit (the pushed one first).
#[derive(Debug, Default)]
pub struct AiNotes {
    maps: Vec<HashMap<Oid, Oid>>,
}

impl AiNotes {
    /// The notes of the push's new `refs/notes/ai` and of the repository's
    /// current one. `None` when there are none. A notes ref that cannot be
    /// read is skipped: notes are evidence only when they can be read.
    pub fn load(repo: &HookRepo, updates: &[RefUpdate]) -> Option<Self> {
        let pushed = updates
            .iter()
            .filter(|u| u.name == NOTES_REF)
            .filter_map(|u| u.new);
        let current = repo.ref_target(NOTES_REF).ok().flatten();
        let mut tips: Vec<Oid> = pushed.chain(current).collect();
        tips.dedup();
        let maps: Vec<_> = tips
            .into_iter()
            .filter_map(|tip| repo.notes_map(tip, MAX_NOTES).ok())
            .filter(|m| !m.is_empty())
            .collect();
        (!maps.is_empty()).then_some(Self { maps })
    }

    /// The evidence the notes give for `commit`: the first valid note that
    /// attests agent-written lines.
    pub fn evidence(&self, repo: &HookRepo, commit: Oid) -> Option<AiEvidence> {
        self.maps.iter().find_map(|map| {
            let blob = map.get(&commit)?;
            let bytes = repo.read_blob_capped(*blob, MAX_NOTE_BYTES).ok()?;
            let authorship = notes::parse(&bytes).ok().filter(|a| a.is_ai())?;
            let lines = authorship.total_lines();
            Some(AiEvidence {
                tool: authorship.tools(),
                evidence: format!(
                    "{NOTES_REF} records {lines} agent-written line{}",
                    if lines == 1 { "" } else { "s" }
                ),
            })
        })
    }
}
