//! The rules: for each ref update, which protections apply and which of them
//! the update (and the commits it brings) break.

use anyhow::Result;
use chrono::{DateTime, Utc};
use git2::Oid;

use crate::commits::{self, CommitView};
use crate::config::{LoadedPolicy, Mode, Policy, PolicySource, Protection, ReviewScope};
use crate::detect::CommitText;
use crate::push::{Pusher, RefUpdate, UpdateKind, IDENTITY_VARIABLES};
use crate::repo::HookRepo;
use crate::trailers;
use crate::verdict::{CommitRef, Rule, Severity, Verdict, Violation};

/// The email in `Name <email>` (or a bare `user@host`), if any.
pub fn email_of(identity: &str) -> Option<&str> {
    if let Some(open) = identity.rfind('<') {
        let rest = &identity[open + 1..];
        let close = rest.find('>')?;
        let email = rest[..close].trim();
        return (!email.is_empty()).then_some(email);
    }
    let bare = identity.trim();
    (bare.contains('@') && !bare.contains(char::is_whitespace)).then_some(bare)
}

/// What the policy says about one reviewer trailer on one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewerStatus {
    /// Counts toward the minimum.
    Valid,
    /// No email to check.
    NoEmail,
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
    /// Distinct valid reviewer emails.
    pub distinct_valid: usize,
    /// Those emails (lowercase).
    pub valid_emails: Vec<String>,
}

