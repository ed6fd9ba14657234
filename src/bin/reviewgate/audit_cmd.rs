//! `reviewgate audit verify` and `reviewgate audit show`.

use std::path::PathBuf;

use reviewgate::audit::{self, Record};
use reviewgate::repo::HookRepo;
use reviewgate::report;
use reviewgate::verdict::{short_id, Severity};

use crate::{discover, Out};

pub fn audit_verify(
    out: Out<'_>,
    log: Option<PathBuf>,
    expect: Option<&str>,
) -> anyhow::Result<u8> {
    let log = log_or_default(log)?;
    let r = audit::verify_expecting(&log, expect)?;
    for (line, why) in &r.torn {
        writeln!(
            out,
            "{}:{line}: warning: skipped, not a record: {why}; the chain continues after it",
            log.display()
        )?;
    }
    if let Some((line, why)) = r.first_bad {
        writeln!(out, "{}:{line}: chain broken: {why}", log.display())?;
        writeln!(out, "{} record(s) before it verify", r.records)?;
        return Ok(1);
    }
    let torn = if r.torn.is_empty() {
        String::new()
    } else {
        format!(" ({} torn line(s) skipped)", r.torn.len())
    };
    writeln!(
        out,
        "{}: ok, {} record(s), chain intact{torn}",
        log.display(),
        r.records
    )?;
    writeln!(
        out,
        "head: {} (keep a copy elsewhere; `audit verify --expect-head` detects truncation)",
        r.head
    )?;
    match (expect, r.expected_at) {
        (None, _) => Ok(0),
        (Some(_), Some(at)) => {
            writeln!(
                out,
                "the saved head is record {at} of {}: nothing before it was removed",
                r.records
            )?;
            Ok(0)
        }
        (Some(h), None) => {
            writeln!(
                out,
                "{}: the saved head {h} is not in the chain: the log was truncated or rewritten since it was saved",
                log.display()
            )?;
            Ok(1)
        }
    }
}

/// Which records `audit show` prints.
pub struct ShowFilter {
    pub last: usize,
    pub rejected: bool,
    pub refname: Option<String>,
    pub since: Option<String>,
    pub json: bool,
}

impl ShowFilter {
    /// The `--since` time, parsed.
    fn since(&self) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
        let Some(s) = &self.since else {
            return Ok(None);
        };
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
            return Ok(Some(t.with_timezone(&chrono::Utc)));
        }
        let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            anyhow::anyhow!("--since {s}: expected a date (2026-12-01) or an RFC 3339 time")
        })?;
        Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
    }

    fn keeps(&self, r: &Record, since: Option<chrono::DateTime<chrono::Utc>>) -> bool {
        if self.rejected && r.decision != "rejected" {
            return false;
        }
        if let Some(since) = since {
            let at = chrono::DateTime::parse_from_rfc3339(&r.time);
            if at.is_ok_and(|t| t < since) || at.is_err() {
                return false;
            }
        }
        if let Some(want) = &self.refname {
            let full = if want.starts_with("refs/") {
                want.clone()
            } else {
                format!("refs/heads/{want}")
            };
            if !r.refs.iter().any(|u| u.name == full || u.name == *want) {
                return false;
            }
        }
        true
    }
}

pub fn audit_show(out: Out<'_>, log: Option<PathBuf>, filter: &ShowFilter) -> anyhow::Result<u8> {
    let log = log_or_default(log)?;
    let since = filter.since()?;
    let records = audit::read_all(&log)?;
    let mut unreadable = 0;
    let mut kept = Vec::new();
    for (line, rec) in &records {
        match rec {
            Err(e) => {
                unreadable += 1;
                if !filter.json {
                    writeln!(out, "unreadable record: {}", report::sanitize(e))?;
                }
            }
            Ok(r) if filter.keeps(r, since) => kept.push((line, r)),
            Ok(_) => {}
        }
    }
    let skip = kept.len().saturating_sub(filter.last);
    for (line, r) in kept.into_iter().skip(skip) {
        if filter.json {
            // As stored: the bytes the chain hashes.
            out.write_all(line)?;
            writeln!(out)?;
        } else {
            for text in show_record(r) {
                writeln!(out, "{}", report::sanitize(&text))?;
            }
        }
    }
    Ok(u8::from(unreadable > 0))
}

/// The audit log named (a file), or the one of the repository named (a
/// directory: bare or a work tree), or this repository's.
fn log_or_default(log: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let repo = match log {
        Some(path) if path.is_dir() => git2::Repository::open(&path)
            .map_err(|_| anyhow::anyhow!("{} is not a git repository", path.display()))?,
        Some(l) => return Ok(l),
        None => discover().map_err(|e| anyhow::anyhow!("no log given and {e}"))?,
    };
    let clone = !repo.is_bare();
    let origin = repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().map(String::from));
    let path = HookRepo::from_repository(repo).settings.audit_log;
    if clone && !path.exists() {
        let origin = origin.map_or_else(String::new, |u| {
            format!(" (origin: {})", report::sanitize(&u))
        });
        anyhow::bail!(
            "this is a clone: the audit log lives on the server{origin}, in the bare repository the hooks run in (reviewgate/audit.jsonl there, or its git config reviewgate.auditLog); run `reviewgate audit show /path/to/project.git` on the server"
        );
    }
    Ok(path)
}

/// A record as lines: when, decision, pusher; each ref with its old and new
/// ids; each violation with its commit; a bypass.
fn show_record(r: &Record) -> Vec<String> {
    let pusher = r
        .pusher
        .as_ref()
        .and_then(|p| p.login.as_deref())
        .unwrap_or("-");
    let mut lines = vec![format!(
        "{} {} pusher={} ({}, {} commit(s) checked)",
        r.time, r.decision, pusher, r.hook, r.commits_checked
    )];
    for u in &r.refs {
        lines.push(format!(
            "  {} {}..{}",
            u.name,
            short_id(&u.old),
            short_id(&u.new)
        ));
    }
    for v in &r.violations {
        let commit = v
            .commit
            .as_ref()
            .map(|c| format!(" commit {}", short_id(c)))
            .unwrap_or_default();
        lines.push(format!(
            "  {}[{}]: {}{commit}",
            severity_word(v.severity),
            v.rule,
            v.refname
        ));
    }
    if let Some(b) = &r.bypass {
        lines.push(format!("  BYPASS by {}: \"{}\"", b.pusher, b.reason));
    }
    lines
}

/// A severity as the log writes it.
fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
