//! git-ai authorship notes (`refs/notes/ai`, the Git AI Standard's
//! `authorship/3.0.0` log): which lines of a commit an agent wrote.
//!
//! A note is an attestation section (file paths, each followed by
//! `  <key> <line ranges>` entries), a line `---`, and a JSON object whose
//! `sessions` and `prompts` name the agent behind each key (`agent_id.tool`)
//! and whose `humans` name people. Parsed strictly and bounded in size: a note
//! that breaks the format is not evidence either way (it neither marks nor
//! clears a commit), and a note whose lines are all a person's marks nothing.
//!
//! One rule is read as git-ai writes it rather than as the standard words
//! it: line ranges "MUST be sorted", but 1,337 of git-ai's own 10,685 notes
//! list them unsorted or overlapping (`1-5,3-4`), so ranges are accepted in
//! any order and overlapping lines are counted once. Everything else the
//! standard requires is required: the `---` divider, two-space entries under
//! a file path, the three key forms, keys that resolve in the metadata,
//! positive `a-b` ranges, the schema version and the required fields.

use std::collections::BTreeMap;

/// The largest note read, in bytes. The largest of git-ai's own 10,685 notes
/// (its repository, Aug 2026) is 3.05 MiB; 165 are over 1 MiB.
pub const MAX_NOTE_BYTES: usize = 4 << 20;

/// The schema a note must declare.
pub const SCHEMA: &str = "authorship/3.0.0";

/// What a valid note says about its commit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Authorship {
    /// Agent-written lines per `agent_id.tool` (empty when only people or no
    /// one is attested).
    pub agent_lines: BTreeMap<String, u64>,
}

impl Authorship {
    /// Whether the note attests lines an agent wrote.
    pub fn is_ai(&self) -> bool {
        !self.agent_lines.is_empty()
    }

    /// The tools, most lines first, as a message names them.
    pub fn tools(&self) -> String {
        let mut tools: Vec<(&String, &u64)> = self.agent_lines.iter().collect();
        tools.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        tools
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Agent-written lines in all.
    pub fn total_lines(&self) -> u64 {
        self.agent_lines
            .values()
            .fold(0, |a, n| a.saturating_add(*n))
    }
}

/// Why a note is not a valid authorship log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Larger than [`MAX_NOTE_BYTES`].
    #[error("{0} bytes, more than the {MAX_NOTE_BYTES} read")]
    TooLarge(usize),
    /// Not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
    /// No `---` line.
    #[error("no `---` line between the attestations and the metadata")]
    NoDivider,
    /// An attestation line breaks the format.
    #[error("line {line}: {why}")]
    Attestation {
        /// 1-based line of the note.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// The metadata is not the JSON the schema asks for.
    #[error("metadata: {0}")]
    Metadata(String),
}

/// One attestation entry: its key, and how many lines it covers.
struct Entry<'a> {
    line: usize,
    key: &'a str,
    lines: u64,
}

/// Parse a note.
pub fn parse(note: &[u8]) -> Result<Authorship, NoteError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge(note.len()));
    }
    let text = std::str::from_utf8(note).map_err(|_| NoteError::NotUtf8)?;
    let (attestations, metadata) = split(text)?;
    let entries = parse_attestations(attestations)?;
    let meta: serde_json::Value =
        serde_json::from_str(metadata).map_err(|e| NoteError::Metadata(e.to_string()))?;
    let meta = Metadata::read(&meta)?;
    let mut out = Authorship::default();
    for e in entries {
        let bad = |why: String| NoteError::Attestation { line: e.line, why };
        let tool = if let Some(human) = e.key.strip_prefix("h_") {
            if !meta.humans.contains_key(&format!("h_{human}")) {
                return Err(bad(format!("`{}` is not in `humans`", e.key)));
            }
            None
        } else if e.key.starts_with("s_") {
            let session = e.key.split("::").next().unwrap_or_default();
            let record = meta.sessions.get(session);
            Some(record.ok_or_else(|| bad(format!("`{session}` is not in `sessions`")))?)
        } else {
            let record = meta.prompts.get(e.key);
            Some(record.ok_or_else(|| bad(format!("`{}` is not in `prompts`", e.key)))?)
        };
        if let Some(tool) = tool {
            let n = out.agent_lines.entry(tool.clone()).or_default();
            *n = n.saturating_add(e.lines);
        }
    }
    Ok(out)
}

/// The attestation section and the metadata, at the first line that is
/// exactly `---`.
fn split(text: &str) -> Result<(&str, &str), NoteError> {
    if let Some(rest) = text.strip_prefix("---\n") {
        return Ok(("", rest));
    }
    text.find("\n---\n")
        .or_else(|| text.strip_suffix("\n---").map(str::len))
        .map(|at| {
            let metadata = text.get(at + 5..).unwrap_or("");
            (text.get(..at).unwrap_or(""), metadata)
        })
        .ok_or(NoteError::NoDivider)
}

