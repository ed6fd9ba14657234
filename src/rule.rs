//! The rules reviewgate reports, with their stable codes, and the two words
//! every finding carries: the [`Mode`] a ref is judged in and the
//! [`Severity`] a finding gets.
//!
//! The list is one table ([`rules!`] below): the enum, [`Rule::ALL`], the
//! codes, summaries and explanations are generated from it, so none of them
//! can drift from the others.

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
            explanation: $explanation:literal;
    )*) => {
        /// Every rule reviewgate can report. Codes are stable: they are
        /// documented in the README, printed to pushers, written to the audit
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
                match self { $(Rule::$variant => $explanation,)* }
            }
        }
    };
}

rules! {
    /// An AI-tagged commit without a valid human review.
    AiUnreviewed = "ai-unreviewed", fail_closed: false,
        summary: "an AI-tagged commit reaches a protected ref without a human review",
        explanation: "\
A human reviews the change; then the commit's author adds the reviewer's
trailer to the message's final paragraph (git's trailer block) and pushes
again. The author adds it, not the reviewer: whoever amends a commit becomes
its committer, and a commit's author or committer never counts as its
reviewer. With the reviewer's real name and address in place of the
placeholder:

    git commit --amend --no-edit --trailer \"Reviewed-by: REVIEWER-NAME <REVIEWER-EMAIL>\"

For several commits at once, from the commit before the first one (BASE), or
with --root when they go back to the repository's first commit:

    git rebase --exec 'git commit --amend --no-edit --trailer \"Reviewed-by: REVIEWER-NAME <REVIEWER-EMAIL>\"' BASE

Through a forge, a reviewed merge covers the commits it merges: approve the
pull request, so that the forge writes the approval on the merge commit
(Reviewed-by on Gitea and Forgejo; Approved-by on GitLab with %{approved_by}
in the merge commit template).

The trailer only counts in the last paragraph of the message, written as
`Key: value` (Reviewed-by or Approved-by by default), with git's own rules: a
Reviewed-by line in the subject, in the middle of the body, or in a paragraph
of prose does not count.

