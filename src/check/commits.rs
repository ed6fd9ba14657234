//! The checks on one protected ref: the update itself, then every commit it
//! brings, in one walk (review, sign-off rules, AI on the ref, merge
//! coverage, notes and pull-request evidence, linear history, the policy
//! gate's commits).

use anyhow::{Context, Result};

use super::context::CheckContext;
use super::coverage;
use super::findings::RefFindings;
use super::gate::{self, PolicyChanges, TreeBlobs};
use super::judge::Judge;
use super::paths::SignoffPaths;
use super::pull_request;
use super::refs;
use super::review;
use super::reviewers;
use super::server::{PushState, Span};
use super::signed;
use super::signoff;
use crate::commit::CommitView;
use crate::detect::AiEvidence;
use crate::policy::{Effective, MergesCover, ReviewScope};
use crate::push::{RefUpdate, UpdateKind};
use crate::verdict::short_id;
use crate::verdict::{CommitRecord, EvidenceSource};
use crate::walk::{Visited, Walk};

/// The checks on one protected ref.
pub(super) fn check_ref(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    eff: &Effective<'_>,
    update: &RefUpdate,
    state: &mut PushState<'_>,
    found: &mut RefFindings,
) -> Result<()> {
    found.update.extend(refs::pushers(judge, eff, ctx.pusher));
    let pinned = ctx.repo.settings.now.is_some();
    found
        .update
        .extend(refs::freeze(judge, eff, ctx.now, pinned));
    found.update.extend(refs::kind(judge, eff, update.kind()));
    let Some(new) = update.new else {
        return Ok(());
    };
    let repo = ctx.repo;
    let Some(new) = repo.peel_to_commit(new)? else {
        return Ok(()); // a tag pointing at a tree or blob brings no commits
    };
    let old = match update.old {
        Some(old) => repo.peel_to_commit(old)?,
        None => None,
    };
    found.base = old.map(short_id);
    found.tip = Some(new);
    found.creates_default = old.is_none() && ctx.default_branch == Some(update.name.as_str());
    let gate = gate::policy_gate(ctx, &update.name, old, new, state)?;
    let span = Span {
        kind: update.kind(),
        old,
        new,
        gate,
    };
    let outcome = walk_commits(ctx, judge, eff, &span, state, found)?;
    if let (Some(old), false) = (old, outcome.old_is_parent) {
        if refs::needs_fast_forward(eff, &old.to_string(), &new.to_string()) {
            let f = refs::force_push(judge, old, new);
            found.update.push(f);
        }
    }
    if gate && !outcome.tip_exempt {
        gate::finish_gate(ctx, judge, &update.name, new, outcome.policy_changes, found)?;
    }
    Ok(())
}

/// What the walk of one update learned beyond its findings.
pub(super) struct WalkOutcome {
    /// Whether `old` is a parent of a brought commit (so an ancestor of `new`).
    pub(super) old_is_parent: bool,
    /// Whether the new tip is baseline history (the policy gate then does
    /// not apply: an imported history's policy file is not a change).
    pub(super) tip_exempt: bool,
    /// Commits changing the policy file, with and without an owner's review.
    pub(super) policy_changes: PolicyChanges,
}

/// The walk's table and the object database, as merge coverage asks them.
struct WalkGraph<'a> {
    visited: &'a Visited<'a>,
    odb: &'a git2::Odb<'a>,
}

impl coverage::Graph for WalkGraph<'_> {
    fn visited(&self, id: git2::Oid) -> bool {
        self.visited.contains(id)
    }
    fn hidden(&self, id: git2::Oid) -> bool {
        self.visited.is_hidden(id)
    }
    fn parents(&self, id: git2::Oid) -> Result<Vec<git2::Oid>> {
        let object = self
            .odb
            .read(id)
            .with_context(|| format!("reading commit {id}"))?;
        Ok(CommitView::parse(id, object.data()).parents().collect())
    }
}

