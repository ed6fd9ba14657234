//! Where a repository's policy comes from, in order: a file pinned by the
//! administrator (`reviewgate.policy`); `.reviewgate.toml` at the tip, before
//! the push, of the pinned policy branch (`reviewgate.policyBranch`) or of the
//! branch `HEAD` names; else the built-in default. Never the pushed commits.
//!
//! A repository policy is trusted only from a branch it protects itself, and
//! not when it moved since the previous decision to a branch the previous
//! policy did not protect (someone changed `HEAD`): its file was never gated.

use anyhow::{Context, Result};
use git2::Oid;

use super::{LoadedPolicy, PolicyError, PolicySource, MAX_POLICY_BYTES, POLICY_FILE};
use crate::keys;
use crate::repo::HookRepo;

/// Why the trusted policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyLoadError {
    /// The policy text is invalid (every problem, located).
    #[error("{0}")]
    Invalid(#[from] PolicyError),
    /// The policy parses, but is not to be trusted where it was found
    /// (read from a branch it does not protect; moved since the last push).
    #[error("{found_in}: {reason}")]
    Untrusted {
        /// Where it was found.
        found_in: PolicySource,
        /// Why it is not trusted.
        reason: String,
    },
    /// It could not be read at all.
    #[error("cannot read the policy: {0:#}")]
    Read(anyhow::Error),
}

/// A policy file found in a commit's tree.
#[derive(Debug, Clone)]
pub struct PolicyBlob {
    /// The commit whose tree holds it.
    pub commit: Oid,
    /// The blob.
    pub blob: Oid,
    /// Its content (at most [`MAX_POLICY_BYTES`] + 1 bytes, so an oversized
    /// file is refused by the parser without being read whole).
    pub bytes: Vec<u8>,
}

/// The policy file's blob in the tree of commit `id`, if any.
pub fn blob_id(repo: &HookRepo, id: Oid) -> Result<Option<Oid>> {
    repo.blob_in_tree(repo.tree_of(id)?, POLICY_FILE)
}

/// The policy file in the tree of the commit `id` peels to.
pub fn blob_at(repo: &HookRepo, id: Oid) -> Result<Option<PolicyBlob>> {
    let Some(commit) = repo.peel_to_commit(id)? else {
        return Ok(None);
    };
    let Some(blob) = blob_id(repo, commit)? else {
        return Ok(None);
    };
    let bytes = repo
        .read_blob_capped(blob, MAX_POLICY_BYTES)
        .with_context(|| format!("reading {POLICY_FILE}"))?;
    Ok(Some(PolicyBlob {
        commit,
        blob,
        bytes,
    }))
}

/// Where the policy was read the last time a decision was made: what the
/// hooks compare with to notice the policy moving to another branch (`HEAD`
/// changed), whose file was never gated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastPolicy {
    /// No decision was ever recorded here: the first use.
    FirstUse,
    /// The branch, and the blob of its policy file (`None`: the built-in
    /// default stood in for a branch without one).
    Read {
        /// The branch.
        refname: String,
        /// The policy file's blob id.
        blob: Option<String>,
    },
    /// Decisions were recorded, but where the policy was read cannot be
    /// told (why): treated as a move, never as a first use.
    Unknown(String),
}

/// The trusted policy (see the module docs), knowing where the policy was
/// read for the previous decision ([`LastPolicy`]).
pub fn load(repo: &HookRepo, previous: LastPolicy) -> Result<LoadedPolicy, PolicyLoadError> {
    let loaded = load_unchecked(repo)?;
    if matches!(loaded.source, PolicySource::File(_)) || repo.settings.policy_branch.is_some() {
        return Ok(loaded);
    }
    let Some(branch) = loaded.branch.clone() else {
        return Ok(loaded);
    };
    match previous {
        LastPolicy::FirstUse => Ok(loaded),
        LastPolicy::Read { refname, blob } => {
            check_unmoved(repo, loaded, &branch, &refname, blob.as_deref())
        }
        LastPolicy::Unknown(why) => Err(untrusted(
            loaded.source,
            format!(
                "where the policy was read for the previous push is not known ({why}), so reading it from {branch} now may be a move nobody reviewed; an administrator who means {branch} runs `git config {} {branch}`",
                keys::POLICY_BRANCH
            ),
        )),
    }
}

