//! The audit log: one JSON line per push decision, each carrying the SHA-256
//! of the previous line, so an edited, deleted, inserted or reordered record
//! breaks the chain that [`verify`] checks.
//!
//! Appends take an exclusive lock on the file and write one whole record, so
//! concurrent pushes never interleave or lose records.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::config::sha256_hex;
use crate::push::{Pusher, RefUpdate};
use crate::verdict::{Bypass, ExitStatus, Severity, Verdict};

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The git config key naming the log file (server-side; never in pushed content).
pub const AUDIT_LOG_KEY: &str = "reviewgate.auditLog";

/// Default log location, relative to the git directory.
pub const DEFAULT_AUDIT_LOG: &str = "reviewgate/audit.jsonl";

#[derive(Serialize)]
struct RefRecord<'a> {
    name: &'a str,
    old: String,
    new: String,
}

#[derive(Serialize)]
struct ViolationRecord<'a> {
    rule: &'a str,
    severity: Severity,
    #[serde(rename = "ref")]
    refname: &'a str,
    commit: Option<&'a str>,
}

#[derive(Serialize)]
struct PolicyRecord<'a> {
    source: &'a str,
    sha256: &'a str,
    #[serde(flatten)]
    origin: &'a crate::verdict::PolicyOrigin,
}

/// One decision, as written to the log (the `prev` field is added on append).
#[derive(Serialize)]
pub struct Record<'a> {
    time: String,
    repository: String,
    hook: &'a str,
    pusher: Option<&'a Pusher>,
    refs: Vec<RefRecord<'a>>,
    decision: &'a str,
    exit_code: u8,
    commits_checked: u64,
    violations: Vec<ViolationRecord<'a>>,
    violations_not_itemised: usize,
    policy: PolicyRecord<'a>,
    bypass: Option<&'a Bypass>,
}

fn oid_text(o: Option<git2::Oid>) -> String {
    o.map_or_else(|| "0".repeat(40), |o| o.to_string())
}

impl<'a> Record<'a> {
    /// Build the record of a judged push.
    pub fn new(
        now: chrono::DateTime<chrono::Utc>,
        repository: &Path,
        hook: &'a str,
        pusher: Option<&'a Pusher>,
        updates: &'a [RefUpdate],
        verdict: &'a Verdict,
    ) -> Self {
        let status = verdict.exit_status();
        let warnings = verdict
            .violations
            .iter()
            .any(|v| v.severity == Severity::Warning);
        let decision = match (status, &verdict.bypass, warnings) {
            (ExitStatus::Accepted, Some(_), _) => "accepted-by-bypass",
            (ExitStatus::Accepted, None, true) => "accepted-with-warnings",
            (ExitStatus::Accepted, None, false) => "accepted",
            _ => "rejected",
        };
        Record {
            time: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            repository: repository.display().to_string(),
            hook,
            pusher,
            refs: updates
                .iter()
                .map(|u| RefRecord {
                    name: &u.name,
                    old: oid_text(u.old),
                    new: oid_text(u.new),
                })
                .collect(),
            decision,
            exit_code: status.code(),
            commits_checked: verdict.commits_checked,
            violations: verdict
                .violations
                .iter()
                .map(|v| ViolationRecord {
                    rule: v.rule.code(),
                    severity: v.severity,
                    refname: &v.refname,
                    commit: v.commit.as_ref().map(|c| c.id.as_str()),
                })
                .collect(),
            violations_not_itemised: verdict.violations_dropped,
            policy: PolicyRecord {
                source: &verdict.policy_source,
                sha256: &verdict.policy_sha256,
                origin: &verdict.policy_origin,
            },
            bypass: verdict.bypass.as_ref(),
        }
    }
}

/// The last line of `file` (without its newline), or `None` if empty.
#[expect(
    clippy::indexing_slicing,
    reason = "offsets come from rposition on the same buffer"
)]
fn last_line(file: &mut File) -> Result<Option<Vec<u8>>> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(None);
    }
    let mut chunk = 4096u64;
    loop {
        let start = len.saturating_sub(chunk);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        Read::by_ref(file).take(len - start).read_to_end(&mut buf)?;
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if let Some(nl) = body.iter().rposition(|&c| c == b'\n') {
            return Ok(Some(body[nl + 1..].to_vec()));
        }
        if start == 0 {
            return Ok(Some(body.to_vec()));
        }
        chunk = chunk.saturating_mul(4);
    }
}

/// The policy the most recent record was judged by: its branch and blob (no
/// blob: the built-in default, for a branch without a file), looked for in
/// the log's last 64 KiB; `None` when there is none or
/// the log cannot be read. The hooks use it to notice the policy moving to
/// another branch (a changed `HEAD`).
pub fn last_policy_source(path: &Path) -> Option<(String, Option<String>)> {
    const WINDOW: u64 = 64 * 1024;
    let mut file = File::open(path).ok()?;
    let len = file.seek(SeekFrom::End(0)).ok()?;
    file.seek(SeekFrom::Start(len.saturating_sub(WINDOW)))
        .ok()?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).ok()?;
    tail.split(|&c| c == b'\n').rev().find_map(|line| {
        let v: Value = serde_json::from_slice(line).ok()?;
        let policy = v.get("policy")?;
        Some((
            policy.get("ref")?.as_str()?.to_string(),
            policy.get("blob").and_then(Value::as_str).map(String::from),
        ))
    })
}

