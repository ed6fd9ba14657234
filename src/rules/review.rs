//! Review rules (pure): which commits need a human review, which reviews
//! count, and the one function that decides whether a commit's reviews meet
//! a requirement ([`decide`]): the branch's review, the policy-change gate
//! and merge coverage all go through it, with every review setting applied
//! (who may review, how many distinct people, whether one is the pusher).

use std::borrow::Cow;

use super::coverage::MergeReview;
use super::{pusher, Ask, Finding, Fix, Judge};
use crate::commit::ShownIdent;
use crate::detect::{AiEvidence, CommitText};
use crate::ident::{Person, PersonError};
use crate::policy::{EmailPattern, Policy, ReviewScope};
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

    /// Its review trailers, judged against `req`'s list.
    pub fn reviews(&self, policy: &Policy, req: &Requirement<'_>) -> ReviewAssessment {
        assess_reviews(
            policy,
            req.allowed,
            &self.message,
            &self.author.email_lower(),
            &self.committer.email_lower(),
        )
    }
}

/// What one review decision requires. Every review setting of the policy is
/// in it, so no caller can forget one.
#[derive(Debug, Clone, Copy)]
pub struct Requirement<'p> {
    /// Who may review (email globs); empty: any valid human.
    pub allowed: &'p [EmailPattern],
    /// Where that list is written, for messages (`[review] reviewers`).
    pub list: &'static str,
    /// How many distinct valid reviewers.
    pub min: usize,
    /// Whether one of them must be the authenticated pusher.
    pub require_pusher: bool,
}

impl<'p> Requirement<'p> {
    /// A protected branch's review (`[review]`).
    pub fn review(policy: &'p Policy) -> Self {
        Self {
            allowed: &policy.review.reviewers,
            list: "[review] reviewers",
            min: policy.review.min_reviewers as usize,
            require_pusher: policy.review.require_pusher,
        }
    }

    /// A change to the policy file: the policy owners (or, with none
    /// listed, whoever may review), with the same minimum and the same
    /// pusher binding as any review.
    pub fn policy_change(policy: &'p Policy) -> Self {
        if policy.owners.is_empty() {
            Self::review(policy)
        } else {
            Self {
                allowed: &policy.owners,
                list: "[policy] owners",
                ..Self::review(policy)
            }
        }
    }