/// One update's walk: what every commit is checked against, and what the
/// walk gathers.
struct CommitPass<'a> {
    ctx: &'a CheckContext<'a>,
    judge: &'a Judge<'a>,
    eff: &'a Effective<'a>,
    span: &'a Span,
    odb: &'a git2::Odb<'a>,
    /// With a baseline: the brought commits outside it.
    outside: Option<std::collections::HashSet<git2::Oid>>,
    pull_request: Option<pull_request::PullRequestEvidence>,
    coverage: Option<coverage::Coverage>,
    tree_blobs: TreeBlobs,
    /// The sign-off rules covering the ref, and the commits waiting for the
    /// paths they change.
    signoffs: signoff::RulesHere,
    paths: SignoffPaths<'a>,
    outcome: WalkOutcome,
}

impl<'a> CommitPass<'a> {
    /// The policy, and the approvals when it counts signed ones.
    fn judged(&self) -> super::paths::Judged<'a> {
        let policy = self.judge.policy;
        (policy, policy.review.signed.then_some(self.ctx.approvals))
    }

    /// Check one commit (in walk order).
    fn visit(
        &mut self,
        c: &CommitView<'_>,
        visited: &Visited<'_>,
        found: &mut RefFindings,
    ) -> Result<()> {
        let (judge, new) = (self.judge, self.span.new);
        self.paths.reached(self.judged(), c, found)?;
        found.commits_checked += 1;
        if let Some(progress) = self
            .ctx
            .progress
            .filter(|_| found.commits_checked.is_multiple_of(4096))
        {
            progress(found.commits_checked);
        }
        found.brings_merges |= c.parent_count() > 1;
        let exempt = self.outside.as_ref().is_some_and(|o| !o.contains(&c.id()));
        if exempt {
            found.exempt += 1;
        }
        if !self.outcome.old_is_parent {
            self.outcome.old_is_parent = self.span.old.is_some_and(|o| c.parents().any(|p| p == o));
        }
        if let Some(anomaly) = c.anomaly() {
            found.commit(refs::malformed(judge, anomaly), c, new);
        }
        let mut facts = reviewers::CommitFacts::from(c.shown());
        if judge.policy.review.signed && (!exempt || c.parent_count() > 1) {
            let approvals = self.ctx.approvals.of(c.id()).map_err(anyhow::Error::msg)?;
            facts.approvals = Some(approvals);
        }
        if let Some(cov) = self.coverage.as_mut() {
            let parents: Vec<git2::Oid> = c.parents().collect();
            let merge_reviewers = if parents.len() > 1 {
                reviewers::merge_reviewers(judge.policy, &facts)
            } else {
                Vec::new()
            };
            let graph = WalkGraph {
                visited,
                odb: self.odb,
            };
            cov.visit(c.id(), &parents, merge_reviewers, &graph)?;
        }
        if let Some(f) = refs::linear(judge, self.eff, c.parent_count()) {
            found.commit(f, c, new);
        }
        if exempt {
            // Baseline history: ref protections (above) still apply; review
            // rules and the policy gate (below) do not.
            self.outcome.tip_exempt |= c.id() == new;
            if self.ctx.survey {
                let evidence = facts
                    .ai_evidence(judge.policy)
                    .map(|e| (e, EvidenceSource::Message));
                self.record(c, &facts, evidence, None, found);
                if let Some(r) = found.records.last_mut() {
                    r.exempt = true;
                }
            }
            return Ok(());
        }
        if self.span.gate && gate::touches_policy(self.ctx.repo, c, &mut self.tree_blobs)? {
            self.outcome.policy_changes.record(judge, &facts, c);
        }
        if judge.policy.review.signed_commits {
            let signers = self.ctx.approvals.signers().map_err(anyhow::Error::msg)?;
            if let Some(f) = signed::commit_signature(judge, signers, c, &facts) {
                found.commit(f, c, new);
            }
        }
        self.judge_commit(c, &facts, found)
    }

    /// The rules on the commit itself: AI on the ref, its review, its
    /// sign-off rules (these once its paths are known).
    fn judge_commit(
        &mut self,
        c: &CommitView<'_>,
        facts: &reviewers::CommitFacts<'_>,
        found: &mut RefFindings,
    ) -> Result<()> {
        let (ctx, judge, eff, new) = (self.ctx, self.judge, self.eff, self.span.new);
        if let Some(encoding) = &facts.undecodable {
            // Its markers, reviews and sign-offs cannot be read as git
            // shows them: refused, whatever else applies.
            found.commit(review::undecodable(judge, encoding), c, new);
            if ctx.survey {
                self.record(c, facts, None, None, found);
            }
            return Ok(());
        }
        let asks_ai = ctx.survey
            || eff.review != ReviewScope::None
            || eff.ai_forbidden
            || self.signoffs.asks_ai();
        let in_message = asks_ai.then(|| facts.ai_evidence(judge.policy)).flatten();
        // The detector reads every sign-off line for AI names and
        // identities: a message it finds nothing in has no AI sign-off.
        if (!asks_ai || in_message.is_some()) && signoff::may_sign_off(&facts.message) {
            if let Some(f) = signoff::ai_signoff(judge, facts) {
                found.commit(f, c, new);
            }
        }
        // Evidence beside the message, looked up only when the message
        // shows none: the commit's git-ai note, and, for the squashed or
        // rebased copies of a pull request's commits (not its own commits,
        // not a merge, which its reviews judge), the pull request's.
        let sourced = if asks_ai && in_message.is_none() {
            match ctx.notes.evidence(c.id()) {
                Some(e) => Some((e, EvidenceSource::Note)),
                None => self
                    .pull_request_evidence(c)?
                    .map(|e| (e, EvidenceSource::PullRequest)),
            }
        } else {
            in_message.map(|e| (e, EvidenceSource::Message))
        };
        let evidence = sourced.as_ref().map(|(e, _)| e.clone());
        if let (true, Some(e)) = (eff.ai_forbidden, &evidence) {
            found.commit(signoff::forbidden(judge, e), c, new);
        }
        let need = match review::need(judge, eff.review, facts, evidence.clone()) {
            Err(f) => {
                found.commit(f, c, new);
                None
            }
            Ok(need) => need,
        };
        let candidates = if self.signoffs.is_empty() {
            Vec::new()
        } else {
            let branch_review = need.as_ref().map(|n| &n.commit);
            let kind = (evidence.is_some(), branch_review);
            signoff::candidates(judge.policy, &self.signoffs, facts, kind, ctx.pusher)
        };
        if ctx.survey {
            self.record(c, facts, sourced, need.as_ref(), found);
        }
        if let Some(need) = need {
            self.review(c, need, found);
        }
        if !candidates.is_empty() {
            let at = (found.commits.len(), found.commits_checked);
            let judged = self.judged();
            self.paths.add(judged, c, at, candidates, evidence, found)?;
        }
        Ok(())
    }

    /// The evidence a single-parent commit inherits from a pull request:
    /// the forge's merge being judged, or, surveying a history, the pull
    /// request a squash names in its subject (`... (#N)`) when the forge
    /// kept its head (`refs/pull/N/head`).
    fn pull_request_evidence(&self, c: &CommitView<'_>) -> Result<Option<AiEvidence>> {
        if c.parent_count() > 1 {
            return Ok(None);
        }
        if let Some(pr) = &self.pull_request {
            return Ok(pr.inherited(c.id()));
        }
        let ctx = self.ctx;
        // Only a survey looks; a subject naming a pull request holds `(#`.
        if !ctx.survey || memchr::memmem::find(c.raw_message(), b"(#").is_none() {
            return Ok(None);
        }
        let Some(number) = pull_request::named_in(&c.subject()) else {
            return Ok(None);
        };
        if ctx
            .repo
            .ref_target(&format!("refs/pull/{number}/head"))?
            .is_none()
        {
            return Ok(None);
        }
        let pr =
            pull_request::pull_request_evidence(ctx, self.odb, c.first_parent(), c.id(), number)?;
        Ok(pr.and_then(|pr| pr.inherited(c.id())))
    }

    /// What a history report reads about the commit: its AI evidence, its
    /// own reviews against the branch's requirement, whether it needs one.
    fn record(
        &self,
        c: &CommitView<'_>,
        facts: &reviewers::CommitFacts<'_>,
        ai: Option<(AiEvidence, EvidenceSource)>,
        need: Option<&review::Need>,
        found: &mut RefFindings,
    ) {
        let policy = self.judge.policy;
        let req = reviewers::Requirement::review(policy);
        let own = match need {
            Some(n) => n.commit.clone(),
            // A message naming none of the review keys has no reviews (with
            // signed reviews, the approvals are read).
            None if !policy.review.signed && !names_a_review_key(policy, &facts.message) => {
                reviewers::Reviewed {
                    own: reviewers::ReviewAssessment::default(),
                    author: String::new(),
                    committer: String::new(),
                }
            }
            None => reviewers::Reviewed::of(policy, &req, facts),
        };
        let reviewed = reviewers::decide(policy, &req, &own, &[], self.ctx.pusher).is_ok();
        let model = ai
            .as_ref()
            .and_then(|_| crate::detect::model::model_of(&facts.message));
        found.records.push(CommitRecord {
            id: c.id(),
            parents: c.parents().collect(),
            time: c.time(),
            author_name: facts.author.name.to_string(),
            author_email: facts.author.email.to_string(),
            subject: crate::trailers::subject(&facts.message),
            ai,
            model,
            reviewers: own.own.valid_emails,
            reviewed,
            needs_review: need.is_some(),
            exempt: false,
        });
    }

    /// The commit's review, when it needs one: decided now, or after the
    /// walk when a merge may still cover it.
    fn review(&self, c: &CommitView<'_>, need: review::Need, found: &mut RefFindings) {
        let (judge, new) = (self.judge, self.span.new);
        if let Err(f) = review::decide_need(judge, &need, &[], self.ctx.pusher, None) {
            if self.coverage.is_some() {
                // A merge may still cover it: decided after the walk.
                found.defer(need, c);
            } else {
                found.commit(f, c, new);
            }
        }
    }
}

