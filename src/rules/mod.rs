//! The rules: for each ref update, which protections apply and which of them
//! the update (and the commits it brings) break.
//!
//! This module is the only one here with I/O: it peels the pushed ids, finds
//! the commits an update brings (the walk), lists the protected tips and reads
//! policy files for the gate. The checks themselves are pure functions over
//! plain data, each returning [`Finding`]s: [`refs`] (pushers, freeze,
//! deletion, immutable refs, force-push, linear history, replace and
//! namespaced refs), [`review`] (which commits need a review, which reviews
//! count), [`policy_change`] (the gate), [`bypass`] (break-glass); [`hints`]
//! words the fixes.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use git2::Oid;

use crate::commit::CommitView;
use crate::policy::{
    Effective, LoadedPolicy, MergesCover, Mode, Policy, PolicySource, RefPattern, ReviewScope,
};
use crate::push::{Pusher, RefUpdate, UpdateKind};
use crate::repo::HookRepo;
use crate::rule::{Rule, Severity};
use crate::verdict::{short_id, CommitRef, Verdict, Violation, MAX_KEPT_VIOLATIONS};
use crate::walk::Walk;

pub mod bypass;
pub mod coverage;
pub mod hints;
pub mod notes;
pub mod policy_change;
pub mod pusher;
pub mod refs;
pub mod review;
pub mod setup;

/// Something a check found, with its severity already decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule broken.
    pub rule: Rule,
    /// Error (rejects) or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it, as data ([`hints`] words it).
    pub fix: Fix,
}

/// How to fix a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Get a review and add the reviewer's trailer (worded by context: amend
    /// one commit, or rebase several).
    Review(Ask),
    /// Advice that does not depend on the context.
    Advice(String),
}

/// Whose review to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Any human.
    AnyHuman,
    /// Someone other than the author and committer.
    NotTheAuthor,
    /// A human, not an AI or a bot.
    Human,
    /// Someone on the policy's reviewer list.
    Listed,
}

/// The policy's modes on one ref: decides each finding's severity once, where
/// the finding is made.
#[derive(Debug, Clone, Copy)]
pub struct Judge<'p> {
    /// The policy.
    pub policy: &'p Policy,
    /// The ref's effective mode (warn only when every matching entry warns).
    pub mode: Mode,
    /// Whether an honoured break-glass turns findings into warnings.
    pub bypass: bool,
}

impl Judge<'_> {
    /// The severity `rule` gets: fail-closed rules always reject; then the
    /// rule's own mode (`[modes]`) or the ref's; an honoured break-glass
    /// warns instead, except for deletions and moved release tags.
    pub fn severity(&self, rule: Rule) -> Severity {
        if rule.is_fail_closed() {
            return Severity::Error;
        }
        if self.bypass && !rule.survives_bypass() {
            return Severity::Warning;
        }
        self.policy
            .rule_modes
            .get(&rule)
            .copied()
            .unwrap_or(self.mode)
            .severity()
    }

    /// A finding of `rule`.
    pub fn finding(&self, rule: Rule, message: String, fix: Fix) -> Finding {
        Finding {
            rule,
            severity: self.severity(rule),
            message,
            fix,
        }
    }
}

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
    /// Whether a break-glass request was honoured ([`bypass::decide`]).
    pub bypass: bool,
    /// What the forge's environment says about the push, if a forge made it.
    pub forge: Option<&'a crate::push::ForgePush>,
    /// git-ai authorship notes (read only when a commit is asked about).
    pub notes: &'a notes::AiNotes<'a>,
    /// The baseline commits (`reviewgate.baseline`): their history is
    /// exempt from review rules, never from ref protections.
    pub baseline: &'a [Oid],
}

/// Judge a whole push.
pub fn check_push(ctx: &CheckContext<'_>, updates: &[RefUpdate]) -> Verdict {
    let mut verdict = Verdict::for_policy(ctx.policy);
    let odb = match ctx.repo.repo.odb() {
        Ok(odb) => odb,
        Err(e) => {
            verdict.push(internal_error("(this push)", &anyhow::Error::from(e)));
            return verdict;
        }
    };
    let mut state = PushState {
        odb: &odb,
        protected: None,
        policy_blobs: None,
        creation_walks: Vec::new(),
    };
    for update in updates {
        if let Err(e) = check_update(ctx, update, &mut state, &mut verdict) {
            verdict.push(internal_error(&update.name, &e));
        }
    }
    for v in setup::notices(ctx, updates) {
        verdict.push(v);
    }
    verdict
}

/// The violation for an update that could not be checked (fail closed).
pub fn internal_error(refname: &str, e: &anyhow::Error) -> Violation {
    Violation {
        rule: Rule::InternalError,
        severity: Severity::Error,
        refname: refname.to_string(),
        commit: None,
        message: format!("could not check this update: {e:#}"),
        hint: "the update is refused rather than accepted unchecked; ask the server administrator if this persists".into(),
    }
}

/// One update: which ref it really writes, which protections apply, then the checks.
fn check_update(
    ctx: &CheckContext<'_>,
    update: &RefUpdate,
    state: &mut PushState<'_>,
    verdict: &mut Verdict,
) -> Result<()> {
    let policy = &ctx.policy.policy;
    let refname = update.name.as_str();
    let global = Judge {
        policy,
        mode: policy.mode,
        bypass: ctx.bypass,
    };
    // Direct writes into another namespace would bypass its protections.
    if refname.starts_with("refs/namespaces/") {
        verdict.push(ref_violation(refname, refs::namespaced(&global)));
        return Ok(());
    }
    let written = written_ref(ctx.repo, update)?;
    let written = written.as_str();
    if written == notes::NOTES_REF {
        if let Some(f) = notes_evidence(ctx, &global, update, state)? {
            verdict.push(ref_violation(refname, f));
        }
    }
    let names: Vec<&str> = if written == refname {
        vec![refname]
    } else {
        vec![refname, written]
    };
    let eff = Effective::for_names(policy, &names, ctx.default_branch);
    if written.starts_with("refs/replace/") && !eff.as_ref().is_some_and(|e| e.allow_replace) {
        let judge = Judge {
            mode: eff.as_ref().map_or(policy.mode, |e| e.mode),
            ..global
        };
        verdict.push(ref_violation(refname, refs::replace(&judge)));
        return Ok(());
    }
    let Some(eff) = eff else {
        return Ok(());
    };
    let display = if written == refname {
        refname.to_string()
    } else {
        format!("{refname} (-> {written})")
    };
    let written_update = RefUpdate {
        name: written.to_string(),
        ..update.clone()
    };
    let judge = Judge {
        mode: eff.mode,
        ..global
    };
    let mut found = RefFindings::default();
    check_ref(ctx, &judge, &eff, &written_update, state, &mut found)?;
    let forge_merge = ctx.forge.filter(|f| f.merge);
    found.emit(&display, policy.review.trailer(), forge_merge, verdict);
    Ok(())
}

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
/// changes what every ref shows), another namespace's refs, or the AI
/// evidence of `refs/notes/ai`; or which ref it writes cannot be read
/// (fail closed).
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
    };
    if special(&update.name) || policy.is_protected(&update.name, default_branch) {
        return true;
    }
    match written_ref(repo, update) {
        Ok(written) => special(&written) || policy.is_protected(&written, default_branch),
        Err(_) => true,
    }
}

