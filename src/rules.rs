//! The rules: for each ref update, which protections apply and which of them
//! the update (and the commits it brings) break.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use git2::Oid;

use crate::commit::CommitView;
use crate::config::{LoadedPolicy, Mode, Policy, PolicySource, Protection, ReviewScope};
use crate::detect::CommitText;
use crate::ident::{LoginPattern, Person, PersonError};
use crate::push::{Pusher, RefUpdate, UpdateKind, IDENTITY_VARIABLES};
use crate::repo::HookRepo;
use crate::trailers;
use crate::verdict::{CommitRef, Rule, Severity, Verdict, Violation};

/// What the policy says about one reviewer trailer on one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewerStatus {
    /// Counts toward the minimum.
    Valid,
    /// The value names no single valid email.
    Invalid(PersonError),
    /// The commit's author or committer.
    SelfReview,
    /// An AI identity (the tool's name).
    Ai(String),
    /// A bot account.
    Bot,
    /// Not in the policy's reviewer list.
    NotAllowed,
}

/// The review trailers of a commit, judged.
#[derive(Debug, Clone)]
pub struct ReviewAssessment {
    /// Each review trailer's value and status.
    pub reviews: Vec<(String, ReviewerStatus)>,
    /// Distinct valid reviewer emails (lowercase), in the order found.
    pub valid_emails: Vec<String>,
}

impl ReviewAssessment {
    /// How many distinct valid reviewers.
    pub fn distinct_valid(&self) -> usize {
        self.valid_emails.len()
    }
}

/// The status of one reviewer trailer value on a commit by `author_email` /
/// `committer_email` (lowercase).
pub fn reviewer_status(
    policy: &Policy,
    value: &str,
    author_email: &str,
    committer_email: &str,
) -> (ReviewerStatus, Option<String>) {
    let person = match Person::parse(value) {
        Ok(p) => p,
        Err(e) => return (ReviewerStatus::Invalid(e), None),
    };
    let readings = person.readings();
    let status = if let Some(tool) = readings.iter().find_map(|r| policy.detector.ai_identity(r)) {
        ReviewerStatus::Ai(tool.to_string())
    } else if readings.iter().any(|r| crate::detect::is_bot_identity(r)) {
        ReviewerStatus::Bot
    } else if person.email == author_email || person.email == committer_email {
        ReviewerStatus::SelfReview
    } else if !policy.review.reviewers.is_empty()
        && !policy
            .review
            .reviewers
            .iter()
            .any(|m| m.is_match(&person.email))
    {
        ReviewerStatus::NotAllowed
    } else {
        ReviewerStatus::Valid
    };
    (status, Some(person.email))
}

/// Judge the review trailers in `message` for a commit by `author_email` /
/// `committer_email` (lowercase). Linear in the number of trailers.
pub fn assess_reviews(
    policy: &Policy,
    message: &[u8],
    author_email: &str,
    committer_email: &str,
) -> ReviewAssessment {
    let mut reviews = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut valid_emails = Vec::new();
    for t in trailers::parse(message) {
        if !t.key_is(&policy.review.trailer) {
            continue;
        }
        let (status, email) = reviewer_status(policy, &t.value, author_email, committer_email);
        if let (ReviewerStatus::Valid, Some(email)) = (&status, email) {
            if seen.insert(email.clone()) {
                valid_emails.push(email);
            }
        }
        reviews.push((t.value, status));
    }
    ReviewAssessment {
        reviews,
        valid_emails,
    }
}

/// The protections that apply to one ref, combined: the strictest setting wins.
#[derive(Debug, Clone)]
pub struct Effective<'p> {
    /// The matching entries.
    pub entries: Vec<&'p Protection>,
    /// Deletion allowed by every entry.
    pub allow_deletion: bool,
    /// Force-push allowed by every entry.
    pub allow_force_push: bool,
    /// Moving an existing ref allowed by every entry.
    pub allow_update: bool,
    /// Linear history required by any entry.
    pub linear_history: bool,
    /// Replace refs allowed by every entry.
    pub allow_replace: bool,
    /// The strictest review scope.
    pub review: ReviewScope,
    /// The mode violations on this ref get: warn only when every matching
    /// entry is in warn mode (an entry without `mode` has the global one).
    pub mode: Mode,
}

