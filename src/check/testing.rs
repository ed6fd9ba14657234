//! Helpers for the checks' unit tests: policies from text, commits from an
//! author and a message, pushers, a ref's protection.

use std::borrow::Cow;

use super::reviewers::CommitFacts;
use crate::commit::ShownIdent;
use crate::policy::{Effective, Policy, PolicySource};
use crate::push::Pusher;

pub fn policy(text: &str) -> Policy {
    Policy::parse(text, &PolicySource::Builtin).expect("test policy parses")
}

pub const MAIN: &str = "[[protect]]\nrefs = [\"refs/heads/main\"]\n";
pub const CLAUDE: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

pub fn facts<'a>(author: &'a str, message: &'a str) -> CommitFacts<'a> {
    let (name, email) = author.split_once(" <").expect("Name <email>");
    CommitFacts {
        author: ShownIdent {
            name: Cow::Borrowed(name),
            email: Cow::Borrowed(email.trim_end_matches('>')),
        },
        committer: ShownIdent {
            name: Cow::Borrowed(name),
            email: Cow::Borrowed(email.trim_end_matches('>')),
        },
        message: Cow::Borrowed(message.as_bytes()),
        undecodable: None,
        approvals: None,
    }
}

pub fn pusher(login: &str) -> Pusher {
    Pusher {
        login: Some(login.into()),
        email: None,
        source: crate::push::IdentitySource::Gitlab,
        signer: None,
    }
}

pub fn eff_of<'p>(p: &'p Policy, refname: &str) -> Effective<'p> {
    Effective::for_ref(p, refname, Some("refs/heads/main")).expect("protected")
}