/// How many commits whose notes an update erases are checked against the
/// protected refs (beyond, the update is refused: the safe side).
const MAX_ERASED_CHECKED: usize = 100;

/// An update of `refs/notes/ai` that erases the AI evidence of commits not
/// yet on a protected ref ([`notes::AiNotes::erased`]).
fn notes_evidence(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    update: &RefUpdate,
    state: &mut PushState<'_>,
) -> Result<Option<Finding>> {
    let Some(old) = update.old else {
        return Ok(None); // a new notes ref erases nothing
    };
    let erased = match ctx.notes.erased(old, update.new) {
        Ok(e) => e,
        Err(why) => return Ok(Some(refs::notes_unverifiable(judge, &why))),
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
    Ok((!unlanded.is_empty()).then(|| refs::evidence_erased(judge, &unlanded)))
}

/// Whether commit `id` is reachable from one of the protected `tips` (a
/// note for an object that is not a commit here annotates nothing landed).
fn on_protected_ref(odb: &git2::Odb<'_>, tips: &[Oid], id: Oid) -> Result<bool> {
    if !odb
        .read_header(id)
        .is_ok_and(|(_, kind)| kind == git2::ObjectType::Commit)
    {
        return Ok(false);
    }
    let mut brought = false;
    Walk::new(odb, tips)?.from(id, |c| {
        brought = c.id() == id;
        Ok(false)
    })?;
    Ok(!brought)
}

fn ref_violation(refname: &str, f: Finding) -> Violation {
    Violation {
        rule: f.rule,
        severity: f.severity,
        refname: refname.to_string(),
        commit: None,
        message: f.message,
        hint: match f.fix {
            Fix::Advice(a) => a,
            Fix::Review(_) => String::new(),
        },
    }
}

/// The findings on one ref, gathered in the order they are reported: about
/// the update itself, then per commit in walk order, then the policy gate.
#[derive(Default)]
struct RefFindings {
    update: Vec<Finding>,
    commits: Vec<(Finding, CommitRef)>,
    /// Commit findings not kept (over [`MAX_KEPT_VIOLATIONS`]).
    dropped: usize,
    gate: Vec<(Finding, Option<CommitRef>)>,
    commits_checked: u64,
    /// Commits needing a review, and whether the only one is the tip.
    needing_review: usize,
    tip_needs_review: bool,
    /// The base the rebase advice names: the update's old value.
    base: Option<String>,
    /// For a new ref, where a rebase of the commits needing review starts:
    /// the first parent of the oldest one (by walk order, with its position),
    /// or `--root`.
    oldest_base: Option<(u64, String)>,
    /// Commits lacking their own reviews, until coverage is known.
    pending: Vec<Pending>,
    /// Commits a reviewed merge covered: (commit, merge).
    covered: Vec<(String, String)>,
    /// Commits exempt from review rules as baseline history.
    exempt: u64,
}

/// A commit lacking its own reviews, waiting for the walk to end.
struct Pending {
    /// Where its finding goes among the commit findings (walk order).
    at: usize,
    /// Its position in the walk, and where a rebase of it starts.
    seq: u64,
    rebase_from: String,
    id: Oid,
    cref: CommitRef,
    need: review::Need,
}

/// Why no merge covered a commit that lacks reviews, for its message.
fn coverage_note(
    cov: &coverage::Coverage,
    applies: bool,
    covering: &[&coverage::MergeReview],
    commit: &review::Reviewed,
    req: &review::Requirement<'_>,
    id: Oid,
) -> Option<String> {
    let short = |m: &coverage::MergeReview| short_id(&m.id.to_string()).to_string();
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
fn rebase_from(c: &CommitView<'_>) -> String {
    c.parents().next().map_or_else(
        || "--root".to_string(),
        |p| short_id(&p.to_string()).to_string(),
    )
}

impl RefFindings {
    fn commit(&mut self, f: Finding, c: &CommitView<'_>, tip: Oid) {
        let cref = CommitRef {
            id: c.id().to_string(),
            subject: c.subject(),
        };
        let from = (self.commits_checked, rebase_from(c));
        self.push_commit(self.commits.len(), f, cref, c.id() == tip, from);
    }

    fn push_commit(
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
        if self.commits.len() >= MAX_KEPT_VIOLATIONS {
            self.dropped += 1;
            return;
        }
        self.commits.insert(at.min(self.commits.len()), (f, cref));
    }

    /// A commit lacking its own reviews, decided once the walk knows which
    /// reviewed merges cover it.
    fn defer(&mut self, need: review::Need, c: &CommitView<'_>) {
        self.pending.push(Pending {
            at: self.commits.len(),
            seq: self.commits_checked,
            rebase_from: rebase_from(c),
            id: c.id(),
            cref: CommitRef {
                id: c.id().to_string(),
                subject: c.subject(),
            },
            need,
        });
    }

    /// Decide the deferred commits, in walk order.
    fn resolve(
        &mut self,
        judge: &Judge<'_>,
        cov: &coverage::Coverage,
        applies: bool,
        pusher: Option<&Pusher>,
        tip: Oid,
    ) {
        let req = review::Requirement::review(judge.policy);
        let mut inserted = 0;
        for p in std::mem::take(&mut self.pending) {
            let covering = cov.covering(p.id);
            let merges: &[&coverage::MergeReview] = if applies { &covering } else { &[] };
            let decided = review::decide(judge.policy, &req, &p.need.commit, merges, pusher);
            match decided {
                Err(short) => {
                    let note = coverage_note(cov, applies, &covering, &p.need.commit, &req, p.id);
                    let f = review::finding(judge, &p.need, &short, note);
                    let from = (p.seq, p.rebase_from);
                    self.push_commit(p.at + inserted, f, p.cref, p.id == tip, from);
                    inserted += 1;
                }
                Ok(through) => {
                    if let Some(m) = through {
                        self.covered.push((p.cref.id, m.id.to_string()));
                    }
                }
            }
        }
    }

    /// Turn the findings into violations, with their fixes worded.
    fn emit(
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
            forge_merge,
        };
        if let Some(text) = hints::ref_fix(&ctx) {
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
                hint: hints::hint(&f.fix, &ctx),
                message: f.message,
            });
        }
        verdict.violations_dropped += self.dropped;
        for (commit, merge) in self.covered {
            verdict.cover(refname, commit, merge);
        }
    }
}

/// The checks on one protected ref.
fn check_ref(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    eff: &Effective<'_>,
    update: &RefUpdate,
    state: &mut PushState<'_>,
    found: &mut RefFindings,
) -> Result<()> {
    found.update.extend(refs::pushers(judge, eff, ctx.pusher));
    found.update.extend(refs::freeze(judge, eff, ctx.now));
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
    found.base = old.map(|o| short_id(&o.to_string()).to_string());
    let gate = policy_gate(ctx, &update.name, old, new, state)?;
    let span = Span {
        kind: update.kind(),
        old,
        new,
        gate,
    };
    let outcome = walk_commits(ctx, judge, eff, &span, state, found)?;
    if let (Some(old), false) = (old, outcome.old_is_parent) {
        if refs::needs_fast_forward(eff, &old.to_string(), &new.to_string()) {
            let f = refs::force_push(
                judge,
                short_id(&old.to_string()),
                short_id(&new.to_string()),
            );
            found.update.push(f);
        }
    }
    if gate && !outcome.tip_exempt {
        finish_gate(ctx, judge, &update.name, new, outcome.policy_changes, found)?;
    }
    Ok(())
}

