//! Verdicts: violations as data, each with a stable kebab-case rule code.

use std::fmt;

use crate::config::{Mode, PolicySource};

/// Every rule reviewgate can report. Codes are stable: they are documented in
/// the README, printed to pushers, written to the audit log, and used with
/// `reviewgate explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An AI-tagged commit without a valid human review.
    AiUnreviewed,
    /// A commit on a `review = "all"` ref without a valid human review.
    Unreviewed,
    /// The only reviews are by the commit's author or committer.
    SelfReview,
    /// The only reviews are by AI identities.
    AiReviewer,
    /// The only reviews are by bot accounts (automation is not a human review).
    BotReviewer,
    /// The only reviews are by people outside the reviewer allow-list.
    ReviewerNotAllowed,
    /// A review trailer without an email address.
    ReviewerWithoutEmail,
    /// Fewer distinct valid reviewers than `min-reviewers`.
    TooFewReviewers,
    /// A non-fast-forward update of a protected ref.
    ForcePush,
    /// Deletion of a protected ref.
    Deletion,
    /// An update of a ref that may only be created (a release tag moved).
    ImmutableRef,
    /// A merge commit on a ref with linear history.
    MergeCommit,
    /// The pusher is not allowed to update the ref.
    PusherNotAllowed,
    /// The policy needs an authenticated pusher and the server gave none.
    PusherUnauthenticated,
    /// Review must be by the pusher, and the pusher is not a valid reviewer.
    PusherNotReviewer,
    /// The push changes the policy file on the default branch to an invalid one.
    PolicyChangeInvalid,
    /// A commit changing the policy file lacks a review by a policy owner.
    PolicyChangeUnreviewed,
    /// The ref is in a change-freeze window.
    FreezeWindow,
    /// A break-glass push option that is not honoured.
    BypassDenied,
    /// The audit record could not be written: protected updates fail closed.
    AuditUnavailable,
    /// The trusted policy is invalid: protected updates fail closed.
    PolicyInvalid,
    /// The push could not be checked (git error, missing object): fail closed.
    InternalError,
}

impl Rule {
    /// Every rule, in documentation order.
    pub const ALL: [Rule; 22] = [
        Rule::AiUnreviewed,
        Rule::Unreviewed,
        Rule::SelfReview,
        Rule::AiReviewer,
        Rule::BotReviewer,
        Rule::ReviewerNotAllowed,
        Rule::ReviewerWithoutEmail,
        Rule::TooFewReviewers,
        Rule::ForcePush,
        Rule::Deletion,
        Rule::ImmutableRef,
        Rule::MergeCommit,
        Rule::PusherNotAllowed,
        Rule::PusherUnauthenticated,
        Rule::PusherNotReviewer,
        Rule::PolicyChangeInvalid,
        Rule::PolicyChangeUnreviewed,
        Rule::FreezeWindow,
        Rule::BypassDenied,
        Rule::AuditUnavailable,
        Rule::PolicyInvalid,
        Rule::InternalError,
    ];

    /// Rules that always reject: they cannot be set to warn or bypassed.
    pub fn is_fail_closed(self) -> bool {
        matches!(
            self,
            Rule::PolicyInvalid | Rule::InternalError | Rule::AuditUnavailable | Rule::BypassDenied
        )
    }

