//! Review rules (pure): which commits need a human review, which review
//! trailers count, and the finding when a commit lacks enough of them.

use std::borrow::Cow;

use super::coverage::MergeReview;
use super::{pusher, Ask, Finding, Fix, Judge};
use crate::commit::ShownIdent;
use crate::detect::{AiEvidence, CommitText};
use crate::ident::{Person, PersonError};
use crate::policy::{Policy, ReviewScope};
use crate::push::{Pusher, IDENTITY_VARIABLES};
use crate::rule::Rule;
use crate::trailers;

/// A commit as git shows it: what the review rules read.
#[derive(Debug, Clone)]
pub struct CommitFacts<'a> {
    /// The author (`%an`, `%ae`).
    pub author: ShownIdent<'a>,
    /// The committer.
    pub committer: ShownIdent<'a>,
    /// The message, decoded as git shows it.
    pub message: Cow<'a, [u8]>,
    /// The declared encoding, when the message cannot be decoded exactly.
    pub undecodable: Option<String>,
}

impl<'a> From<crate::commit::Shown<'a>> for CommitFacts<'a> {
    fn from(s: crate::commit::Shown<'a>) -> Self {
        Self {
            author: s.author,
            committer: s.committer,
            message: s.message,
            undecodable: s.undecodable,
        }
    }
}

impl CommitFacts<'_> {
    /// Why the commit counts as AI-assisted, if it does.
    pub fn ai_evidence(&self, policy: &Policy) -> Option<AiEvidence> {
        let author = self.author.display();
        let committer = self.committer.display();
        policy.detector.detect(&CommitText {
            author: &author,
            committer: &committer,
            message: &self.message,
        })
    }

    /// Its review trailers, judged.
    pub fn reviews(&self, policy: &Policy) -> ReviewAssessment {
        assess_reviews(
            policy,
            &self.message,
            &self.author.email_lower(),
            &self.committer.email_lower(),
        )
    }
}

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
            .any(|m| m.matches(&person.email))
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
        if !policy.review.is_review_key(&t.key) {
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

/// How many reviewer problems a message lists before it counts the rest.
pub const MAX_LISTED_REVIEWS: usize = 5;

/// A commit that needs a review: why, and the reviews it carries itself.
#[derive(Debug, Clone)]
pub struct Need {
    /// How messages name it: `AI-assisted commit (Claude Code: ...)` or `commit`.
    pub what: String,
    /// Whether it is AI-assisted (`ai-unreviewed`) or all commits need review
    /// (`unreviewed`).
    pub ai: bool,
    /// Its own review trailers, judged.
    pub own: ReviewAssessment,
    /// Its author's and committer's emails (lowercase): they never review it.
    pub author: String,
    /// See `author`.
    pub committer: String,
}

/// Whether the commit needs a review on a ref with `scope`: `Ok(None)` when
/// not, `Err` with a finding when it cannot be judged at all (a message git
/// shows re-encoded from an encoding reviewgate cannot decode).
pub fn need(
    judge: &Judge<'_>,
    scope: ReviewScope,
    facts: &CommitFacts<'_>,
    inherited: Option<&AiEvidence>,
) -> Result<Option<Need>, Finding> {
    if scope == ReviewScope::None {
        return Ok(None);
    }
    if let Some(encoding) = &facts.undecodable {
        return Err(judge.finding(
            Rule::UndecodableMessage,
            format!("git shows this commit re-encoded from `{encoding}`, which reviewgate cannot decode exactly as git does, so its markers and reviews cannot be judged"),
            Fix::Advice("recreate the commit with a UTF-8 message (git config i18n.commitEncoding UTF-8; git commit --amend), then push again".into()),
        ));
    }
    let policy = judge.policy;
    let evidence = facts.ai_evidence(policy).or_else(|| inherited.cloned());
    if scope == ReviewScope::Ai && evidence.is_none() {
        return Ok(None);
    }
    Ok(Some(Need {
        what: match &evidence {
            Some(e) => format!("AI-assisted commit ({}: {})", e.tool, e.evidence),
            None => "commit".to_string(),
        },
        ai: evidence.is_some(),
        own: facts.reviews(policy),
        author: facts.author.email_lower(),
        committer: facts.committer.email_lower(),
    }))
}

/// The review finding for one commit on a ref whose `scope` requires review
/// of some commits, if it needs a review and lacks one (no merge covers it).
pub fn check(
    judge: &Judge<'_>,
    scope: ReviewScope,
    facts: &CommitFacts<'_>,
    pusher: Option<&Pusher>,
) -> Option<Finding> {
    match need(judge, scope, facts, None) {
        Err(f) => Some(f),
        Ok(None) => None,
        Ok(Some(n)) => decide(judge, &n, &[], pusher, None).0,
    }
}

/// The reviewers of merges covering a commit that count for it: not its
/// author or committer (the allow-list was applied to the merge's reviews).
pub fn merge_reviewers<'m>(
    need: &Need,
    merges: &[&'m MergeReview],
) -> Vec<(&'m MergeReview, &'m Person)> {
    merges
        .iter()
        .flat_map(|m| m.reviewers.iter().map(move |p| (*m, p)))
        .filter(|(_, p)| p.email != need.author && p.email != need.committer)
        .collect()
}

/// Decide a commit that needs review: its own valid reviews plus those of
/// the merges covering it (`covering`), distinct people counted once.
/// Returns the finding, if any, and the merge whose review made it pass.
/// `note` explains, in a rejection, why no merge covered it.
pub fn decide<'m>(
    judge: &Judge<'_>,
    need: &Need,
    covering: &[(&'m MergeReview, &'m Person)],
    pusher: Option<&Pusher>,
    note: Option<String>,
) -> (Option<Finding>, Option<&'m MergeReview>) {
    let policy = judge.policy;
    let mut valid = need.own.valid_emails.clone();
    let mut through = None;
    for (m, p) in covering {
        if !valid.contains(&p.email) {
            valid.push(p.email.clone());
            through.get_or_insert(*m);
        }
    }
    if valid.len() < policy.review.min_reviewers as usize {
        let mut f = missing_review(judge, &need.own, &need.what, need.ai, valid.len());
        if let Some(note) = note {
            f.message.push_str(&format!("; {note}"));
        }
        return (Some(f), None);
    }
    let all = ReviewAssessment {
        reviews: Vec::new(),
        valid_emails: valid,
    };
    if policy.review.require_pusher {
        if let Some(f) = pusher_binding(judge, pusher, &all, &need.what) {
            return (Some(f), None);
        }
    }
    (None, through)
}

