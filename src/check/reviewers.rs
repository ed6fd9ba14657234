//! Which reviews count (pure), and the one function that decides whether a
//! commit's reviews meet a requirement ([`decide`]): the branch's review,
//! the policy gate, merge coverage and the sign-off rules all go through
//! it, with every review setting applied (who may review, how many
//! distinct people, whether one is the pusher). A leaf: coverage and the
//! review rules both build on it.

use std::borrow::Cow;
use std::rc::Rc;

use super::pusher;
use crate::approval::Checked;
use crate::commit::ShownIdent;
use crate::detect::{AiEvidence, CommitText};
use crate::ident::{Person, PersonError};
use crate::policy::{EmailPattern, Policy, Signoff};
use crate::push::Pusher;
use crate::trailers;

/// A reviewed merge: its id and the reviews that may count for what it merges
/// (well-formed, human, not AI, not a bot). Whether each counts for a covered
/// commit (not its author or committer, on the requirement's list) is decided
/// per commit, by [`decide`].
#[derive(Debug, Clone)]
pub struct MergeReview {
    /// The merge commit.
    pub id: git2::Oid,
    /// Its reviewers.
    pub reviewers: Vec<Person>,
}

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
    /// Its signed approvals, checked (looked up only when the policy counts
    /// signed approvals: `None` otherwise).
    pub approvals: Option<Rc<[Checked]>>,
}

impl<'a> From<crate::commit::Shown<'a>> for CommitFacts<'a> {
    fn from(s: crate::commit::Shown<'a>) -> Self {
        Self {
            author: s.author,
            committer: s.committer,
            message: s.message,
            undecodable: s.undecodable,
            approvals: None,
        }
    }
}

impl CommitFacts<'_> {
    /// Why the commit counts as AI-assisted, if it does.
    pub fn ai_evidence(&self, policy: &Policy) -> Option<AiEvidence> {
        // `Name <email>` is built only when it may be an AI identity.
        let display = |who: &ShownIdent<'_>| {
            if policy.detector.may_be_ai_identity(&who.name, &who.email) {
                who.display()
            } else {
                String::new()
            }
        };
        let (author, committer) = (display(&self.author), display(&self.committer));
        policy.detector.detect(&CommitText {
            author: &author,
            committer: &committer,
            message: &self.message,
        })
    }

    /// Its reviews, judged against `req`'s list: its review trailers, or,
    /// when the policy counts only signed approvals, those.
    pub fn reviews(&self, policy: &Policy, req: &Requirement<'_>) -> ReviewAssessment {
        let (author, committer) = (self.author.email_lower(), self.committer.email_lower());
        if policy.review.signed {
            let approvals = self.approvals.as_deref().unwrap_or_default();
            let mut a = assess_approvals(policy, req.allowed, approvals, &author, &committer);
            a.unsigned_trailers = crate::trailers::parse(&self.message)
                .iter()
                .filter(|t| policy.review.is_review_key(&t.key))
                .count();
            return a;
        }
        assess_reviews(policy, req.allowed, &self.message, &author, &committer)
    }
}

/// What one review decision requires. Every review setting of the policy is
/// in it, so no caller can forget one.
#[derive(Debug, Clone, Copy)]
pub struct Requirement<'p> {
    /// Who may review (email globs); empty: any valid human.
    pub allowed: &'p [EmailPattern],
    /// Where that list is written, for messages (`[review] reviewers`).
    pub list: &'p str,
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

    /// A `[[signoff]]` rule's: its list and quorum, the policy's pusher
    /// binding.
    pub fn signoff(policy: &'p Policy, rule: &'p Signoff) -> Self {
        Self {
            allowed: &rule.reviewers,
            list: &rule.list,
            min: rule.min_reviewers as usize,
            require_pusher: policy.review.require_pusher,
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
    /// A signed approval that does not verify (why).
    BadSignature(String),
}

/// The review trailers of a commit, judged.
#[derive(Debug, Clone, Default)]
pub struct ReviewAssessment {
    /// Each review trailer's value and status.
    pub reviews: Vec<(String, ReviewerStatus)>,
    /// Distinct valid reviewer emails (lowercase), in the order found.
    pub valid_emails: Vec<String>,
    /// Typed review trailers that did not count because the policy counts
    /// only signed approvals.
    pub unsigned_trailers: usize,
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
        unsigned_trailers: 0,
    }
}

/// What a signed approval's reviewer is shown as.
pub fn signed_value(reviewer: &str) -> String {
    format!("{reviewer} (signed approval)")
}

/// Judge the checked signed `approvals` of a commit by `author_email` /
/// `committer_email` (lowercase) against the list `allowed`: every review
/// rule applies to the signer as to a trailer's reviewer.
pub fn assess_approvals(
    policy: &Policy,
    allowed: &[EmailPattern],
    approvals: &[Checked],
    author_email: &str,
    committer_email: &str,
) -> ReviewAssessment {
    let mut reviews = Vec::new();
    let mut valid_emails: Vec<String> = Vec::new();
    for a in approvals {
        let value = signed_value(&a.reviewer);
        let status = match &a.outcome {
            Err(why) => ReviewerStatus::BadSignature(why.clone()),
            Ok(()) => {
                reviewer_status(policy, allowed, &a.reviewer, author_email, committer_email).0
            }
        };
        if status == ReviewerStatus::Valid {
            let email = a.reviewer.to_lowercase();
            if !valid_emails.contains(&email) {
                valid_emails.push(email);
            }
        }
        reviews.push((value, status));
    }
    ReviewAssessment {
        reviews,
        valid_emails,
        unsigned_trailers: 0,
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

/// The reviews on a merge that may count for what it merges: well-formed,
/// human, not AI, not a bot (the list and who wrote each covered commit are
/// judged per covered commit).
pub fn merge_reviewers(policy: &Policy, facts: &CommitFacts<'_>) -> Vec<Person> {
    let mut out: Vec<Person> = Vec::new();
    if policy.review.signed {
        for a in facts.approvals.as_deref().unwrap_or_default() {
            let (status, _) = reviewer_status(policy, &[], &a.reviewer, "", "");
            if let (Ok(()), ReviewerStatus::Valid, Ok(p)) =
                (&a.outcome, status, Person::parse(&a.reviewer))
            {
                if !out.iter().any(|o| o.email == p.email) {
                    out.push(p);
                }
            }
        }
        return out;
    }
    for t in crate::trailers::parse(&facts.message) {
        if !policy.review.is_review_key(&t.key) {
            continue;
        }
        // Judged as if no one wrote the merge and anyone may review: who
        // wrote each covered commit, and the list, are judged per decision.
        let (status, _) = reviewer_status(policy, &[], &t.value, "", "");
        if let (ReviewerStatus::Valid, Ok(p)) = (status, Person::parse(&t.value)) {
            if !out.iter().any(|o| o.email == p.email) {
                out.push(p);
            }
        }
    }
    out
}
