//! `reviewgate approve`: a reviewer signs an approval of each commit with
//! their SSH key (`ssh-keygen -Y sign`, so ssh-agent, FIDO and hardware
//! keys work) and adds it to the commit's note under `refs/notes/reviewgate`.

use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use git2::{Oid, Repository};
use reviewgate::approval::{self, parse_note, Approval, Block};

use crate::Out;

/// What `reviewgate approve` was asked.
#[derive(clap::Args)]
pub struct ApproveArgs {
    /// The signing key: a private key file, or a public key whose private
    /// half is in ssh-agent (default: `git config user.signingKey`, as git's
    /// `gpg.format = ssh` reads it; `key::ssh-ed25519 AAAA...` literals too).
    #[arg(long)]
    key: Option<String>,
    /// The notes ref approvals go to.
    #[arg(long = "ref", default_value = approval::NOTES_REF)]
    notes_ref: String,
    /// Also print each approval as JSON (one object a line).
    #[arg(long)]
    print: bool,
    /// Commits to approve: a commit, or a range `A..B` (the commits of B
    /// that A does not have).
    #[arg(required = true)]
    revs: Vec<String>,
}

/// The commits `revs` name, oldest first within a range.
fn commits(repo: &Repository, revs: &[String]) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    for rev in revs {
        if rev.contains("..") {
            let mut walk = repo.revwalk()?;
            walk.push_range(rev)
                .with_context(|| format!("`{rev}` is not a range of this repository"))?;
            walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
            for id in walk {
                out.push(id?);
            }
        } else {
            let c = repo
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .with_context(|| format!("`{rev}` names no commit of this repository"))?;
            out.push(c.id());
        }
    }
    out.dedup();
    Ok(out)
}

/// The signing key as a file ssh-keygen reads, and a file to remove after
/// (a `key::` literal written out).
fn key_file(repo: &Repository, key: Option<&str>) -> Result<(String, Option<std::path::PathBuf>)> {
    let configured = repo.config()?.get_string("user.signingKey").ok();
    let Some(key) = key.map(str::to_string).or(configured) else {
        bail!("no signing key: pass --key FILE, or set git config user.signingKey (the key you sign commits with)");
    };
    if let Some(literal) = key.strip_prefix("key::") {
        let path = std::env::temp_dir().join(format!("reviewgate-key-{}.pub", std::process::id()));
        std::fs::write(&path, format!("{literal}\n"))?;
        return Ok((path.display().to_string(), Some(path)));
    }
    let expanded = match (key.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest).display().to_string(),
        _ => key,
    };
    Ok((expanded, None))
}

/// `payload` signed with `key` in the approvals namespace.
fn sign(key: &str, payload: &str) -> Result<String> {
    let mut child = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", approval::NAMESPACE, "-f", key])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running ssh-keygen (OpenSSH 8.2 or later signs with -Y)")?;
    child
        .stdin
        .take()
        .context("ssh-keygen's input")?
        .write_all(payload.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "ssh-keygen could not sign with {key}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Sign and record approvals of `args.revs`.
pub fn approve(out: Out<'_>, args: &ApproveArgs) -> Result<u8> {
    let repo = crate::discover()?;
    let reviewer = repo
        .config()?
        .get_string("user.email")
        .ok()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .context("no reviewer email: set git config user.email (the address the server lists for your key)")?;
    let notes_ref = if args.notes_ref.starts_with("refs/") {
        args.notes_ref.clone()
    } else {
        format!("refs/notes/{}", args.notes_ref)
    };
    let (key, temporary) = key_file(&repo, args.key.as_deref())?;
    let result = record(out, &repo, args, (&reviewer, &key, &notes_ref));
    if let Some(t) = temporary {
        let _ = std::fs::remove_file(t);
    }
    result?;
    writeln!(out, "push the approvals: git push origin {notes_ref}")?;
    Ok(0)
}

fn record(
    out: Out<'_>,
    repo: &Repository,
    args: &ApproveArgs,
    (reviewer, key, notes_ref): (&str, &str, &str),
) -> Result<()> {
    // The notes commit's author: the reviewer (their name when git has it).
    let name = repo
        .config()?
        .get_string("user.name")
        .unwrap_or_else(|_| reviewer.to_string());
    let who = git2::Signature::now(&name, reviewer)?;
    for id in commits(repo, &args.revs)? {
        let hex = id.to_string();
        let existing = repo
            .find_note(Some(notes_ref), id)
            .ok()
            .and_then(|n| n.message().map(str::to_string))
            .unwrap_or_default();
        let short = reviewgate::commit::short_id(id);
        let subject = repo
            .find_commit(id)
            .ok()
            .and_then(|c| c.summary().map(str::to_string))
            .unwrap_or_default();
        let mine = parse_note(&existing).into_iter().any(|b| {
            matches!(b, Block::Approval(a) if a.commit == hex && a.reviewer.eq_ignore_ascii_case(reviewer))
        });
        if mine {
            writeln!(out, "already approved {short} {subject}")?;
            continue;
        }
        let payload = approval::payload(&hex, reviewer);
        let a = Approval {
            commit: hex,
            reviewer: reviewer.to_string(),
            signature: sign(key, &payload)?,
        };
        let text = if existing.trim().is_empty() {
            a.block()
        } else {
            format!("{}\n\n{}", existing.trim_end(), a.block())
        };
        repo.note(&who, &who, Some(notes_ref), id, &text, true)
            .with_context(|| format!("writing the note of {short} under {notes_ref}"))?;
        writeln!(out, "approved {short} {subject}")?;
        if args.print {
            writeln!(out, "{}", a.json())?;
        }
    }
    Ok(())
}
