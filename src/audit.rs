//! The audit log: one JSON line per push decision, each carrying the SHA-256
//! of the previous line, so an edited, deleted, inserted or reordered record
//! breaks the chain that [`verify`] checks.
//!
//! Appends take an exclusive lock on the file and write one whole record, so
//! concurrent pushes never interleave or lose records.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::policy::load::LastPolicy;
use crate::policy::sha256_hex;
use crate::push::{Pusher, RefUpdate};
use crate::verdict::{Bypass, ExitStatus, Severity, Verdict};

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A ref update, as the log has it (full ids; 40 zeros for none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefRecord {
    /// The ref.
    pub name: String,
    /// Its old value.
    pub old: String,
    /// Its new value.
    pub new: String,
}

/// A violation, as the log has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    /// The rule code.
    pub rule: String,
    /// Error or warning.
    pub severity: Severity,
    /// The ref.
    #[serde(rename = "ref")]
    pub refname: String,
    /// The commit, if the violation is about one.
    pub commit: Option<String>,
}

/// The policy a decision was judged by, as the log has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRecord {
    /// Where it came from, in words.
    pub source: String,
    /// SHA-256 of its text.
    pub sha256: String,
    /// Where it came from, field by field.
    #[serde(flatten)]
    pub origin: crate::verdict::PolicyOrigin,
}

/// A commit a reviewed merge covered, as the log has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoveredRecord {
    /// The ref it reached.
    #[serde(rename = "ref")]
    pub refname: String,
    /// The commit.
    pub commit: String,
    /// The merge whose review covered it.
    pub merge: String,
}

/// One decision, as the log has it: written by [`append`] (which sets
/// `prev`), read back by [`read_all`] for `audit show` and by the policy-move
/// check. Fields a later version adds are ignored by an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// When (UTC, RFC 3339).
    pub time: String,
    /// The repository's git directory.
    pub repository: String,
    /// `pre-receive` or `update`.
    pub hook: String,
    /// Who pushed, as the server authenticated them.
    pub pusher: Option<Pusher>,
    /// The ref updates.
    pub refs: Vec<RefRecord>,
    /// `accepted`, `accepted-with-warnings`, `accepted-by-bypass` or `rejected`.
    pub decision: String,
    /// The hook's exit status.
    pub exit_code: u8,
    /// How many commits were examined.
    pub commits_checked: u64,
    /// The violations (capped; the rest are counted).
    pub violations: Vec<ViolationRecord>,
    /// Violations not itemised.
    pub violations_not_itemised: usize,
    /// The policy.
    pub policy: PolicyRecord,
    /// A break-glass push that was honoured.
    pub bypass: Option<Bypass>,
    /// Commits a reviewed merge covered, with the merge (capped; the count is whole).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covered: Vec<CoveredRecord>,
    /// How many commits merges covered in all.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub covered_count: usize,
    /// Commits exempt from review rules as baseline history
    /// (`reviewgate.baseline`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub baseline_exempt: usize,
    /// The SHA-256 of the record before it ([`GENESIS`] for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn oid_text(o: Option<git2::Oid>) -> String {
    o.map_or_else(|| "0".repeat(40), |o| o.to_string())
}

