//! The findings on one ref, gathered in the order they are reported (about
//! the update, then per commit in walk order, then the policy gate), the
//! commits whose decision waits for merge coverage, and the violations they
//! become.

use git2::Oid;

use super::coverage;
use super::hints;
use super::judge::{Finding, Fix, Judge};
use super::review;
use super::reviewers;
use super::signoff;
use crate::commit::CommitView;
use crate::push::Pusher;
use crate::verdict::{short_id, CommitRef, Verdict, Violation, MAX_KEPT_VIOLATIONS};

/// The findings on one ref, gathered in the order they are reported: about
/// the update itself, then per commit in walk order, then the policy gate.
#[derive(Default)]
pub(super) struct RefFindings {
    pub(super) update: Vec<Finding>,
    pub(super) commits: Vec<(Finding, CommitRef)>,
    /// Commit findings not kept (over [`MAX_KEPT_VIOLATIONS`]).
    pub(super) dropped: usize,
    pub(super) gate: Vec<(Finding, Option<CommitRef>)>,
    pub(super) commits_checked: u64,
    /// Commits needing a review, and whether the only one is the tip.
    pub(super) needing_review: usize,
    pub(super) tip_needs_review: bool,
    /// The update's new tip (a commit), and whether it creates the default
    /// branch: an import, where a baseline may be the fix.
    pub(super) tip: Option<Oid>,
    pub(super) creates_default: bool,
    /// Whether the update brings a merge commit (a rebase fix must keep it).
    pub(super) brings_merges: bool,
    /// The base the rebase advice names: the update's old value.
    pub(super) base: Option<String>,
    /// For a new ref, where a rebase of the commits needing review starts:
    /// the first parent of the oldest one (by walk order, with its position),
    /// or `--root`.
    pub(super) oldest_base: Option<(u64, String)>,
    /// Commits lacking their own reviews, until coverage is known.
    pub(super) pending: Vec<Pending>,
    /// Commits a reviewed merge covered: (commit, merge).
    pub(super) covered: Vec<(git2::Oid, git2::Oid)>,
    /// Commits exempt from review rules as baseline history.
    pub(super) exempt: u64,
    /// Whether every finding is kept (a surveyed history).
    pub(super) uncapped: bool,
    /// Every commit's decision, when surveying a history.
    pub(super) records: Vec<crate::verdict::CommitRecord>,
}

/// A commit lacking its own reviews, waiting for the walk to end.
pub(super) struct Pending {
    /// Where its finding goes among the commit findings (walk order).
    pub(super) at: usize,
    /// Its position in the walk, and where a rebase of it starts.
    pub(super) seq: u64,
    pub(super) rebase_from: String,
    pub(super) id: Oid,
    pub(super) cref: CommitRef,
    pub(super) awaiting: Awaiting,
}

/// What a pending commit's decision is about.
pub(super) enum Awaiting {
    /// The branch's review.
    Review(review::Need),
    /// A sign-off rule that applies to it.
    Signoff(signoff::Applies),
}

/// Why no merge covered a commit that lacks reviews, for its message.
pub(super) fn coverage_note(
    cov: &coverage::Coverage,
    applies: bool,
    covering: &[&reviewers::MergeReview],
    commit: &reviewers::Reviewed,
    req: &reviewers::Requirement<'_>,
    id: Oid,
) -> Option<String> {
    let short = |m: &reviewers::MergeReview| short_id(m.id);
    if let Some(m) = covering.first() {
        if !applies {
            return Some(format!(
                "merge {} would cover it, but merges-cover = \"forge\" and the forge did not make this merge",
                short(m)
            ));
        }
        let who: Vec<&str> = m.reviewers.iter().map(|p| p.email.as_str()).collect();
        let wrote = |e: &str| e == commit.author || e == commit.committer;
        if who.iter().all(|e| wrote(e)) {
            return Some(format!(
                "merge {} covers it, but its reviewer(s) ({}) wrote this commit",
                short(m),
                who.join(", ")
            ));
        }
        if who.iter().all(|e| wrote(e) || !req.allows(e)) {
            return Some(format!(
                "merge {} covers it, but its reviewer(s) ({}) are not in {}",
                short(m),
                who.join(", "),
                req.list
            ));
        }
        return None;
    }
    if let Some(m) = cov.on_first_parent_side(id) {
        return Some(format!(
            "it is on the first-parent side of the reviewed merge {}, which covers only what it merges",
            short(m)
        ));
    }
    cov.overflow.then(|| {
        "merge coverage was not computed for all of this push (too many merges)".to_string()
    })
}

/// Where `git rebase` starts to reach `c`: its first parent, or `--root`.
pub(super) fn rebase_from(c: &CommitView<'_>) -> String {
    c.parents()
        .next()
        .map_or_else(|| "--root".to_string(), short_id)
}

impl RefFindings {
    pub(super) fn commit(&mut self, f: Finding, c: &CommitView<'_>, tip: Oid) {
        let cref = CommitRef {
            id: c.id(),
            subject: c.subject(),
        };
        let from = (self.commits_checked, rebase_from(c));
        self.push_commit(self.commits.len(), f, cref, c.id() == tip, from);
    }

