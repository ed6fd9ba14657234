//! The paths the commits of one update change, for the sign-off rules that
//! ask about them. A commit with candidate rules waits until the walk
//! reaches its first parent, whose tree it is compared with, so no commit
//! object is read twice; a parent the walk never reaches (the update's old
//! value, a protected ref's history) is read when the walk ends. Only
//! commits a rule applies to are read again, for their messages' words.

use std::collections::HashMap;

use anyhow::{Context, Result};
use git2::Oid;

use super::approvals::Approvals;
use super::findings::RefFindings;
use super::reviewers::CommitFacts;
use super::signoff::{self, Candidate};
use crate::changes::{self, OdbTrees};
use crate::commit::CommitView;
use crate::detect::AiEvidence;
use crate::policy::Policy;

/// The policy, and the approvals when it counts signed ones.
pub(super) type Judged<'a> = (&'a Policy, Option<&'a Approvals<'a>>);

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
    /// By first parent; a second child of the same parent (a branch
    /// point) waits in `more`.
    waiting: HashMap<Oid, Waiting>,
    more: Vec<(Oid, Waiting)>,
}

impl<'r> SignoffPaths<'r> {
    pub(super) fn new(odb: &'r git2::Odb<'r>) -> Self {
        Self {
            odb,
            trees: OdbTrees::new(odb),
            waiting: HashMap::new(),
            more: Vec::new(),
        }
    }

    /// Read trees from the packs a walk mapped, from now on.
    pub(super) fn read_packs(&mut self, visited: &crate::walk::Visited<'_>) {
        if !self.trees.reads_packs() {
            if let Some(index) = visited.packs() {
                self.trees.read_packs(index);
            }
        }
    }

    /// How many objects the diffs read so far (commits' and trees').
    pub(super) fn objects_read(&self) -> u64 {
        self.trees.reads()
    }

    /// Commit `c` has `candidates` (rules that apply if it changes what
    /// they ask about); `at` is where its findings go.
    pub(super) fn add(
        &mut self,
        judged: Judged<'_>,
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
            None => self.settle(judged, w, None, found),
            Some(p) => {
                if let Some(first) = self.waiting.insert(p, w) {
                    self.more.push((p, first));
                }
                Ok(())
            }
        }
    }

    /// The walk reached `c`: settle the commits waiting for its tree.
    pub(super) fn reached(
        &mut self,
        judged: Judged<'_>,
        c: &CommitView<'_>,
        found: &mut RefFindings,
    ) -> Result<()> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        let Some(w) = self.waiting.remove(&c.id()) else {
            return Ok(());
        };
        let tree = c.tree();
        self.settle(judged, w, tree, found)?;
        if self.more.iter().any(|(p, _)| *p == c.id()) {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.more)
                .into_iter()
                .partition(|(p, _)| *p == c.id());
            self.more = rest;
            for (_, w) in mine {
                self.settle(judged, w, tree, found)?;
            }
        }
        Ok(())
    }

    /// The walk ended: settle the rest, reading each parent's tree.
    pub(super) fn finish(&mut self, judged: Judged<'_>, found: &mut RefFindings) -> Result<()> {
        let rest = std::mem::take(&mut self.waiting)
            .into_iter()
            .chain(std::mem::take(&mut self.more));
        for (parent, w) in rest {
            let tree = self.trees.tree_of(parent)?;
            self.settle(judged, w, Some(tree), found)?;
        }
        Ok(())
    }

    /// Diff a commit's tree with its parent's (if a candidate asks), and
    /// defer the rules that apply until merge coverage is known. The commit
    /// is read again only when one does (for its words and reviews).
    fn settle(
        &mut self,
        (policy, approvals): Judged<'_>,
        w: Waiting,
        parent_tree: Option<Oid>,
        found: &mut RefFindings,
    ) -> Result<()> {
        let changes = match signoff::asked(policy, &w.candidates) {
            // The same tree as its parent's (an empty commit, a revert of a
            // revert): it changes nothing.
            Some(_) if parent_tree == Some(w.tree) => Some(changes::Changes::default()),
            Some(filter) => Some(
                changes::changed_paths(&mut self.trees, parent_tree, w.tree, &filter)
                    .with_context(|| format!("reading the paths commit {} changes", w.id))?,
            ),
            None => None,
        };
        if !signoff::any_applies(policy, &w.candidates, changes.as_ref()) {
            return Ok(());
        }
        let object = self
            .odb
            .read(w.id)
            .with_context(|| format!("reading commit {}", w.id))?;
        let c = CommitView::parse(w.id, object.data());
        let mut facts = CommitFacts::from(c.shown());
        if let Some(approvals) = approvals {
            facts.approvals = Some(approvals.of(w.id).map_err(anyhow::Error::msg)?);
        }
        let applying = signoff::applies(
            policy,
            w.candidates,
            &facts,
            w.evidence.as_ref(),
            changes.as_ref(),
        );
        for a in applying {
            found.defer_signoff(w.at, &c, a);
        }
        Ok(())
    }
}
