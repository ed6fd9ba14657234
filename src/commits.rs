//! The commits a ref update brings: what becomes reachable from the ref that
//! was not reachable before (`old..new`), or, for a new protected ref, what no
//! other protected ref already has.
//!
//! Only a handful of tips are ever hidden in a walk: hiding every ref in a
//! libgit2 revwalk is quadratic in the number of refs (git-hooks.md), so cost
//! must not grow with unprotected refs.

use anyhow::{Context, Result};
use git2::{Commit, Oid, Repository, Sort};

/// Facts about one commit that rules need, borrowed from libgit2's buffers.
pub struct CommitView<'r> {
    /// The commit.
    pub commit: Commit<'r>,
}

impl CommitView<'_> {
    /// Full hex id.
    pub fn id(&self) -> Oid {
        self.commit.id()
    }

    /// The raw message bytes (without headers).
    pub fn message(&self) -> &[u8] {
        self.commit.message_raw_bytes()
    }

    /// Number of parents.
    pub fn parent_count(&self) -> usize {
        self.commit.parent_count()
    }

    /// First line of the message, lossily decoded.
    pub fn subject(&self) -> String {
        let msg = self.message();
        let start = msg.iter().position(|&c| c != b'\n').unwrap_or(msg.len());
        let rest = &msg[start..];
        let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
        String::from_utf8_lossy(&rest[..end]).into_owned()
    }

    /// Author as `Name <email>` and the email alone (lowercased).
    pub fn author(&self) -> (String, String) {
        let s = self.commit.author();
        identity(s.name_bytes(), s.email_bytes())
    }

    /// Committer as `Name <email>` and the email alone (lowercased).
    pub fn committer(&self) -> (String, String) {
        let s = self.commit.committer();
        identity(s.name_bytes(), s.email_bytes())
    }
}

fn identity(name: &[u8], email: &[u8]) -> (String, String) {
    let name = String::from_utf8_lossy(name);
    let email = String::from_utf8_lossy(email);
    (format!("{name} <{email}>"), email.to_ascii_lowercase())
}

/// Walk every commit reachable from `new` and not from any of `hide`, calling
/// `visit` for each. Stops early when `visit` returns `Ok(false)`.
///
/// Missing objects (a shallow push, a corrupt repository) are errors with a
/// message, never panics; the caller fails closed on protected refs.
pub fn walk(
    repo: &Repository,
    new: Oid,
    hide: &[Oid],
    mut visit: impl FnMut(CommitView<'_>) -> Result<bool>,
) -> Result<()> {
    let mut walk = repo.revwalk().context("starting a revision walk")?;
    walk.set_sorting(Sort::NONE).context("setting walk order")?;
    walk.push(new)
        .with_context(|| format!("commit {new} is missing or unreadable"))?;
    for &h in hide {
        walk.hide(h)
            .with_context(|| format!("commit {h} is missing or unreadable"))?;
    }
    for id in walk {
        let id = id.context(
            "walking history (a parent commit is missing: shallow push or corrupt repository?)",
        )?;
        let commit = repo
            .find_commit(id)
            .with_context(|| format!("reading commit {id}"))?;
        if !visit(CommitView { commit })? {
            break;
        }
    }
    Ok(())
}