    /// The stable kebab-case code.
    pub fn code(self) -> &'static str {
        match self {
            Rule::AiUnreviewed => "ai-unreviewed",
            Rule::Unreviewed => "unreviewed",
            Rule::SelfReview => "self-review",
            Rule::AiReviewer => "ai-reviewer",
            Rule::BotReviewer => "bot-reviewer",
            Rule::ReviewerNotAllowed => "reviewer-not-allowed",
            Rule::ReviewerWithoutEmail => "reviewer-without-email",
            Rule::TooFewReviewers => "too-few-reviewers",
            Rule::ForcePush => "force-push",
            Rule::Deletion => "deletion",
            Rule::ImmutableRef => "immutable-ref",
            Rule::MergeCommit => "merge-commit",
            Rule::PusherNotAllowed => "pusher-not-allowed",
            Rule::PusherUnauthenticated => "pusher-unauthenticated",
            Rule::PusherNotReviewer => "pusher-not-reviewer",
            Rule::PolicyChangeInvalid => "policy-change-invalid",
            Rule::PolicyChangeUnreviewed => "policy-change-unreviewed",
            Rule::FreezeWindow => "freeze-window",
            Rule::BypassDenied => "bypass-denied",
            Rule::AuditUnavailable => "audit-unavailable",
            Rule::PolicyInvalid => "policy-invalid",
            Rule::InternalError => "internal-error",
        }
    }

    /// Look a rule up by its code.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// One line: what the rule means.
    pub fn summary(self) -> &'static str {
        match self {
            Rule::AiUnreviewed => "an AI-tagged commit reaches a protected ref without a human review",
            Rule::Unreviewed => "a commit reaches a ref that requires review of every commit, without a human review",
            Rule::SelfReview => "the commit's only reviews are by its own author or committer",
            Rule::AiReviewer => "the commit's only reviews are by AI identities",
            Rule::BotReviewer => "the commit's only reviews are by bot accounts",
            Rule::ReviewerNotAllowed => "the commit's only reviewers are not in the policy's reviewer list",
            Rule::ReviewerWithoutEmail => "a review trailer names no email address, so it cannot be checked",
            Rule::TooFewReviewers => "the commit has fewer distinct valid reviewers than the policy requires",
            Rule::ForcePush => "a protected ref is rewritten (non-fast-forward update)",
            Rule::Deletion => "a protected ref is deleted",
            Rule::ImmutableRef => "a ref that may only be created (such as a release tag) is moved",
            Rule::MergeCommit => "a merge commit reaches a ref that requires linear history",
            Rule::PusherNotAllowed => "the pusher is not allowed to update this protected ref",
            Rule::PusherUnauthenticated => "the policy needs the pusher's authenticated identity and the server gave none",
            Rule::PusherNotReviewer => "the policy requires that the pusher is one of the commit's valid reviewers",
            Rule::PolicyChangeInvalid => "the push changes the policy file on the default branch to one that does not parse",
            Rule::PolicyChangeUnreviewed => "a commit changing the policy file has no valid review by a policy owner",
            Rule::FreezeWindow => "the ref is in a change-freeze window",
            Rule::BypassDenied => "a break-glass push option was given but is not honoured for this push",
            Rule::AuditUnavailable => "the audit record could not be written, so protected updates are refused",
            Rule::PolicyInvalid => "the trusted policy file is invalid, so protected updates are refused",
            Rule::InternalError => "reviewgate could not check the update, so it is refused",
        }
    }

    /// How to fix it: the text `reviewgate explain CODE` prints after the summary.
    pub fn explanation(self) -> &'static str {
        match self {
            Rule::AiUnreviewed | Rule::Unreviewed => "\
A human who reviewed the change adds their trailer to the commit message's final
paragraph (git's trailer block), then the commit is pushed again:

    git commit --amend --trailer \"Reviewed-by: Ann Lee <ann@example.com>\"

For several commits at once, from the commit before the first one:

    git rebase --exec 'git commit --amend --no-edit --trailer \"Reviewed-by: Ann Lee <ann@example.com>\"' BASE

The trailer only counts in the last paragraph of the message, written as
`Key: value`, with git's own rules: a Reviewed-by line in the subject, in the
middle of the body, or in a paragraph of prose does not count. Commits are
AI-tagged by trailers such as Assisted-by:, Co-authored-by: an AI identity,
AI author or committer identities, and marker lines such as
\"Generated with [Claude Code]\" (see the README for the catalog).",
            Rule::SelfReview => "\
A review must come from someone other than the commit's author and committer
(emails are compared without regard to letter case). Ask another person to
review the change and add their own Reviewed-by trailer.",
            Rule::AiReviewer => "\
AI tools cannot review AI-assisted work for this policy. Ask a human to review
the change and add their Reviewed-by trailer.",
            Rule::BotReviewer => "\
Bot accounts (names or emails with [bot], GitHub's web-flow identity) are
automation, not a human review. Ask a person to review the change and add
their Reviewed-by trailer.",
            Rule::ReviewerNotAllowed => "\
The policy lists who may review ([review] reviewers). Ask one of them to review
the change and add their Reviewed-by trailer; `reviewgate policy check` on the
policy file shows the list.",
            Rule::ReviewerWithoutEmail => "\
Write the reviewer as `Name <email>`, for example
`Reviewed-by: Ann Lee <ann@example.com>`; the email is what is checked.",
            Rule::TooFewReviewers => "\
The policy requires more than one distinct reviewer ([review] min-reviewers).
Each reviewer adds their own trailer; the same email twice counts once.",
            Rule::ForcePush => "\
Protected refs only move forward. Rebase or merge your work on top of the
current remote ref instead of rewriting it:

    git pull --rebase && git push",
            Rule::Deletion => "\
Protected refs cannot be deleted by a push. An administrator can delete the
ref on the server if it really must go.",
            Rule::ImmutableRef => "\
This ref may be created once and never moved (release tags). Create a new tag
name instead of moving the existing one.",
            Rule::MergeCommit => "\
The ref requires linear history. Rebase your branch onto the target instead of
merging:

    git rebase origin/main",
            Rule::PusherNotAllowed => "\
Only the pushers listed in the policy may update this ref. Push to another
branch and ask one of them to bring it in.",
            Rule::PusherUnauthenticated => "\
The policy binds reviews or pushes to the authenticated pusher, and the server
passed no identity. reviewgate reads GITEA_PUSHER_NAME (Gitea/Forgejo),
GL_USERNAME (GitLab), GL_USER (gitolite), GITHUB_USER_LOGIN (GHES),
GIT_PUSH_CERT_SIGNER with GIT_PUSH_CERT_STATUS=G (git push --signed), and
REMOTE_USER (git http-backend behind an authenticating web server). Push over
an authenticated transport, or ask the administrator to set one up.",
            Rule::PusherNotReviewer => "\
The policy requires that a reviewer of each commit pushes it ([review]
require-pusher): a typed Reviewed-by line alone cannot prove a review. The
author writes the reviewer's trailer (git commit --amend --trailer
\"Reviewed-by: Ann Lee <ann@example.com>\"), and the reviewer pushes. The
policy's [identities] table maps the reviewer's server login to their emails.",
            Rule::PolicyChangeInvalid => "\
The new .reviewgate.toml does not parse. Fix the errors listed (file, line and
column of the new version) and push again; `reviewgate policy check` runs the
same validation locally.",
            Rule::PolicyChangeUnreviewed => "\
Changes to the policy file on the default branch need a review by a policy
owner ([policy] owners in the current policy; with no owners listed, any valid
human reviewer). Ask an owner to review the commit and add their Reviewed-by
trailer. The push is judged by the policy as it was before the push.",
            Rule::FreezeWindow => "\
The policy freezes changes to this ref for a while (for example over a holiday
or a weekend). Wait until the window ends (the message says when), or, in an
emergency, a listed pusher can break glass:
git push -o reviewgate.bypass=\"reason\" (audited).",
            Rule::BypassDenied => "\
Break-glass (git push -o reviewgate.bypass=\"reason\") is honoured only for
authenticated pushers listed in [bypass] pushers, with a non-empty reason.
Without it, the push is judged normally.",
            Rule::AuditUnavailable => "\
Every decision on a protected ref is recorded in the audit log. The log could
not be written (permissions, disk full), so the update is refused rather than
accepted unrecorded. The server administrator must fix the log's location
(git config reviewgate.auditLog).",
            Rule::PolicyInvalid => "\
The .reviewgate.toml on the default branch (or the file pinned by the server)
does not parse. Until it is fixed, updates are refused (fail closed). An
administrator fixes it on the server, for example by pinning a known-good
policy with `git config reviewgate.policy /path/to/policy.toml`, pushing the
fix, then unsetting the pin. See the README, \"Recovering from a broken policy\".",
            Rule::InternalError => "\
reviewgate could not read what the push contains (a missing object, a git
error). Protected updates are refused rather than let through unchecked. The
message names the cause; ask the server administrator if it persists.",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether a violation blocks the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Rejects the push.
    Error,
    /// Reported only (warn mode).
    Warning,
}

