//! Which commits are AI-tagged: the built-in catalog of AI tool markers and
//! the detector that applies it (plus a policy's own additions).
//!
//! The catalog is one data table ([`CATALOG`]), transcribed from
//! `shared/reference/ai-agents.md` (rows marked [V] verified or [O] observed).
//! Identities are matched as a whole `Name <email>` (case-insensitive globs), never
//! by trailer key or first name alone: `Co-authored-by:` usually names a human,
//! and "Claude" is also a person's name.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// How a catalog row was confirmed (see `ai-agents.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// Seen in the vendor's own source or docs.
    Verified,
    /// Observed in real commits or third-party detector lists.
    Observed,
}

/// What a catalog row looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// A case-insensitive glob over `Name <email>` of the author, the committer,
    /// or a `Co-authored-by:` / `Signed-off-by:` trailer.
    Identity(&'static str),
    /// A trailer key whose mere presence marks AI help (`Assisted-by`).
    TrailerKey(&'static str),
    /// A case-insensitive glob over a whole trailer line, `Key: value`.
    TrailerValue(&'static str),
    /// A glob over any message line, trimmed (`*Generated with \[Claude Code\]*`).
    Marker(&'static str),
    /// A glob over the subject line.
    Subject(&'static str),
}

/// One row of the built-in catalog.
#[derive(Debug, Clone, Copy)]
pub struct CatalogEntry {
    /// The tool the row identifies.
    pub tool: &'static str,
    /// The signal to look for.
    pub signal: Signal,
    /// How sure the reference is of it.
    pub confidence: Confidence,
}

const fn row(tool: &'static str, signal: Signal, confidence: Confidence) -> CatalogEntry {
    CatalogEntry {
        tool,
        signal,
        confidence,
    }
}

use Confidence::{Observed as O, Verified as V};
use Signal::{Identity, Marker, Subject, TrailerKey, TrailerValue};

/// The built-in catalog. Globs: `*` matches anything, `\[` a literal bracket.
pub const CATALOG: &[CatalogEntry] = &[
    // Claude Code (CLI, web/remote) and claude-code-action
    row("Claude Code", Identity("* <noreply@anthropic.com>"), V),
    row(
        "Claude Code",
        Marker("*Generated with \\[Claude Code\\]*"),
        O,
    ),
    row("Claude Code", TrailerKey("Claude-Session"), V),
    row(
        "claude-code-action",
        Identity("* <*+claude\\[bot\\]@users.noreply.github.com>"),
        V,
    ),
    row("claude-code-action", Identity("claude\\[bot\\] <*>"), V),
    // Aider
    row("Aider", Identity("* <aider@aider.chat>"), V),
    row("Aider", Identity("* <noreply@aider.chat>"), V),
    row("Aider", Identity("* (aider) <*>"), V),
    row("Aider", Subject("aider: *"), V),
    // GitHub Copilot (coding agent, CLI, VS Code, Autofix)
    row(
        "GitHub Copilot coding agent",
        Identity("copilot-swe-agent\\[bot\\] <*>"),
        O,
    ),
    row(
        "GitHub Copilot coding agent",
        Identity("* <198982749+copilot@users.noreply.github.com>"),
        O,
    ),
    row(
        "GitHub Copilot coding agent",
        TrailerKey("Agent-Logs-Url"),
        O,
    ),
    row(
        "GitHub Copilot CLI",
        Identity("* <223556219+copilot@users.noreply.github.com>"),
        O,
    ),
    row(
        "GitHub Copilot",
        Identity("* <175728472+copilot@users.noreply.github.com>"),
        O,
    ),
    row(
        "GitHub Copilot in VS Code",
        Identity("* <copilot@github.com>"),
        V,
    ),
    row(
        "GitHub Copilot Autofix",
        Identity("* <62310815+github-advanced-security\\[bot\\]@users.noreply.github.com>"),
        O,
    ),
    row(
        "GitHub Copilot Autofix",
        Subject("Potential fix for code scanning alert no. *"),
        O,
    ),
    // Cursor
    row("Cursor", Identity("* <cursoragent@cursor.com>"), O),
    row("Cursor", TrailerValue("Made-with: Cursor"), O),
    // Devin
    row(
        "Devin",
        Identity("* <*+devin-ai-integration\\[bot\\]@users.noreply.github.com>"),
        O,
    ),
    row("Devin", Identity("devin-ai-integration\\[bot\\] <*>"), O),
    row("Devin", Marker("*Generated with \\[Devin\\]*"), O),
    // Google Jules
    row(
        "Google Jules",
        Identity("* <*+google-labs-jules\\[bot\\]@users.noreply.github.com>"),
        O,
    ),
    row(
        "Google Jules",
        Identity("google-labs-jules\\[bot\\] <*>"),
        V,
    ),
    // OpenAI Codex
    row("OpenAI Codex CLI", Identity("* <noreply@openai.com>"), V),
    row(
        "OpenAI Codex cloud",
        Identity("chatgpt-codex-connector\\[bot\\] <*>"),
        O,
    ),
    row(
        "OpenAI Codex cloud",
        Identity("* <*+chatgpt-codex-connector\\[bot\\]@users.noreply.github.com>"),
        O,
    ),
    // Gemini Code Assist
    row(
        "Gemini Code Assist",
        Identity("* <*+gemini-code-assist\\[bot\\]@users.noreply.github.com>"),
        O,
    ),
    // Amazon Q Developer, Kiro
    row(
        "Amazon Q Developer",
        Identity("amazon-q-developer\\[bot\\] <*>"),
        O,
    ),
    row(
        "Amazon Q Developer",
        Identity("* <*+amazon-q-developer\\[bot\\]@users.noreply.github.com>"),
        O,
    ),
    row(
        "Amazon Kiro",
        Identity("* <244629292+kiro-agent@users.noreply.github.com>"),
        O,
    ),
    row("Amazon Kiro", Identity("Kiro Agent <*>"), V),
    row("Amazon Kiro", Identity("kiro-agent\\[bot\\] <*>"), O),
    // OpenHands
    row("OpenHands", Identity("* <openhands@all-hands.dev>"), V),
    // Continue
    row("Continue", Identity("* <noreply@continue.dev>"), O),
    row("Continue", Identity("continue\\[bot\\] <*>"), O),
    row("Continue", Marker("*Generated with \\[Continue\\]*"), O),
    // OpenCode
    row("OpenCode", Identity("* <noreply@opencode.ai>"), V),
    row("OpenCode", Marker("*Generated with \\[opencode\\]*"), V),
    // Amp
    row("Amp", Identity("* <amp@ampcode.com>"), O),
    row("Amp", TrailerKey("Amp-Thread-ID"), O),
    // Replit Agent
    row(
        "Replit Agent",
        TrailerValue("Replit-Commit-Author: Agent"),
        O,
    ),
    row(
        "Replit Agent",
        TrailerValue("Replit-Commit-Author: Assistant"),
        O,
    ),
    row("Replit Agent", TrailerKey("Replit-Commit-Session-Id"), O),
    // Cline, Sweep (bot identities)
    row("Cline", Identity("cline\\[bot\\] <*>"), O),
    row("Sweep", Identity("sweep-ai\\[bot\\] <*>"), V),
    // Disclosure trailers that projects ask humans to write
    row("Assisted-by trailer", TrailerKey("Assisted-by"), V),
    row("Generated-by trailer", TrailerKey("Generated-by"), V),
    row(
        "Co-authored-by-AI trailer",
        TrailerKey("Co-authored-by-AI"),
        V,
    ),
];

/// Trailer keys whose value names a person or tool that worked on the commit.
const IDENTITY_TRAILER_KEYS: [&str; 2] = ["co-authored-by", "signed-off-by"];

/// A compiled set of globs, each with a label saying where it came from.
#[derive(Debug, Clone)]
struct LabelledSet {
    set: GlobSet,
    labels: Vec<String>,
}

impl LabelledSet {
    fn build(globs: Vec<(Glob, String)>) -> Result<Self, globset::Error> {
        let mut b = GlobSetBuilder::new();
        let mut labels = Vec::with_capacity(globs.len());
        for (g, l) in globs {
            b.add(g);
            labels.push(l);
        }
        Ok(Self {
            set: b.build()?,
            labels,
        })
    }

    fn first_match(&self, text: &str) -> Option<&str> {
        if self.labels.is_empty() {
            return None;
        }
        let matches = self.set.matches(text);
        matches
            .first()
            .and_then(|&i| self.labels.get(i))
            .map(String::as_str)
    }
}

/// Compile one case-insensitive glob where `*` also matches `/`.
pub fn text_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
}

/// Extra detection rules from a policy's `[detect]` table.
#[derive(Debug, Clone, Default)]
pub struct DetectConfig {
    /// Whether the built-in catalog applies.
    pub builtin: bool,
    /// Extra trailer keys that mark AI help.
    pub trailer_keys: Vec<String>,
    /// Extra globs over `Key: value` trailer lines.
    pub trailer_values: Vec<String>,
    /// Extra globs over `Name <email>` identities.
    pub identities: Vec<String>,
    /// Extra globs over message lines.
    pub markers: Vec<String>,
}

/// Why a commit counts as AI-tagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiEvidence {
    /// The tool or policy rule that matched.
    pub tool: String,
    /// Where it was found, e.g. `Co-authored-by: Claude <noreply@anthropic.com>`.
    pub evidence: String,
}

/// The commit data detection looks at.
#[derive(Debug, Clone, Copy)]
pub struct CommitText<'a> {
    /// Author as `Name <email>`.
    pub author: &'a str,
    /// Committer as `Name <email>`.
    pub committer: &'a str,
    /// The raw message.
    pub message: &'a [u8],
}

/// The compiled detector: built-in catalog plus a policy's additions.
#[derive(Debug, Clone)]
pub struct Detector {
    identities: LabelledSet,
    trailer_keys: Vec<(String, String)>,
    trailer_values: LabelledSet,
    markers: LabelledSet,
    subjects: LabelledSet,
}

impl Detector {
    /// Build from a policy's detection settings. Patterns are validated by the
    /// policy loader first; an error here means a built-in row is broken.
    pub fn new(cfg: &DetectConfig) -> Result<Self, globset::Error> {
        let mut identities = Vec::new();
        let mut keys = Vec::new();
        let mut values = Vec::new();
        let mut markers = Vec::new();
        let mut subjects = Vec::new();
        if cfg.builtin {
            for e in CATALOG {
                let label = e.tool.to_string();
                match e.signal {
                    Identity(p) => identities.push((text_glob(p)?, label)),
                    TrailerKey(k) => keys.push((k.to_ascii_lowercase(), label)),
                    TrailerValue(p) => values.push((text_glob(p)?, label)),
                    Marker(p) => markers.push((text_glob(p)?, label)),
                    Subject(p) => subjects.push((text_glob(p)?, label)),
                }
            }
        }
        let policy = |kind: &str, p: &str| format!("policy detect.{kind} \"{p}\"");
        for p in &cfg.identities {
            identities.push((text_glob(p)?, policy("identities", p)));
        }
        for k in &cfg.trailer_keys {
            keys.push((k.to_ascii_lowercase(), policy("trailer-keys", k)));
        }
        for p in &cfg.trailer_values {
            values.push((text_glob(p)?, policy("trailer-values", p)));
        }
        for p in &cfg.markers {
            markers.push((text_glob(p)?, policy("markers", p)));
        }
        Ok(Self {
            identities: LabelledSet::build(identities)?,
            trailer_keys: keys,
            trailer_values: LabelledSet::build(values)?,
            markers: LabelledSet::build(markers)?,
            subjects: LabelledSet::build(subjects)?,
        })
    }

    /// Whether `identity` (`Name <email>`) is a known AI identity; returns the tool.
    pub fn ai_identity(&self, identity: &str) -> Option<&str> {
        self.identities.first_match(identity)
    }

    /// Why the commit is AI-tagged, or `None` when no detector matches.
    pub fn detect(&self, commit: &CommitText<'_>) -> Option<AiEvidence> {
        let found = |tool: &str, evidence: String| {
            Some(AiEvidence {
                tool: tool.to_string(),
                evidence,
            })
        };
        if let Some(tool) = self.ai_identity(commit.author) {
            return found(tool, format!("author {}", commit.author));
        }
        if let Some(tool) = self.ai_identity(commit.committer) {
            return found(tool, format!("committer {}", commit.committer));
        }
        for (key, value) in crate::trailers::trailer_like_lines(commit.message) {
            let key = String::from_utf8_lossy(key);
            let value = String::from_utf8_lossy(value);
            let lower = key.to_ascii_lowercase();
            if let Some((_, tool)) = self.trailer_keys.iter().find(|(k, _)| *k == lower) {
                return found(tool, format!("trailer {key}: {value}"));
            }
            let line = format!("{key}: {value}");
            if IDENTITY_TRAILER_KEYS.contains(&lower.as_str()) {
                if let Some(tool) = self.ai_identity(&value) {
                    return found(tool, format!("trailer {line}"));
                }
            }
            if let Some(tool) = self.trailer_values.first_match(&line) {
                return found(tool, format!("trailer {line}"));
            }
        }
        let text = String::from_utf8_lossy(commit.message);
        let mut lines = text.lines();
        if let Some(subject) = lines.next() {
            if let Some(tool) = self.subjects.first_match(subject.trim()) {
                return found(tool, format!("subject \"{}\"", subject.trim()));
            }
            if let Some(tool) = self.markers.first_match(subject.trim()) {
                return found(tool, format!("line \"{}\"", subject.trim()));
            }
        }
        for line in lines {
            let line = line.trim();
            if let Some(tool) = self.markers.first_match(line) {
                return found(tool, format!("line \"{line}\""));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Detector {
        Detector::new(&DetectConfig {
            builtin: true,
            ..Default::default()
        })
        .expect("catalog compiles")
    }

    #[test]
    fn every_row_compiles() {
        for e in CATALOG {
            match e.signal {
                Identity(p) | TrailerValue(p) | Marker(p) | Subject(p) => {
                    text_glob(p).unwrap_or_else(|err| panic!("{}: {err}", e.tool));
                }
                TrailerKey(k) => {
                    assert!(crate::trailers::find_separator(format!("{k}:").as_bytes()).is_some())
                }
            }
        }
    }

    #[test]
    fn human_named_claude_is_not_ai() {
        let d = builtin();
        let msg = b"Fix\n\nCo-authored-by: Claude Monet <claude@example.org>\n";
        let c = CommitText {
            author: "Claude Shannon <claude@bell-labs.example>",
            committer: "Claude Shannon <claude@bell-labs.example>",
            message: msg,
        };
        assert_eq!(d.detect(&c), None);
    }
}