impl Record {
    /// The record of a judged push.
    pub fn new(
        now: chrono::DateTime<chrono::Utc>,
        repository: &Path,
        hook: &str,
        pusher: Option<&Pusher>,
        updates: &[RefUpdate],
        verdict: &Verdict,
    ) -> Self {
        let status = verdict.exit_status();
        let warnings = verdict
            .violations
            .iter()
            .any(|v| v.severity == Severity::Warning);
        let decision = match (status, &verdict.bypass, warnings) {
            // Break-glass asked for, nothing to bypass: an ordinary push.
            (ExitStatus::Accepted, Some(_), false) if verdict.violations.is_empty() => "accepted",
            (ExitStatus::Accepted, Some(_), _) => "accepted-by-bypass",
            (ExitStatus::Accepted, None, true) => "accepted-with-warnings",
            (ExitStatus::Accepted, None, false) => "accepted",
            _ => "rejected",
        };
        Record {
            time: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            repository: repository.display().to_string(),
            hook: hook.to_string(),
            pusher: pusher.cloned(),
            refs: updates
                .iter()
                .map(|u| RefRecord {
                    name: u.name.clone(),
                    old: oid_text(u.old),
                    new: oid_text(u.new),
                })
                .collect(),
            decision: decision.to_string(),
            exit_code: status.code(),
            commits_checked: verdict.commits_checked,
            violations: verdict
                .violations
                .iter()
                .map(|v| ViolationRecord {
                    rule: v.rule.code().to_string(),
                    severity: v.severity,
                    refname: v.refname.clone(),
                    commit: v.commit.as_ref().map(|c| c.id.to_string()),
                })
                .collect(),
            violations_not_itemised: verdict.violations_dropped,
            policy: PolicyRecord {
                source: verdict.policy_source.clone(),
                sha256: verdict.policy_sha256.clone(),
                origin: verdict.policy_origin.clone(),
            },
            bypass: verdict.bypass.clone(),
            covered: verdict
                .covered
                .iter()
                .map(|c| CoveredRecord {
                    refname: c.refname.clone(),
                    commit: c.commit.to_string(),
                    merge: c.merge.to_string(),
                })
                .collect(),
            covered_count: verdict.covered_count,
            baseline_exempt: usize::try_from(verdict.baseline_exempt).unwrap_or(usize::MAX),
            prev: None,
        }
    }
}

/// What the chain reads of a line: its `prev` hash only, so a record of any
/// version (with fields this one does not know) chains.
#[derive(Deserialize)]
struct Link {
    prev: Option<String>,
}

/// Whether `line` is a record: a JSON object with a `prev` hash. Anything
/// else in the log (a torn write, noise) is not part of the chain.
fn is_record(line: &[u8]) -> bool {
    serde_json::from_slice::<Link>(line)
        .ok()
        .is_some_and(|l| l.prev.is_some())
}

/// Where the chain continues: the SHA-256 of the last *complete* record (a
/// newline-terminated line that is a record), and whether the file ends in a
/// torn, unterminated line that the next record must not be glued onto.
fn chain_tail(file: &mut File) -> Result<(String, bool)> {
    let (last, torn_tail) = last_record(file)?;
    let prev = last.map_or_else(|| GENESIS.to_string(), |line| sha256_hex(&line));
    Ok((prev, torn_tail))
}

/// The last complete record of the log, whole whatever its size (read
/// backwards in growing chunks until it starts), and whether the file ends
/// in a torn line. A write cut just before its newline left a whole record:
/// that is the last record.
#[expect(
    clippy::indexing_slicing,
    reason = "offsets come from rposition on the same buffer"
)]
fn last_record(file: &mut File) -> Result<(Option<Vec<u8>>, bool)> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((None, false));
    }
    let mut chunk = 4096u64;
    loop {
        let start = len.saturating_sub(chunk);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        Read::by_ref(file).take(len - start).read_to_end(&mut buf)?;
        let torn_tail = buf.last() != Some(&b'\n');
        let last_nl = buf.iter().rposition(|&c| c == b'\n');
        if torn_tail && (last_nl.is_some() || start == 0) {
            let tail = &buf[last_nl.map_or(0, |p| p + 1)..];
            if is_record(tail) {
                return Ok((Some(tail.to_vec()), true));
            }
        }
        // Complete lines only: up to the last newline.
        let Some(last_nl) = last_nl else {
            if start == 0 {
                return Ok((None, torn_tail));
            }
            chunk = chunk.saturating_mul(4);
            continue;
        };
        let complete = &buf[..last_nl];
        let mut end = complete.len();
        loop {
            let line_start = complete[..end]
                .iter()
                .rposition(|&c| c == b'\n')
                .map(|p| p + 1);
            // A line is whole if a newline precedes it here, or the buffer
            // starts at the file's start.
            let Some(ls) = line_start.or((start == 0).then_some(0)) else {
                break;
            };
            let line = &complete[ls..end];
            if is_record(line) {
                return Ok((Some(line.to_vec()), torn_tail));
            }
            if ls == 0 {
                if start == 0 {
                    return Ok((None, torn_tail));
                }
                break;
            }
            end = ls - 1;
        }
        if start == 0 {
            return Ok((None, torn_tail));
        }
        chunk = chunk.saturating_mul(4);
    }
}