/// A commit a violation is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommitRef {
    /// Full hex id.
    pub id: String,
    /// First line of the message (raw; the renderer escapes it).
    pub subject: String,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The rule.
    #[serde(serialize_with = "ser_rule")]
    pub rule: Rule,
    /// Error or warning.
    pub severity: Severity,
    /// The ref the update targets.
    pub refname: String,
    /// The commit concerned, if any.
    pub commit: Option<CommitRef>,
    /// What is wrong, in one or two sentences.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

fn ser_rule<S: serde::Serializer>(rule: &Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.code())
}

/// A break-glass push that was honoured.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Bypass {
    /// The authenticated pusher who broke glass.
    pub pusher: String,
    /// The reason they gave.
    pub reason: String,
}

/// The decision for a whole push.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    /// Every violation found (errors and warnings).
    pub violations: Vec<Violation>,
    /// Violations not kept in `violations` because the list was capped.
    pub violations_dropped: usize,
    /// How many commits were examined.
    pub commits_checked: u64,
    /// The policy used, for the summary line.
    pub policy_source: String,
    /// SHA-256 of the policy text.
    pub policy_sha256: String,
    /// Global mode of the policy.
    pub mode: Mode,
    /// Set when a break-glass push turned violations into warnings.
    pub bypass: Option<Bypass>,
}