/// What the walk of one update learned beyond its findings.
struct WalkOutcome {
    /// Whether `old` is a parent of a brought commit (so an ancestor of `new`).
    old_is_parent: bool,
    /// Whether the new tip is baseline history (the policy gate then does
    /// not apply: an imported history's policy file is not a change).
    tip_exempt: bool,
    /// Commits changing the policy file, with and without an owner's review.
    policy_changes: PolicyChanges,
}

#[derive(Default)]
struct PolicyChanges {
    changing: usize,
    /// The changing commits, until merge coverage is known.
    pending: Vec<(Oid, CommitRef, review::Reviewed)>,
    unreviewed: Vec<(Finding, CommitRef)>,
}

/// The commits of one update, peeled.
struct Span {
    kind: UpdateKind,
    old: Option<Oid>,
    new: Oid,
    /// Whether the policy gate applies ([`policy_gate`]).
    gate: bool,
}

/// Walk the commits the update brings and check each. Whether the update is
/// a fast-forward falls out of the walk: `old` is an ancestor of `new`
/// exactly when a brought commit has `old` as a parent.
fn walk_commits(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    eff: &Effective<'_>,
    span: &Span,
    state: &mut PushState<'_>,
    found: &mut RefFindings,
) -> Result<WalkOutcome> {
    let Span { old, new, gate, .. } = *span;
    let outside = state.outside_baseline(ctx, eff, span)?;
    let odb = state.odb;
    let mut update_walk;
    let walk = match (span.kind, old) {
        (UpdateKind::Update, Some(old)) => {
            update_walk = Walk::new(state.odb, &[old])?;
            &mut update_walk
        }
        _ => state.creation_walk(ctx, eff)?,
    };
    let mut outcome = WalkOutcome {
        old_is_parent: false,
        tip_exempt: false,
        policy_changes: PolicyChanges::default(),
    };
    let mut tree_blobs = TreeBlobs::default();
    let policy = judge.policy;
    let pull_request = match ctx.forge {
        Some(f) if f.merge => match f.pull_request {
            Some(n) => pull_request_evidence(ctx, odb, old, new, n)?,
            None => None,
        },
        _ => None,
    };
    let cover = policy.review.merges_cover;
    let mut coverage = (cover != MergesCover::Never).then(coverage::Coverage::default);
    walk.from_with(new, |c, visited| {
        found.commits_checked += 1;
        let exempt = outside.as_ref().is_some_and(|o| !o.contains(&c.id()));
        if exempt {
            found.exempt += 1;
        }
        if !outcome.old_is_parent {
            outcome.old_is_parent = old.is_some_and(|o| c.parents().any(|p| p == o));
        }
        if let Some(anomaly) = c.anomaly() {
            found.commit(refs::malformed(judge, anomaly), c, new);
        }
        let facts = review::CommitFacts::from(c.shown());
        if let Some(cov) = coverage.as_mut() {
            cov.visit(c, &facts, policy, visited, odb)?;
        }
        if let Some(f) = refs::linear(judge, eff, c.parent_count()) {
            found.commit(f, c, new);
        }
        if exempt {
            // Baseline history: ref protections (above) still apply; review
            // rules and the policy gate (below) do not.
            outcome.tip_exempt |= c.id() == new;
            return Ok(true);
        }
        if gate && touches_policy(ctx.repo, c, &mut tree_blobs)? {
            outcome.policy_changes.record(judge, &facts, c);
        }
        // Evidence beside the message, looked up only when the message
        // shows none: the commit's git-ai note, and, for the squashed or
        // rebased copies of a pull request's commits (not its own commits,
        // not a merge, which its reviews judge), the pull request's.
        let inherited = || {
            ctx.notes.evidence(c.id()).or_else(|| {
                pull_request
                    .as_ref()
                    .filter(|_| c.parent_count() < 2)
                    .and_then(|pr| pr.inherited(c.id()))
            })
        };
        match review::need(judge, eff.review, &facts, inherited) {
            Err(f) => found.commit(f, c, new),
            Ok(None) => {}
            Ok(Some(need)) => {
                if let Err(f) = review::decide_need(judge, &need, &[], ctx.pusher, None) {
                    if coverage.is_some() {
                        // A merge may still cover it: decided after the walk.
                        found.defer(need, c);
                    } else {
                        found.commit(f, c, new);
                    }
                }
            }
        }
        Ok(true)
    })?;
    let applies = cover == MergesCover::Always || ctx.forge.is_some_and(|f| f.merge);
    if let Some(cov) = &coverage {
        found.resolve(judge, cov, applies, ctx.pusher, new);
    }
    let covering = coverage.as_ref().filter(|_| applies);
    outcome.policy_changes.resolve(judge, covering, ctx.pusher);
    Ok(outcome)
}

impl PolicyChanges {
    /// A commit that changes the policy file: decided after the walk, when
    /// the merges that may cover it are known.
    fn record(&mut self, judge: &Judge<'_>, facts: &review::CommitFacts<'_>, c: &CommitView<'_>) {
        self.changing += 1;
        let policy = judge.policy;
        let req = review::Requirement::policy_change(policy);
        self.pending.push((
            c.id(),
            CommitRef {
                id: c.id().to_string(),
                subject: c.subject(),
            },
            review::Reviewed::of(policy, &req, facts),
        ));
    }

    /// Decide the changing commits (with the merges covering them, where
    /// merge reviews count): each without an owner's review is a finding.
    fn resolve(
        &mut self,
        judge: &Judge<'_>,
        coverage: Option<&coverage::Coverage>,
        pusher: Option<&Pusher>,
    ) {
        let req = review::Requirement::policy_change(judge.policy);
        for (id, cref, commit) in std::mem::take(&mut self.pending) {
            let covering = coverage.map(|c| c.covering(id)).unwrap_or_default();
            if let Err(short) = review::decide(judge.policy, &req, &commit, &covering, pusher) {
                if self.unreviewed.len() < MAX_KEPT_VIOLATIONS {
                    self.unreviewed
                        .push((policy_change::unreviewed(judge, &short), cref));
                }
            }
        }
    }
}

/// A forge's pull request, examined: which pushed commits are its own, and
/// what each copy of its commits (a rebase merge, a squash) inherits.
struct PullRequestEvidence {
    /// The pull request's own commits (`refs/pull/<n>/head`, those not on
    /// the target ref): judged as themselves.
    commits: std::collections::HashSet<Oid>,
    /// What each pushed copy inherits: the evidence of the commit it copies
    /// (`None` for a copy of a human commit), or, for a commit that copies
    /// none of them, the whole pull request's.
    copies: std::collections::HashMap<Oid, Option<crate::detect::AiEvidence>>,
    /// What a pushed commit not in `copies` inherits.
    rest: Option<crate::detect::AiEvidence>,
}

impl PullRequestEvidence {
    /// The evidence a pushed single-parent commit inherits.
    fn inherited(&self, id: Oid) -> Option<crate::detect::AiEvidence> {
        if self.commits.contains(&id) {
            return None;
        }
        match self.copies.get(&id) {
            Some(e) => e.clone(),
            None => self.rest.clone(),
        }
    }
}