impl<'p> Effective<'p> {
    /// Combine the entries protecting `refname`; `None` when it is unprotected.
    pub fn for_ref(
        policy: &'p Policy,
        refname: &str,
        default_branch: Option<&str>,
    ) -> Option<Self> {
        Self::for_names(policy, &[refname], default_branch)
    }

    /// Combine the entries protecting any of `names` (a symbolic ref and the
    /// ref it writes); `None` when none is protected.
    pub fn for_names(
        policy: &'p Policy,
        names: &[&str],
        default_branch: Option<&str>,
    ) -> Option<Self> {
        let entries: Vec<&Protection> = policy
            .protect
            .iter()
            .filter(|p| {
                p.refs
                    .iter()
                    .any(|r| names.iter().any(|n| r.matches(n, default_branch)))
            })
            .collect();
        if entries.is_empty() {
            return None;
        }
        let all = |f: fn(&Protection) -> bool| entries.iter().all(|p| f(p));
        let mode = if entries
            .iter()
            .all(|p| p.mode.unwrap_or(policy.mode) == Mode::Warn)
        {
            Mode::Warn
        } else {
            Mode::Enforce
        };
        Some(Self {
            allow_deletion: all(|p| p.allow_deletion),
            allow_force_push: all(|p| p.allow_force_push),
            allow_update: all(|p| p.allow_update),
            allow_replace: all(|p| p.allow_replace),
            linear_history: entries.iter().any(|p| p.linear_history),
            review: entries
                .iter()
                .map(|p| p.review)
                .max()
                .unwrap_or(ReviewScope::None),
            mode,
            entries,
        })
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
}

/// The server logins a pusher stands for: their login, or, for a push
/// certificate (an email identity), every login whose `[identities]` entry
/// lists the signer's email. Logins compare exactly.
pub fn pusher_logins<'a>(policy: &'a Policy, pusher: &'a Pusher) -> Vec<&'a str> {
    match (&pusher.login, &pusher.email) {
        (Some(login), _) => vec![login.as_str()],
        (None, Some(email)) => policy
            .identities
            .iter()
            .filter(|(_, emails)| emails.contains(email))
            .map(|(login, _)| login.as_str())
            .collect(),
        (None, None) => Vec::new(),
    }
}

/// Whether the pusher stands for a login that one of `patterns` matches.
pub fn pusher_listed(policy: &Policy, pusher: &Pusher, patterns: &[LoginPattern]) -> bool {
    pusher_logins(policy, pusher)
        .iter()
        .any(|l| patterns.iter().any(|p| p.matches(l)))
}

/// The reviewer emails an authenticated pusher stands for: the policy's
/// `[identities]` entries for their logins, plus any email the server gave.
pub fn pusher_emails(policy: &Policy, pusher: &Pusher) -> Vec<String> {
    let mut emails: Vec<String> = pusher_logins(policy, pusher)
        .iter()
        .filter_map(|l| policy.identities.get(*l))
        .flatten()
        .cloned()
        .collect();
    if let Some(e) = &pusher.email {
        emails.push(e.to_lowercase());
    }
    emails.sort();
    emails.dedup();
    emails
}

/// The severity a rule gets on a ref whose effective mode is `mode`.
fn severity_for(policy: &Policy, mode: Mode, rule: Rule) -> Severity {
    if rule.is_fail_closed() {
        return Severity::Error;
    }
    severity(policy.rule_modes.get(&rule).copied().unwrap_or(mode))
}

fn short(id: Oid) -> String {
    let s = id.to_string();
    s.get(..12).unwrap_or(&s).to_string()
}

/// Judge a whole push.
pub fn check_push(ctx: &CheckContext<'_>, updates: &[RefUpdate]) -> Verdict {
    let lp = ctx.policy;
    let mut verdict = Verdict::for_policy(lp);
    let odb = match ctx.repo.repo.odb() {
        Ok(odb) => odb,
        Err(e) => {
            verdict.push(Violation {
                rule: Rule::InternalError,
                severity: Severity::Error,
                refname: "(this push)".into(),
                commit: None,
                message: format!("could not open the object database: {e}"),
                hint: "the push is refused rather than accepted unchecked; ask the server administrator".into(),
            });
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
            verdict.push(Violation {
                rule: Rule::InternalError,
                severity: Severity::Error,
                refname: update.name.clone(),
                commit: None,
                message: format!("could not check this update: {e:#}"),
                hint: "the update is refused rather than accepted unchecked; ask the server administrator if this persists".into(),
            });
        }
    }
    verdict
}

/// One update: which ref it really writes, which protections apply, then the checks.
fn check_update<'o>(
    ctx: &CheckContext<'_>,
    update: &RefUpdate,
    state: &mut PushState<'o>,
    verdict: &mut Verdict,
) -> Result<()> {
    let policy = &ctx.policy.policy;
    let refname = update.name.as_str();
    // Direct writes into another namespace would bypass its protections.
    if refname.starts_with("refs/namespaces/") {
        verdict.push(Violation {
            rule: Rule::NamespacedRef,
            severity: severity_for(policy, policy.mode, Rule::NamespacedRef),
            refname: refname.to_string(),
            commit: None,
            message: "this push names a namespaced ref directly; it would write another namespace's refs past their protections".into(),
            hint: "push to the namespace through its own URL (the server sets GIT_NAMESPACE)".into(),
        });
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
        verdict.push(Violation {
            rule: Rule::ReplaceRef,
            severity: severity_for(policy, eff.as_ref().map_or(policy.mode, |e| e.mode), Rule::ReplaceRef),
            refname: refname.to_string(),
            commit: None,
            message: "replace refs change what git shows for every ref on the server (git log, show, archive honour them)".into(),
            hint: "do not push refs/replace/*; an administrator can allow them with a [[protect]] entry for refs/replace/* that sets allow-replace = true".into(),
        });
        return Ok(());
    }
    let Some(eff) = eff else {
        return Ok(());
    };
    let shown;
    let update = if written == refname {
        update
    } else {
        shown = RefUpdate {
            name: written.to_string(),
            ..update.clone()
        };
        &shown
    };
    check_ref(ctx, &eff, update, refname, state, verdict)
}