    /// Whether `email` is on the list (an empty list allows anyone).
    pub fn allows(&self, email: &str) -> bool {
        self.allowed.is_empty() || self.allowed.iter().any(|m| m.matches(email))
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
    /// Not on the requirement's list.
    NotAllowed,
}

/// The review trailers of a commit, judged.
#[derive(Debug, Clone, Default)]
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
/// `committer_email` (lowercase), for a requirement whose list is `allowed`
/// (empty: anyone).
pub fn reviewer_status(
    policy: &Policy,
    allowed: &[EmailPattern],
    value: &str,
    author_email: &str,
    committer_email: &str,
) -> (ReviewerStatus, Option<String>) {
    let person = match Person::parse(value) {
        Ok(p) => p,
        Err(e) => return (ReviewerStatus::Invalid(e), None),
    };
    let readings = person.readings();
    let status = if let Some(tool) = policy.detector.person_readings_are_ai(value, &readings) {
        ReviewerStatus::Ai(tool)
    } else if readings.iter().any(|r| crate::detect::is_bot_identity(r)) {
        ReviewerStatus::Bot
    } else if person.email == author_email || person.email == committer_email {
        ReviewerStatus::SelfReview
    } else if !allowed.is_empty() && !allowed.iter().any(|m| m.matches(&person.email)) {
        ReviewerStatus::NotAllowed
    } else {
        ReviewerStatus::Valid
    };
    (status, Some(person.email))
}

/// Judge the review trailers in `message` for a commit by `author_email` /
/// `committer_email` (lowercase), against the list `allowed`. Linear in the
/// number of trailers.
pub fn assess_reviews(
    policy: &Policy,
    allowed: &[EmailPattern],
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
        let (status, email) =
            reviewer_status(policy, allowed, &t.value, author_email, committer_email);
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

/// The commit a review decision is about: who wrote it (never its reviewer)
/// and the reviews it carries itself, judged against the requirement.
#[derive(Debug, Clone)]
pub struct Reviewed {
    /// Its own review trailers, judged.
    pub own: ReviewAssessment,
    /// Its author's email (lowercase).
    pub author: String,
    /// Its committer's email (lowercase).
    pub committer: String,
}

impl Reviewed {
    /// `facts`' reviews, judged against `req`.
    pub fn of(policy: &Policy, req: &Requirement<'_>, facts: &CommitFacts<'_>) -> Self {
        Self {
            own: facts.reviews(policy, req),
            author: facts.author.email_lower(),
            committer: facts.committer.email_lower(),
        }
    }
}

/// Why a commit's reviews fall short of a requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shortfall {
    /// Fewer distinct valid reviewers than required (`valid` of them).
    TooFew {
        /// How many there are.
        valid: usize,
    },
    /// One must be the pusher, and the server named no pusher.
    Unauthenticated,
    /// One must be the pusher, and none is.
    NotThePusher {
        /// The pusher, as messages name them, and how the server said so.
        pusher: String,
        /// The reviewer emails the pusher stands for.
        stands_for: Vec<String>,
        /// The valid reviewers.
        valid: Vec<String>,
    },
}

/// Decide whether `commit` meets `req`, counting its own valid reviews and
/// those of the reviewed merges `covering` it (a merge's reviewer counts
/// when on the list and not the commit's author or committer), distinct
/// people once. The one place a review is decided. `Ok` carries the merge
/// whose review made it pass, if one was needed.
pub fn decide<'m>(
    policy: &Policy,
    req: &Requirement<'_>,
    commit: &Reviewed,
    covering: &[&'m MergeReview],
    pusher: Option<&Pusher>,
) -> Result<Option<&'m MergeReview>, Shortfall> {
    let mut valid = commit.own.valid_emails.clone();
    let mut through = None;
    for m in covering {
        for p in &m.reviewers {
            let counts = p.email != commit.author
                && p.email != commit.committer
                && req.allows(&p.email)
                && !valid.contains(&p.email);
            if counts {
                valid.push(p.email.clone());
                through.get_or_insert(*m);
            }
        }
    }
    if valid.len() < req.min {
        return Err(Shortfall::TooFew { valid: valid.len() });
    }
    if req.require_pusher {
        let Some(p) = pusher else {
            return Err(Shortfall::Unauthenticated);
        };
        let stands_for = pusher::emails(policy, p);
        if !valid.iter().any(|e| stands_for.contains(e)) {
            return Err(Shortfall::NotThePusher {
                pusher: format!("`{}` ({})", p.name(), p.source),
                stands_for,
                valid,
            });
        }
    }
    Ok(through)
}

/// A commit that needs a review: why, and the reviews it carries itself.
#[derive(Debug, Clone)]
pub struct Need {
    /// How messages name it: `AI-assisted commit (Claude Code: ...)` or `commit`.
    pub what: String,
    /// Whether it is AI-assisted (`ai-unreviewed`) or all commits need review
    /// (`unreviewed`).
    pub ai: bool,
    /// Who wrote it and its own reviews, judged against the branch's review.
    pub commit: Reviewed,
}

