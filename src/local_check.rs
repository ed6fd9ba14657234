//! Checking on a developer's machine what a push would bring, with the same
//! engine and the policy from the remote-tracking default branch. Never more
//! lenient than the server: the server's branches are the remote-tracking
//! refs as last fetched (a commit only on a local branch counts as new), and
//! a remote this clone does not know gets the built-in default policy.

use std::path::Path;

use anyhow::{bail, Context, Result};
use git2::{Oid, Repository};

use crate::hook;
use crate::policy::{LoadedPolicy, PolicySource};
use crate::push::RefUpdate;
use crate::repo::HookRepo;
use crate::rule::Rule;
use crate::verdict::Verdict;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct LocalCheck {
    /// The ref the push would update on the server (`refs/heads/main`);
    /// default: the remote's default branch.
    pub remote_ref: Option<String>,
    /// `OLD..NEW`, or a single revision (checked against the remote ref's
    /// remote-tracking value); default: `HEAD`.
    pub range: Option<String>,
    /// The remote's name (default `origin`).
    pub remote: String,
    /// A policy file to use instead of the remote default branch's.
    pub policy_file: Option<String>,
    /// The allowed_signers file to verify signatures with (default: this
    /// clone's `reviewgate.allowedSigners`).
    pub allowed_signers: Option<String>,
}

/// The result of a local check.
pub struct LocalResult {
    /// The verdict.
    pub verdict: Verdict,
    /// The ref update that was judged.
    pub update: RefUpdate,
    /// What the check could not know about the server, and what it used
    /// instead (a push by URL: no remote-tracking refs, no policy).
    pub note: Option<String>,
}

/// The remote's default branch as a server ref name (`refs/heads/main`).
fn remote_default_branch(repo: &Repository, remote: &str) -> Option<String> {
    let head = repo
        .find_reference(&format!("refs/remotes/{remote}/HEAD"))
        .ok()?;
    let target = head.symbolic_target()?;
    let branch = target.strip_prefix(&format!("refs/remotes/{remote}/"))?;
    Some(format!("refs/heads/{branch}"))
}

fn tracking(repo: &Repository, remote: &str, server_ref: &str) -> Option<Oid> {
    let branch = server_ref.strip_prefix("refs/heads/")?;
    repo.refname_to_id(&format!("refs/remotes/{remote}/{branch}"))
        .ok()
}

/// Run the engine on what pushing `check` would bring.
pub fn check(repo_path: &Path, check: &LocalCheck) -> Result<LocalResult> {
    let repo = Repository::discover(repo_path)
        .map_err(|_| anyhow::anyhow!("not inside a git repository"))?;
    let remote = if check.remote.is_empty() {
        "origin"
    } else {
        &check.remote
    };
    let default_branch = remote_default_branch(&repo, remote).or_else(|| {
        ["main", "master"]
            .iter()
            .find(|b| tracking(&repo, remote, &format!("refs/heads/{b}")).is_some())
            .map(|b| format!("refs/heads/{b}"))
    });
    let remote_ref = match (&check.remote_ref, &default_branch) {
        (Some(r), _) if r.starts_with("refs/") => r.clone(),
        (Some(r), _) => format!("refs/heads/{r}"),
        (None, Some(d)) => d.clone(),
        (None, None) => bail!(
            "cannot tell the remote's default branch: run `git remote set-head {remote} --auto` or pass --remote-ref"
        ),
    };
    let (old, new) = resolve_range(&repo, check.range.as_deref(), || {
        tracking(&repo, remote, &remote_ref)
    })?;
    // The server's branches are the remote-tracking refs, never local ones:
    // a commit only on a local branch is new to the server.
    let mut hr = HookRepo::client_view(
        Repository::open(repo.path())?,
        remote,
        default_branch.clone(),
    );
    if let Some(path) = &check.allowed_signers {
        hr.settings.allowed_signers = Some(path.into());
    }
    let known_remote = repo.find_remote(remote).is_ok();
    let note = match (&check.policy_file, known_remote) {
        (Some(path), _) => Some(format!("checked with the policy in {path} (--policy)")),
        (None, false) => Some(format!(
            "`{remote}` is not a remote of this clone (a push by URL?): its policy and branches are unknown here, so this check used the built-in default policy and counted every commit as new to the server"
        )),
        (None, true) => None,
    };
    let policy = match &check.policy_file {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
            LoadedPolicy::from_bytes(&bytes, PolicySource::File(path.clone()))?
        }
        None => remote_policy(&hr, &repo, remote, default_branch.as_deref())?,
    };
    let update = RefUpdate {
        name: remote_ref,
        old: old.filter(|o| *o != new),
        new: Some(new),
    };
    if update.old.is_none() && old == Some(new) {
        // Nothing to push: judge an empty update (old == new).
        let verdict = Verdict::new(crate::check::policy_info(&policy));
        return Ok(LocalResult {
            verdict,
            update,
            note,
        });
    }
    let updates = std::slice::from_ref(&update);
    let mut verdict = hook::verdict(
        &hr,
        &Ok(policy),
        &hook::Push::local(updates, chrono::Utc::now()),
    );
    // Pushing by URL, the server's branches are unknown here: warnings
    // about its setup (its HEAD, where its policy is read) would be guesses.
    if !known_remote {
        verdict
            .violations
            .retain(|v| !matches!(v.rule, Rule::DefaultBranchMissing | Rule::PolicyNotRead));
    }
    Ok(LocalResult {
        verdict,
        update,
        note,
    })
}

/// `OLD..NEW`, or a single revision (default `HEAD`) against `old`.
fn resolve_range(
    repo: &Repository,
    range: Option<&str>,
    old: impl FnOnce() -> Option<Oid>,
) -> Result<(Option<Oid>, Oid)> {
    match range {
        Some(r) if r.contains("..") => {
            let spec = repo
                .revparse(r)
                .with_context(|| format!("resolving range {r}"))?;
            let from = spec.from().map(|o| o.id());
            let to = spec.to().map(|o| o.id()).context("the range has no end")?;
            Ok((from, to))
        }
        other => {
            let rev = other.unwrap_or("HEAD");
            let new = repo
                .revparse_single(rev)
                .with_context(|| format!("resolving {rev}"))?
                .id();
            Ok((old(), new))
        }
    }
}

/// The policy on the remote-tracking default branch, else the built-in one.
fn remote_policy(
    hr: &HookRepo,
    repo: &Repository,
    remote: &str,
    default_branch: Option<&str>,
) -> Result<LoadedPolicy> {
    let Some(branch) = default_branch else {
        return Ok(LoadedPolicy::builtin()?);
    };
    let Some(tip) = tracking(repo, remote, branch) else {
        return Ok(LoadedPolicy::builtin()?);
    };
    let Some(found) = crate::policy::load::blob_at(hr, tip)? else {
        return Ok(LoadedPolicy::builtin()?);
    };
    let short = branch.strip_prefix("refs/heads/").unwrap_or(branch);
    Ok(LoadedPolicy::from_bytes(
        &found.bytes,
        PolicySource::Repository {
            refname: format!("refs/remotes/{remote}/{short}"),
            commit: found.commit,
            blob: found.blob,
        },
    )?)
}