/// What a push's checks share: the object database, the tips of protected
/// refs (read once per push, with each ref's protection, so a new ref trusts
/// only refs at least as strict), and one walk per kind of new ref, so a push
/// creating many refs reads each commit once, not once per ref.
struct PushState<'o> {
    odb: &'o git2::Odb<'o>,
    protected: Option<Vec<(String, Oid, ReviewScope, Mode)>>,
    policy_blobs: Option<std::collections::HashSet<Oid>>,
    creation_walks: Vec<((ReviewScope, Mode), crate::walk::Walk<'o>)>,
}

impl<'o> PushState<'o> {
    /// The policy file's blobs at the tips of the protected branches.
    fn protected_policy_blobs(
        &mut self,
        ctx: &CheckContext<'_>,
    ) -> Result<&std::collections::HashSet<Oid>> {
        if self.policy_blobs.is_none() {
            self.load_protected(ctx)?;
            let mut blobs = std::collections::HashSet::new();
            for (name, tip, _, _) in self.protected.iter().flatten() {
                if name.starts_with("refs/heads/") {
                    if let Some(b) = ctx.repo.policy_blob_id(*tip)? {
                        blobs.insert(b);
                    }
                }
            }
            self.policy_blobs = Some(blobs);
        }
        self.policy_blobs
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("policy blobs not loaded"))
    }

    fn load_protected(&mut self, ctx: &CheckContext<'_>) -> Result<()> {
        if self.protected.is_none() {
            let policy = &ctx.policy.policy;
            let patterns: Vec<&crate::config::RefPattern> =
                policy.protect.iter().flat_map(|p| p.refs.iter()).collect();
            let mut refs = Vec::new();
            for (name, tip) in ctx.repo.protected_tips(&patterns, ctx.default_branch)? {
                if let Some(other) = Effective::for_ref(policy, &name, ctx.default_branch) {
                    refs.push((name, tip, other.review, other.mode));
                }
            }
            self.protected = Some(refs);
        }
        Ok(())
    }

    /// The walk for new refs with protection `eff`: it hides the tips of
    /// protected refs that `eff` trusts.
    fn creation_walk(
        &mut self,
        ctx: &CheckContext<'_>,
        eff: &Effective<'_>,
    ) -> Result<&mut crate::walk::Walk<'o>> {
        let class = (eff.review, eff.mode);
        let index = match self.creation_walks.iter().position(|(c, _)| *c == class) {
            Some(i) => i,
            None => {
                let walk = self.new_creation_walk(ctx, eff)?;
                self.creation_walks.push((class, walk));
                self.creation_walks.len() - 1
            }
        };
        self.creation_walks
            .get_mut(index)
            .map(|(_, w)| w)
            .ok_or_else(|| anyhow::anyhow!("no walk for this kind of ref"))
    }

    fn new_creation_walk(
        &mut self,
        ctx: &CheckContext<'_>,
        eff: &Effective<'_>,
    ) -> Result<crate::walk::Walk<'o>> {
        self.load_protected(ctx)?;
        let mut hide: Vec<Oid> = self
            .protected
            .iter()
            .flatten()
            .filter(|(_, _, review, mode)| other_trusted(eff, *review, *mode))
            .map(|(_, tip, _, _)| *tip)
            .collect();
        hide.sort();
        hide.dedup();
        crate::walk::Walk::new(self.odb, &hide)
    }
}