/// The policy state kept beside the log, one small file per repository (and
/// namespace), replaced whole (written to a temporary file and renamed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
struct PolicyState {
    #[serde(rename = "ref")]
    refname: String,
    blob: Option<String>,
}

/// Where the policy was last read: the state file `state` if there is one,
/// else (a log written before the state file existed) the last complete
/// record of the log at `log`, read whole. A log that exists with records
/// but yields no branch means "unknown", never "first use".
pub fn last_policy(state: &Path, log: &Path) -> LastPolicy {
    match std::fs::read(state) {
        Ok(bytes) => {
            return match serde_json::from_slice::<PolicyState>(&bytes) {
                Ok(s) => LastPolicy::Read {
                    refname: s.refname,
                    blob: s.blob,
                },
                Err(e) => LastPolicy::Unknown(format!(
                    "the policy state {} cannot be read ({e})",
                    state.display()
                )),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return LastPolicy::Unknown(format!(
                "the policy state {} cannot be read ({e})",
                state.display()
            ))
        }
    }
    let mut file = match File::open(log) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return LastPolicy::FirstUse,
        Err(e) => {
            return LastPolicy::Unknown(format!(
                "the audit log {} cannot be read ({e})",
                log.display()
            ))
        }
    };
    if file.metadata().is_ok_and(|m| m.len() == 0) {
        return LastPolicy::FirstUse;
    }
    let last = last_record(&mut file).ok().and_then(|(line, _)| line);
    let origin = last
        .as_deref()
        .and_then(|l| serde_json::from_slice::<Record>(l).ok())
        .map(|r| r.policy.origin);
    match origin {
        Some(crate::verdict::PolicyOrigin {
            refname: Some(refname),
            blob,
            ..
        }) => LastPolicy::Read { refname, blob },
        _ => LastPolicy::Unknown(format!(
            "the audit log {} has records, but its last one does not say which branch the policy was read from",
            log.display()
        )),
    }
}

/// Remember where the policy was read for this decision, in `state`
/// (replaced whole, atomically; created files are handed to `owner`'s
/// owner as the log is). Nothing is written when it is unchanged.
pub fn remember_policy(
    state: &Path,
    refname: &str,
    blob: Option<&str>,
    owner: Option<&Path>,
) -> Result<()> {
    let value = PolicyState {
        refname: refname.to_string(),
        blob: blob.map(String::from),
    };
    let current = std::fs::read(state)
        .ok()
        .and_then(|b| serde_json::from_slice::<PolicyState>(&b).ok());
    if current.as_ref() == Some(&value) {
        return Ok(());
    }
    let dir = state.parent().unwrap_or(Path::new("."));
    let dir_existed = dir.exists();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    if !dir_existed {
        hand_over(dir, owner);
    }
    let mut tmp = tempfile_in(dir)?;
    let bytes = serde_json::to_vec(&value).context("encoding the policy state")?;
    tmp.1
        .write_all(&bytes)
        .and_then(|()| tmp.1.sync_data())
        .with_context(|| format!("writing {}", tmp.0.display()))?;
    hand_over(&tmp.0, owner);
    std::fs::rename(&tmp.0, state).with_context(|| format!("replacing {}", state.display()))?;
    Ok(())
}

