//! The finding vocabulary: what a check found ([`Finding`]), how to fix it
//! ([`Fix`], [`Ask`]), and the [`Judge`] that decides each finding's
//! severity once, where it is made.

use crate::policy::Policy;
use crate::rule::{Mode, Rule, Severity};

/// Something a check found, with its severity already decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule broken.
    pub rule: Rule,
    /// Error (rejects) or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it, as data (the hints file words it).
    pub fix: Fix,
}

/// How to fix a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Get a review and add the reviewer's trailer (worded by context: amend
    /// one commit, or rebase several).
    Review(Ask),
    /// Get a review signed with the reviewer's key (`reviewgate approve`).
    Approve(Ask),
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
    /// Someone a sign-off rule names.
    SignOff,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::policy;

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
}