/// Whether commits already on a ref with `review` and `mode` count as judged
/// for a new ref with protection `eff`: the other ref must require review of
/// at least as many commits, and enforce if the new ref enforces.
fn other_trusted(eff: &Effective<'_>, review: ReviewScope, mode: Mode) -> bool {
    review >= eff.review && (eff.mode == Mode::Warn || mode == Mode::Enforce)
}

fn severity(mode: Mode) -> Severity {
    match mode {
        Mode::Enforce => Severity::Error,
        Mode::Warn => Severity::Warning,
    }
}

fn check_ref(
    ctx: &CheckContext<'_>,
    eff: &Effective<'_>,
    update: &RefUpdate,
    pushed_name: &str,
    state: &mut PushState<'_>,
    verdict: &mut Verdict,
) -> Result<()> {
    let first = verdict.violations.len();
    let result = check_ref_inner(ctx, eff, update, state, verdict);
    if pushed_name != update.name {
        // Say which ref the push named, and which one it writes.
        for v in verdict.violations.iter_mut().skip(first) {
            v.refname = format!("{pushed_name} (-> {})", update.name);
        }
    }
    // Per-rule modes: one place decides each violation's severity.
    let policy = &ctx.policy.policy;
    for v in verdict.violations.iter_mut().skip(first) {
        v.severity = severity_for(policy, eff.mode, v.rule);
    }
    result
}