/// A new file in `dir` for an atomic replace: its path and handle.
fn tempfile_in(dir: &Path) -> Result<(std::path::PathBuf, File)> {
    let name = format!(
        ".policy-state.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let path = dir.join(name);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok((path, file))
}

/// Append `record` to the log at `path`, chained to the last complete record.
/// With `sync`, wait until the record is on disk (survives a power cut; costs
/// a few milliseconds per push).
///
/// The log must be a regular file (a symlink to one is fine): a device such
/// as `/dev/null` or `/dev/stdout` is refused like an unwritable log. A torn
/// last line (a crash or kill mid-write) gets its newline first, so the new
/// record is never glued onto it; a failed write (a full disk) is truncated
/// away, leaving the log as it was.
pub fn append(path: &Path, record: &Record, sync: bool) -> Result<()> {
    append_owned(path, record, sync, None)
}

/// [`append`], handing what it creates (the log's folder, the log) to the
/// owner of `owner` when the hook runs as root and `owner` is not root's: a
/// smoke test run as root must not leave a log the server's user cannot
/// write, which would refuse every later protected push.
pub fn append_owned(path: &Path, record: &Record, sync: bool, owner: Option<&Path>) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir_existed = dir.is_none_or(Path::exists);
    let file_existed = path.exists();
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        if !dir_existed {
            hand_over(dir, owner);
        }
    }
    let not_regular = || {
        anyhow::anyhow!(
            "audit log {} is not a regular file (a device, pipe or directory cannot keep records)",
            path.display()
        )
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(not_regular());
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("opening audit log {}", path.display()))?;
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    if !file_existed {
        hand_over(path, owner);
    }
    file.lock()
        .with_context(|| format!("locking audit log {}", path.display()))?;
    let (prev, torn_tail) =
        chain_tail(&mut file).with_context(|| format!("reading audit log {}", path.display()))?;
    let record = Record {
        prev: Some(prev),
        ..record.clone()
    };
    let mut line = Vec::new();
    if torn_tail {
        line.push(b'\n');
    }
    line.extend(serde_json::to_vec(&record).context("encoding the audit record")?);
    line.push(b'\n');
    let before = file.seek(SeekFrom::End(0))?;
    if let Err(e) = file.write_all(&line) {
        // Leave no partial record behind (a full disk frees the space back).
        let _ = file.set_len(before);
        return Err(e).with_context(|| format!("writing audit log {}", path.display()));
    }
    if sync {
        file.sync_data()
            .with_context(|| format!("syncing audit log {}", path.display()))?;
    }
    file.unlock().ok();
    Ok(())
}

