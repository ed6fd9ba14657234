//! The rules reviewgate reports, with their stable codes, and the two words
//! every finding carries: the [`Mode`] a ref is judged in and the
//! [`Severity`] a finding gets.
//!
//! The list is one table (the `rules!` macro below): the enum, [`Rule::ALL`], the
//! codes and summaries are generated from it, so none of them can drift from
//! the others. Each rule's explanation is a Markdown file of its own,
//! `docs/rules/<code>.md`, embedded here (what `reviewgate explain CODE`
//! prints, and what the docs link to).

use std::fmt;

/// Whether violations block the push or are only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Violations reject the push.
    Enforce,
    /// Violations are printed as warnings; the push is accepted.
    Warn,
}

impl Mode {
    /// The policy file's word for it.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
        }
    }
}

/// Whether a violation blocks the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Rejects the push.
    Error,
    /// Reported only (warn mode, or break-glass).
    Warning,
}

impl Mode {
    /// The severity a finding gets in this mode.
    pub fn severity(self) -> Severity {
        match self {
            Mode::Enforce => Severity::Error,
            Mode::Warn => Severity::Warning,
        }
    }
}

macro_rules! rules {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $code:literal, fail_closed: $closed:literal,
            summary: $summary:literal,
            explanation: $explanation:expr;
    )*) => {
        /// Every rule reviewgate can report. Codes are stable: they are
        /// documented in docs/policy.md, printed to pushers, written to the audit
        /// log, and used with `reviewgate explain`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Rule {
            /// Every rule, in documentation order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable kebab-case code.
            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code,)* }
            }

            /// Rules that always reject: they cannot be set to warn or bypassed.
            pub fn is_fail_closed(self) -> bool {
                match self { $(Rule::$variant => $closed,)* }
            }

            /// One line: what the rule means.
            pub fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $summary,)* }
            }

            /// How to fix it: the text `reviewgate explain CODE` prints after the summary.
            pub fn explanation(self) -> &'static str {
                let text: &'static str = match self { $(Rule::$variant => $explanation,)* };
                text.trim_end()
            }
        }
    };
}