/// Whether the commit needs a review on a ref with `scope`: `Ok(None)` when
/// not, `Err` with a finding when it cannot be judged at all (a message git
/// shows re-encoded from an encoding reviewgate cannot decode). `inherited`
/// gives evidence from outside the message (notes, a pull request), asked
/// for only when the message shows none.
pub fn need(
    judge: &Judge<'_>,
    scope: ReviewScope,
    facts: &CommitFacts<'_>,
    inherited: impl FnOnce() -> Option<AiEvidence>,
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
    let evidence = facts.ai_evidence(policy).or_else(inherited);
    if scope == ReviewScope::Ai && evidence.is_none() {
        return Ok(None);
    }
    Ok(Some(Need {
        what: match &evidence {
            Some(e) => format!("AI-assisted commit ({}: {})", e.tool, e.evidence),
            None => "commit".to_string(),
        },
        ai: evidence.is_some(),
        commit: Reviewed::of(policy, &Requirement::review(policy), facts),
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
    match need(judge, scope, facts, || None) {
        Err(f) => Some(f),
        Ok(None) => None,
        Ok(Some(n)) => decide_need(judge, &n, &[], pusher, None).err(),
    }
}

/// Decide a commit that needs review ([`decide`] with the branch's
/// requirement) and word a shortfall; `note` explains, in a rejection, why
/// no merge covered it.
pub fn decide_need<'m>(
    judge: &Judge<'_>,
    need: &Need,
    covering: &[&'m MergeReview],
    pusher: Option<&Pusher>,
    note: Option<String>,
) -> Result<Option<&'m MergeReview>, Finding> {
    let policy = judge.policy;
    decide(
        policy,
        &Requirement::review(policy),
        &need.commit,
        covering,
        pusher,
    )
    .map_err(|short| finding(judge, need, &short, note))
}

/// The finding for a commit whose reviews fall short.
pub fn finding(judge: &Judge<'_>, need: &Need, short: &Shortfall, note: Option<String>) -> Finding {
    let what = &need.what;
    match short {
        Shortfall::TooFew { valid } => {
            let mut f = missing_review(judge, &need.commit.own, what, need.ai, *valid);
            if let Some(note) = note {
                f.message.push_str(&format!("; {note}"));
            }
            f
        }
        Shortfall::Unauthenticated => judge.finding(
            Rule::PusherUnauthenticated,
            format!("{what}: the policy requires that a reviewer pushes it, and the server gave no authenticated identity (looked for {IDENTITY_VARIABLES})"),
            Fix::Advice("push over the server's authenticated transport (the reviewer named in the trailer pushes), or ask the administrator to pass an identity".into()),
        ),
        Shortfall::NotThePusher { .. } => judge.finding(
            Rule::PusherNotReviewer,
            format!("{what}: {}", pusher_text(short)),
            Fix::Advice("the reviewer named in the trailer pushes the commit (the policy binds review to the authenticated pusher)".into()),
        ),
    }
}

/// Why the pusher does not count, in words (for [`Shortfall::NotThePusher`]).
pub fn pusher_text(short: &Shortfall) -> String {
    let Shortfall::NotThePusher {
        pusher,
        stands_for,
        valid,
    } = short
    else {
        return String::new();
    };
    let known = if stands_for.is_empty() {
        "no reviewer emails are mapped to this login in [identities]".to_string()
    } else {
        format!("they stand for {}", stands_for.join(", "))
    };
    let listed: Vec<&str> = valid
        .iter()
        .take(MAX_LISTED_REVIEWS)
        .map(String::as_str)
        .collect();
    format!(
        "the pusher {pusher} is not one of its valid reviewers ({}); {known}",
        listed.join(", ")
    )
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
    format!(
        "{} ([review] reviewers)",
        list_text(&policy.review.reviewers)
    )
}

/// The first few patterns of a list, then a count.
pub fn list_text(all: &[EmailPattern]) -> String {
    let mut shown: Vec<&str> = all
        .iter()
        .take(MAX_LISTED_REVIEWS)
        .map(EmailPattern::as_str)
        .collect();
    let more = all.len().saturating_sub(MAX_LISTED_REVIEWS);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    shown.dedup();
    format!("{}{more}", shown.join(", "))
}

/// Why each review trailer does not count (the first few, then a count).
pub fn reasons(a: &ReviewAssessment) -> String {
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