/// The git config key that makes every append wait for the disk (`fdatasync`).
pub const AUDIT_SYNC_KEY: &str = "reviewgate.auditSync";

/// Append `record` to the log at `path`, chained to the last record. With
/// `sync`, wait until the record is on disk (survives a power cut; costs a few
/// milliseconds per push).
pub fn append(path: &Path, record: &Record<'_>, sync: bool) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("opening audit log {}", path.display()))?;
    file.lock()
        .with_context(|| format!("locking audit log {}", path.display()))?;
    let prev = match last_line(&mut file)? {
        Some(line) => sha256_hex(&line),
        None => GENESIS.to_string(),
    };
    let mut value = serde_json::to_value(record).context("encoding the audit record")?;
    if let Value::Object(map) = &mut value {
        map.insert("prev".into(), Value::String(prev));
    }
    let mut line = serde_json::to_vec(&value).context("encoding the audit record")?;
    line.push(b'\n');
    file.write_all(&line)
        .with_context(|| format!("writing audit log {}", path.display()))?;
    if sync {
        file.sync_data()
            .with_context(|| format!("syncing audit log {}", path.display()))?;
    }
    file.unlock().ok();
    Ok(())
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records read.
    pub records: usize,
    /// The first bad line (1-based) and why, if the chain is broken.
    pub first_bad: Option<(usize, String)>,
    /// SHA-256 of the last record: note it elsewhere to detect truncation.
    pub head: String,
}

/// Check every record's `prev` against the SHA-256 of the line before it.
pub fn verify(path: &Path) -> Result<VerifyReport> {
    let file = File::open(path).with_context(|| format!("opening audit log {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let mut expected = GENESIS.to_string();
    let mut records = 0;
    let mut line = Vec::new();
    let mut n = 0;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        n += 1;
        let complete = line.last() == Some(&b'\n');
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        if !complete {
            return Ok(bad(
                records,
                n,
                "the last record is incomplete (no newline)",
                &expected,
            ));
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return Ok(bad(
                    records,
                    n,
                    &format!("not a JSON record: {e}"),
                    &expected,
                ))
            }
        };
        let prev = value.get("prev").and_then(Value::as_str).unwrap_or("");
        if prev != expected {
            let why = if prev.is_empty() {
                "the record has no `prev` hash".to_string()
            } else {
                format!(
                    "its `prev` hash does not match line {} (that line was edited, or records were deleted, inserted or reordered here)",
                    n - 1
                )
            };
            return Ok(bad(records, n, &why, &expected));
        }
        expected = sha256_hex(body);
        records += 1;
    }
    Ok(VerifyReport {
        records,
        first_bad: None,
        head: expected,
    })
}

fn bad(records: usize, line: usize, why: &str, head: &str) -> VerifyReport {
    VerifyReport {
        records,
        first_bad: Some((line, why.to_string())),
        head: head.to_string(),
    }
}

/// Read all records (for `reviewgate audit show`), skipping nothing: a line
/// that does not parse is returned as an error value.
pub fn read_all(path: &Path) -> Result<Vec<Result<Value, String>>> {
    let file = File::open(path).with_context(|| format!("opening audit log {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line?;
        out.push(serde_json::from_slice(&line).map_err(|e| format!("line {}: {e}", i + 1)));
    }
    Ok(out)
}

/// Where a repository's log lives: `reviewgate.auditLog` from git config, else
/// `<git dir>/reviewgate/audit.jsonl`.
pub fn log_path(repo: &git2::Repository) -> PathBuf {
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path(AUDIT_LOG_KEY).ok())
        .filter(|p| !p.as_os_str().is_empty());
    match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.path().join(p),
        None => repo.path().join(DEFAULT_AUDIT_LOG),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_lines(path: &Path, n: usize) {
        let verdict = Verdict::new(
            &crate::config::PolicySource::Builtin,
            "abc",
            crate::config::Mode::Enforce,
        );
        for _ in 0..n {
            let rec = Record::new(
                chrono::Utc::now(),
                Path::new("/r.git"),
                "pre-receive",
                None,
                &[],
                &verdict,
            );
            append(path, &rec, false).expect("append");
        }
    }

    #[test]
    fn chain_verifies_and_detects_tampering() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("a/audit.jsonl");
        write_lines(&log, 5);
        let r = verify(&log).expect("verify");
        assert_eq!((r.records, r.first_bad.clone()), (5, None));
        let text = std::fs::read_to_string(&log).expect("read");
        let lines: Vec<&str> = text.lines().collect();

        // edited
        let edited = text.replacen("\"accepted\"", "\"rejected\"", 2);
        std::fs::write(&log, &edited).expect("w");
        assert_eq!(verify(&log).expect("v").first_bad.map(|b| b.0), Some(2));
        // deleted
        let deleted: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .map(|(_, l)| *l)
            .collect();
        std::fs::write(&log, deleted.join("\n") + "\n").expect("w");
        assert_eq!(verify(&log).expect("v").first_bad.map(|b| b.0), Some(3));
        // reordered
        let mut re = lines.clone();
        re.swap(1, 2);
        std::fs::write(&log, re.join("\n") + "\n").expect("w");
        assert_eq!(verify(&log).expect("v").first_bad.map(|b| b.0), Some(2));
        // inserted
        let mut ins = lines.clone();
        ins.insert(3, lines[3]);
        std::fs::write(&log, ins.join("\n") + "\n").expect("w");
        assert_eq!(verify(&log).expect("v").first_bad.map(|b| b.0), Some(5));
    }
}