/// The policy read from `branch` now, after `old_ref` (whose policy had
/// `old_blob`) judged the previous push: trusted if nothing moved, or if the
/// previous policy protected `branch` (so changes to its file were gated).
fn check_unmoved(
    repo: &HookRepo,
    loaded: LoadedPolicy,
    branch: &str,
    old_ref: &str,
    old_blob: Option<&str>,
) -> Result<LoadedPolicy, PolicyLoadError> {
    let blob = match &loaded.source {
        PolicySource::Repository { blob, .. } => Some(blob.to_string()),
        _ => None,
    };
    if branch == old_ref || blob.as_deref() == old_blob {
        return Ok(loaded);
    }
    let old = match old_blob {
        None => LoadedPolicy::builtin().ok(),
        Some(old_blob) => Oid::from_str(old_blob).ok().and_then(|blob| {
            let bytes = repo.read_blob_capped(blob, MAX_POLICY_BYTES).ok()?;
            let source = PolicySource::Repository {
                refname: old_ref.to_string(),
                commit: Oid::zero(),
                blob,
            };
            LoadedPolicy::from_bytes(&bytes, source).ok()
        }),
    };
    if old.is_some_and(|p| p.policy.is_protected(branch, Some(old_ref))) {
        return Ok(loaded);
    }
    Err(untrusted(
        loaded.source,
        format!(
            "the policy moved from {old_ref} to {branch} since the last push (HEAD changed), and {branch} was not protected by the policy on {old_ref}, so this file was never reviewed as a policy; an administrator who means it runs `git config {} {branch}` (or moves HEAD back)",
            keys::POLICY_BRANCH
        ),
    ))
}

fn untrusted(source: PolicySource, reason: String) -> PolicyLoadError {
    PolicyLoadError::Untrusted {
        found_in: source,
        reason,
    }
}

/// The branch the policy is read from: the pinned one, else `HEAD`'s.
pub fn policy_branch(repo: &HookRepo) -> Result<Option<String>> {
    match &repo.settings.policy_branch {
        Some(b) if b.starts_with("refs/heads/") => Ok(Some(b.clone())),
        Some(b) => anyhow::bail!(
            "git config {} must name a branch as a full ref (refs/heads/main), not \"{b}\"",
            keys::POLICY_BRANCH
        ),
        None => Ok(repo.default_branch()),
    }
}

/// The policy as found, before the move check.
fn load_unchecked(repo: &HookRepo) -> Result<LoadedPolicy, PolicyLoadError> {
    if let Some(path) = &repo.settings.pinned_policy {
        let bytes = crate::repo::read_file_capped(path, MAX_POLICY_BYTES)
            .with_context(|| {
                format!(
                    "reading pinned policy {} ({})",
                    path.display(),
                    keys::POLICY
                )
            })
            .map_err(PolicyLoadError::Read)?;
        return Ok(LoadedPolicy::from_bytes(
            &bytes,
            PolicySource::File(path.display().to_string()),
        )?);
    }
    let Some(branch) = policy_branch(repo).map_err(PolicyLoadError::Read)? else {
        return Ok(LoadedPolicy::builtin()?);
    };
    let builtin_for = |branch: &str| -> Result<LoadedPolicy, PolicyLoadError> {
        let mut p = LoadedPolicy::builtin()?;
        p.branch = Some(branch.to_string());
        Ok(p)
    };
    let Some(tip) = repo.ref_target(&branch).map_err(PolicyLoadError::Read)? else {
        return builtin_for(&branch);
    };
    let Some(found) = blob_at(repo, tip).map_err(PolicyLoadError::Read)? else {
        return builtin_for(&branch);
    };
    let source = PolicySource::Repository {
        refname: branch.clone(),
        commit: found.commit,
        blob: found.blob,
    };
    let loaded = LoadedPolicy::from_bytes(&found.bytes, source.clone())?;
    // Changes to the file are gated only on protected branches, so a policy
    // read from an unprotected one could be replaced by anyone, unreviewed.
    if !loaded
        .policy
        .is_protected(&branch, repo.default_branch().as_deref())
    {
        return Err(untrusted(source, super::lint::unprotected_branch(&branch)));
    }
    Ok(loaded)
}