/// Whether `message` holds one of the policy's review keys followed by a
/// colon, in any case (a cheap test before parsing its trailers).
fn names_a_review_key(policy: &crate::policy::Policy, message: &[u8]) -> bool {
    memchr::memchr_iter(b':', message).any(|colon| {
        policy.review.trailers.iter().any(|k| {
            colon >= k.len()
                && message
                    .get(colon - k.len()..colon)
                    .is_some_and(|w| w.eq_ignore_ascii_case(k.as_bytes()))
        })
    })
}

/// Walk the commits the update brings and check each. Whether the update is
/// a fast-forward falls out of the walk: `old` is an ancestor of `new`
/// exactly when a brought commit has `old` as a parent.
pub(super) fn walk_commits(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    eff: &Effective<'_>,
    span: &Span,
    state: &mut PushState<'_>,
    found: &mut RefFindings,
) -> Result<WalkOutcome> {
    let odb = state.odb;
    let pull_request = match ctx.forge {
        Some(f) if f.merge => match f.pull_request {
            Some(n) => pull_request::pull_request_evidence(ctx, odb, span.old, span.new, n)?,
            None => None,
        },
        _ => None,
    };
    let cover = judge.policy.review.merges_cover;
    let mut pass = CommitPass {
        ctx,
        judge,
        eff,
        span,
        odb,
        outside: state.outside_baseline(ctx, eff, span)?,
        pull_request,
        coverage: (cover != MergesCover::Never).then(coverage::Coverage::default),
        tree_blobs: TreeBlobs::default(),
        signoffs: signoff::RulesHere::of(judge.policy, eff),
        paths: SignoffPaths::new(odb),
        outcome: WalkOutcome {
            old_is_parent: false,
            tip_exempt: false,
            policy_changes: PolicyChanges::default(),
        },
    };
    let mut update_walk;
    let walk = match (span.kind, span.old) {
        (UpdateKind::Update, Some(old)) => {
            update_walk = Walk::new(odb, &[old])?.read_packs(ctx.repo.object_dirs());
            &mut update_walk
        }
        _ => state.creation_walk(ctx, eff)?,
    };
    walk.from_with(span.new, |c, visited| -> Result<bool> {
        pass.paths.read_packs(visited);
        pass.visit(c, visited, found)?;
        if pass.paths.objects_read() > 0 {
            // Sign-off rules diff trees here: a reading thread would only
            // queue with these reads on libgit2's pack locks.
            visited.reads_objects();
        }
        Ok(true)
    })?;
    let judged = pass.judged();
    pass.paths.finish(judged, found)?;
    let applies = cover == MergesCover::Always || ctx.forge.is_some_and(|f| f.merge);
    found.resolve(judge, pass.coverage.as_ref(), applies, ctx.pusher, span.new);
    let covering = pass.coverage.as_ref().filter(|_| applies);
    pass.outcome
        .policy_changes
        .resolve(judge, covering, ctx.pusher, &ctx.policy.source);
    Ok(pass.outcome)
}
