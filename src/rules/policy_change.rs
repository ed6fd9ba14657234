//! Policy-change rules (pure): a change to `.reviewgate.toml` on a protected
//! branch needs a valid review by a policy owner, and a new file that parses.

use super::review::CommitFacts;
use super::{Finding, Fix, Judge};
use crate::policy::{EmailPattern, PolicyError, POLICY_FILE};
use crate::rule::Rule;

/// Whether the commit carries a valid review by a policy owner (with no
/// owners listed, by any valid human reviewer).
pub fn owner_reviewed(judge: &Judge<'_>, facts: &CommitFacts<'_>) -> bool {
    let owners = &judge.policy.owners;
    facts
        .reviews(judge.policy)
        .valid_emails
        .iter()
        .any(|e| owners.is_empty() || owners.iter().any(|m| m.matches(e)))
}

/// A commit changing the policy file without an owner's review.
pub fn unreviewed(judge: &Judge<'_>) -> Finding {
    let policy = judge.policy;
    let (who, ask) = if policy.owners.is_empty() {
        (
            "a human reviewer (the policy lists no owners)".to_string(),
            "ask another person to review it".to_string(),
        )
    } else {
        let owners: Vec<&str> = policy.owners.iter().map(EmailPattern::as_str).collect();
        (
            format!("a policy owner ({})", owners.join(", ")),
            "ask a policy owner to review it".to_string(),
        )
    };
    judge.finding(
        Rule::PolicyChangeUnreviewed,
        format!("this commit changes {POLICY_FILE} and has no valid review by {who}"),
        Fix::Advice(format!(
            "{ask}; then the author adds their trailer (a reviewer who amends becomes the committer and no longer counts):\n  {}",
            super::hints::amend_command(policy.review.trailer())
        )),
    )
}

/// The new policy file does not parse.
pub fn invalid(judge: &Judge<'_>, error: &PolicyError) -> Finding {
    judge.finding(
        Rule::PolicyChangeInvalid,
        format!("the new policy does not parse:\n{error}"),
        Fix::Advice("fix the errors above and push again; `reviewgate policy check .reviewgate.toml` runs the same validation".into()),
    )
}
