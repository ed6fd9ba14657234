//! Ref rules (pure): who may push, freeze windows, deletion, moving an
//! immutable ref, force-pushes, merge commits on linear refs, and refs that
//! change what git shows (replace refs, namespaces named directly).

use chrono::{DateTime, Utc};

use super::{pusher, Finding, Fix, Judge};
use crate::commit::Anomaly;
use crate::policy::{Effective, LoginPattern};
use crate::push::{Pusher, UpdateKind, IDENTITY_VARIABLES};
use crate::rule::Rule;

/// The first `[[protect]]` entry with a `pushers` list that the pusher is not
/// on (or every one, when no server vouched for the pusher).
pub fn pushers(judge: &Judge<'_>, eff: &Effective<'_>, who: Option<&Pusher>) -> Option<Finding> {
    if eff.entries.iter().all(|p| p.pushers.is_empty()) {
        return None;
    }
    let Some(p) = who else {
        return Some(judge.finding(
            Rule::PusherUnauthenticated,
            format!("only listed pushers may update this ref, and the server gave no authenticated identity (looked for {IDENTITY_VARIABLES})"),
            Fix::Advice("push through the server's authenticated transport, or ask an administrator to configure identity variables".into()),
        ));
    };
    let refused = eff
        .entries
        .iter()
        .find(|e| !e.pushers.is_empty() && !pusher::listed(judge.policy, p, &e.pushers))?;
    let allowed: Vec<&str> = refused.pushers.iter().map(LoginPattern::as_str).collect();
    Some(judge.finding(
        Rule::PusherNotAllowed,
        format!(
            "pusher `{}` may not update this ref (allowed: {})",
            p.name(),
            allowed.join(", ")
        ),
        Fix::Advice("push to another branch and ask an allowed pusher to bring it in".into()),
    ))
}

/// One finding per freeze window active at `now`; `pinned`: the clock is
/// the server's `reviewgate.now`, not the real time, and the words say so.
pub fn freeze(
    judge: &Judge<'_>,
    eff: &Effective<'_>,
    now: DateTime<Utc>,
    pinned: bool,
) -> Vec<Finding> {
    let clock = if pinned {
        format!(
            "; the server's clock is pinned to {} (git config {})",
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            crate::keys::NOW
        )
    } else {
        String::new()
    };
    eff.entries
        .iter()
        .flat_map(|p| &p.freeze)
        .filter_map(|w| {
            let end = w.active_until(now)?;
            Some(judge.finding(
                Rule::FreezeWindow,
                format!(
                    "changes to this ref are frozen: {} (until {}){clock}",
                    w.reason(),
                    w.end_text(end)
                ),
                Fix::Advice("wait until the window ends; in an emergency a listed pusher can break glass: git push -o reviewgate.bypass=\"reason\"".into()),
            ))
        })
        .collect()
}

/// Deleting a protected ref, or moving one that may only be created.
pub fn kind(judge: &Judge<'_>, eff: &Effective<'_>, kind: UpdateKind) -> Option<Finding> {
    match kind {
        UpdateKind::Delete if !eff.allow_deletion => Some(judge.finding(
            Rule::Deletion,
            "protected refs cannot be deleted".into(),
            Fix::Advice("an administrator can delete it on the server if it really must go".into()),
        )),
        UpdateKind::Update if !eff.allow_update => Some(judge.finding(
            Rule::ImmutableRef,
            "this ref may be created once and never moved".into(),
            Fix::Advice("create a new ref (a new tag name) instead of moving this one".into()),
        )),
        _ => None,
    }
}

/// Whether an update from `old` to `new` must be a fast-forward.
pub fn needs_fast_forward(eff: &Effective<'_>, old: &str, new: &str) -> bool {
    eff.allow_update && !eff.allow_force_push && old != new
}