/// Judge the review trailers in `message` for a commit by `author_email` /
/// `committer_email` (lowercase).
pub fn assess_reviews(
    policy: &Policy,
    message: &[u8],
    author_email: &str,
    committer_email: &str,
) -> ReviewAssessment {
    let mut reviews = Vec::new();
    let mut valid: Vec<String> = Vec::new();
    for t in trailers::parse(message) {
        if !t.key_is(&policy.review.trailer) {
            continue;
        }
        let status = match email_of(&t.value) {
            None => ReviewerStatus::NoEmail,
            Some(email) => {
                let email = email.to_ascii_lowercase();
                let as_identity = if t.value.contains('<') {
                    t.value.clone()
                } else {
                    format!("{} <{}>", t.value, email)
                };
                if let Some(tool) = policy.detector.ai_identity(&as_identity) {
                    ReviewerStatus::Ai(tool.to_string())
                } else if crate::detect::is_bot_identity(&as_identity) {
                    ReviewerStatus::Bot
                } else if email == author_email || email == committer_email {
                    ReviewerStatus::SelfReview
                } else if !policy.review.reviewers.is_empty()
                    && !policy.review.reviewers.iter().any(|m| m.is_match(&email))
                {
                    ReviewerStatus::NotAllowed
                } else {
                    if !valid.contains(&email) {
                        valid.push(email);
                    }
                    ReviewerStatus::Valid
                }
            }
        };
        reviews.push((t.value, status));
    }
    ReviewAssessment {
        distinct_valid: valid.len(),
        reviews,
        valid_emails: valid,
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
    /// The strictest review scope.
    pub review: ReviewScope,
    /// The mode violations on this ref get.
    pub mode: Mode,
}

impl<'p> Effective<'p> {
    /// Combine the entries protecting `refname`; `None` when it is unprotected.
    pub fn for_ref(
        policy: &'p Policy,
        refname: &'p str,
        default_branch: Option<&'p str>,
    ) -> Option<Self> {
        let entries: Vec<&Protection> = policy.protections_for(refname, default_branch).collect();
        if entries.is_empty() {
            return None;
        }
        let all = |f: fn(&Protection) -> bool| entries.iter().all(|p| f(p));
        let modes: Vec<Mode> = entries.iter().filter_map(|p| p.mode).collect();
        let mode = if modes.contains(&Mode::Enforce) {
            Mode::Enforce
        } else if !modes.is_empty() {
            Mode::Warn
        } else {
            policy.mode
        };
        Some(Self {
            allow_deletion: all(|p| p.allow_deletion),
            allow_force_push: all(|p| p.allow_force_push),
            allow_update: all(|p| p.allow_update),
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

/// The reviewer emails an authenticated pusher stands for: the policy's
/// `[identities]` entry for their login, plus any email the server gave.
pub fn pusher_emails(policy: &Policy, pusher: &Pusher) -> Vec<String> {
    let mut emails = policy
        .identities
        .get(&pusher.login)
        .cloned()
        .unwrap_or_default();
    if let Some(e) = &pusher.email {
        emails.push(e.to_ascii_lowercase());
    }
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
    let mut verdict = Verdict::new(&lp.source, &lp.sha256, lp.policy.mode);
    for update in updates {
        let Some(eff) = Effective::for_ref(&lp.policy, &update.name, ctx.default_branch) else {
            continue;
        };
        if let Err(e) = check_ref(ctx, &eff, update, &mut verdict) {
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
    verdict: &mut Verdict,
) -> Result<()> {
    let first = verdict.violations.len();
    let result = check_ref_inner(ctx, eff, update, verdict);
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
            Some(pusher) => p.pushers.iter().any(|m| m.is_match(&pusher.login)),
        };
        if !allowed {
            let login = ctx.pusher.map(|p| p.login.clone()).unwrap_or_default();
            verdict.push(ref_violation(
                Rule::PusherNotAllowed,
                format!(
                    "pusher `{login}` may not update this ref (allowed: {})",
                    p.pusher_patterns.join(", ")
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
    let hide: Vec<Oid> = match (update.kind(), old_commit) {
        (UpdateKind::Update, Some(old)) => vec![old],
        _ => {
            let patterns: Vec<&crate::config::RefPattern> = ctx
                .policy
                .policy
                .protect
                .iter()
                .flat_map(|p| p.refs.iter())
                .collect();
            repo.protected_tips(&patterns, ctx.default_branch, refname)?
        }
    };

    // A push that changes the policy file on the default branch: the new file
    // must be valid, and the commits changing it need a policy owner's review.
    // (With a server-pinned policy the repository's file does not govern.)
    let gate = ctx.default_branch == Some(refname)
        && !matches!(ctx.policy.source, PolicySource::File(_))
        && {
            let old_blob = match old_commit {
                Some(o) => repo.policy_blob_id(o)?,
                None => None,
            };
            old_blob != repo.policy_blob_id(new_commit)?
        };
    if gate {
        if let Some((_, bytes)) = repo.policy_blob_at(new_commit)? {
            let source = PolicySource::Repository {
                refname: refname.to_string(),
                commit: new_commit.to_string(),
            };
            if let Err(e) = LoadedPolicy::from_bytes(&bytes, source) {
                verdict.push(ref_violation(
                    Rule::PolicyChangeInvalid,
                    format!("the new policy does not parse:\n{e}"),
                    "fix the errors above and push again; `reviewgate policy check .reviewgate.toml` runs the same validation".into(),
                ));
            }
        }
    }

    let mut review_violations: Vec<usize> = Vec::new();
    let policy = &ctx.policy.policy;
    commits::walk(&repo.repo, new_commit, &hide, |c| {
        verdict.commits_checked += 1;
        if check_ff && !old_is_parent {
            old_is_parent = c.parents().any(|p| Some(p) == old_commit);
        }
        if gate && touches_policy(repo, c)? {
            if let Some(v) = policy_change_violation(policy, c, refname) {
                verdict.push(v);
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

/// Whether the commit changes the policy file relative to its first parent.
fn touches_policy(repo: &HookRepo, c: &CommitView<'_>) -> Result<bool> {
    let mine = repo.policy_blob_id(c.id())?;
    let parent = match c.first_parent() {
        Some(p) => repo.policy_blob_id(p)?,
        None => None,
    };
    Ok(mine != parent)
}

/// A policy-changing commit without a valid review by a policy owner.
fn policy_change_violation(
    policy: &Policy,
    c: &CommitView<'_>,
    refname: &str,
) -> Option<Violation> {
    let author_email = c.author_email();
    let committer_email = c.committer_email();
    let a = assess_reviews(policy, c.message(), &author_email, &committer_email);
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

/// Bytes as text: borrowed when valid UTF-8 (the common case, checked with the
/// fast validator), lossily decoded otherwise.
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The review violation for one commit, if it needs a review and lacks one.
#[expect(
    clippy::indexing_slicing,
    reason = "indices refer to entries this function checked or pushed itself"
)]
fn review_violation(
    policy: &Policy,
    scope: ReviewScope,
    c: &CommitView<'_>,
    refname: &str,
    severity: Severity,
    pusher: Option<&Pusher>,
) -> Option<Violation> {
    let author = text(c.author_ident());
    let committer = text(c.committer_ident());
    let evidence = policy.detector.detect(&CommitText {
        author: &author,
        committer: &committer,
        message: c.message(),
    });
    let needs = match scope {
        ReviewScope::None => false,
        ReviewScope::Ai => evidence.is_some(),
        ReviewScope::All => true,
    };
    if !needs {
        return None;
    }
    let a = assess_reviews(policy, c.message(), &c.author_email(), &c.committer_email());
    let min = policy.review.min_reviewers as usize;
    let what = match &evidence {
        Some(e) => format!("AI-assisted commit ({}: {})", e.tool, e.evidence),
        None => "commit".to_string(),
    };
    if a.distinct_valid >= min {
        if !policy.review.require_pusher {
            return None;
        }
        let (rule, message) = match pusher {
            None => (
                Rule::PusherUnauthenticated,
                format!("{what}: the policy requires that a reviewer pushes it, and the server gave no authenticated identity (looked for {IDENTITY_VARIABLES})"),
            ),
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
                (
                    Rule::PusherNotReviewer,
                    format!(
                        "{what}: the pusher `{}` ({}) is not one of its valid reviewers ({}); {known}",
                        p.login,
                        p.source,
                        a.valid_emails.join(", ")
                    ),
                )
            }
        };
        return Some(commit_violation(
            c,
            refname,
            severity,
            rule,
            message,
            "the reviewer named in the trailer pushes the commit (the policy binds review to the authenticated pusher)".into(),
        ));
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
    } else if a.distinct_valid > 0 {
        (
            Rule::TooFewReviewers,
            format!(
                "{what} has {} distinct valid reviewer(s); the policy requires {min}",
                a.distinct_valid
            ),
        )
    } else {
        let reasons: Vec<String> = a
            .reviews
            .iter()
            .map(|(value, status)| match status {
                ReviewerStatus::NoEmail => format!("\"{value}\" names no email"),
                ReviewerStatus::SelfReview => {
                    format!("\"{value}\" is the commit's author or committer")
                }
                ReviewerStatus::Ai(tool) => format!("\"{value}\" is an AI identity ({tool})"),
                ReviewerStatus::Bot => format!("\"{value}\" is a bot account"),
                ReviewerStatus::NotAllowed => format!("\"{value}\" is not in the reviewer list"),
                ReviewerStatus::Valid => format!("\"{value}\" is valid"),
            })
            .collect();
        let rule = match &a.reviews[0].1 {
            ReviewerStatus::NoEmail => Rule::ReviewerWithoutEmail,
            ReviewerStatus::SelfReview => Rule::SelfReview,
            ReviewerStatus::Ai(_) => Rule::AiReviewer,
            ReviewerStatus::Bot => Rule::BotReviewer,
            ReviewerStatus::NotAllowed => Rule::ReviewerNotAllowed,
            ReviewerStatus::Valid => base_rule,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email_of("Ann <ann@x.org>"), Some("ann@x.org"));
        assert_eq!(email_of("ann@x.org"), Some("ann@x.org"));
        assert_eq!(email_of("Ann Lee"), None);
        assert_eq!(email_of("Ann <>"), None);
        assert_eq!(email_of("Ann <ann@x.org"), None);
    }
}
