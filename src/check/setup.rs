//! Warnings about the setup itself, on every push until it is fixed: a
//! `HEAD` that names a branch that does not exist (the repository's policy is
//! then never read), and a policy file on a protected branch that is not the
//! one in effect. They never reject: the push is judged by the policy in
//! effect either way; they say why that policy may not be the one the team
//! wrote. The facts are gathered first ([`SetupFacts::gather`], best
//! effort: what cannot be read is not warned about); the warnings are
//! decided from them alone.

use git2::Oid;

use super::CheckContext;
use crate::keys;
use crate::policy::{PolicySource, POLICY_FILE};
use crate::push::RefUpdate;
use crate::rule::{Rule, Severity};
use crate::verdict::Violation;

/// The branches offered when `HEAD` names a missing one.
const USUAL: [&str; 2] = ["refs/heads/main", "refs/heads/master"];

/// What the setup warnings are decided from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupFacts {
    /// The branch `HEAD` names, when the policy is read from it (no file or
    /// branch pinned) and it will not exist after this push.
    pub head_missing: Option<String>,
    /// Branches this push writes (in push order).
    pub pushed_branches: Vec<String>,
    /// Of `main` and `master`, those that exist after this push.
    pub usual_after: Vec<&'static str>,
    /// Protected branches this push writes that carry a policy file, with
    /// its blob: (the ref as pushed, the ref written, blob).
    pub carried: Vec<(String, String, Oid)>,
    /// Where the policy in effect comes from, in words, and its blob.
    pub origin: (String, Option<Oid>),
    /// Whether the server pins a policy file.
    pub pinned: bool,
}

impl SetupFacts {
    /// Read what the warnings need (refs and the policy file's blob of each
    /// protected branch pushed).
    pub fn gather(ctx: &CheckContext<'_>, updates: &[RefUpdate]) -> Self {
        let pinned = matches!(ctx.policy.source, PolicySource::File(_));
        let exists_after = |name: &str| match updates.iter().find(|u| u.name == name) {
            Some(u) => u.new.is_some(),
            None => ctx.repo.ref_target(name).ok().flatten().is_some(),
        };
        let head_missing = ctx
            .default_branch
            .filter(|_| !pinned && ctx.repo.settings.policy_branch.is_none())
            .filter(|head| !exists_after(head))
            .map(String::from);
        let read_from = ctx.policy.branch.as_deref();
        let mut carried = Vec::new();
        for u in updates {
            let Some(new) = u.new else { continue };
            let Ok(name) = super::written_ref(ctx.repo, u) else {
                continue;
            };
            if !name.starts_with("refs/heads/")
                || Some(name.as_str()) == read_from
                || !ctx.policy.policy.is_protected(&name, ctx.default_branch)
            {
                continue;
            }
            let blob = ctx
                .repo
                .peel_to_commit(new)
                .ok()
                .flatten()
                .and_then(|c| crate::policy::load::blob_id(ctx.repo, c).ok().flatten());
            if let Some(blob) = blob {
                carried.push((u.name.clone(), name, blob));
            }
        }
        Self {
            head_missing,
            pushed_branches: updates
                .iter()
                .filter(|u| u.new.is_some() && u.name.starts_with("refs/heads/"))
                .map(|u| u.name.clone())
                .collect(),
            usual_after: USUAL.into_iter().filter(|b| exists_after(b)).collect(),
            carried,
            origin: policy_origin(ctx),
            pinned,
        }
    }
}

/// The setup warnings for this push.
pub fn notices(ctx: &CheckContext<'_>, updates: &[RefUpdate]) -> Vec<Violation> {
    warnings(&SetupFacts::gather(ctx, updates))
}

/// The setup warnings, decided from the facts alone.
pub fn warnings(facts: &SetupFacts) -> Vec<Violation> {
    let mut out: Vec<Violation> = default_branch_missing(facts).into_iter().collect();
    out.extend(policy_elsewhere(facts));
    out
}

fn warning(rule: Rule, refname: &str, message: String, hint: String) -> Violation {
    Violation {
        rule,
        severity: Severity::Warning,
        refname: refname.to_string(),
        commit: None,
        message,
        hint,
    }
}