fn parse_attestations(section: &str) -> Result<Vec<Entry<'_>>, NoteError> {
    let mut entries = Vec::new();
    let mut file = false;
    for (i, line) in section.lines().enumerate() {
        let line_no = i + 1;
        let bad = |why: &str| NoteError::Attestation {
            line: line_no,
            why: why.to_string(),
        };
        if let Some(entry) = line.strip_prefix("  ") {
            if !file {
                return Err(bad("an attestation before any file path"));
            }
            let (key, ranges) = entry
                .split_once(' ')
                .ok_or_else(|| bad("an attestation needs a key, one space and line ranges"))?;
            if !valid_key(key) {
                return Err(bad(
                    "not an attestation key (`s_<hex>::t_<hex>`, `h_<hex>` or 16 hex digits)",
                ));
            }
            let lines = count_ranges(ranges).ok_or_else(|| {
                bad("line ranges must be ascending positive numbers or `a-b` ranges, comma-separated")
            })?;
            entries.push(Entry {
                line: line_no,
                key,
                lines,
            });
        } else if line.is_empty() || line.starts_with(char::is_whitespace) {
            return Err(bad(
                "a file path must start the line; attestations are indented two spaces",
            ));
        } else {
            let quoted = line.starts_with('"');
            if quoted && (line.len() < 3 || !line.ends_with('"')) {
                return Err(bad("an unterminated quoted path"));
            }
            if !quoted && line.contains(['\t', ' ']) {
                return Err(bad("a path with spaces must be quoted"));
            }
            file = true;
        }
    }
    Ok(entries)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `s_<hex>::t_<hex>`, `h_<hex>`, or a legacy key of 16 (or, before v1.0,
/// 7) hex digits.
fn valid_key(key: &str) -> bool {
    if let Some(session) = key.strip_prefix("s_") {
        return session
            .split_once("::t_")
            .is_some_and(|(s, t)| is_hex(s) && is_hex(t));
    }
    if let Some(human) = key.strip_prefix("h_") {
        return is_hex(human);
    }
    is_hex(key) && (key.len() == 16 || key.len() == 7)
}

/// The number of distinct lines `1-4,9,12-20` covers, or `None` if it
/// breaks the rules (positive numbers, `a <= b`, no spaces). Order and
/// overlaps are tolerated (see the module docs).
fn count_ranges(ranges: &str) -> Option<u64> {
    let mut spans = Vec::new();
    for item in ranges.split(',') {
        let (a, b) = match item.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(item)?;
                (n, n)
            }
        };
        if a == 0 || a > b {
            return None;
        }
        spans.push((a, b));
    }
    spans.sort_unstable();
    let mut total: u64 = 0;
    let mut covered_to: u64 = 0;
    for (a, b) in spans {
        let from = a.max(covered_to.saturating_add(1));
        if b >= from {
            total = total.saturating_add(b - from + 1);
        }
        covered_to = covered_to.max(b);
    }
    Some(total)
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The metadata fields that resolve keys: each AI record's `agent_id.tool`.
struct Metadata {
    prompts: BTreeMap<String, String>,
    sessions: BTreeMap<String, String>,
    humans: BTreeMap<String, ()>,
}

