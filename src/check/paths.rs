//! The paths the commits of one update change, for the sign-off rules that
//! ask about them. A commit with candidate rules waits until the walk
//! reaches its first parent, whose tree it is compared with, so no commit
//! object is read twice; a parent the walk never reaches (the update's old
//! value, a protected ref's history) is read when the walk ends. Only
//! commits a rule applies to are read again, for their messages' words.

use std::collections::HashMap;

use anyhow::{Context, Result};
use git2::Oid;

use super::findings::RefFindings;
use super::signoff::{self, Candidate};
use crate::changes::{self, OdbTrees};
use crate::commit::CommitView;
use crate::detect::AiEvidence;
use crate::policy::Policy;

/// A commit whose rules wait for its paths.
struct Waiting {
    id: Oid,
    tree: Oid,
    /// Where its findings go, and its place in the walk.
    at: (usize, u64),
    candidates: Vec<Candidate>,
    evidence: Option<AiEvidence>,
}

/// The commits of one update waiting for their first parent's tree.
pub(super) struct SignoffPaths<'r> {
    odb: &'r git2::Odb<'r>,
    trees: OdbTrees<'r>,
    /// By first parent.
    waiting: HashMap<Oid, Vec<Waiting>>,
}

impl<'r> SignoffPaths<'r> {
    pub(super) fn new(odb: &'r git2::Odb<'r>) -> Self {
        Self {
            odb,
            trees: OdbTrees::new(odb),
            waiting: HashMap::new(),
        }
    }

    /// Commit `c` has `candidates` (rules that apply if it changes what
    /// they ask about); `at` is where its findings go.
    pub(super) fn add(
        &mut self,
        policy: &Policy,
        c: &CommitView<'_>,
        at: (usize, u64),
        candidates: Vec<Candidate>,
        evidence: Option<AiEvidence>,
        found: &mut RefFindings,
    ) -> Result<()> {
        let tree = c
            .tree()
            .with_context(|| format!("commit {} has no tree", c.id()))?;
        let w = Waiting {
            id: c.id(),
            tree,
            at,
            candidates,
            evidence,
        };
        match c.first_parent() {
            // A root commit: compared with the empty tree.
            None => self.settle(policy, w, None, found),
            Some(p) => {
                self.waiting.entry(p).or_default().push(w);
                Ok(())
            }
        }
    }

    /// The walk reached `c`: settle the commits waiting for its tree.
    pub(super) fn reached(
        &mut self,
        policy: &Policy,
        c: &CommitView<'_>,
        found: &mut RefFindings,
    ) -> Result<()> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        if let Some(list) = self.waiting.remove(&c.id()) {
            let tree = c.tree();
            for w in list {
                self.settle(policy, w, tree, found)?;
            }
        }
        Ok(())
    }

    /// The walk ended: settle the rest, reading each parent's tree.
    pub(super) fn finish(&mut self, policy: &Policy, found: &mut RefFindings) -> Result<()> {
        for (parent, list) in std::mem::take(&mut self.waiting) {
            let tree = self.trees.tree_of(parent)?;
            for w in list {
                self.settle(policy, w, Some(tree), found)?;
            }
        }
        Ok(())
    }

    /// Diff a commit's tree with its parent's (if a candidate asks), and
    /// defer the rules that apply until merge coverage is known.
    fn settle(
        &mut self,
        policy: &Policy,
        w: Waiting,
        parent_tree: Option<Oid>,
        found: &mut RefFindings,
    ) -> Result<()> {
        let changes = match signoff::asked(policy, &w.candidates) {
            Some(filter) => Some(
                changes::changed_paths(&mut self.trees, parent_tree, w.tree, &filter)
                    .with_context(|| format!("reading the paths commit {} changes", w.id))?,
            ),
            None => None,
        };
        let applying =
            signoff::applies(policy, w.candidates, w.evidence.as_ref(), changes.as_ref());
        if applying.is_empty() {
            return Ok(());
        }
        let object = self
            .odb
            .read(w.id)
            .with_context(|| format!("reading commit {}", w.id))?;
        let c = CommitView::parse(w.id, object.data());
        for a in applying {
            found.defer_signoff(w.at, &c, a);
        }
        Ok(())
    }
}