/// `HEAD` names a branch that will not exist after this push, while another
/// does: say which one to point it at (one this push writes, main or master
/// first; else main or master on the server; never a listing of every
/// branch).
fn default_branch_missing(facts: &SetupFacts) -> Option<Violation> {
    let head = facts.head_missing.as_deref()?;
    let suggest = USUAL
        .iter()
        .find(|b| facts.pushed_branches.iter().any(|p| p == *b))
        .map(|b| (*b).to_string())
        .or_else(|| facts.pushed_branches.first().cloned())
        .or_else(|| facts.usual_after.first().map(|b| (*b).to_string()))?;
    let short = suggest.strip_prefix("refs/heads/").unwrap_or(&suggest);
    Some(warning(
        Rule::DefaultBranchMissing,
        "HEAD",
        format!(
            "HEAD names {head}, which does not exist: the repository's policy ({POLICY_FILE} on the default branch) is never read, the built-in default judges every push, and \"@default\" protects nothing"
        ),
        format!(
            "on the server, point HEAD at the branch you use:\n  git symbolic-ref HEAD {suggest}\n(or reviewgate install --default-branch {short}; or git config {} {suggest})",
            keys::POLICY_BRANCH
        ),
    ))
}

/// Where the policy in effect comes from, as a warning names it.
fn policy_origin(ctx: &CheckContext<'_>) -> (String, Option<Oid>) {
    match &ctx.policy.source {
        PolicySource::File(path) => (format!("the file pinned on the server ({path})"), None),
        PolicySource::Repository { refname, blob, .. } => (refname.clone(), Some(*blob)),
        PolicySource::Builtin => match &ctx.policy.branch {
            Some(b) => (
                format!("{b}, which has no policy file (the built-in default)"),
                None,
            ),
            None => ("nowhere (the built-in default)".to_string(), None),
        },
    }
}

/// Protected branches this push gives a policy file that is not the one in
/// effect.
fn policy_elsewhere(facts: &SetupFacts) -> Vec<Violation> {
    let (origin, in_effect) = &facts.origin;
    let mut out = Vec::new();
    for (pushed, name, blob) in &facts.carried {
        if Some(*blob) == *in_effect {
            continue;
        }
        let short = name.strip_prefix("refs/heads/").unwrap_or(name);
        let hint = if facts.pinned {
            format!("the server pins the policy (git config {}): edit that file, or unset the pin to read the repository's", keys::POLICY)
        } else {
            format!(
                "to read the policy from {short}, on the server: git symbolic-ref HEAD {name} (or git config {} {name}); otherwise keep {POLICY_FILE} only where it is read",
                keys::POLICY_BRANCH,
            )
        };
        out.push(warning(
            Rule::PolicyNotRead,
            pushed,
            format!("{name} carries a {POLICY_FILE} that is not in effect: the policy is read from {origin}"),
            hint,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).expect("id")
    }

    #[test]
    fn a_missing_head_suggests_a_branch_this_push_or_the_server_has() {
        let facts = |pushed: &[&str], usual: &[&'static str]| SetupFacts {
            head_missing: Some("refs/heads/master".into()),
            pushed_branches: pushed.iter().map(|s| s.to_string()).collect(),
            usual_after: usual.to_vec(),
            ..SetupFacts::default()
        };
        let suggested = |f: &SetupFacts| {
            default_branch_missing(f)
                .map(|v| v.hint.lines().nth(1).unwrap_or_default().trim().to_string())
        };
        let table: [(&[&str], &[&'static str], Option<&str>); 4] = [
            (
                &["refs/heads/dev", "refs/heads/main"],
                &[],
                Some("git symbolic-ref HEAD refs/heads/main"),
            ),
            (
                &["refs/heads/dev"],
                &[],
                Some("git symbolic-ref HEAD refs/heads/dev"),
            ),
            (
                &[],
                &["refs/heads/main"],
                Some("git symbolic-ref HEAD refs/heads/main"),
            ),
            (&[], &[], None),
        ];
        for (pushed, usual, want) in table {
            assert_eq!(
                suggested(&facts(pushed, usual)).as_deref(),
                want,
                "{pushed:?} {usual:?}"
            );
        }
        let present = SetupFacts::default();
        assert!(warnings(&present).is_empty());
    }

    #[test]
    fn a_policy_file_elsewhere_warns_unless_it_is_the_one_in_effect() {
        let facts = SetupFacts {
            carried: vec![
                (
                    "refs/heads/release/1".into(),
                    "refs/heads/release/1".into(),
                    blob(1),
                ),
                ("refs/heads/trunk".into(), "refs/heads/main".into(), blob(2)),
            ],
            origin: ("refs/heads/main".into(), Some(blob(1))),
            ..SetupFacts::default()
        };
        let w = warnings(&facts);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].rule, Rule::PolicyNotRead);
        assert_eq!(w[0].refname, "refs/heads/trunk");
        assert!(
            w[0].message.starts_with("refs/heads/main carries"),
            "{}",
            w[0].message
        );
        let pinned = SetupFacts {
            pinned: true,
            origin: ("the file pinned on the server (/etc/p.toml)".into(), None),
            ..facts
        };
        assert!(warnings(&pinned)
            .iter()
            .all(|v| v.hint.contains("the server pins the policy")));
    }
}
