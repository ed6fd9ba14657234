//! A reviewed merge covers what it merges: a merge commit's valid reviews
//! count for each commit it brings in through its non-first parents (reachable
//! from parent 2..n and not from parent 1, within this push), the way forges
//! record a pull request's approval on the merge.
//!
//! Coverage rides on the walk that already visits the push's commits (no
//! second walk): each commit carries two sets of reviewed merges, those that
//! reached it through a non-first parent and those that reached it through a
//! first parent, and hands both to its parents when it is visited. A commit is
//! covered by the merges in the first set and not in the second. Decisions are
//! taken after the walk, when every set is complete; a set that reaches a
//! commit the walk already visited (clock skew) is carried on to its ancestors
//! then, so the answer does not depend on commit dates.

use std::collections::HashMap;

use anyhow::{Context, Result};
use git2::{Odb, Oid};

use super::reviewers::{merge_reviewers, CommitFacts, MergeReview};
use crate::commit::CommitView;
use crate::policy::Policy;
use crate::walk::Visited;

/// A set of merges (indices into [`Coverage::merges`]) as a bit set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct MergeSet(Vec<u64>);

impl MergeSet {
    fn insert(&mut self, i: usize) {
        let (w, b) = (i / 64, i % 64);
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        if let Some(word) = self.0.get_mut(w) {
            *word |= 1 << b;
        }
    }

    /// Add `other`; whether anything was new.
    fn union(&mut self, other: &MergeSet) -> bool {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        let mut changed = false;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            changed |= *b & !*a != 0;
            *a |= *b;
        }
        changed
    }

    fn minus(&self, other: &MergeSet) -> Vec<usize> {
        let mut out = Vec::new();
        for (w, word) in self.0.iter().enumerate() {
            let not = other.0.get(w).copied().unwrap_or(0);
            let mut bits = word & !not;
            while bits != 0 {
                out.push(w * 64 + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
}

/// What reached a commit: merges through a non-first parent (`by`) and
/// through a first parent (`not`).
#[derive(Debug, Clone, Default)]
struct Paint {
    by: MergeSet,
    not: MergeSet,
}

impl Paint {
    fn is_empty(&self) -> bool {
        self.by.is_empty() && self.not.is_empty()
    }

    fn add(&mut self, other: &Paint) -> bool {
        let a = self.by.union(&other.by);
        let b = self.not.union(&other.not);
        a || b
    }
}

/// How many 64-bit words of merge sets one push may hold (64 MiB); past it,
/// coverage stops growing and the commits it did not reach need their own
/// reviews (the safe side).
const MAX_WORDS: usize = 8 * 1024 * 1024;

/// Coverage for one update's walk.
#[derive(Debug, Default)]
pub struct Coverage {
    /// The reviewed merges met so far, by index.
    pub merges: Vec<MergeReview>,
    paint: HashMap<Oid, Paint>,
    words: usize,
    /// Whether the cap was reached (coverage is incomplete, never wrong).
    pub overflow: bool,
}

impl Coverage {
    /// Visit `c` (in walk order, before its parents): register it if it is a
    /// merge with reviews that may count, and hand what reached it to its
    /// parents. `visited` says which commits the walk has visited already.
    pub fn visit(
        &mut self,
        c: &CommitView<'_>,
        facts: &CommitFacts<'_>,
        policy: &Policy,
        visited: &Visited<'_>,
        odb: &Odb<'_>,
    ) -> Result<()> {
        let mut out = self.paint.get(&c.id()).cloned().unwrap_or_default();
        let mut first_side = out.clone();
        if c.parent_count() > 1 {
            let reviewers = merge_reviewers(policy, facts);
            if !reviewers.is_empty() {
                let m = self.merges.len();
                self.merges.push(MergeReview {
                    id: c.id(),
                    reviewers,
                });
                first_side.not.insert(m);
                out.by.insert(m);
            }
        }
        for (i, p) in c.parents().enumerate() {
            let paint = if i == 0 { &first_side } else { &out };
            if !paint.is_empty() {
                self.reach(p, paint, visited, odb)?;
            }
        }
        Ok(())
    }

    /// Add `paint` to `id`; if the walk visited `id` already, carry it on to
    /// its ancestors now.
    fn reach(
        &mut self,
        id: Oid,
        paint: &Paint,
        visited: &Visited<'_>,
        odb: &Odb<'_>,
    ) -> Result<()> {
        let mut stack = vec![(id, paint.clone())];
        while let Some((id, paint)) = stack.pop() {
            if self.overflow {
                return Ok(());
            }
            // Commits the push does not bring are never covered.
            if visited.is_hidden(id) {
                continue;
            }
            let entry = self.paint.entry(id).or_default();
            let before = entry.by.0.len() + entry.not.0.len();
            let changed = entry.add(&paint);
            self.words += entry.by.0.len() + entry.not.0.len() - before;
            if self.words > MAX_WORDS {
                self.overflow = true;
                return Ok(());
            }
            if changed && visited.contains(id) {
                let object = odb
                    .read(id)
                    .with_context(|| format!("reading commit {id}"))?;
                let view = CommitView::parse(id, object.data());
                let carried = entry.clone();
                for p in view.parents() {
                    stack.push((p, carried.clone()));
                }
            }
        }
        Ok(())
    }

    /// The reviewed merges that cover commit `id`.
    pub fn covering(&self, id: Oid) -> Vec<&MergeReview> {
        self.paint.get(&id).map_or_else(Vec::new, |p| {
            p.by.minus(&p.not)
                .into_iter()
                .filter_map(|m| self.merges.get(m))
                .collect()
        })
    }

    /// Whether some reviewed merge reached `id` through a first parent only
    /// (the commit is on the side the merge merged into, which it does not cover).
    pub fn on_first_parent_side(&self, id: Oid) -> Option<&MergeReview> {
        let p = self.paint.get(&id)?;
        p.not
            .minus(&p.by)
            .into_iter()
            .find_map(|m| self.merges.get(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sets() {
        let mut a = MergeSet::default();
        a.insert(1);
        a.insert(70);
        let mut b = MergeSet::default();
        b.insert(70);
        assert_eq!(a.minus(&b), vec![1]);
        assert_eq!(b.minus(&a), Vec::<usize>::new());
        assert!(b.union(&a));
        assert!(!b.union(&a));
        assert_eq!(b.minus(&MergeSet::default()), vec![1, 70]);
    }
}