    pub(super) fn push_commit(
        &mut self,
        at: usize,
        f: Finding,
        cref: CommitRef,
        is_tip: bool,
        (seq, from): (u64, String),
    ) {
        if matches!(f.fix, Fix::Review(_)) {
            self.needing_review += 1;
            self.tip_needs_review |= is_tip;
            if self.oldest_base.as_ref().is_none_or(|(s, _)| seq > *s) {
                self.oldest_base = Some((seq, from));
            }
        }
        if !self.uncapped && self.commits.len() >= MAX_KEPT_VIOLATIONS {
            self.dropped += 1;
            return;
        }
        if self.uncapped {
            // A surveyed history reads its findings by commit, not in
            // order: appending keeps a long history linear.
            self.commits.push((f, cref));
        } else {
            self.commits.insert(at.min(self.commits.len()), (f, cref));
        }
    }

    /// A commit lacking its own reviews, decided once the walk knows which
    /// reviewed merges cover it.
    pub(super) fn defer(&mut self, need: review::Need, c: &CommitView<'_>) {
        self.pending.push(Pending {
            at: self.commits.len(),
            seq: self.commits_checked,
            rebase_from: rebase_from(c),
            id: c.id(),
            cref: CommitRef {
                id: c.id(),
                subject: c.subject(),
            },
            awaiting: Awaiting::Review(need),
        });
    }

    /// A sign-off rule that applies to `c` (visited `seq`-th, its findings
    /// at `at`), decided once the walk knows which merges cover it.
    pub(super) fn defer_signoff(
        &mut self,
        (at, seq): (usize, u64),
        c: &CommitView<'_>,
        applies: signoff::Applies,
    ) {
        self.pending.push(Pending {
            at,
            seq,
            rebase_from: rebase_from(c),
            id: c.id(),
            cref: CommitRef {
                id: c.id(),
                subject: c.subject(),
            },
            awaiting: Awaiting::Signoff(applies),
        });
    }

    /// Decide the deferred commits, in walk order.
    pub(super) fn resolve(
        &mut self,
        judge: &Judge<'_>,
        cov: Option<&coverage::Coverage>,
        applies: bool,
        pusher: Option<&Pusher>,
        tip: Oid,
    ) {
        let policy = judge.policy;
        let mut pending = std::mem::take(&mut self.pending);
        // Sign-off decisions join after their commit's parent is read:
        // back into walk order (a stable sort keeps a commit's review first).
        pending.sort_by_key(|p| p.at);
        let mut inserted = 0;
        for p in pending {
            let covering = cov.map(|c| c.covering(p.id)).unwrap_or_default();
            let merges: &[&reviewers::MergeReview] = if applies { &covering } else { &[] };
            let (req, commit) = match &p.awaiting {
                Awaiting::Review(need) => (reviewers::Requirement::review(policy), &need.commit),
                Awaiting::Signoff(a) => match policy.signoffs.get(a.rule) {
                    Some(rule) => (reviewers::Requirement::signoff(policy, rule), &a.commit),
                    None => continue,
                },
            };
            let note = |cov: &coverage::Coverage| {
                coverage_note(cov, applies, &covering, commit, &req, p.id)
            };
            let decided = match &p.awaiting {
                Awaiting::Review(need) => reviewers::decide(policy, &req, commit, merges, pusher)
                    .map_err(|short| review::finding(judge, need, &short, cov.and_then(note))),
                Awaiting::Signoff(a) => {
                    signoff::decide_rule(judge, a, merges, pusher, cov.and_then(note))
                }
            };
            match decided {
                Err(f) => {
                    let from = (p.seq, p.rebase_from);
                    self.push_commit(p.at + inserted, f, p.cref, p.id == tip, from);
                    inserted += 1;
                }
                Ok(Some(m)) => {
                    if !self.covered.contains(&(p.cref.id, m.id)) {
                        self.covered.push((p.cref.id, m.id));
                    }
                }
                Ok(None) => {}
            }
        }
    }

    /// Turn the findings into violations, with their fixes worded.
    pub(super) fn emit(
        self,
        refname: &str,
        trailer: &str,
        forge_merge: Option<&crate::push::ForgePush>,
        verdict: &mut Verdict,
    ) {
        verdict.commits_checked += self.commits_checked;
        verdict.baseline_exempt += self.exempt;
        let ctx = hints::HintContext {
            trailer,
            needing_review: self.needing_review,
            only_tip: self.needing_review == 1 && self.tip_needs_review,
            base: self
                .base
                .or(self.oldest_base.map(|(_, b)| b))
                .unwrap_or_else(|| "BASE".into()),
            keep_merges: self.brings_merges,
            import_tip: self
                .tip
                .filter(|_| self.creates_default || self.needing_review >= hints::IMPORT_COMMITS)
                .map(|t| t.to_string()),
            forge_merge,
        };
        // Warnings only: the commits go in, and no rewrite is advised.
        let rewrite = self
            .commits
            .iter()
            .any(|(f, _)| f.severity == crate::rule::Severity::Error);
        if let Some(text) = hints::ref_fix(&ctx).filter(|_| rewrite) {
            verdict.ref_fixes.push(crate::verdict::RefFix {
                refname: refname.to_string(),
                text,
            });
        }
        let all = self
            .update
            .into_iter()
            .map(|f| (f, None))
            .chain(self.commits.into_iter().map(|(f, c)| (f, Some(c))))
            .chain(self.gate);
        for (f, commit) in all {
            verdict.push(Violation {
                rule: f.rule,
                severity: f.severity,
                refname: refname.to_string(),
                commit,
                hint: if f.severity == crate::rule::Severity::Warning {
                    hints::warned(&f.fix, &ctx)
                } else {
                    hints::hint(&f.fix, &ctx)
                },
                message: f.message,
            });
        }
        verdict.violations_dropped += self.dropped;
        verdict.records.extend(self.records);
        for (commit, merge) in self.covered {
            verdict.cover(refname, commit, merge);
        }
    }
}
