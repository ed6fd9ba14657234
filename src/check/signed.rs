//! Signed commits (pure, given the allowed signers): under `[review]
//! signed-commits = true`, every commit a protected update brings carries an
//! SSH signature (namespace `git`, as `git commit -S` with `gpg.format =
//! ssh` makes it) by a key the allowed signers list for the commit's author,
//! valid at the commit's time, as `git verify-commit` would check it.

use chrono::{TimeZone, Utc};

use super::judge::{Finding, Fix, Judge};
use super::reviewers::CommitFacts;
use crate::commit::CommitView;
use crate::rule::Rule;
use crate::signers::{AllowedSigners, Refused};

/// The SSH signature namespace of git's signed commits.
pub const GIT_NAMESPACE: &str = "git";

/// The finding for commit `c` (shown as `facts`), if its signature does
/// not prove its author.
pub fn commit_signature(
    judge: &Judge<'_>,
    signers: &AllowedSigners,
    c: &CommitView<'_>,
    facts: &CommitFacts<'_>,
) -> Option<Finding> {
    let author = facts.author.email_lower();
    let advice = || {
        Fix::Advice("sign the commit with the key the administrator lists for your email (git config gpg.format ssh; git config user.signingKey ~/.ssh/id_ed25519.pub; git commit --amend --no-edit -S), then push again".into())
    };
    let (armor, payload) = match c.signature() {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Some(judge.finding(
                Rule::UnsignedCommit,
                format!("the commit carries no signature; the policy requires every commit to be SSH-signed by its author ({author}) ([review] signed-commits = true)"),
                advice(),
            ))
        }
        Err(why) => {
            return Some(judge.finding(Rule::BadCommitSignature, why.to_string(), advice()))
        }
    };
    let at = Utc.timestamp_opt(c.time(), 0).single().unwrap_or_default();
    match signers.verify(&armor, &payload, GIT_NAMESPACE, &author, at) {
        Ok(()) => None,
        Err(Refused::OtherPrincipal { fingerprint, listed, .. }) => Some(judge.finding(
            Rule::SignerNotAuthor,
            format!("the commit is signed with a key ({fingerprint}) the allowed signers list for {listed}, not for its author {author}"),
            Fix::Advice("the author signs their own commits; to take over another person's commit, re-author and sign it (git commit --amend --reset-author -S)".into()),
        )),
        Err(why) => Some(judge.finding(
            Rule::BadCommitSignature,
            format!("the commit's signature does not prove its author {author}: {why}"),
            advice(),
        )),
    }
}