/// Give `created` to the owner of `owner` if root made it and `owner` is not
/// root's. Best effort: a failure leaves the file as it was.
fn hand_over(created: &Path, owner: Option<&Path>) {
    use std::os::unix::fs::MetadataExt;
    let (Some(owner), Ok(made)) = (owner, std::fs::metadata(created)) else {
        return;
    };
    let Ok(theirs) = std::fs::metadata(owner) else {
        return;
    };
    if made.uid() == 0 && theirs.uid() != 0 {
        let _ = std::os::unix::fs::chown(created, Some(theirs.uid()), Some(theirs.gid()));
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records read.
    pub records: usize,
    /// Lines (1-based) that are not records but that the chain passes over
    /// intact: torn writes (a crash, a kill), and why each is not a record.
    pub torn: Vec<(usize, String)>,
    /// The first bad line (1-based) and why, if the chain is broken.
    pub first_bad: Option<(usize, String)>,
    /// SHA-256 of the last record: note it elsewhere to detect truncation.
    pub head: String,
    /// When a head saved earlier was given: the record (1-based) whose hash
    /// it is, if it is in the intact chain. Not found: the log was truncated
    /// or rewritten since it was saved.
    pub expected_at: Option<usize>,
}

/// Check every record's `prev` against the SHA-256 of the record before it.
/// A line that is not a record (a torn write) is reported and skipped: the
/// chain continues from the last complete record, as [`append`] does; if the
/// next record does not chain to that one, the chain is broken there.
pub fn verify(path: &Path) -> Result<VerifyReport> {
    verify_expecting(path, None)
}

/// [`verify`], and where in the chain the head `expect` (saved earlier, from
/// `reviewgate audit verify`) is: a log only ever grows, so a saved head must
/// still be one of its records.
pub fn verify_expecting(path: &Path, expect: Option<&str>) -> Result<VerifyReport> {
    let file = File::open(path).with_context(|| format!("opening audit log {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let expect = expect.map(str::to_ascii_lowercase);
    let mut report = VerifyReport {
        records: 0,
        torn: Vec::new(),
        first_bad: None,
        head: GENESIS.to_string(),
        expected_at: None,
    };
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
        if !complete && !is_record(body) {
            report.torn.push((
                n,
                "torn tail: the last line is incomplete (an interrupted write)".into(),
            ));
            break;
        }
        let link: Link = match serde_json::from_slice(body) {
            Ok(l) => l,
            Err(e) => {
                report
                    .torn
                    .push((n, format!("not a JSON record ({e}): a torn write?")));
                continue;
            }
        };
        let Some(prev) = link.prev else {
            report.torn.push((
                n,
                "a JSON line without a `prev` hash is not a record".into(),
            ));
            continue;
        };
        if prev != report.head {
            report.first_bad = Some((
                n,
                "its `prev` hash does not match the record before it (that record was edited, or records were deleted, inserted or reordered here)".into(),
            ));
            return Ok(report);
        }
        report.head = sha256_hex(body);
        report.records += 1;
        if expect.as_deref() == Some(report.head.as_str()) {
            report.expected_at = Some(report.records);
        }
    }
    Ok(report)
}

/// A line of the log: its bytes (what the chain hashes), and the record, or
/// why it is not one.
pub type Line = (Vec<u8>, Result<Record, String>);

/// Read all records (for `reviewgate audit show`), skipping nothing: a line
/// that does not parse is returned as an error value.
pub fn read_all(path: &Path) -> Result<Vec<Line>> {
    let file = File::open(path).with_context(|| format!("opening audit log {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line?;
        let record = serde_json::from_slice(&line).map_err(|e| format!("line {}: {e}", i + 1));
        out.push((line, record));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the version before this one wrote it (keys sorted), and
    /// one from a later version (a field this one does not know): both are
    /// read, typed; and both chain.
    #[test]
    fn records_of_other_versions_are_read() {
        let older = r#"{"baseline_exempt":3,"bypass":null,"commits_checked":2,"decision":"rejected","exit_code":1,"hook":"pre-receive","policy":{"blob":"b1","commit":"c1","ref":"refs/heads/main","sha256":"ab","source":".reviewgate.toml on refs/heads/main at c1"},"prev":"0000000000000000000000000000000000000000000000000000000000000000","pusher":{"email":null,"login":"ann","source":"gitlab"},"refs":[{"name":"refs/heads/main","new":"2","old":"1"}],"repository":"/srv/a.git","time":"2026-11-30T10:00:00.000Z","violations":[{"commit":"c2","ref":"refs/heads/main","rule":"ai-unreviewed","severity":"error"}],"violations_not_itemised":0}"#;
        let r: Record = serde_json::from_str(older).expect("the older record reads");
        assert_eq!(r.policy.origin.refname.as_deref(), Some("refs/heads/main"));
        assert_eq!(r.pusher.and_then(|p| p.login).as_deref(), Some("ann"));
        assert_eq!(r.violations[0].rule, "ai-unreviewed");
        assert_eq!(r.baseline_exempt, 3);
        let later = older.replacen("{", "{\"signed_approvals\":[1,2],", 1);
        assert!(serde_json::from_str::<Record>(&later).is_ok());
        assert!(is_record(later.as_bytes()));
    }

    fn write_lines(path: &Path, n: usize) {
        let verdict = Verdict::new(crate::verdict::PolicyInfo {
            source: "built-in default".into(),
            origin: crate::verdict::PolicyOrigin::default(),
            sha256: "abc".into(),
            mode: crate::policy::Mode::Enforce,
        });
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
    fn a_torn_record_at_every_byte_is_skipped_and_the_chain_goes_on() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("audit.jsonl");
        write_lines(&log, 3);
        let whole = std::fs::read(&log).expect("read");
        let lines: Vec<&[u8]> = whole.split_inclusive(|&c| c == b'\n').collect();
        let (kept, last) = (lines[..2].concat(), lines[2]);
        for cut in 1..last.len() {
            // A crash after `cut` bytes of the third record. Cut just before
            // its newline, the record is whole: it counts.
            let whole_record = cut == last.len() - 1;
            std::fs::write(&log, [&kept[..], &last[..cut]].concat()).expect("w");
            let r = verify(&log).expect("v");
            let kept_records = if whole_record { 3 } else { 2 };
            assert_eq!(
                (r.records, r.first_bad.clone()),
                (kept_records, None),
                "cut {cut}"
            );
            if whole_record {
                assert!(r.torn.is_empty());
                write_lines(&log, 1);
                let r = verify(&log).expect("v");
                assert_eq!((r.records, r.first_bad, r.torn.len()), (4, None, 0));
                continue;
            }
            assert_eq!(r.torn.len(), 1, "cut {cut}");
            assert!(r.torn[0].1.starts_with("torn tail"), "cut {cut}");
            // The next append is not glued onto it and chains to record 2.
            write_lines(&log, 1);
            let r = verify(&log).expect("v");
            assert_eq!(r.first_bad, None, "cut {cut}: {:?}", r.first_bad);
            assert_eq!(r.records, 3, "cut {cut}");
            assert_eq!(r.torn.len(), 1, "cut {cut}: {:?}", r.torn);
            let text = std::fs::read(&log).expect("read");
            let new_last = text
                .split(|&c| c == b'\n')
                .rfind(|l| !l.is_empty())
                .expect("line")
                .to_vec();
            let v: serde_json::Value =
                serde_json::from_slice(&new_last).expect("the new record is whole");
            let second = lines[1].strip_suffix(b"\n").expect("nl");
            assert_eq!(v["prev"], sha256_hex(second), "cut {cut}");
        }
    }

    #[test]
    fn a_record_replaced_by_garbage_breaks_the_chain() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("audit.jsonl");
        write_lines(&log, 4);
        let text = std::fs::read_to_string(&log).expect("read");
        let mut lines: Vec<&str> = text.lines().collect();
        lines[1] = "{\"torn";
        std::fs::write(&log, lines.join("\n") + "\n").expect("w");
        let r = verify(&log).expect("v");
        assert_eq!(r.torn.iter().map(|t| t.0).collect::<Vec<_>>(), vec![2]);
        assert_eq!(
            r.first_bad.map(|b| b.0),
            Some(3),
            "record 3 chained to the lost record 2"
        );
    }

    #[test]
    fn devices_are_not_logs() {
        let verdict = Verdict::new(crate::verdict::PolicyInfo {
            source: "built-in default".into(),
            origin: crate::verdict::PolicyOrigin::default(),
            sha256: "abc".into(),
            mode: crate::policy::Mode::Enforce,
        });
        let rec = Record::new(
            chrono::Utc::now(),
            Path::new("/r.git"),
            "pre-receive",
            None,
            &[],
            &verdict,
        );
        let dir = tempfile::tempdir().expect("tmp");
        let link = dir.path().join("audit.jsonl");
        std::os::unix::fs::symlink("/dev/null", &link).expect("symlink");
        let e = append(&link, &rec, false).expect_err("refused");
        assert!(format!("{e:#}").contains("not a regular file"), "{e:#}");
        let e = append(Path::new("/dev/null"), &rec, false).expect_err("refused");
        assert!(format!("{e:#}").contains("not a regular file"), "{e:#}");
        // A symlink to a regular file is fine.
        let real = dir.path().join("real.jsonl");
        let link2 = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&real, &link2).expect("symlink");
        append(&link2, &rec, false).expect("appended");
        assert_eq!(verify(&real).expect("v").records, 1);
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