impl Metadata {
    fn read(v: &serde_json::Value) -> Result<Self, NoteError> {
        let bad = |why: String| NoteError::Metadata(why);
        let obj = v
            .as_object()
            .ok_or_else(|| bad("not a JSON object".into()))?;
        match obj.get("schema_version").and_then(|s| s.as_str()) {
            Some(SCHEMA) => {}
            Some(other) => {
                return Err(bad(format!(
                    "schema_version is \"{other}\", not \"{SCHEMA}\""
                )))
            }
            None => return Err(bad("no schema_version".into())),
        }
        if !obj.get("base_commit_sha").is_some_and(|s| s.is_string()) {
            return Err(bad("no base_commit_sha string".into()));
        }
        let map =
            |field: &str,
             required: bool|
             -> Result<Option<&serde_json::Map<String, serde_json::Value>>, NoteError> {
                match obj.get(field) {
                    None if !required => Ok(None),
                    None => Err(bad(format!("no `{field}` object"))),
                    Some(serde_json::Value::Object(m)) => Ok(Some(m)),
                    Some(_) => Err(bad(format!("`{field}` is not an object"))),
                }
            };
        let agents = |field: &str, required: bool| -> Result<BTreeMap<String, String>, NoteError> {
            let mut out = BTreeMap::new();
            for (k, record) in map(field, required)?.into_iter().flatten() {
                let tool = record
                    .get("agent_id")
                    .and_then(|a| a.get("tool"))
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.trim().is_empty())
                    .ok_or_else(|| bad(format!("`{field}.{k}` has no agent_id.tool")))?;
                out.insert(k.clone(), tool.to_string());
            }
            Ok(out)
        };
        let mut humans = BTreeMap::new();
        for (k, record) in map("humans", false)?.into_iter().flatten() {
            if !record.get("author").is_some_and(|a| a.is_string()) {
                return Err(bad(format!("`humans.{k}` has no author")));
            }
            humans.insert(k.clone(), ());
        }
        Ok(Self {
            prompts: agents("prompts", true)?,
            sessions: agents("sessions", false)?,
            humans,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSIONS: &str = r#"src/main.rs
  s_4f1e9d2c3b7a60::t_2b8c4d6e0f1a93 1-10,15-20
  s_4f1e9d2c3b7a60::t_6d0e2f4a8b1c57 25,30-35
  h_9c7e5a3b1d2f04 42-50
src/lib.rs
  s_0a3b6c9d2e5f71::t_5e1f7a3c9b0d26 1-50
---
{
  "schema_version": "authorship/3.0.0",
  "git_ai_version": "1.4.5",
  "base_commit_sha": "0f4e2d8c6b1a3957e0d2c4b6a8f1e3d5c7b9a0e2",
  "prompts": {},
  "humans": { "h_9c7e5a3b1d2f04": { "author": "Developer <dev@example.com>" } },
  "sessions": {
    "s_4f1e9d2c3b7a60": { "agent_id": { "tool": "cursor", "id": "6ef2", "model": "claude-sonnet-4-5" }, "human_author": "dev@example.com" },
    "s_0a3b6c9d2e5f71": { "agent_id": { "tool": "claude", "id": "conv_abc", "model": "claude-sonnet-4-5" } }
  }
}
"#;

    #[test]
    fn the_standards_examples() {
        let a = parse(SESSIONS.as_bytes()).expect("valid");
        assert_eq!(a.agent_lines.get("cursor"), Some(&(16 + 1 + 6)));
        assert_eq!(a.agent_lines.get("claude"), Some(&50));
        assert_eq!(a.tools(), "claude, cursor");
        let legacy = "src/main.rs\n  abcd1234abcd1234 1-10,15-20\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{\"abcd1234abcd1234\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"x\",\"model\":\"y\"},\"total_additions\":5,\"total_deletions\":0,\"accepted_lines\":5,\"overriden_lines\":0}}}";
        assert_eq!(parse(legacy.as_bytes()).expect("legacy").total_lines(), 16);
        // No attestations: valid, and evidence of nothing.
        let empty = "---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{}}\n";
        assert!(!parse(empty.as_bytes()).expect("empty").is_ai());
        // Only a person's lines.
        let human = "a.txt\n  h_aa 1\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\"humans\":{\"h_aa\":{\"author\":\"A <a@x>\"}}}";
        assert!(!parse(human.as_bytes()).expect("human").is_ai());
    }

    #[test]
    fn malformed_notes_are_errors() {
        let good = SESSIONS;
        for (from, to, why) in [
            ("---\n", "--\n", "divider"),
            (
                "  s_4f1e9d2c3b7a60::t_2b8c4d6e0f1a93 1-10",
                "   s_4f1e9d2c3b7a60::t_2b8c4d6e0f1a93 1-10",
                "three spaces",
            ),
            ("1-10,15-20", "10-1", "descending"),
            ("1-10,15-20", "0-3", "zero"),
            ("1-10,15-20", "1-10, 15-20", "space"),
            (
                "s_0a3b6c9d2e5f71::t_5e1f7a3c9b0d26",
                "s_ffffffffffffff::t_5e1f7a3c9b0d26",
                "unresolved session",
            ),
            ("h_9c7e5a3b1d2f04 42", "h_0000 42", "unresolved human"),
            ("authorship/3.0.0", "authorship/2.0.0", "schema"),
            ("\"prompts\": {},", "", "no prompts"),
            ("\"tool\": \"claude\"", "\"tool\": \"\"", "empty tool"),
            ("src/lib.rs", "src/my lib.rs", "unquoted space"),
            ("\n}\n", "\n", "truncated json"),
        ] {
            let bad = good.replacen(from, to, 1);
            assert_ne!(bad, good, "{why}: replacement applies");
            assert!(parse(bad.as_bytes()).is_err(), "{why}: {bad}");
        }
        assert!(
            parse(b"  s_aa::t_bb 1\n---\n{}").is_err(),
            "entry before a file"
        );
        assert!(parse(&[0xff, b'\n']).is_err());
        let big = format!("{}{}", "a\n".repeat(MAX_NOTE_BYTES / 2), SESSIONS);
        assert!(big.len() > MAX_NOTE_BYTES);
        assert!(matches!(parse(big.as_bytes()), Err(NoteError::TooLarge(_))));
        // Unsorted and overlapping ranges, as git-ai writes them, count each
        // line once.
        let unsorted = good.replacen("1-10,15-20", "15-20,1-10,5-12", 1);
        let a = parse(unsorted.as_bytes()).expect("unsorted ranges");
        assert_eq!(a.agent_lines.get("cursor"), Some(&(18 + 1 + 6)));
        // A quoted path with spaces is fine.
        let quoted = good.replacen("src/lib.rs", "\"src/my lib.rs\"", 1);
        assert!(parse(quoted.as_bytes()).is_ok());
    }
}