/// How many violations a verdict keeps in full (the rest are counted).
pub const MAX_KEPT_VIOLATIONS: usize = 1000;

impl Verdict {
    /// An empty verdict for a policy.
    pub fn new(source: &PolicySource, sha256: &str, mode: Mode) -> Self {
        Self {
            violations: Vec::new(),
            violations_dropped: 0,
            commits_checked: 0,
            policy_source: source.to_string(),
            policy_sha256: sha256.to_string(),
            mode,
            bypass: None,
        }
    }

    /// Record a violation (counted but not kept beyond the cap).
    pub fn push(&mut self, v: Violation) {
        if self.violations.len() < MAX_KEPT_VIOLATIONS {
            self.violations.push(v);
        } else {
            self.violations_dropped += 1;
        }
    }

    /// Whether any violation rejects the push.
    pub fn rejects(&self) -> bool {
        self.violations
            .iter()
            .any(|v| v.severity == Severity::Error)
    }

    /// The process exit code (see [`ExitStatus`]).
    pub fn exit_status(&self) -> ExitStatus {
        let errors = || {
            self.violations
                .iter()
                .filter(|v| v.severity == Severity::Error)
        };
        if errors().any(|v| v.rule == Rule::InternalError) {
            ExitStatus::InternalError
        } else if errors().any(|v| v.rule == Rule::PolicyInvalid) {
            ExitStatus::ConfigError
        } else if self.rejects() {
            ExitStatus::Rejected
        } else {
            ExitStatus::Accepted
        }
    }
}

/// The documented exit codes of the hooks and the `check` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: accepted (possibly with warnings).
    Accepted,
    /// 1: rejected by the policy.
    Rejected,
    /// 2: internal error (bad input, git failure): rejected, fail closed.
    InternalError,
    /// 78: the policy is invalid (EX_CONFIG): rejected, fail closed.
    ConfigError,
}

impl ExitStatus {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Accepted => 0,
            ExitStatus::Rejected => 1,
            ExitStatus::InternalError => 2,
            ExitStatus::ConfigError => 78,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for r in Rule::ALL {
            assert!(seen.insert(r.code()), "duplicate code {}", r.code());
            assert!(r
                .code()
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c == b'-'));
            assert_eq!(Rule::from_code(r.code()), Some(r));
            assert!(!r.summary().is_empty() && !r.explanation().is_empty());
        }
    }
}
