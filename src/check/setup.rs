//! Warnings about the setup itself, on every push until it is fixed: a
//! `HEAD` that names a branch that does not exist (the repository's policy is
//! then never read), and a policy file on a protected branch that is not the
//! one in effect. They never reject: the push is judged by the policy in
//! effect either way; they say why that policy may not be the one the team
//! wrote.

use git2::Oid;

use super::CheckContext;
use crate::policy::{PolicySource, POLICY_FILE};
use crate::push::RefUpdate;
use crate::repo::keys;
use crate::rule::{Rule, Severity};
use crate::verdict::Violation;

/// The setup warnings for this push (best effort: what cannot be read is
/// not warned about).
pub fn notices(ctx: &CheckContext<'_>, updates: &[RefUpdate]) -> Vec<Violation> {
    let mut out = Vec::new();
    let pinned = matches!(ctx.policy.source, PolicySource::File(_));
    let branch_pinned = ctx.repo.settings.policy_branch.is_some();
    if !pinned && !branch_pinned {
        out.extend(default_branch_missing(ctx, updates));
    }
    out.extend(policy_elsewhere(ctx, updates));
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

/// Whether `name` exists after this push.
fn exists_after(ctx: &CheckContext<'_>, updates: &[RefUpdate], name: &str) -> bool {
    match updates.iter().find(|u| u.name == name) {
        Some(u) => u.new.is_some(),
        None => ctx.repo.ref_target(name).ok().flatten().is_some(),
    }
}

/// `HEAD` names a branch that will not exist after this push, while another
/// does: say which one to point it at.
fn default_branch_missing(ctx: &CheckContext<'_>, updates: &[RefUpdate]) -> Option<Violation> {
    let head = ctx.default_branch?;
    if exists_after(ctx, updates, head) {
        return None;
    }
    // A branch to suggest: one this push writes (main or master first), else
    // main or master on the server. Never a listing of every branch.
    let pushed = updates
        .iter()
        .filter(|u| u.new.is_some() && u.name.starts_with("refs/heads/"))
        .map(|u| u.name.as_str());
    let usual = ["refs/heads/main", "refs/heads/master"];
    let suggest = usual
        .iter()
        .copied()
        .find(|b| updates.iter().any(|u| u.name == *b && u.new.is_some()))
        .or_else(|| pushed.clone().next())
        .or_else(|| {
            usual
                .iter()
                .copied()
                .find(|b| exists_after(ctx, updates, b))
        })?;
    let short = suggest.strip_prefix("refs/heads/").unwrap_or(suggest);
    Some(warning(
        Rule::DefaultBranchMissing,
        "HEAD",
        format!(
            "HEAD names {head}, which does not exist: the repository's policy ({POLICY_FILE} on the default branch) is never read, the built-in default judges every push, and \"@default\" protects nothing"
        ),
        format!(
            "on the server, point HEAD at the branch you use:\n  git symbolic-ref HEAD {suggest}\n(or install.sh --default-branch {short}; or git config {} {suggest})",
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
fn policy_elsewhere(ctx: &CheckContext<'_>, updates: &[RefUpdate]) -> Vec<Violation> {
    let policy = &ctx.policy.policy;
    let read_from = ctx.policy.branch.as_deref();
    let (origin, in_effect) = policy_origin(ctx);
    let mut out = Vec::new();
    for u in updates {
        let Some(new) = u.new else { continue };
        let Ok(name) = super::written_ref(ctx.repo, u) else {
            continue;
        };
        if !name.starts_with("refs/heads/")
            || Some(name.as_str()) == read_from
            || !policy.is_protected(&name, ctx.default_branch)
        {
            continue;
        }
        let blob = ctx
            .repo
            .peel_to_commit(new)
            .ok()
            .flatten()
            .and_then(|c| crate::policy::load::blob_id(ctx.repo, c).ok().flatten());
        let Some(blob) = blob else { continue };
        if Some(blob) == in_effect {
            continue;
        }
        let short = name.strip_prefix("refs/heads/").unwrap_or(&name);
        let hint = if matches!(ctx.policy.source, PolicySource::File(_)) {
            format!("the server pins the policy (git config {}): edit that file, or unset the pin to read the repository's", keys::POLICY)
        } else {
            format!(
                "to read the policy from {}, on the server: git symbolic-ref HEAD {} (or git config {} {}); otherwise keep {POLICY_FILE} only where it is read",
                short,
                name,
                keys::POLICY_BRANCH,
                name
            )
        };
        out.push(warning(
            Rule::PolicyNotRead,
            &u.name,
            format!(
                "{name} carries a {POLICY_FILE} that is not in effect: the policy is read from {origin}"
            ),
            hint,
        ));
    }
    out
}
