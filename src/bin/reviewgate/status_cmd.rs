//! `reviewgate status`: what is in effect on a server repository, or which
//! repositories under a folder no hook of ours protects.

use std::path::PathBuf;

use reviewgate::status;

use crate::Out;

#[derive(clap::Args)]
pub struct StatusArgs {
    /// The bare repository (default: the current directory).
    repo: Option<PathBuf>,
    /// Every bare repository under DIR (a forge's repository root), one line
    /// each; exit 1 when any is unprotected.
    #[arg(long, value_name = "DIR", conflicts_with = "repo")]
    all: Option<PathBuf>,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn status(out: Out<'_>, args: &StatusArgs) -> anyhow::Result<u8> {
    if let Some(dir) = &args.all {
        return all(out, dir, args.json);
    }
    let repo = args.repo.clone().unwrap_or_else(|| PathBuf::from("."));
    let s = status::of(&repo)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?;
    } else {
        write!(out, "{}", s.text())?;
    }
    Ok(u8::from(!s.problems.is_empty()))
}

fn all(out: Out<'_>, dir: &std::path::Path, json: bool) -> anyhow::Result<u8> {
    let repos = status::find_repositories(dir, status::SEARCH_DEPTH);
    if repos.is_empty() {
        anyhow::bail!("no bare repositories under {}", dir.display());
    }
    let mut unprotected = 0usize;
    let mut rows = Vec::new();
    for r in &repos {
        match status::of(r) {
            Ok(s) => {
                let protected = !s.enforced_by.is_empty();
                unprotected += usize::from(!protected);
                if json {
                    rows.push(serde_json::json!({
                        "repository": r,
                        "protected": protected,
                        "enforced_by": s.enforced_by,
                        "policy": s.policy.source,
                        "problems": s.problems,
                    }));
                } else {
                    let state = if protected {
                        "protected  "
                    } else {
                        "UNPROTECTED"
                    };
                    let policy = s.policy.source.as_deref().unwrap_or("policy unreadable");
                    writeln!(out, "{state} {} ({}; {policy})", r.display(), s.layout)?;
                }
            }
            Err(e) => {
                unprotected += 1;
                if json {
                    rows.push(serde_json::json!({
                        "repository": r,
                        "protected": false,
                        "error": format!("{e:#}"),
                    }));
                } else {
                    writeln!(out, "UNREADABLE  {} ({e:#})", r.display())?;
                }
            }
        }
    }
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else {
        writeln!(
            out,
            "{} repositories, {unprotected} unprotected",
            repos.len()
        )?;
    }
    Ok(u8::from(unprotected > 0))
}