/// The finding for a commit without enough valid reviews.
fn missing_review(
    judge: &Judge<'_>,
    a: &ReviewAssessment,
    what: &str,
    ai: bool,
    valid: usize,
) -> Finding {
    let policy = judge.policy;
    let trailer = policy.review.keys_text();
    let base_rule = if ai {
        Rule::AiUnreviewed
    } else {
        Rule::Unreviewed
    };
    let (rule, message) = if valid > 0 {
        (
            Rule::TooFewReviewers,
            format!(
                "{what} has {valid} distinct valid reviewer(s); the policy requires {}",
                policy.review.min_reviewers
            ),
        )
    } else if a.reviews.is_empty() {
        (
            base_rule,
            format!("{what} has no {trailer} trailer from a human"),
        )
    } else {
        let rule = match a.reviews.first().map(|r| &r.1) {
            Some(ReviewerStatus::Invalid(_)) => Rule::ReviewerWithoutEmail,
            Some(ReviewerStatus::SelfReview) => Rule::SelfReview,
            Some(ReviewerStatus::Ai(_)) => Rule::AiReviewer,
            Some(ReviewerStatus::Bot) => Rule::BotReviewer,
            Some(ReviewerStatus::NotAllowed) => Rule::ReviewerNotAllowed,
            Some(ReviewerStatus::Valid) | None => base_rule,
        };
        let mut message = format!("{what}: no valid review ({})", reasons(a));
        if a.reviews.iter().any(|r| r.1 == ReviewerStatus::NotAllowed) {
            message += &format!("; who may review: {}", allowed_reviewers(policy));
        }
        (rule, message)
    };
    let ask = match rule {
        Rule::SelfReview => Ask::NotTheAuthor,
        Rule::AiReviewer | Rule::BotReviewer => Ask::Human,
        Rule::ReviewerNotAllowed => Ask::Listed,
        _ => Ask::AnyHuman,
    };
    judge.finding(rule, message, Fix::Review(ask))
}

/// The policy's reviewer list, as a message names it (the first few patterns).
fn allowed_reviewers(policy: &Policy) -> String {
    let all = &policy.review.reviewers;
    let mut shown: Vec<&str> = all
        .iter()
        .take(MAX_LISTED_REVIEWS)
        .map(crate::policy::EmailPattern::as_str)
        .collect();
    let more = all.len().saturating_sub(MAX_LISTED_REVIEWS);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    shown.dedup();
    format!("{}{more} ([review] reviewers)", shown.join(", "))
}

/// Why each review trailer does not count (the first few, then a count).
fn reasons(a: &ReviewAssessment) -> String {
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
    reasons.join("; ")
}

/// With `require-pusher`: the finding when no valid reviewer is the
/// authenticated pusher, or `None` when one is.
fn pusher_binding(
    judge: &Judge<'_>,
    pusher: Option<&Pusher>,
    a: &ReviewAssessment,
    what: &str,
) -> Option<Finding> {
    let Some(p) = pusher else {
        return Some(judge.finding(
            Rule::PusherUnauthenticated,
            format!("{what}: the policy requires that a reviewer pushes it, and the server gave no authenticated identity (looked for {IDENTITY_VARIABLES})"),
            Fix::Advice("push over the server's authenticated transport (the reviewer named in the trailer pushes), or ask the administrator to pass an identity".into()),
        ));
    };
    let emails = pusher::emails(judge.policy, p);
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
    Some(judge.finding(
        Rule::PusherNotReviewer,
        format!(
            "{what}: the pusher `{}` ({}) is not one of its valid reviewers ({}); {known}",
            p.name(),
            p.source,
            listed.join(", ")
        ),
        Fix::Advice("the reviewer named in the trailer pushes the commit (the policy binds review to the authenticated pusher)".into()),
    ))
}