/// The most commits of a pull request, and of the pushed range, examined
/// (beyond, the pushed commits inherit the whole pull request's evidence:
/// the safe side).
const MAX_PR_COMMITS: usize = 10_000;

/// What makes a commit a copy of another under a rebase: the same author
/// (name, email and date, as the header has them) and the same message.
fn copy_key(c: &CommitView<'_>) -> Vec<u8> {
    let mut key = c.author_line().to_vec();
    key.push(0);
    key.extend_from_slice(c.raw_message());
    key
}

/// On a Gitea/Forgejo pull-request merge, the pull request's own commits
/// (`refs/pull/<n>/head`, those not already on the target ref) and what the
/// pushed commits inherit from them. A rebase merge writes a copy of each:
/// a copy (same author, author date and message) inherits the evidence of
/// the commit it copies, so a human commit's copy stays human. A pushed
/// commit that copies none (a squash) inherits the whole pull request's
/// evidence; and if an AI-assisted commit of the pull request reaches the
/// ref neither as itself nor as a copy, its evidence went into some pushed
/// commit, so every pushed commit inherits it (a squash dressed as a copy of
/// a human commit launders nothing). Cost: the pull request's range and the
/// pushed range, each bounded.
fn pull_request_evidence(
    ctx: &CheckContext<'_>,
    odb: &git2::Odb<'_>,
    target: Option<Oid>,
    new: Oid,
    number: u64,
) -> Result<Option<PullRequestEvidence>> {
    let head_ref = format!("refs/pull/{number}/head");
    let unread = |why: String| crate::detect::AiEvidence {
        tool: format!("pull request #{number}"),
        evidence: why,
    };
    let everything = |why: String| PullRequestEvidence {
        commits: std::collections::HashSet::new(),
        copies: std::collections::HashMap::new(),
        rest: Some(unread(why)),
    };
    let Some(head) = ctx.repo.ref_target(&head_ref)? else {
        return Ok(Some(everything(format!(
            "its commits could not be read ({head_ref} is missing), so they may be AI-assisted"
        ))));
    };
    let hide: Vec<Oid> = target.into_iter().collect();
    // The pull request's commits: which are AI-assisted, keyed for copies.
    let mut own = std::collections::HashSet::new();
    let mut by_key: std::collections::HashMap<Vec<u8>, (Oid, Option<crate::detect::AiEvidence>)> =
        std::collections::HashMap::new();
    // The AI-assisted ones in walk order (newest first), so that messages
    // name the same commit every time.
    let mut ai_order: Vec<(Oid, crate::detect::AiEvidence)> = Vec::new();
    Walk::new(odb, &hide)?.from(head, |c| {
        own.insert(c.id());
        let facts = review::CommitFacts::from(c.shown());
        let evidence = facts
            .ai_evidence(&ctx.policy.policy)
            .or_else(|| ctx.notes.evidence(c.id()))
            .map(|e| crate::detect::AiEvidence {
                tool: e.tool,
                evidence: format!(
                    "pull request #{number} commit {}: {}",
                    short_id(&c.id().to_string()),
                    e.evidence
                ),
            });
        if let Some(e) = &evidence {
            ai_order.push((c.id(), e.clone()));
        }
        if c.parent_count() < 2 {
            by_key.entry(copy_key(c)).or_insert((c.id(), evidence));
        }
        Ok(own.len() < MAX_PR_COMMITS)
    })?;
    if own.len() >= MAX_PR_COMMITS {
        return Ok(Some(everything(format!(
            "it has more than {MAX_PR_COMMITS} commits not on this ref, not all examined"
        ))));
    }
    let Some(any) = ai_order.first().map(|(_, e)| e.clone()) else {
        return Ok(None);
    };
    let any = Some(any);
    // The pushed commits: which copy which.
    let mut copies = std::collections::HashMap::new();
    let mut accounted = std::collections::HashSet::new();
    let mut pushed = 0;
    Walk::new(odb, &hide)?.from(new, |c| {
        pushed += 1;
        if own.contains(&c.id()) {
            accounted.insert(c.id());
        } else if c.parent_count() < 2 {
            if let Some((original, evidence)) = by_key.get(&copy_key(c)) {
                accounted.insert(*original);
                copies.insert(c.id(), evidence.clone());
            }
        }
        Ok(pushed < MAX_PR_COMMITS)
    })?;
    if pushed >= MAX_PR_COMMITS {
        return Ok(Some(PullRequestEvidence {
            commits: own,
            copies: std::collections::HashMap::new(),
            rest: any,
        }));
    }
    let missing = ai_order
        .iter()
        .find(|(id, _)| !accounted.contains(id))
        .map(|(_, e)| e.clone());
    if let Some(leak) = missing {
        // An AI commit arrived as neither itself nor a copy: every pushed
        // commit may hold it.
        for e in copies.values_mut() {
            if e.is_none() {
                *e = Some(leak.clone());
            }
        }
        return Ok(Some(PullRequestEvidence {
            commits: own,
            copies,
            rest: Some(leak),
        }));
    }
    Ok(Some(PullRequestEvidence {
        commits: own,
        copies,
        rest: any,
    }))
}

/// Whether the update changes the policy file on a protected branch: for an
/// update, the file differs between the old and the new tip; for a new
/// branch, its file is none of those on the protected branches already (a
/// release branch cut from main is not a change). With a server-pinned policy
/// the repository's file does not govern.
fn policy_gate(
    ctx: &CheckContext<'_>,
    refname: &str,
    old: Option<Oid>,
    new: Oid,
    state: &mut PushState<'_>,
) -> Result<bool> {
    if !refname.starts_with("refs/heads/") || matches!(ctx.policy.source, PolicySource::File(_)) {
        return Ok(false);
    }
    let repo = ctx.repo;
    let new_blob = crate::policy::load::blob_id(repo, new)?;
    Ok(match old {
        Some(old) => crate::policy::load::blob_id(repo, old)? != new_blob,
        None => match new_blob {
            None => false,
            Some(blob) => !state.protected_policy_blobs(ctx)?.contains(&blob),
        },
    })
}

/// After the walk of a gated update: an owner's review on the tip covers the
/// whole change; otherwise every commit changing the file needs one (or, when
/// none does, as after a reset to an older commit, the tip). The new file
/// must parse.
fn finish_gate(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    refname: &str,
    new: Oid,
    changes: PolicyChanges,
    found: &mut RefFindings,
) -> Result<()> {
    let repo = ctx.repo;
    let odb = repo.repo.odb()?;
    let tip_obj = odb.read(new)?;
    let tip = CommitView::parse(new, tip_obj.data());
    let tip_facts = review::CommitFacts::from(tip.shown());
    let policy = judge.policy;
    let req = review::Requirement::policy_change(policy);
    let tip_review = review::Reviewed::of(policy, &req, &tip_facts);
    if let Err(short) = review::decide(policy, &req, &tip_review, &[], ctx.pusher) {
        if changes.changing == 0 {
            let cref = CommitRef {
                id: new.to_string(),
                subject: tip.subject(),
            };
            found
                .gate
                .push((policy_change::unreviewed(judge, &short), Some(cref)));
        }
        found
            .gate
            .extend(changes.unreviewed.into_iter().map(|(f, c)| (f, Some(c))));
    }
    if let Some(file) = crate::policy::load::blob_at(repo, new)? {
        let source = PolicySource::Repository {
            refname: refname.to_string(),
            commit: new.to_string(),
            blob: file.blob.to_string(),
        };
        if let Err(e) = LoadedPolicy::from_bytes(&file.bytes, source) {
            found.gate.push((policy_change::invalid(judge, &e), None));
        }
    }
    Ok(())
}