/// A non-fast-forward update (`old` is not an ancestor of `new`; short ids).
pub fn force_push(judge: &Judge<'_>, old: git2::Oid, new: git2::Oid) -> Finding {
    judge.finding(
        Rule::ForcePush,
        format!(
            "non-fast-forward update: {} is not an ancestor of {}",
            crate::commit::short_id(old),
            crate::commit::short_id(new)
        ),
        Fix::Advice("rebase or merge onto the current remote ref instead of rewriting it: git pull --rebase && git push".into()),
    )
}

/// A merge commit (`parents` > 1) on a ref that requires linear history.
pub fn linear(judge: &Judge<'_>, eff: &Effective<'_>, parents: usize) -> Option<Finding> {
    (eff.linear_history && parents > 1).then(|| {
        judge.finding(
            Rule::MergeCommit,
            "merge commit on a ref that requires linear history".into(),
            Fix::Advice(
                "rebase instead of merging (git rebase origin/main), then push again".into(),
            ),
        )
    })
}

/// A commit whose headers git could read more than one way (fail closed).
pub fn malformed(judge: &Judge<'_>, anomaly: Anomaly) -> Finding {
    judge.finding(
        Rule::MalformedCommit,
        format!("git's reading of this commit is not certain: {anomaly}"),
        Fix::Advice("recreate the commit with git itself (git commit --amend, or git rebase), then push again".into()),
    )
}

/// A push naming `refs/namespaces/...` directly.
pub fn namespaced(judge: &Judge<'_>) -> Finding {
    judge.finding(
        Rule::NamespacedRef,
        "this push names a namespaced ref directly; it would write another namespace's refs past their protections".into(),
        Fix::Advice("push to the namespace through its own URL (the server sets GIT_NAMESPACE)".into()),
    )
}