rules! {
    /// An AI-tagged commit without a valid human review.
    AiUnreviewed = "ai-unreviewed", fail_closed: false,
        summary: "an AI-tagged commit reaches a protected ref without a human review",
        explanation: include_str!("../docs/rules/ai-unreviewed.md");
    /// A commit on a `review = "all"` ref without a valid human review.
    Unreviewed = "unreviewed", fail_closed: false,
        summary: "a commit reaches a ref that requires review of every commit, without a human review",
        explanation: include_str!("../docs/rules/unreviewed.md");
    /// The only reviews are by the commit's author or committer.
    SelfReview = "self-review", fail_closed: false,
        summary: "the commit's only reviews are by its own author or committer",
        explanation: include_str!("../docs/rules/self-review.md");
    /// The only reviews are by AI identities.
    AiReviewer = "ai-reviewer", fail_closed: false,
        summary: "the commit's only reviews are by AI identities",
        explanation: include_str!("../docs/rules/ai-reviewer.md");
    /// The only reviews are by bot accounts (automation is not a human review).
    BotReviewer = "bot-reviewer", fail_closed: false,
        summary: "the commit's only reviews are by bot accounts",
        explanation: include_str!("../docs/rules/bot-reviewer.md");
    /// The only reviews are by people outside the reviewer allow-list.
    ReviewerNotAllowed = "reviewer-not-allowed", fail_closed: false,
        summary: "the commit's only reviewers are not in the policy's reviewer list",
        explanation: include_str!("../docs/rules/reviewer-not-allowed.md");
    /// A review trailer without an email address.
    ReviewerWithoutEmail = "reviewer-without-email", fail_closed: false,
        summary: "a review trailer names no single valid email (`Name <user@host>`), so it cannot be checked",
        explanation: include_str!("../docs/rules/reviewer-without-email.md");
    /// Fewer distinct valid reviewers than `min-reviewers`.
    TooFewReviewers = "too-few-reviewers", fail_closed: false,
        summary: "the commit has fewer distinct valid reviewers than the policy requires",
        explanation: include_str!("../docs/rules/too-few-reviewers.md");
    /// A `[[signoff]]` rule applies to the commit and its sign-off is missing.
    SignoffMissing = "signoff-missing", fail_closed: false,
        summary: "a [[signoff]] rule applies to the commit (its author, what it changes, where it lands) and the commit lacks the sign-off it requires",
        explanation: include_str!("../docs/rules/signoff-missing.md");
    /// An AI-assisted commit reaches a ref whose policy says `ai = "forbid"`.
    AiForbidden = "ai-forbidden", fail_closed: false,
        summary: "an AI-assisted commit reaches a ref that does not accept AI-generated contributions (ai = \"forbid\")",
        explanation: include_str!("../docs/rules/ai-forbidden.md");
    /// A `Signed-off-by:` trailer names an AI identity: only a human can
    /// certify the Developer Certificate of Origin.
    AiSignoff = "ai-signoff", fail_closed: false,
        summary: "a Signed-off-by: trailer names an AI identity; only a human can certify the Developer Certificate of Origin",
        explanation: include_str!("../docs/rules/ai-signoff.md");
    /// Under `[review] signed = true`, a commit's reviews are typed trailers
    /// only: no signed approval.
    ReviewNotSigned = "review-not-signed", fail_closed: false,
        summary: "the policy counts only signed approvals, and the commit's reviews are typed trailers",
        explanation: include_str!("../docs/rules/review-not-signed.md");
    /// A signed approval that does not verify, and not enough that do.
    BadReviewSignature = "bad-review-signature", fail_closed: false,
        summary: "an approval of the commit does not verify against the server's allowed signers, and not enough do",
        explanation: include_str!("../docs/rules/bad-review-signature.md");
    /// Under `[review] signed-commits = true`, a commit without a signature.
    UnsignedCommit = "unsigned-commit", fail_closed: false,
        summary: "the policy requires every commit to carry its author's SSH signature, and this one carries none",
        explanation: include_str!("../docs/rules/unsigned-commit.md");
    /// A commit signature that does not verify.
    BadCommitSignature = "bad-commit-signature", fail_closed: false,
        summary: "the commit's signature does not verify against the server's allowed signers",
        explanation: include_str!("../docs/rules/bad-commit-signature.md");
    /// A commit signed by a key listed for someone other than its author.
    SignerNotAuthor = "signer-not-author", fail_closed: false,
        summary: "the commit is signed by a key the allowed signers list for someone other than its author",
        explanation: include_str!("../docs/rules/signer-not-author.md");
    /// A push that deletes, rewinds or rewrites recorded approvals.
    ApprovalsRewritten = "approvals-rewritten", fail_closed: false,
        summary: "a push deletes, rewinds or rewrites refs/notes/reviewgate, changing or removing recorded approvals",
        explanation: include_str!("../docs/rules/approvals-rewritten.md");
    /// A commit whose headers git could read more than one way (fail closed).
    MalformedCommit = "malformed-commit", fail_closed: true,
        summary: "a commit's headers are not ones git reads unambiguously, so it is refused on protected refs",
        explanation: include_str!("../docs/rules/malformed-commit.md");
    /// A commit whose declared encoding cannot be decoded exactly as git shows it.
    UndecodableMessage = "undecodable-message", fail_closed: false,
        summary: "a commit's message is in an encoding reviewgate cannot decode exactly as git shows it",
        explanation: include_str!("../docs/rules/undecodable-message.md");
    /// An update of refs/notes/ai that erases the AI evidence of commits not
    /// yet on a protected ref.
    AiEvidenceRemoved = "ai-evidence-removed", fail_closed: false,
        summary: "an update of refs/notes/ai erases the AI evidence of commits not yet on a protected ref",
        explanation: include_str!("../docs/rules/ai-evidence-removed.md");
    /// A non-fast-forward update of a protected ref.
    ForcePush = "force-push", fail_closed: false,
        summary: "a protected ref is rewritten (non-fast-forward update)",
        explanation: include_str!("../docs/rules/force-push.md");
    /// Deletion of a protected ref.
    Deletion = "deletion", fail_closed: false,
        summary: "a protected ref is deleted",
        explanation: include_str!("../docs/rules/deletion.md");
    /// An update of a ref that may only be created (a release tag moved).
    ImmutableRef = "immutable-ref", fail_closed: false,
        summary: "a ref that may only be created (such as a release tag) is moved",
        explanation: include_str!("../docs/rules/immutable-ref.md");
    /// A merge commit on a ref with linear history.
    MergeCommit = "merge-commit", fail_closed: false,
        summary: "a merge commit reaches a ref that requires linear history",
        explanation: include_str!("../docs/rules/merge-commit.md");
    /// A push to refs/replace/*, which changes what every ref shows.
    ReplaceRef = "replace-ref", fail_closed: false,
        summary: "a push creates, moves or deletes a replace ref (refs/replace/*), which changes what git shows for every ref",
        explanation: include_str!("../docs/rules/replace-ref.md");
    /// A push that names refs/namespaces/* directly.
    NamespacedRef = "namespaced-ref", fail_closed: false,
        summary: "a push writes refs/namespaces/* directly instead of through GIT_NAMESPACE",
        explanation: include_str!("../docs/rules/namespaced-ref.md");
    /// The pusher is not allowed to update the ref.
    PusherNotAllowed = "pusher-not-allowed", fail_closed: false,
        summary: "the pusher is not allowed to update this protected ref",
        explanation: include_str!("../docs/rules/pusher-not-allowed.md");
    /// The policy needs an authenticated pusher and the server gave none.
    PusherUnauthenticated = "pusher-unauthenticated", fail_closed: false,
        summary: "the policy needs the pusher's authenticated identity and the server gave none",
        explanation: include_str!("../docs/rules/pusher-unauthenticated.md");
    /// Review must be by the pusher, and the pusher is not a valid reviewer.
    PusherNotReviewer = "pusher-not-reviewer", fail_closed: false,
        summary: "the policy requires that the pusher is one of the commit's valid reviewers",
        explanation: include_str!("../docs/rules/pusher-not-reviewer.md");
    /// The push changes the policy file on the default branch to an invalid one.
    PolicyChangeInvalid = "policy-change-invalid", fail_closed: false,
        summary: "the push changes the policy file on the default branch to one that does not parse",
        explanation: include_str!("../docs/rules/policy-change-invalid.md");
    /// A commit changing the policy file lacks a review by a policy owner.
    PolicyChangeUnreviewed = "policy-change-unreviewed", fail_closed: false,
        summary: "a commit changing the policy file has no valid review by a policy owner",
        explanation: include_str!("../docs/rules/policy-change-unreviewed.md");
    /// The ref is in a change-freeze window.
    FreezeWindow = "freeze-window", fail_closed: false,
        summary: "the ref is in a change-freeze window",
        explanation: include_str!("../docs/rules/freeze-window.md");
    /// A break-glass push option that is not honoured.
    BypassDenied = "bypass-denied", fail_closed: true,
        summary: "a break-glass push option was given but is not honoured for this push",
        explanation: include_str!("../docs/rules/bypass-denied.md");
    /// The audit record could not be written: protected updates fail closed.
    AuditUnavailable = "audit-unavailable", fail_closed: true,
        summary: "the audit record could not be written, so protected updates are refused",
        explanation: include_str!("../docs/rules/audit-unavailable.md");
    /// A `reviewgate.*` push option that reviewgate does not know (a typo of
    /// `reviewgate.bypass`?). A warning; never rejects.
    UnknownPushOption = "unknown-push-option", fail_closed: false,
        summary: "a reviewgate.* push option that reviewgate does not know was given",
        explanation: include_str!("../docs/rules/unknown-push-option.md");
    /// `HEAD` names a branch that does not exist: the repository's policy is
    /// never read. A warning on every push; never rejects.
    DefaultBranchMissing = "default-branch-missing", fail_closed: false,
        summary: "HEAD names a branch that does not exist, so the repository's policy is not read",
        explanation: include_str!("../docs/rules/default-branch-missing.md");
    /// A protected branch carries a policy file that is not the one in
    /// effect. A warning; never rejects.
    PolicyNotRead = "policy-not-read", fail_closed: false,
        summary: "a protected branch carries a .reviewgate.toml that is not the policy in effect",
        explanation: include_str!("../docs/rules/policy-not-read.md");
    /// The trusted policy is invalid: protected updates fail closed.
    PolicyInvalid = "policy-invalid", fail_closed: true,
        summary: "the trusted policy file is invalid, so protected updates are refused",
        explanation: include_str!("../docs/rules/policy-invalid.md");
    /// The push could not be checked (git error, missing object): fail closed.
    InternalError = "internal-error", fail_closed: true,
        summary: "reviewgate could not check the update, so it is refused",
        explanation: include_str!("../docs/rules/internal-error.md");
}