A commit is AI-tagged when the built-in catalog (listed below) or the policy's
[detect] table finds a marker: an AI identity as author, committer or
Co-authored-by (exact addresses and bot ids, never a whole domain), a tool's
own trailer (Claude-Session:, Agent-Logs-Url:, Entire-Checkpoint:, ...), a
marker line (\"Generated with [Claude Code]\"), an Assisted-by: that names an AI
tool or model or has the AGENT:MODEL form (Assisted-by: Crush:glm-5.2;
Assisted-by: Jay Satiro is a person), or a git-ai note in refs/notes/ai that
records agent-written lines. A tool the catalog lacks can be added locally:

    [detect]
    identities = [\"* <agent@tool.example>\"]
    trailer-keys = [\"X-Tool-Session\"]

A missing marker proves nothing: tools can be set not to write one, and a
model may omit or reword it. Where that matters, require review of every
commit on the branch (review = \"all\").";
    /// A commit on a `review = "all"` ref without a valid human review.
    Unreviewed = "unreviewed", fail_closed: false,
        summary: "a commit reaches a ref that requires review of every commit, without a human review",
        explanation: "\
A human reviews the change; then the commit's author adds the reviewer's
trailer to the message's final paragraph (git's trailer block) and pushes
again. The author adds it, not the reviewer: whoever amends a commit becomes
its committer, and a commit's author or committer never counts as its
reviewer. With the reviewer's real name and address in place of the
placeholder:

    git commit --amend --no-edit --trailer \"Reviewed-by: REVIEWER-NAME <REVIEWER-EMAIL>\"

For several commits at once, from the commit before the first one (BASE), or
with --root when they go back to the repository's first commit:

    git rebase --exec 'git commit --amend --no-edit --trailer \"Reviewed-by: REVIEWER-NAME <REVIEWER-EMAIL>\"' BASE

The trailer only counts in the last paragraph of the message, written as
`Key: value`, with git's own rules: a Reviewed-by line in the subject, in the
middle of the body, or in a paragraph of prose does not count. Commits are
AI-tagged by trailers such as Assisted-by:, Co-authored-by: an AI identity,
AI author or committer identities, and marker lines such as
\"Generated with [Claude Code]\" (see the README for the catalog).";
    /// The only reviews are by the commit's author or committer.
    SelfReview = "self-review", fail_closed: false,
        summary: "the commit's only reviews are by its own author or committer",
        explanation: "\
A review must come from someone other than the commit's author and committer
(emails are compared without regard to letter case). Ask another person to
review the change; then the author adds that person's Reviewed-by trailer. If
the reviewer amends the commit themselves, they become its committer, and the
review is a self-review again.";
    /// The only reviews are by AI identities.
    AiReviewer = "ai-reviewer", fail_closed: false,
        summary: "the commit's only reviews are by AI identities",
        explanation: "\
AI tools cannot review AI-assisted work for this policy. Ask a human to review
the change; then the author adds their Reviewed-by trailer.";
    /// The only reviews are by bot accounts (automation is not a human review).
    BotReviewer = "bot-reviewer", fail_closed: false,
        summary: "the commit's only reviews are by bot accounts",
        explanation: "\
Bot accounts (names or emails with [bot], GitHub's web-flow identity) are
automation, not a human review. Ask a person to review the change and add
their Reviewed-by trailer.";
    /// The only reviews are by people outside the reviewer allow-list.
    ReviewerNotAllowed = "reviewer-not-allowed", fail_closed: false,
        summary: "the commit's only reviewers are not in the policy's reviewer list",
        explanation: "\
The policy lists who may review ([review] reviewers). Ask one of them to review
the change and add their Reviewed-by trailer; `reviewgate policy check` on the
policy file shows the list.";
    /// A review trailer without an email address.
    ReviewerWithoutEmail = "reviewer-without-email", fail_closed: false,
        summary: "a review trailer names no single valid email (`Name <user@host>`), so it cannot be checked",
        explanation: "\
Write the reviewer as `Name <email>` with exactly one address in angle
brackets, for example `Reviewed-by: Ann Lee <ann@example.com>`; the email is
what is checked. A value with no email, an address without `@`, or more than
one `<...>` names nobody for certain, so it does not count.";
    /// Fewer distinct valid reviewers than `min-reviewers`.
    TooFewReviewers = "too-few-reviewers", fail_closed: false,
        summary: "the commit has fewer distinct valid reviewers than the policy requires",
        explanation: "\
The policy requires more than one distinct reviewer ([review] min-reviewers).
Each reviewer adds their own trailer; the same email twice counts once.";
    /// A commit whose headers git could read more than one way (fail closed).
    MalformedCommit = "malformed-commit", fail_closed: true,
        summary: "a commit's headers are not ones git reads unambiguously, so it is refused on protected refs",
        explanation: "The commit object has duplicated, misplaced or missing `tree`, `parent`,
`author` or `committer` headers, two `encoding` headers, or a NUL byte.
Different git commands would show it differently, so reviewgate cannot judge
what git shows and refuses it on protected refs (fail closed; it cannot be
warned or bypassed). Such objects are not made by git itself: recreate the
commit with git (git commit --amend, git rebase) and push again.";
    /// A commit whose declared encoding cannot be decoded exactly as git shows it.
    UndecodableMessage = "undecodable-message", fail_closed: false,
        summary: "a commit's message is in an encoding reviewgate cannot decode exactly as git shows it",
        explanation: "git shows a commit with an `encoding` header re-encoded to UTF-8. When that
encoding is one reviewgate cannot decode exactly as git would (UTF-7,
ISO-2022, UTF-16, an unknown name, or non-ASCII text in an encoding other
than UTF-8 or ISO-8859-1), its markers and review trailers cannot be judged,
so the commit is refused on refs that require review. Recreate it with a
UTF-8 message:

    git config i18n.commitEncoding UTF-8
    git commit --amend";
    /// An update of refs/notes/ai that erases the AI evidence of commits not
    /// yet on a protected ref.
    AiEvidenceRemoved = "ai-evidence-removed", fail_closed: false,
        summary: "an update of refs/notes/ai erases the AI evidence of commits not yet on a protected ref",
        explanation: "\
git-ai's notes (refs/notes/ai) are evidence that a commit is AI-assisted, and
evidence only grows: no push may delete the notes ref, rewind it, fast-forward
it to a `git notes remove`, or replace a note that attests agent-written lines
with one that does not, while the commit it annotates is not yet on a
protected ref (once it is, its review was judged with the evidence). Adding
notes, merging them and carrying them over to rewritten commits, as git-ai
does, is never refused.

To push your notes without erasing the server's, merge them first, keeping
the server's version where both have a note:

    git fetch origin refs/notes/ai:refs/notes/ai-origin
    git notes --ref=ai merge -s theirs refs/notes/ai-origin
    git push origin refs/notes/ai

A note that is really wrong is an administrator's to remove on the server.
Break-glass does not apply: an emergency never needs evidence erased.";
    /// A non-fast-forward update of a protected ref.
    ForcePush = "force-push", fail_closed: false,
        summary: "a protected ref is rewritten (non-fast-forward update)",
        explanation: "\
Protected refs only move forward. Rebase or merge your work on top of the
current remote ref instead of rewriting it:

    git pull --rebase && git push";
    /// Deletion of a protected ref.
    Deletion = "deletion", fail_closed: false,
        summary: "a protected ref is deleted",
        explanation: "\
Protected refs cannot be deleted by a push. An administrator can delete the
ref on the server if it really must go.";
    /// An update of a ref that may only be created (a release tag moved).
    ImmutableRef = "immutable-ref", fail_closed: false,
        summary: "a ref that may only be created (such as a release tag) is moved",
        explanation: "\
This ref may be created once and never moved (release tags). Create a new tag
name instead of moving the existing one.";
    /// A merge commit on a ref with linear history.
    MergeCommit = "merge-commit", fail_closed: false,
        summary: "a merge commit reaches a ref that requires linear history",
        explanation: "\
The ref requires linear history. Rebase your branch onto the target instead of
merging:

    git rebase origin/main";
    /// A push to refs/replace/*, which changes what every ref shows.
    ReplaceRef = "replace-ref", fail_closed: false,
        summary: "a push creates, moves or deletes a replace ref (refs/replace/*), which changes what git shows for every ref",
        explanation: "git honours refs/replace/* everywhere on the server (git log, show,
archive): a replace ref makes a reviewed commit show different content,
parents or messages. Pushes to refs/replace/* are refused unless a
[[protect]] entry matching them sets `allow-replace = true`; then the
replacement commits are judged like any protected update.";
    /// A push that names refs/namespaces/* directly.
    NamespacedRef = "namespaced-ref", fail_closed: false,
        summary: "a push writes refs/namespaces/* directly instead of through GIT_NAMESPACE",
        explanation: "Namespaced hosting serves each namespace's refs (refs/namespaces/NS/refs/...)
as a repository of its own, and pushes to it arrive through GIT_NAMESPACE
with ordinary ref names. A push that names refs/namespaces/... directly
would write another namespace's refs (its main, say) past that namespace's
protections, so it is refused. Push to the namespace through the server's
namespaced URL instead.";
    /// The pusher is not allowed to update the ref.
    PusherNotAllowed = "pusher-not-allowed", fail_closed: false,
        summary: "the pusher is not allowed to update this protected ref",
        explanation: "\
Only the pushers listed in the policy may update this ref. Push to another
branch and ask one of them to bring it in.";
    /// The policy needs an authenticated pusher and the server gave none.
    PusherUnauthenticated = "pusher-unauthenticated", fail_closed: false,
        summary: "the policy needs the pusher's authenticated identity and the server gave none",
        explanation: "\
The policy binds reviews or pushes to the authenticated pusher, and the server
passed no identity. reviewgate reads, in this order: GITEA_PUSHER_NAME
(Gitea/Forgejo), GL_USERNAME (GitLab), GL_USER (gitolite), GITHUB_USER_LOGIN
(GHES), REMOTE_USER (git http-backend behind an authenticating web server),
and last a signed push (git push --signed): GIT_PUSH_CERT_SIGNER, only with
GIT_PUSH_CERT_STATUS=G and a fresh nonce (GIT_PUSH_CERT_NONCE_STATUS=OK).
Push over an authenticated transport, or ask the administrator to set one up.";
    /// Review must be by the pusher, and the pusher is not a valid reviewer.
    PusherNotReviewer = "pusher-not-reviewer", fail_closed: false,
        summary: "the policy requires that the pusher is one of the commit's valid reviewers",
        explanation: "\
The policy requires that a reviewer of each commit pushes it ([review]
require-pusher): a typed Reviewed-by line alone cannot prove a review. The
author writes the reviewer's trailer (git commit --amend --no-edit --trailer
\"Reviewed-by: REVIEWER-NAME <REVIEWER-EMAIL>\", with the reviewer's real name
and address), and the reviewer pushes. The
policy's [identities] table maps the reviewer's server login to their emails.";
    /// The push changes the policy file on the default branch to an invalid one.
    PolicyChangeInvalid = "policy-change-invalid", fail_closed: false,
        summary: "the push changes the policy file on the default branch to one that does not parse",
        explanation: "\
The new .reviewgate.toml does not parse. Fix the errors listed (file, line and
column of the new version) and push again; `reviewgate policy check` runs the
same validation locally.";
    /// A commit changing the policy file lacks a review by a policy owner.
    PolicyChangeUnreviewed = "policy-change-unreviewed", fail_closed: false,
        summary: "a commit changing the policy file has no valid review by a policy owner",
        explanation: "\
Changes to the policy file on the default branch need a review by a policy
owner ([policy] owners in the current policy; with no owners listed, any valid
human reviewer). Ask an owner to review the commit and add their Reviewed-by
trailer. The push is judged by the policy as it was before the push.";
    /// The ref is in a change-freeze window.
    FreezeWindow = "freeze-window", fail_closed: false,
        summary: "the ref is in a change-freeze window",
        explanation: "\
The policy freezes changes to this ref for a while (for example over a holiday
or a weekend). Wait until the window ends (the message says when), or, in an
emergency, a listed pusher can break glass:
git push -o reviewgate.bypass=\"reason\" (audited).";
    /// A break-glass push option that is not honoured.
    BypassDenied = "bypass-denied", fail_closed: true,
        summary: "a break-glass push option was given but is not honoured for this push",
        explanation: "\
Break-glass (git push -o reviewgate.bypass=\"reason\") is honoured only for
authenticated pushers listed in [bypass] pushers, with a non-empty reason.
Without it, the push is judged normally. Even when honoured, break-glass never
deletes: deleting a protected ref, and moving or deleting a protected tag,
stay refused (an emergency does not restore history); review, freeze and
force-push violations become warnings, on the record.";
    /// The audit record could not be written: protected updates fail closed.
    AuditUnavailable = "audit-unavailable", fail_closed: true,
        summary: "the audit record could not be written, so protected updates are refused",
        explanation: "\
Every decision on a protected ref is recorded in the audit log. The log could
not be written (permissions, disk full), so the update is refused rather than
accepted unrecorded. The server administrator must fix the log's location
(git config reviewgate.auditLog). A common cause: a test push made as root
on the server before reviewgate handed new logs to the repository's owner
left a log only root can write; chown it to the user the git server runs as.";
    /// A `reviewgate.*` push option that reviewgate does not know (a typo of
    /// `reviewgate.bypass`?). A warning; never rejects.
    UnknownPushOption = "unknown-push-option", fail_closed: false,
        summary: "a reviewgate.* push option that reviewgate does not know was given",
        explanation: "\
reviewgate reads one push option, reviewgate.bypass=\"reason\" (break-glass,
for the pushers the policy lists). Another reviewgate.* option is most likely
a typo of it: the push is judged without it, as if it had not been given.";
    /// `HEAD` names a branch that does not exist: the repository's policy is
    /// never read. A warning on every push; never rejects.
    DefaultBranchMissing = "default-branch-missing", fail_closed: false,
        summary: "HEAD names a branch that does not exist, so the repository's policy is not read",
        explanation: "reviewgate reads the policy from the branch HEAD names (the default branch).
`git init --bare` names master; a team that pushes main then has a policy
file that is never read: the built-in default judges every push, and
\"@default\" protects nothing. Every push warns until HEAD names a branch that
exists. On the server, in the repository:

    git symbolic-ref HEAD refs/heads/main

(install.sh --default-branch main does the same), or name the branch the
policy is read from: git config reviewgate.policyBranch refs/heads/main.";
    /// A protected branch carries a policy file that is not the one in
    /// effect. A warning; never rejects.
    PolicyNotRead = "policy-not-read", fail_closed: false,
        summary: "a protected branch carries a .reviewgate.toml that is not the policy in effect",
        explanation: "The policy is read from one place only: a file pinned on the server
(git config reviewgate.policy), else .reviewgate.toml on the branch
reviewgate.policyBranch names, else on the default branch (HEAD). This push
brings a different .reviewgate.toml to another protected branch, where it has
no effect. Read the policy from that branch (git symbolic-ref HEAD
refs/heads/NAME, or git config reviewgate.policyBranch refs/heads/NAME), or
keep the file only on the policy's branch.";
    /// The trusted policy is invalid: protected updates fail closed.
    PolicyInvalid = "policy-invalid", fail_closed: true,
        summary: "the trusted policy file is invalid, so protected updates are refused",
        explanation: "\
The .reviewgate.toml the policy is read from (or the file pinned by the
server) cannot be trusted: it does not parse, is over the size or pattern
limits, does not protect the branch it is read from, or moved to a branch the
previous policy did not protect. Until it is fixed, updates are refused (fail
closed); the message names the cause, with file, line and column. For a broken
repository file, an administrator pins a known-good policy with
`git config reviewgate.policy /path/to/policy.toml`, pushes the fix, then
unsets the pin; for a moved policy, `git config reviewgate.policyBranch
refs/heads/NAME` confirms the new branch. See the README, \"Recovering from a
broken policy\".";
    /// The push could not be checked (git error, missing object): fail closed.
    InternalError = "internal-error", fail_closed: true,
        summary: "reviewgate could not check the update, so it is refused",
        explanation: "\
reviewgate could not read what the push contains (a missing object, a git
error). Protected updates are refused rather than let through unchecked. The
message names the cause; ask the server administrator if it persists.";
}

impl Rule {
    /// Look a rule up by its code.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// Rules break-glass does not turn into warnings: an emergency does not
    /// restore deleted history, so deleting a protected ref, moving or
    /// deleting a protected tag, and erasing AI evidence stay refused.
    pub fn survives_bypass(self) -> bool {
        matches!(
            self,
            Rule::Deletion | Rule::ImmutableRef | Rule::AiEvidenceRemoved
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
    }
}
