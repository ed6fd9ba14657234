//! Who the pusher stands for, in the policy's terms (pure).

use crate::policy::{LoginPattern, Policy};
use crate::push::Pusher;

/// The server logins a pusher stands for: their login, or, for a push
/// certificate (an email identity), every login whose `[identities]` entry
/// lists the signer's email. Logins compare exactly.
pub fn logins<'a>(policy: &'a Policy, pusher: &'a Pusher) -> Vec<&'a str> {
    match (&pusher.login, &pusher.email) {
        (Some(login), _) => vec![login.as_str()],
        (None, Some(email)) => policy
            .identities
            .iter()
            .filter(|(_, emails)| emails.contains(email))
            .map(|(login, _)| login.as_str())
            .collect(),
        (None, None) => Vec::new(),
    }
}

/// Whether the pusher stands for a login that one of `patterns` matches.
pub fn listed(policy: &Policy, pusher: &Pusher, patterns: &[LoginPattern]) -> bool {
    logins(policy, pusher)
        .iter()
        .any(|l| patterns.iter().any(|p| p.matches(l)))
}

/// The reviewer emails an authenticated pusher stands for: the policy's
/// `[identities]` entries for their logins, plus any email the server gave.
pub fn emails(policy: &Policy, pusher: &Pusher) -> Vec<String> {
    let mut emails: Vec<String> = logins(policy, pusher)
        .iter()
        .filter_map(|l| policy.identities.get(*l))
        .flatten()
        .cloned()
        .collect();
    if let Some(e) = &pusher.email {
        emails.push(e.to_lowercase());
    }
    emails.sort();
    emails.dedup();
    emails
}