impl Rule {
    /// Look a rule up by its code.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// Rules break-glass does not turn into warnings: an emergency does not
    /// restore deleted history, so deleting a protected ref, moving or
    /// deleting a protected tag, erasing AI evidence and rewriting recorded
    /// approvals stay refused.
    pub fn survives_bypass(self) -> bool {
        matches!(
            self,
            Rule::Deletion
                | Rule::ImmutableRef
                | Rule::AiEvidenceRemoved
                | Rule::ApprovalsRewritten
        )
    }

    /// Rules a reviewer's trailer on the commit fixes (they get the
    /// "add the trailer" advice; the others carry their own).
    pub fn is_fixed_by_a_trailer(self) -> bool {
        matches!(
            self,
            Rule::AiUnreviewed
                | Rule::Unreviewed
                | Rule::SelfReview
                | Rule::AiReviewer
                | Rule::BotReviewer
                | Rule::ReviewerNotAllowed
                | Rule::ReviewerWithoutEmail
                | Rule::TooFewReviewers
                | Rule::SignoffMissing
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &r in Rule::ALL {
            assert!(seen.insert(r.code()), "duplicate code {}", r.code());
            assert!(r
                .code()
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c == b'-'));
            assert_eq!(Rule::from_code(r.code()), Some(r));
            assert!(!r.summary().is_empty() && !r.explanation().is_empty());
        }
        // One Markdown file per rule code, and none for a code that is gone.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules");
        for e in std::fs::read_dir(dir).expect("docs/rules") {
            let name = e.expect("entry").file_name();
            let name = name.to_string_lossy();
            let code = name.strip_suffix(".md").expect("a .md file");
            assert!(
                Rule::from_code(code).is_some(),
                "docs/rules/{name} explains no rule"
            );
        }
    }
}