#[expect(
    clippy::indexing_slicing,
    reason = "indices refer to entries this function checked or pushed itself"
)]
fn check_ref_inner(
    ctx: &CheckContext<'_>,
    eff: &Effective<'_>,
    update: &RefUpdate,
    state: &mut PushState<'_>,
    verdict: &mut Verdict,
) -> Result<()> {
    let sev = severity(eff.mode);
    let refname = update.name.as_str();
    let ref_violation = |rule: Rule, message: String, hint: String| Violation {
        rule,
        severity: sev,
        refname: refname.to_string(),
        commit: None,
        message,
        hint,
    };

    // Who may push.
    for p in &eff.entries {
        if p.pushers.is_empty() {
            continue;
        }
        let allowed = match ctx.pusher {
            None => {
                verdict.push(ref_violation(
                    Rule::PusherUnauthenticated,
                    format!("only listed pushers may update this ref, and the server gave no authenticated identity (looked for {IDENTITY_VARIABLES})"),
                    "push through the server's authenticated transport, or ask an administrator to configure identity variables".into(),
                ));
                break;
            }
            Some(pusher) => pusher_listed(&ctx.policy.policy, pusher, &p.pushers),
        };
        if !allowed {
            let login = ctx.pusher.map(|p| p.name().to_string()).unwrap_or_default();
            verdict.push(ref_violation(
                Rule::PusherNotAllowed,
                format!(
                    "pusher `{login}` may not update this ref (allowed: {})",
                    p.pushers
                        .iter()
                        .map(LoginPattern::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "push to another branch and ask an allowed pusher to bring it in".into(),
            ));
            break;
        }
    }

    // Change-freeze windows.
    for p in &eff.entries {
        for w in &p.freeze {
            if let Some(end) = w.active_until(ctx.now) {
                verdict.push(ref_violation(
                    Rule::FreezeWindow,
                    format!(
                        "changes to this ref are frozen: {} (until {})",
                        w.reason(),
                        end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ),
                    "wait until the window ends; in an emergency a listed pusher can break glass: git push -o reviewgate.bypass=\"reason\"".into(),
                ));
            }
        }
    }

    let repo = ctx.repo;
    match update.kind() {
        UpdateKind::Delete => {
            if !eff.allow_deletion {
                verdict.push(ref_violation(
                    Rule::Deletion,
                    "protected refs cannot be deleted".into(),
                    "an administrator can delete it on the server if it really must go".into(),
                ));
            }
            return Ok(());
        }
        UpdateKind::Update => {
            if !eff.allow_update {
                verdict.push(ref_violation(
                    Rule::ImmutableRef,
                    "this ref may be created once and never moved".into(),
                    "create a new ref (a new tag name) instead of moving this one".into(),
                ));
            }
        }
        UpdateKind::Create => {}
    }

    let Some(new) = update.new else {
        return Ok(());
    };
    let new_commit = repo.peel_to_commit(new)?;
    let old_commit = match update.old {
        Some(old) => repo.peel_to_commit(old)?,
        None => None,
    };

    // Whether the update is a fast-forward falls out of the walk below: `old`
    // is an ancestor of `new` exactly when a commit the update brings has
    // `old` as a parent (every commit on a path from `new` to `old` is one).
    let check_ff = match (old_commit, new_commit) {
        (Some(old), Some(new)) => eff.allow_update && !eff.allow_force_push && old != new,
        _ => false,
    };
    let mut old_is_parent = false;
    let force_push_at = verdict.violations.len();

    let Some(new_commit) = new_commit else {
        return Ok(()); // a tag pointing at a tree or blob brings no commits
    };
    // Changes to the policy file on a protected branch are gated: the new file
    // must be valid, and the change needs a policy owner's review, on the tip
    // or on every commit that changes the file against any of its parents.
    // (With a server-pinned policy the repository's file does not govern.)
    // An update changes the policy when the file differs between the old and
    // the new tip; a new branch, when its file is none of those on the
    // protected branches already (a release branch cut from main is not a
    // policy change).
    let gated =
        refname.starts_with("refs/heads/") && !matches!(ctx.policy.source, PolicySource::File(_));
    let gate = gated
        && match old_commit {
            Some(old) => repo.policy_blob_id(old)? != repo.policy_blob_id(new_commit)?,
            None => match repo.policy_blob_id(new_commit)? {
                None => false,
                Some(blob) => !state.protected_policy_blobs(ctx)?.contains(&blob),
            },
        };

    let mut update_walk;
    let walk = match (update.kind(), old_commit) {
        (UpdateKind::Update, Some(old)) => {
            update_walk = crate::walk::Walk::new(state.odb, &[old])?;
            &mut update_walk
        }
        _ => state.creation_walk(ctx, eff)?,
    };

    let mut unreviewed_changes: Vec<Violation> = Vec::new();
    let mut changing_commits = 0usize;
    let mut tree_blobs = TreeBlobs::default();
    let mut review_violations: Vec<usize> = Vec::new();
    let policy = &ctx.policy.policy;
    walk.from(new_commit, |c| {
        verdict.commits_checked += 1;
        if check_ff && !old_is_parent {
            old_is_parent = c.parents().any(|p| Some(p) == old_commit);
        }
        if let Some(anomaly) = c.anomaly() {
            verdict.push(commit_violation(
                c,
                refname,
                Severity::Error,
                Rule::MalformedCommit,
                format!("git's reading of this commit is not certain: {anomaly}"),
                "recreate the commit with git itself (git commit --amend, or git rebase), then push again".into(),
            ));
        }
        if gate && touches_policy(repo, c, &mut tree_blobs)? {
            changing_commits += 1;
            if let Some(v) = policy_change_violation(policy, c, refname) {
                if unreviewed_changes.len() < crate::verdict::MAX_KEPT_VIOLATIONS {
                    unreviewed_changes.push(v);
                }
            }
        }
        if eff.linear_history && c.parent_count() > 1 {
            verdict.push(commit_violation(
                c,
                refname,
                sev,
                Rule::MergeCommit,
                "merge commit on a ref that requires linear history".into(),
                "rebase instead of merging (git rebase origin/main), then push again".into(),
            ));
        }
        if eff.review != ReviewScope::None {
            if let Some(v) = review_violation(policy, eff.review, c, refname, sev, ctx.pusher) {
                if verdict.violations.len() < crate::verdict::MAX_KEPT_VIOLATIONS {
                    review_violations.push(verdict.violations.len());
                }
                verdict.push(v);
            }
        }
        Ok(true)
    })?;

    if gate {
        let odb = repo.repo.odb()?;
        let tip = odb.read(new_commit)?;
        let tip = CommitView::parse(new_commit, tip.data());
        match policy_change_violation(policy, &tip, refname) {
            // An owner's review on the tip covers the whole change.
            None => {}
            Some(tip_violation) => {
                if changing_commits == 0 {
                    // The file differs, yet no commit here changes it (a
                    // reset to an older commit): the tip needs the review.
                    verdict.push(tip_violation);
                }
                for v in unreviewed_changes {
                    verdict.push(v);
                }
            }
        }
        if let Some(found) = repo.policy_blob_at(new_commit)? {
            let source = PolicySource::Repository {
                refname: refname.to_string(),
                commit: new_commit.to_string(),
                blob: found.blob.to_string(),
            };
            if let Err(e) = LoadedPolicy::from_bytes(&found.bytes, source) {
                verdict.push(ref_violation(
                    Rule::PolicyChangeInvalid,
                    format!("the new policy does not parse:\n{e}"),
                    "fix the errors above and push again; `reviewgate policy check .reviewgate.toml` runs the same validation".into(),
                ));
            }
        }
    }

    // One commit needing review at the tip: amend. Otherwise: rebase --exec.
    let trailer = &policy.review.trailer;
    let only_tip = review_violations.len() == 1
        && verdict.violations[review_violations[0]]
            .commit
            .as_ref()
            .is_some_and(|c| c.id == new_commit.to_string());
    let base = old_commit.map_or_else(|| "BASE".to_string(), short);
    for &i in &review_violations {
        let v = &mut verdict.violations[i];
        if !v.rule.is_fixed_by_a_trailer() {
            continue;
        }
        let ask = match v.rule {
            Rule::SelfReview => "ask someone other than the author to review, then",
            Rule::AiReviewer | Rule::BotReviewer => "ask a human to review, then",
            Rule::ReviewerNotAllowed => "ask a listed reviewer to review, then",
            _ => "after a human review,",
        };
        v.hint = if only_tip {
            format!("{ask} add their trailer:\n  git commit --amend --trailer \"{trailer}: Name <email>\"")
        } else {
            format!(
                "{ask} add the trailer to each commit (BASE = last commit before them):\n  git rebase --exec 'git commit --amend --no-edit --trailer \"{trailer}: Name <email>\"' {base}"
            )
        };
    }
    if check_ff && !old_is_parent {
        if let Some(old) = old_commit {
            let v = ref_violation(
                Rule::ForcePush,
                format!("non-fast-forward update: {} is not an ancestor of {}", short(old), short(new_commit)),
                "rebase or merge onto the current remote ref instead of rewriting it: git pull --rebase && git push".into(),
            );
            // Reported before the commits' violations, as it concerns the whole update.
            if verdict.violations.len() < crate::verdict::MAX_KEPT_VIOLATIONS {
                verdict
                    .violations
                    .insert(force_push_at.min(verdict.violations.len()), v);
            } else {
                verdict.push(v);
            }
        }
    }
    Ok(())
}

fn commit_violation(
    c: &CommitView<'_>,
    refname: &str,
    severity: Severity,
    rule: Rule,
    message: String,
    hint: String,
) -> Violation {
    Violation {
        rule,
        severity,
        refname: refname.to_string(),
        commit: Some(CommitRef {
            id: c.id().to_string(),
            subject: c.subject(),
        }),
        message,
        hint,
    }
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
        let blob = repo.policy_blob_in_tree(tree)?;
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

/// A policy-changing commit without a valid review by a policy owner.
fn policy_change_violation(
    policy: &Policy,
    c: &CommitView<'_>,
    refname: &str,
) -> Option<Violation> {
    let shown = c.shown();
    let a = assess_reviews(
        policy,
        &shown.message,
        &shown.author.email_lower(),
        &shown.committer.email_lower(),
    );
    let by_owner = a
        .valid_emails
        .iter()
        .any(|e| policy.owners.is_empty() || policy.owners.iter().any(|m| m.is_match(e)));
    if by_owner {
        return None;
    }
    let who = if policy.owners.is_empty() {
        "a human reviewer (the policy lists no owners)".to_string()
    } else {
        format!("a policy owner ({})", policy.owner_patterns.join(", "))
    };
    Some(commit_violation(
        c,
        refname,
        Severity::Error,
        Rule::PolicyChangeUnreviewed,
        format!("this commit changes {} and has no valid review by {who}", crate::config::POLICY_FILE),
        format!(
            "ask a policy owner to review it, then add their trailer:\n  git commit --amend --trailer \"{}: Name <email>\"",
            policy.review.trailer
        ),
    ))
}

/// How many reviewer problems a message lists before it counts the rest.
const MAX_LISTED_REVIEWS: usize = 5;

/// The review violation for one commit, if it needs a review and lacks one.
fn review_violation(
    policy: &Policy,
    scope: ReviewScope,
    c: &CommitView<'_>,
    refname: &str,
    severity: Severity,
    pusher: Option<&Pusher>,
) -> Option<Violation> {
    if scope == ReviewScope::None {
        return None;
    }
    let shown = c.shown();
    if let Some(encoding) = &shown.undecodable {
        return Some(commit_violation(
            c,
            refname,
            severity,
            Rule::UndecodableMessage,
            format!("git shows this commit re-encoded from `{encoding}`, which reviewgate cannot decode exactly as git does, so its markers and reviews cannot be judged"),
            "recreate the commit with a UTF-8 message (git config i18n.commitEncoding UTF-8; git commit --amend), then push again".into(),
        ));
    }
    let author = shown.author.display();
    let committer = shown.committer.display();
    let evidence = policy.detector.detect(&CommitText {
        author: &author,
        committer: &committer,
        message: &shown.message,
    });
    let needs = match scope {
        ReviewScope::None => false,
        ReviewScope::Ai => evidence.is_some(),
        ReviewScope::All => true,
    };
    if !needs {
        return None;
    }
    let a = assess_reviews(
        policy,
        &shown.message,
        &shown.author.email_lower(),
        &shown.committer.email_lower(),
    );
    let min = policy.review.min_reviewers as usize;
    let what = match &evidence {
        Some(e) => format!("AI-assisted commit ({}: {})", e.tool, e.evidence),
        None => "commit".to_string(),
    };
    if a.distinct_valid() >= min {
        if !policy.review.require_pusher {
            return None;
        }
        let (rule, message, hint) = pusher_binding(policy, pusher, &a, &what)?;
        return Some(commit_violation(c, refname, severity, rule, message, hint));
    }
    let base_rule = if evidence.is_some() {
        Rule::AiUnreviewed
    } else {
        Rule::Unreviewed
    };
    let trailer = &policy.review.trailer;
    let (rule, message) = if a.reviews.is_empty() {
        (
            base_rule,
            format!("{what} has no {trailer} trailer from a human"),
        )
    } else if a.distinct_valid() > 0 {
        (
            Rule::TooFewReviewers,
            format!(
                "{what} has {} distinct valid reviewer(s); the policy requires {min}",
                a.distinct_valid()
            ),
        )
    } else {
        let mut reasons: Vec<String> = a
            .reviews
            .iter()
            .take(MAX_LISTED_REVIEWS)
            .map(|(value, status)| match status {
                ReviewerStatus::Invalid(e) => format!("\"{value}\" {e}"),
                ReviewerStatus::SelfReview => {
                    format!("\"{value}\" is the commit's author or committer")
                }
                ReviewerStatus::Ai(tool) => format!("\"{value}\" is an AI identity ({tool})"),
                ReviewerStatus::Bot => format!("\"{value}\" is a bot account"),
                ReviewerStatus::NotAllowed => format!("\"{value}\" is not in the reviewer list"),
                ReviewerStatus::Valid => format!("\"{value}\" is valid"),
            })
            .collect();
        if a.reviews.len() > MAX_LISTED_REVIEWS {
            reasons.push(format!("and {} more", a.reviews.len() - MAX_LISTED_REVIEWS));
        }
        let rule = match a.reviews.first().map(|r| &r.1) {
            Some(ReviewerStatus::Invalid(_)) => Rule::ReviewerWithoutEmail,
            Some(ReviewerStatus::SelfReview) => Rule::SelfReview,
            Some(ReviewerStatus::Ai(_)) => Rule::AiReviewer,
            Some(ReviewerStatus::Bot) => Rule::BotReviewer,
            Some(ReviewerStatus::NotAllowed) => Rule::ReviewerNotAllowed,
            Some(ReviewerStatus::Valid) | None => base_rule,
        };
        (
            rule,
            format!("{what}: no valid review ({})", reasons.join("; ")),
        )
    };
    Some(commit_violation(
        c,
        refname,
        severity,
        rule,
        message,
        String::new(),
    ))
}

/// With `require-pusher`: the violation when no valid reviewer is the
/// authenticated pusher (rule, message, hint), or `None` when one is.
fn pusher_binding(
    policy: &Policy,
    pusher: Option<&Pusher>,
    a: &ReviewAssessment,
    what: &str,
) -> Option<(Rule, String, String)> {
    match pusher {
        None => Some((
            Rule::PusherUnauthenticated,
            format!("{what}: the policy requires that a reviewer pushes it, and the server gave no authenticated identity (looked for {IDENTITY_VARIABLES})"),
            "push over the server's authenticated transport (the reviewer named in the trailer pushes), or ask the administrator to pass an identity".into(),
        )),
        Some(p) => {
            let emails = pusher_emails(policy, p);
            if a.valid_emails.iter().any(|e| emails.contains(e)) {
                return None;
            }
            let known = if emails.is_empty() {
                "no reviewer emails are mapped to this login in [identities]".to_string()
            } else {
                format!("they stand for {}", emails.join(", "))
            };
            let listed: Vec<&str> = a
                .valid_emails
                .iter()
                .take(MAX_LISTED_REVIEWS)
                .map(String::as_str)
                .collect();
            Some((
                Rule::PusherNotReviewer,
                format!(
                    "{what}: the pusher `{}` ({}) is not one of its valid reviewers ({}); {known}",
                    p.name(),
                    p.source,
                    listed.join(", ")
                ),
                "the reviewer named in the trailer pushes the commit (the policy binds review to the authenticated pusher)".into(),
            ))
        }
    }
}