/// What a push's checks share: the object database, the tips of protected
/// refs (read once per push, with each ref's protection, so a new ref trusts
/// only refs at least as strict), and one walk per kind of new ref, so a push
/// creating many refs reads each commit once, not once per ref.
struct PushState<'o> {
    odb: &'o git2::Odb<'o>,
    protected: Option<Vec<ProtectedTip>>,
    policy_blobs: Option<std::collections::HashSet<Oid>>,
    creation_walks: Vec<((ReviewScope, Mode), Walk<'o>)>,
}

/// A protected ref's tip and its protection.
struct ProtectedTip {
    name: String,
    tip: Oid,
    review: ReviewScope,
    mode: Mode,
}

impl<'o> PushState<'o> {
    /// The tips of the protected refs (listed once per push).
    fn protected(&mut self, ctx: &CheckContext<'_>) -> Result<&[ProtectedTip]> {
        if self.protected.is_none() {
            let policy = &ctx.policy.policy;
            let mut tips = Vec::new();
            for name in protected_refs(ctx)? {
                let Some(target) = ctx.repo.ref_target(&name)? else {
                    continue;
                };
                let (Some(tip), Some(eff)) = (
                    ctx.repo.peel_to_commit(target)?,
                    Effective::for_ref(policy, &name, ctx.default_branch),
                ) else {
                    continue;
                };
                tips.push(ProtectedTip {
                    name,
                    tip,
                    review: eff.review,
                    mode: eff.mode,
                });
            }
            self.protected = Some(tips);
        }
        Ok(self.protected.as_deref().unwrap_or_default())
    }

    /// The policy file's blobs at the tips of the protected branches.
    fn protected_policy_blobs(
        &mut self,
        ctx: &CheckContext<'_>,
    ) -> Result<&std::collections::HashSet<Oid>> {
        if self.policy_blobs.is_none() {
            let mut blobs = std::collections::HashSet::new();
            for p in self.protected(ctx)? {
                if p.name.starts_with("refs/heads/") {
                    blobs.extend(crate::policy::load::blob_id(ctx.repo, p.tip)?);
                }
            }
            self.policy_blobs = Some(blobs);
        }
        self.policy_blobs
            .as_ref()
            .context("policy blobs not loaded")
    }

    /// The tips of the protected refs whose commits a new ref with
    /// protection `eff` takes as judged.
    fn creation_hides(&mut self, ctx: &CheckContext<'_>, eff: &Effective<'_>) -> Result<Vec<Oid>> {
        let mut hide: Vec<Oid> = self
            .protected(ctx)?
            .iter()
            .filter(|p| trusts(eff, p.review, p.mode))
            .map(|p| p.tip)
            .collect();
        hide.sort();
        hide.dedup();
        Ok(hide)
    }

    /// With a baseline (`reviewgate.baseline`): the commits the update brings
    /// that are not reachable from it; the others are exempt from review
    /// rules. `None` without a baseline. Costs one more walk of the same
    /// range (the baseline's own history is hidden, never walked).
    fn outside_baseline(
        &mut self,
        ctx: &CheckContext<'_>,
        eff: &Effective<'_>,
        span: &Span,
    ) -> Result<Option<std::collections::HashSet<Oid>>> {
        if ctx.baseline.is_empty() {
            return Ok(None);
        }
        let mut hide = ctx.baseline.to_vec();
        match (span.kind, span.old) {
            (UpdateKind::Update, Some(old)) => hide.push(old),
            _ => hide.extend(self.creation_hides(ctx, eff)?),
        }
        let mut outside = std::collections::HashSet::new();
        Walk::new(self.odb, &hide)?.from(span.new, |c| {
            outside.insert(c.id());
            Ok(true)
        })?;
        Ok(Some(outside))
    }

    /// The walk for new refs with protection `eff`: it hides the tips of
    /// protected refs that `eff` trusts.
    fn creation_walk(
        &mut self,
        ctx: &CheckContext<'_>,
        eff: &Effective<'_>,
    ) -> Result<&mut Walk<'o>> {
        let class = (eff.review, eff.mode);
        let index = match self.creation_walks.iter().position(|(c, _)| *c == class) {
            Some(i) => i,
            None => {
                let hide = self.creation_hides(ctx, eff)?;
                let walk = Walk::new(self.odb, &hide)?;
                self.creation_walks.push((class, walk));
                self.creation_walks.len() - 1
            }
        };
        self.creation_walks
            .get_mut(index)
            .map(|(_, w)| w)
            .context("no walk for this kind of ref")
    }
}

/// Whether commits already on a ref with `review` and `mode` count as judged
/// for a new ref with protection `eff`: the other ref must require review of
/// at least as many commits, and enforce if the new ref enforces.
fn trusts(eff: &Effective<'_>, review: ReviewScope, mode: Mode) -> bool {
    review >= eff.review && (eff.mode == Mode::Warn || mode == Mode::Enforce)
}