/// A push to `refs/replace/*` that no `[[protect]]` entry allows.
pub fn replace(judge: &Judge<'_>) -> Finding {
    judge.finding(
        Rule::ReplaceRef,
        "replace refs change what git shows for every ref on the server (git log, show, archive honour them)".into(),
        Fix::Advice("do not push refs/replace/*; an administrator can allow them with a [[protect]] entry for refs/replace/* that sets allow-replace = true".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::judge::{Finding, Judge};
    use crate::check::refs;
    use crate::check::testing::{eff_of, policy, pusher};
    use crate::policy::Mode;
    use crate::rule::Severity;
    use chrono::DateTime;

    #[test]
    fn ref_rules() {
        let p = policy("[bypass]\npushers = [\"oncall\"]\n[[protect]]\nrefs = [\"refs/heads/main\"]\nlinear-history = true\n[[protect]]\nrefs = [\"refs/tags/v*\"]\nallow-update = false\n[[protect]]\nrefs = [\"refs/heads/release/*\"]\npushers = [\"rel-*\"]\nmode = \"warn\"\n");
        let (main, tags, release) = (
            eff_of(&p, "refs/heads/main"),
            eff_of(&p, "refs/tags/v1"),
            eff_of(&p, "refs/heads/release/1"),
        );
        let j = |mode, bypass| Judge {
            policy: &p,
            mode,
            bypass,
        };
        let enforce = j(Mode::Enforce, false);
        let code = |f: Option<Finding>| f.map(|f| (f.rule, f.severity));
        use Severity::{Error as E, Warning as W};
        type Got = Option<(Rule, Severity)>;
        let table: Vec<(&str, Got, Got)> = vec![
            (
                "delete main",
                code(refs::kind(&enforce, &main, UpdateKind::Delete)),
                Some((Rule::Deletion, E)),
            ),
            (
                "delete main, break-glass",
                code(refs::kind(
                    &j(Mode::Enforce, true),
                    &main,
                    UpdateKind::Delete,
                )),
                Some((Rule::Deletion, E)),
            ),
            (
                "move main",
                code(refs::kind(&enforce, &main, UpdateKind::Update)),
                None,
            ),
            (
                "move a tag",
                code(refs::kind(&enforce, &tags, UpdateKind::Update)),
                Some((Rule::ImmutableRef, E)),
            ),
            (
                "move a tag, break-glass",
                code(refs::kind(
                    &j(Mode::Enforce, true),
                    &tags,
                    UpdateKind::Update,
                )),
                Some((Rule::ImmutableRef, E)),
            ),
            (
                "create a tag",
                code(refs::kind(&enforce, &tags, UpdateKind::Create)),
                None,
            ),
            (
                "merge on linear main",
                code(refs::linear(&enforce, &main, 2)),
                Some((Rule::MergeCommit, E)),
            ),
            (
                "plain commit on linear main",
                code(refs::linear(&enforce, &main, 1)),
                None,
            ),
            (
                "merge on a tag",
                code(refs::linear(&enforce, &tags, 2)),
                None,
            ),
            (
                "release, no pusher",
                code(refs::pushers(&j(Mode::Warn, false), &release, None)),
                Some((Rule::PusherUnauthenticated, W)),
            ),
            (
                "release, listed",
                code(refs::pushers(&enforce, &release, Some(&pusher("rel-bot")))),
                None,
            ),
            (
                "release, not listed",
                code(refs::pushers(&enforce, &release, Some(&pusher("Rel-bot")))),
                Some((Rule::PusherNotAllowed, E)),
            ),
            (
                "main, anyone",
                code(refs::pushers(&enforce, &main, None)),
                None,
            ),
            (
                "force-push",
                code(Some(refs::force_push(
                    &enforce,
                    git2::Oid::zero(),
                    git2::Oid::zero(),
                ))),
                Some((Rule::ForcePush, E)),
            ),
            (
                "force-push, break-glass",
                code(Some(refs::force_push(
                    &j(Mode::Enforce, true),
                    git2::Oid::zero(),
                    git2::Oid::zero(),
                ))),
                Some((Rule::ForcePush, W)),
            ),
            (
                "malformed, warn and break-glass",
                code(Some(refs::malformed(
                    &j(Mode::Warn, true),
                    crate::commit::Anomaly::Nul,
                ))),
                Some((Rule::MalformedCommit, E)),
            ),
            (
                "namespaced",
                code(Some(refs::namespaced(&enforce))),
                Some((Rule::NamespacedRef, E)),
            ),
            (
                "replace",
                code(Some(refs::replace(&j(Mode::Warn, false)))),
                Some((Rule::ReplaceRef, W)),
            ),
        ];
        for (name, got, want) in table {
            assert_eq!(got, want, "{name}");
        }
        assert!(refs::needs_fast_forward(&main, "a", "b"));
        assert!(!refs::needs_fast_forward(&main, "a", "a"));
        assert!(
            !refs::needs_fast_forward(&tags, "a", "b"),
            "tags never move anyway"
        );
    }

    #[test]
    fn freeze_windows() {
        let p = policy("[[protect]]\nrefs = [\"refs/heads/main\"]\n[[protect.freeze]]\nfrom = \"Fri 16:00\"\nuntil = \"Mon 08:00\"\ntimezone = \"UTC\"\nreason = \"weekend\"\n");
        let main = eff_of(&p, "refs/heads/main");
        let judge = Judge {
            policy: &p,
            mode: Mode::Enforce,
            bypass: false,
        };
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc)
        };
        let saturday = refs::freeze(&judge, &main, at("2026-12-05T10:00:00Z"), false);
        assert_eq!(
            saturday.iter().map(|f| f.rule).collect::<Vec<_>>(),
            vec![Rule::FreezeWindow]
        );
        assert!(
            saturday[0].message.contains("until 2026-12-07T08:00:00Z"),
            "{}",
            saturday[0].message
        );
        assert!(!saturday[0].message.contains("pinned"));
        let pinned = refs::freeze(&judge, &main, at("2026-12-05T10:00:00Z"), true);
        assert!(
            pinned[0]
                .message
                .ends_with("; the server's clock is pinned to 2026-12-05T10:00:00Z (git config reviewgate.now)"),
            "{}",
            pinned[0].message
        );
        assert!(refs::freeze(&judge, &main, at("2026-12-08T10:00:00Z"), false).is_empty());
    }
}
