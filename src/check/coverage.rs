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

use anyhow::Result;
use git2::Oid;

use super::reviewers::MergeReview;
use crate::ident::Person;

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

/// What coverage asks of the walk and of the object database, as a
/// capability: the hook passes the walk's table and the repository, the
/// unit tests an in-memory graph.
pub trait Graph {
    /// Whether the walk has visited `id` already (clock skew).
    fn visited(&self, id: Oid) -> bool;
    /// Whether `id` is reachable from a hidden tip (not brought by the push).
    fn hidden(&self, id: Oid) -> bool;
    /// `id`'s parents, in order.
    fn parents(&self, id: Oid) -> Result<Vec<Oid>>;
}

impl Coverage {
    /// Visit commit `id` (in walk order, before its parents), with its
    /// `parents` and, for a merge, the `reviewers` whose reviews may count
    /// ([`super::reviewers::merge_reviewers`]): register it as a reviewed merge, and hand what
    /// reached it to its parents.
    pub fn visit(
        &mut self,
        id: Oid,
        parents: &[Oid],
        reviewers: Vec<Person>,
        graph: &impl Graph,
    ) -> Result<()> {
        let mut out = self.paint.get(&id).cloned().unwrap_or_default();
        let mut first_side = out.clone();
        if parents.len() > 1 && !reviewers.is_empty() {
            let m = self.merges.len();
            self.merges.push(MergeReview { id, reviewers });
            first_side.not.insert(m);
            out.by.insert(m);
        }
        for (i, p) in parents.iter().enumerate() {
            let paint = if i == 0 { &first_side } else { &out };
            if !paint.is_empty() {
                self.reach(*p, paint, graph)?;
            }
        }
        Ok(())
    }

    /// Add `paint` to `id`; if the walk visited `id` already, carry it on to
    /// its ancestors now.
    fn reach(&mut self, id: Oid, paint: &Paint, graph: &impl Graph) -> Result<()> {
        let mut stack = vec![(id, paint.clone())];
        while let Some((id, paint)) = stack.pop() {
            if self.overflow {
                return Ok(());
            }
            // Commits the push does not bring are never covered.
            if graph.hidden(id) {
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
            if changed && graph.visited(id) {
                let carried = entry.clone();
                for p in graph.parents(id)? {
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
    use std::collections::{HashMap as Map, HashSet};

    /// A commit graph in memory, walked in a given order.
    struct Memory {
        parents: Map<Oid, Vec<Oid>>,
        visited: HashSet<Oid>,
    }

    impl Graph for Memory {
        fn visited(&self, id: Oid) -> bool {
            self.visited.contains(&id)
        }
        fn hidden(&self, _: Oid) -> bool {
            false
        }
        fn parents(&self, id: Oid) -> Result<Vec<Oid>> {
            Ok(self.parents.get(&id).cloned().unwrap_or_default())
        }
    }

    fn id(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).expect("id")
    }

    /// ```text
    /// R <- B <- A <--------- M   (M: a merge reviewed by Ann, first parent A)
    ///        \              /
    ///         `- F1 <- F2 <-'    (the pull request)
    /// ```
    /// M covers F2 and F1 (reached only through its second parent), never A
    /// (its first parent side) nor B and R (reached from both sides), in
    /// date order and in the orders clock skew gives.
    #[test]
    fn a_merge_covers_its_other_side_in_any_visiting_order() {
        let (r, b, a, f1, f2, m) = (id(1), id(2), id(3), id(4), id(5), id(6));
        let parents: Map<Oid, Vec<Oid>> = [
            (m, vec![a, f2]),
            (a, vec![b]),
            (f2, vec![f1]),
            (f1, vec![b]),
            (b, vec![r]),
            (r, vec![]),
        ]
        .into_iter()
        .collect();
        let ann = Person::parse("Ann <ann@example.com>").expect("person");
        for order in [
            [m, a, f2, f1, b, r],
            [m, f2, f1, b, r, a], // A dated before its ancestors
            [m, b, r, f2, a, f1], // B visited before its children
        ] {
            let mut g = Memory {
                parents: parents.clone(),
                visited: HashSet::new(),
            };
            let mut cov = Coverage::default();
            for c in order {
                let reviewers = if c == m { vec![ann.clone()] } else { vec![] };
                cov.visit(c, &g.parents(c).expect("p"), reviewers, &g)
                    .expect("visit");
                g.visited.insert(c);
            }
            let covered: Vec<Oid> = [r, b, a, f1, f2]
                .into_iter()
                .filter(|c| !cov.covering(*c).is_empty())
                .collect();
            assert_eq!(covered, vec![f1, f2], "order {order:?}");
            assert!(cov.on_first_parent_side(a).is_some());
        }
    }

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