/// The names of the refs the policy protects that exist. Literal names are
/// looked up directly and globs list only the refs under their literal
/// prefix, so the cost follows the protected refs, not all of them.
fn protected_refs(ctx: &CheckContext<'_>) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for pattern in ctx.policy.policy.protect.iter().flat_map(|p| &p.refs) {
        match pattern {
            RefPattern::DefaultBranch => names.extend(ctx.default_branch.map(String::from)),
            RefPattern::Glob { pattern, matcher } => {
                match pattern.find(['*', '?', '[', '{', '\\']) {
                    None => names.push(pattern.clone()),
                    Some(i) => {
                        let prefix = pattern.get(..i).unwrap_or_default();
                        names.extend(
                            ctx.repo
                                .refs_under(prefix)?
                                .into_iter()
                                .filter(|n| matcher.is_match(n)),
                        );
                    }
                }
            }
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// The policy file's blob in recently seen trees: a walk meets each tree
/// twice (as a commit's and as its child's parent's), and most commits share
/// their parent's blob.
#[derive(Default)]
struct TreeBlobs {
    map: std::collections::HashMap<Oid, Option<Oid>>,
}

impl TreeBlobs {
    const CAPACITY: usize = 4096;

    fn blob(&mut self, repo: &HookRepo, tree: Oid) -> Result<Option<Oid>> {
        if let Some(b) = self.map.get(&tree) {
            return Ok(*b);
        }
        if self.map.len() >= Self::CAPACITY {
            self.map.clear();
        }
        let blob = repo.blob_in_tree(tree, crate::policy::POLICY_FILE)?;
        self.map.insert(tree, blob);
        Ok(blob)
    }
}

/// Whether the commit changes the policy file against any of its parents (a
/// root commit: whether it has the file), so no merge shape hides a change.
fn touches_policy(repo: &HookRepo, c: &CommitView<'_>, cache: &mut TreeBlobs) -> Result<bool> {
    let tree = c
        .tree()
        .with_context(|| format!("commit {} has no tree header git can read", c.id()))?;
    if c.parent_count() == 0 {
        return Ok(cache.blob(repo, tree)?.is_some());
    }
    let mut mine = None;
    for p in c.parents() {
        let parent_tree = repo.tree_of(p)?;
        if parent_tree == tree {
            continue;
        }
        let mine = match mine {
            Some(m) => m,
            None => *mine.insert(cache.blob(repo, tree)?),
        };
        if cache.blob(repo, parent_tree)? != mine {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    //! The pure checks, table-driven, without a repository.
    use super::*;
    use crate::commit::ShownIdent;
    use crate::policy::PolicySource;
    use std::borrow::Cow;

    fn policy(text: &str) -> Policy {
        Policy::parse(text, &PolicySource::Builtin).expect("test policy parses")
    }

    const MAIN: &str = "[[protect]]\nrefs = [\"refs/heads/main\"]\n";
    const CLAUDE: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

    fn facts<'a>(author: &'a str, message: &'a str) -> review::CommitFacts<'a> {
        let (name, email) = author.split_once(" <").expect("Name <email>");
        review::CommitFacts {
            author: ShownIdent {
                name: Cow::Borrowed(name),
                email: Cow::Borrowed(email.trim_end_matches('>')),
            },
            committer: ShownIdent {
                name: Cow::Borrowed(name),
                email: Cow::Borrowed(email.trim_end_matches('>')),
            },
            message: Cow::Borrowed(message.as_bytes()),
            undecodable: None,
        }
    }

    fn pusher(login: &str) -> Pusher {
        Pusher {
            login: Some(login.into()),
            email: None,
            source: crate::push::IdentitySource::Gitlab,
            signer: None,
        }
    }

    /// (name, extra policy, scope, mode, author, message, pusher, expected rule and severity)
    type ReviewCase = (
        &'static str,
        &'static str,
        ReviewScope,
        Mode,
        &'static str,
        String,
        Option<&'static str>,
        Option<(Rule, Severity)>,
    );

    fn review_cases() -> Vec<ReviewCase> {
        use ReviewScope::{Ai, All, None as No};
        use Severity::{Error as E, Warning as W};
        let ai = |t: &str| format!("Add parser\n\nBody.\n\n{CLAUDE}\n{t}\n");
        let dev = "Dev <dev@example.com>";
        vec![
            (
                "human commit, review ai",
                "",
                Ai,
                Mode::Enforce,
                dev,
                "Fix\n".into(),
                None,
                None,
            ),
            (
                "human commit, review all",
                "",
                All,
                Mode::Enforce,
                dev,
                "Fix\n".into(),
                None,
                Some((Rule::Unreviewed, E)),
            ),
            (
                "ai commit, review none",
                "",
                No,
                Mode::Enforce,
                dev,
                ai(""),
                None,
                None,
            ),
            (
                "ai commit unreviewed",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai(""),
                None,
                Some((Rule::AiUnreviewed, E)),
            ),
            (
                "ai commit unreviewed, warn",
                "",
                Ai,
                Mode::Warn,
                dev,
                ai(""),
                None,
                Some((Rule::AiUnreviewed, W)),
            ),
            (
                "ai commit reviewed",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                None,
                None,
            ),
            (
                "self review",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: D <DEV@example.com>"),
                None,
                Some((Rule::SelfReview, E)),
            ),
            (
                "ai reviewer",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Claude <noreply@anthropic.com> via CLI"),
                None,
                Some((Rule::AiReviewer, E)),
            ),
            (
                "bot reviewer",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: x[bot] <1+x[bot]@users.noreply.github.com>"),
                None,
                Some((Rule::BotReviewer, E)),
            ),
            (
                "no email",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann Lee"),
                None,
                Some((Rule::ReviewerWithoutEmail, E)),
            ),
            (
                "two emails",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <a@x.org> <b@x.org>"),
                None,
                Some((Rule::ReviewerWithoutEmail, E)),
            ),
            (
                "not listed",
                "[review]\nreviewers = [\"*@seniors.example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                None,
                Some((Rule::ReviewerNotAllowed, E)),
            ),
            (
                "listed",
                "[review]\nreviewers = [\"*@seniors.example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@SENIORS.example.com>"),
                None,
                None,
            ),
            (
                "too few",
                "[review]\nmin-reviewers = 2\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>\nReviewed-by: Ann L <ANN@example.com>"),
                None,
                Some((Rule::TooFewReviewers, E)),
            ),
            (
                "two reviewers",
                "[review]\nmin-reviewers = 2\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>\nReviewed-by: Bo <bo@example.com>"),
                None,
                None,
            ),
            (
                "per-rule warn",
                "[modes]\nai-unreviewed = \"warn\"\n",
                Ai,
                Mode::Enforce,
                dev,
                ai(""),
                None,
                Some((Rule::AiUnreviewed, W)),
            ),
            (
                "per-rule enforce in a warn ref",
                "[modes]\nai-unreviewed = \"enforce\"\n",
                Ai,
                Mode::Warn,
                dev,
                ai(""),
                None,
                Some((Rule::AiUnreviewed, E)),
            ),
            (
                "review key case",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("reviewed-BY: Ann <ann@example.com>"),
                None,
                None,
            ),
            (
                "pusher unauthenticated",
                "[review]\nrequire-pusher = true\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                None,
                Some((Rule::PusherUnauthenticated, E)),
            ),
            (
                "pusher not reviewer",
                "[review]\nrequire-pusher = true\n[identities]\nbo = [\"bo@example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                Some("bo"),
                Some((Rule::PusherNotReviewer, E)),
            ),
            (
                "pusher is reviewer",
                "[review]\nrequire-pusher = true\n[identities]\nann = [\"ann@example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                Some("ann"),
                None,
            ),
            (
                "pusher login case",
                "[review]\nrequire-pusher = true\n[identities]\nann = [\"ann@example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                Some("Ann"),
                Some((Rule::PusherNotReviewer, E)),
            ),
        ]
    }

    #[test]
    fn review_rules() {
        let cases = review_cases();
        assert!(cases.len() >= 20);
        for (name, extra, scope, mode, author, message, who, want) in cases {
            let p = policy(&format!("{extra}{MAIN}"));
            let judge = Judge {
                policy: &p,
                mode,
                bypass: false,
            };
            let pusher = who.map(pusher);
            let got = review::check(&judge, scope, &facts(author, &message), pusher.as_ref());
            assert_eq!(got.map(|f| (f.rule, f.severity)), want, "{name}");
        }
    }

    #[test]
    fn merge_coverage() {
        use crate::ident::Person;
        let merge = |emails: &[&str]| coverage::MergeReview {
            id: Oid::zero(),
            reviewers: emails
                .iter()
                .map(|e| Person::parse(&format!("R <{e}>")).expect("person"))
                .collect(),
        };
        let ai = format!("Add parser\n\n{CLAUDE}\n");
        let own_ann = format!("Add parser\n\n{CLAUDE}\nReviewed-by: Ann <ann@example.com>\n");
        let dev = "Dev <dev@example.com>";
        let ann_wrote = "Ann <ann@example.com>";
        // (name, extra policy, author, message, merge reviewers, pusher, expected rule, covered)
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a str,
            &'a str,
            Vec<&'a str>,
            Option<&'a str>,
            Option<Rule>,
            bool,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "merge review covers",
                "",
                dev,
                &ai,
                vec!["ann@example.com"],
                None,
                None,
                true,
            ),
            (
                "no merge",
                "",
                dev,
                &ai,
                vec![],
                None,
                Some(Rule::AiUnreviewed),
                false,
            ),
            (
                "the reviewer wrote it",
                "",
                ann_wrote,
                &ai,
                vec!["ann@example.com"],
                None,
                Some(Rule::AiUnreviewed),
                false,
            ),
            (
                "another merge reviewer counts",
                "",
                ann_wrote,
                &ai,
                vec!["ann@example.com", "bo@example.com"],
                None,
                None,
                true,
            ),
            (
                "own and merge, min 2, distinct",
                "[review]\nmin-reviewers = 2\n",
                dev,
                &own_ann,
                vec!["bo@example.com"],
                None,
                None,
                true,
            ),
            (
                "own and merge, min 2, same person",
                "[review]\nmin-reviewers = 2\n",
                dev,
                &own_ann,
                vec!["ann@example.com"],
                None,
                Some(Rule::TooFewReviewers),
                false,
            ),
            (
                "merge alone, min 2",
                "[review]\nmin-reviewers = 2\n",
                dev,
                &ai,
                vec!["ann@example.com"],
                None,
                Some(Rule::TooFewReviewers),
                false,
            ),
            ("own suffices", "", dev, &own_ann, vec![], None, None, false),
            (
                "require-pusher: the merge reviewer pushes",
                "[review]\nrequire-pusher = true\n[identities]\nann = [\"ann@example.com\"]\n",
                dev,
                &ai,
                vec!["ann@example.com"],
                Some("ann"),
                None,
                true,
            ),
            (
                "require-pusher: someone else pushes",
                "[review]\nrequire-pusher = true\n[identities]\nbo = [\"bo@example.com\"]\n",
                dev,
                &ai,
                vec!["ann@example.com"],
                Some("bo"),
                Some(Rule::PusherNotReviewer),
                false,
            ),
        ];
        for (name, extra, author, message, reviewers, who, want, covered) in cases {
            let p = policy(&format!("{extra}{MAIN}"));
            let judge = Judge {
                policy: &p,
                mode: Mode::Enforce,
                bypass: false,
            };
            let need = review::need(&judge, ReviewScope::Ai, &facts(author, message), || None)
                .expect("judged")
                .expect("needs review");
            let m = merge(&reviewers);
            let covering = [&m];
            let who = who.map(pusher);
            let (f, through) =
                match review::decide_need(&judge, &need, &covering, who.as_ref(), None) {
                    Ok(through) => (None, through),
                    Err(f) => (Some(f), None),
                };
            assert_eq!(f.map(|f| f.rule), want, "{name}");
            assert_eq!(through.is_some(), covered, "{name}");
        }
    }

    #[test]
    fn an_undecodable_message_needs_review_where_review_is_required() {
        let p = policy(MAIN);
        let judge = Judge {
            policy: &p,
            mode: Mode::Enforce,
            bypass: false,
        };
        let mut f = facts("Dev <dev@example.com>", "Fix\n");
        f.undecodable = Some("UTF-7".into());
        let got = review::check(&judge, ReviewScope::Ai, &f, None).map(|f| f.rule);
        assert_eq!(got, Some(Rule::UndecodableMessage));
        assert_eq!(review::check(&judge, ReviewScope::None, &f, None), None);
    }

    fn eff_of<'p>(p: &'p Policy, refname: &str) -> Effective<'p> {
        Effective::for_ref(p, refname, Some("refs/heads/main")).expect("protected")
    }

    #[test]
    fn ref_rules() {
        let p = policy("[bypass]\npushers = [\"oncall\"]\n[[protect]]\nrefs = [\"refs/heads/main\"]\nlinear-history = true\n[[protect]]\nrefs = [\"refs/tags/v*\"]\nallow-update = false\n[[protect]]\nrefs = [\"refs/heads/release/*\"]\npushers = [\"rel-*\"]\nmode = \"warn\"\n");
        let (main, tags, release) = (
            eff_of(&p, "refs/heads/main"),
            eff_of(&p, "refs/tags/v1"),
            eff_of(&p, "refs/heads/release/1"),
        );
        let j = |mode, bypass| Judge {
            policy: &p,
            mode,
            bypass,
        };
        let enforce = j(Mode::Enforce, false);
        let code = |f: Option<Finding>| f.map(|f| (f.rule, f.severity));
        use Severity::{Error as E, Warning as W};
        type Got = Option<(Rule, Severity)>;
        let table: Vec<(&str, Got, Got)> = vec![
            (
                "delete main",
                code(refs::kind(&enforce, &main, UpdateKind::Delete)),
                Some((Rule::Deletion, E)),
            ),
            (
                "delete main, break-glass",
                code(refs::kind(
                    &j(Mode::Enforce, true),
                    &main,
                    UpdateKind::Delete,
                )),
                Some((Rule::Deletion, E)),
            ),
            (
                "move main",
                code(refs::kind(&enforce, &main, UpdateKind::Update)),
                None,
            ),
            (
                "move a tag",
                code(refs::kind(&enforce, &tags, UpdateKind::Update)),
                Some((Rule::ImmutableRef, E)),
            ),
            (
                "move a tag, break-glass",
                code(refs::kind(
                    &j(Mode::Enforce, true),
                    &tags,
                    UpdateKind::Update,
                )),
                Some((Rule::ImmutableRef, E)),
            ),
            (
                "create a tag",
                code(refs::kind(&enforce, &tags, UpdateKind::Create)),
                None,
            ),
            (
                "merge on linear main",
                code(refs::linear(&enforce, &main, 2)),
                Some((Rule::MergeCommit, E)),
            ),
            (
                "plain commit on linear main",
                code(refs::linear(&enforce, &main, 1)),
                None,
            ),
            (
                "merge on a tag",
                code(refs::linear(&enforce, &tags, 2)),
                None,
            ),
            (
                "release, no pusher",
                code(refs::pushers(&j(Mode::Warn, false), &release, None)),
                Some((Rule::PusherUnauthenticated, W)),
            ),
            (
                "release, listed",
                code(refs::pushers(&enforce, &release, Some(&pusher("rel-bot")))),
                None,
            ),
            (
                "release, not listed",
                code(refs::pushers(&enforce, &release, Some(&pusher("Rel-bot")))),
                Some((Rule::PusherNotAllowed, E)),
            ),
            (
                "main, anyone",
                code(refs::pushers(&enforce, &main, None)),
                None,
            ),
            (
                "force-push",
                code(Some(refs::force_push(&enforce, "a", "b"))),
                Some((Rule::ForcePush, E)),
            ),
            (
                "force-push, break-glass",
                code(Some(refs::force_push(&j(Mode::Enforce, true), "a", "b"))),
                Some((Rule::ForcePush, W)),
            ),
            (
                "malformed, warn and break-glass",
                code(Some(refs::malformed(
                    &j(Mode::Warn, true),
                    crate::commit::Anomaly::Nul,
                ))),
                Some((Rule::MalformedCommit, E)),
            ),
            (
                "namespaced",
                code(Some(refs::namespaced(&enforce))),
                Some((Rule::NamespacedRef, E)),
            ),
            (
                "replace",
                code(Some(refs::replace(&j(Mode::Warn, false)))),
                Some((Rule::ReplaceRef, W)),
            ),
        ];
        for (name, got, want) in table {
            assert_eq!(got, want, "{name}");
        }
        assert!(refs::needs_fast_forward(&main, "a", "b"));
        assert!(!refs::needs_fast_forward(&main, "a", "a"));
        assert!(
            !refs::needs_fast_forward(&tags, "a", "b"),
            "tags never move anyway"
        );
    }

    #[test]
    fn freeze_windows() {
        let p = policy("[[protect]]\nrefs = [\"refs/heads/main\"]\n[[protect.freeze]]\nfrom = \"Fri 16:00\"\nuntil = \"Mon 08:00\"\ntimezone = \"UTC\"\nreason = \"weekend\"\n");
        let main = eff_of(&p, "refs/heads/main");
        let judge = Judge {
            policy: &p,
            mode: Mode::Enforce,
            bypass: false,
        };
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc)
        };
        let saturday = refs::freeze(&judge, &main, at("2026-12-05T10:00:00Z"));
        assert_eq!(
            saturday.iter().map(|f| f.rule).collect::<Vec<_>>(),
            vec![Rule::FreezeWindow]
        );
        assert!(
            saturday[0].message.contains("until 2026-12-07T08:00:00Z"),
            "{}",
            saturday[0].message
        );
        assert!(refs::freeze(&judge, &main, at("2026-12-08T10:00:00Z")).is_empty());
    }

    #[test]
    fn policy_change_rules() {
        let owned = policy(
            "[policy]\nowners = [\"ann@example.com\"]\n[[protect]]\nrefs = [\"refs/heads/main\"]\n",
        );
        let any = policy(MAIN);
        let judge = |p| Judge {
            policy: p,
            mode: Mode::Enforce,
            bypass: false,
        };
        let dev = "Dev <dev@example.com>";
        let cases = [
            (
                &owned,
                "Change\n\nReviewed-by: Ann <ann@example.com>\n",
                true,
            ),
            (
                &owned,
                "Change\n\nReviewed-by: Bo <bo@example.com>\n",
                false,
            ),
            (&owned, "Change\n", false),
            (&any, "Change\n\nReviewed-by: Bo <bo@example.com>\n", true),
            (
                &any,
                "Change\n\nReviewed-by: Dev <dev@example.com>\n",
                false,
            ),
        ];
        for (p, msg, want) in cases {
            let req = review::Requirement::policy_change(p);
            let commit = review::Reviewed::of(p, &req, &facts(dev, msg));
            let got = review::decide(p, &req, &commit, &[], None);
            assert_eq!(got.is_ok(), want, "{msg}");
        }
        let none = review::Shortfall::TooFew { valid: 0 };
        let f = policy_change::unreviewed(&judge(&owned), &none);
        assert_eq!(
            (f.rule, f.severity),
            (Rule::PolicyChangeUnreviewed, Severity::Error)
        );
        assert!(
            f.message.contains("a policy owner (ann@example.com)"),
            "{}",
            f.message
        );
        let warn = Judge {
            policy: &owned,
            mode: Mode::Warn,
            bypass: false,
        };
        assert_eq!(
            policy_change::unreviewed(&warn, &none).severity,
            Severity::Warning
        );
    }

    #[test]
    fn break_glass_decisions() {
        let p = policy("[bypass]\npushers = [\"oncall-*\"]\n[identities]\nann = [\"ann@example.com\"]\n[[protect]]\nrefs = [\"refs/heads/main\"]\n");
        let opts = |o: &[&str]| crate::push::PushOptions {
            options: o.iter().map(|s| s.to_string()).collect(),
            advertised: true,
        };
        let who = pusher("oncall-eu");
        let stranger = pusher("dev");
        let honoured = |d: &bypass::Decision| matches!(d, bypass::Decision::Honoured(_));
        let denied = |d: &bypass::Decision| matches!(d, bypass::Decision::Denied(_));
        assert_eq!(
            bypass::decide(&p, Some(&who), &opts(&[])),
            bypass::Decision::NotAsked
        );
        assert!(honoured(&bypass::decide(
            &p,
            Some(&who),
            &opts(&["reviewgate.bypass=fire"])
        )));
        assert!(denied(&bypass::decide(
            &p,
            Some(&who),
            &opts(&["reviewgate.bypass="])
        )));
        assert!(denied(&bypass::decide(
            &p,
            Some(&who),
            &opts(&["reviewgate.bypass"])
        )));
        assert!(denied(&bypass::decide(
            &p,
            Some(&stranger),
            &opts(&["reviewgate.bypass=fire"])
        )));
        assert!(denied(&bypass::decide(
            &p,
            None,
            &opts(&["reviewgate.bypass=fire"])
        )));
    }

    #[test]
    fn severity_is_decided_once() {
        let p =
            policy("[modes]\nforce-push = \"warn\"\n[[protect]]\nrefs = [\"refs/heads/main\"]\n");
        let j = |mode, bypass| Judge {
            policy: &p,
            mode,
            bypass,
        };
        use Severity::{Error as E, Warning as W};
        let table = [
            (j(Mode::Enforce, false), Rule::AiUnreviewed, E),
            (j(Mode::Warn, false), Rule::AiUnreviewed, W),
            (j(Mode::Enforce, false), Rule::ForcePush, W),
            (j(Mode::Enforce, true), Rule::AiUnreviewed, W),
            (j(Mode::Enforce, true), Rule::Deletion, E),
            (j(Mode::Enforce, true), Rule::AiEvidenceRemoved, E),
            (j(Mode::Warn, false), Rule::AiEvidenceRemoved, W),
            (j(Mode::Warn, true), Rule::InternalError, E),
            (j(Mode::Warn, false), Rule::MalformedCommit, E),
            (j(Mode::Warn, false), Rule::AuditUnavailable, E),
        ];
        for (judge, rule, want) in table {
            assert_eq!(
                judge.severity(rule),
                want,
                "{rule} in {:?}, bypass {}",
                judge.mode,
                judge.bypass
            );
        }
    }

    #[test]
    fn new_refs_trust_only_refs_at_least_as_strict() {
        let p = policy("[[protect]]\nrefs = [\"refs/heads/main\"]\n[[protect]]\nrefs = [\"refs/heads/scratch\"]\nreview = \"none\"\n[[protect]]\nrefs = [\"refs/heads/exp\"]\nmode = \"warn\"\n[[protect]]\nrefs = [\"refs/heads/audited\"]\nreview = \"all\"\n");
        let main = eff_of(&p, "refs/heads/main");
        let other = |r: &str| {
            let e = eff_of(&p, r);
            (e.review, e.mode)
        };
        let table = [
            ("refs/heads/main", true),
            ("refs/heads/scratch", false),
            ("refs/heads/exp", false),
            ("refs/heads/audited", true),
        ];
        for (r, want) in table {
            let (review, mode) = other(r);
            assert_eq!(trusts(&main, review, mode), want, "{r}");
        }
        let exp = eff_of(&p, "refs/heads/exp");
        assert!(
            trusts(&exp, ReviewScope::Ai, Mode::Warn),
            "a warn ref trusts a warn ref"
        );
    }
}
