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
use crate::policy::{Effective, LoadedPolicy, Mode, Policy, PolicySource, RefPattern, ReviewScope};
use crate::push::{Pusher, RefUpdate, UpdateKind};
use crate::repo::HookRepo;
use crate::rule::{Rule, Severity};
use crate::verdict::{short_id, CommitRef, Verdict, Violation, MAX_KEPT_VIOLATIONS};
use crate::walk::Walk;

pub mod bypass;
pub mod hints;
pub mod policy_change;
pub mod pusher;
pub mod refs;
pub mod review;

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
    verdict
}

fn internal_error(refname: &str, e: &anyhow::Error) -> Violation {
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
    // A push to a symbolic ref writes the ref it points to (a deletion
    // removes the symbolic ref itself, as receive-pack does).
    let target = match update.new {
        Some(_) => ctx.repo.symref_target(refname)?,
        None => None,
    };
    let written = target.as_deref().unwrap_or(refname);
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
    found.emit(&display, &policy.review.trailer, verdict);
    Ok(())
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
    /// The base the rebase advice names.
    base: Option<String>,
}

impl RefFindings {
    fn commit(&mut self, f: Finding, c: &CommitView<'_>, tip: Oid) {
        if matches!(f.fix, Fix::Review(_)) {
            self.needing_review += 1;
            self.tip_needs_review |= c.id() == tip;
        }
        if self.commits.len() >= MAX_KEPT_VIOLATIONS {
            self.dropped += 1;
            return;
        }
        let cref = CommitRef {
            id: c.id().to_string(),
            subject: c.subject(),
        };
        self.commits.push((f, cref));
    }

    /// Turn the findings into violations, with their fixes worded.
    fn emit(self, refname: &str, trailer: &str, verdict: &mut Verdict) {
        verdict.commits_checked += self.commits_checked;
        let ctx = hints::HintContext {
            trailer,
            only_tip: self.needing_review == 1 && self.tip_needs_review,
            base: self.base.unwrap_or_else(|| "BASE".into()),
        };
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
    if gate {
        finish_gate(ctx, judge, &update.name, new, outcome.policy_changes, found)?;
    }
    Ok(())
}

/// What the walk of one update learned beyond its findings.
struct WalkOutcome {
    /// Whether `old` is a parent of a brought commit (so an ancestor of `new`).
    old_is_parent: bool,
    /// Commits changing the policy file, with and without an owner's review.
    policy_changes: PolicyChanges,
}

#[derive(Default)]
struct PolicyChanges {
    changing: usize,
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
        policy_changes: PolicyChanges::default(),
    };
    let mut tree_blobs = TreeBlobs::default();
    walk.from(new, |c| {
        found.commits_checked += 1;
        if !outcome.old_is_parent {
            outcome.old_is_parent = old.is_some_and(|o| c.parents().any(|p| p == o));
        }
        if let Some(anomaly) = c.anomaly() {
            found.commit(refs::malformed(judge, anomaly), c, new);
        }
        let facts = review::CommitFacts::from(c.shown());
        if gate && touches_policy(ctx.repo, c, &mut tree_blobs)? {
            let changes = &mut outcome.policy_changes;
            changes.changing += 1;
            if !policy_change::owner_reviewed(judge, &facts)
                && changes.unreviewed.len() < MAX_KEPT_VIOLATIONS
            {
                let cref = CommitRef {
                    id: c.id().to_string(),
                    subject: c.subject(),
                };
                changes
                    .unreviewed
                    .push((policy_change::unreviewed(judge), cref));
            }
        }
        if let Some(f) = refs::linear(judge, eff, c.parent_count()) {
            found.commit(f, c, new);
        }
        if let Some(f) = review::check(judge, eff.review, &facts, ctx.pusher) {
            found.commit(f, c, new);
        }
        Ok(true)
    })?;
    Ok(outcome)
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
    if !policy_change::owner_reviewed(judge, &tip_facts) {
        if changes.changing == 0 {
            let cref = CommitRef {
                id: new.to_string(),
                subject: tip.subject(),
            };
            found
                .gate
                .push((policy_change::unreviewed(judge), Some(cref)));
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
                let mut hide: Vec<Oid> = self
                    .protected(ctx)?
                    .iter()
                    .filter(|p| trusts(eff, p.review, p.mode))
                    .map(|p| p.tip)
                    .collect();
                hide.sort();
                hide.dedup();
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
