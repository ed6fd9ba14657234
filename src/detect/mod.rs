//! Which commits are AI-tagged: the built-in catalog of AI tool markers
//! ([`catalog`]), the detector that applies it (plus a policy's own
//! additions), how an `Assisted-by:` value is read ([`assisted`]), and
//! git-ai's authorship notes ([`notes`]).
//!
//! Identities are matched as a whole `Name <email>` (case-insensitive globs), never
//! by trailer key or first name alone: `Co-authored-by:` usually names a human,
//! and "Claude" is also a person's name.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::ident::trim_git_space as trim;

pub mod assisted;
pub mod catalog;
pub mod model;
pub mod notes;

use catalog::Signal::{GithubApp, Identity, Marker, NamesAi, Subject, TrailerKey, TrailerValue};
pub use catalog::{CatalogEntry, Signal, CATALOG};

/// Whether `identity` (`Name <email>`) is a bot account: automation, which is
/// never a human review (`dependabot[bot]`, `github-actions[bot]`, GitHub's
/// web-flow committer).
pub fn is_bot_identity(identity: &str) -> bool {
    let lower = identity.to_ascii_lowercase();
    lower.contains("[bot]")
        || lower.ends_with("<noreply@github.com>")
        || lower.ends_with("<noreply@gitlab.com>")
}

/// Trailer keys whose value names a person or tool that worked on the commit.
const IDENTITY_TRAILER_KEYS: [&str; 3] = ["co-authored-by", "signed-off-by", "assisted-by"];

/// A set of globs, each with a label saying where it came from, and a
/// prefilter: every pattern requires some literal, so text containing none of
/// them (ASCII case-insensitively) cannot match and the globs are skipped.
/// Text with non-ASCII bytes always takes the full path, since the globs fold
/// case by Unicode rules and the prefilter only by ASCII. Both the prefilter and
/// the glob set are built on first use: a push of ordinary commits never
/// compiles a regex.
#[derive(Debug, Clone)]
struct LabelledSet {
    /// The patterns, lowercased: compiled into the set on its first use.
    globs: Vec<String>,
    labels: Vec<String>,
    /// The literal each pattern requires; `None` if some pattern has none.
    literals: Option<Vec<String>>,
    /// The prefilter for the first searches: a contiguous NFA, cheap to
    /// build (a one-commit push pays only this).
    prefilter: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
    /// The prefilter once a push has searched [`DFA_AFTER`] times: a DFA,
    /// dear to build (5.9M instructions, 41 % of a one-commit push before
    /// this split) and the fastest to search.
    dfa: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
    searches: Searches,
    /// For long texts once the DFA is built: the literals' vectorised
    /// (Teddy) searcher over the text lowercased. The case-insensitive
    /// automaton has no prefilter for these literals and steps through every
    /// byte; where the CPU has no Teddy, the DFA searches.
    packed: std::sync::OnceLock<Option<aho_corasick::packed::Searcher>>,
    set: std::sync::OnceLock<Option<GlobSet>>,
}

/// A set's first searches of short texts look for each literal in turn
/// (the literals are lowercase; the text is lowercased): a one-commit push
/// makes a few, and building even the NFA prefilter cost 1.3M instructions,
/// a quarter of such a push.
const PLAIN_UNTIL: usize = 32;
const PLAIN_TEXT: usize = 4096;

std::thread_local! {
    /// The text a set's automaton searches, lowercased: one buffer per
    /// thread, reused.
    static LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// From what length a text is searched with the packed searcher: shorter
/// ones (names, emails, subjects) are quicker through the DFA than lowercased
/// and handed to its short-text fallback.
const PACKED_TEXT: usize = 80;

/// After how many searches a set builds its DFA prefilter.
const DFA_AFTER: usize = 256;

/// How many times a set's prefilter was searched.
#[derive(Debug, Default)]
struct Searches(std::sync::atomic::AtomicUsize);

impl Clone for Searches {
    fn clone(&self) -> Self {
        Self(std::sync::atomic::AtomicUsize::new(
            self.0.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

/// The label reported if a set cannot be compiled: the commit is treated as
/// AI-tagged (fail closed) rather than silently not matched.
const UNCOMPILABLE: &str = "detection patterns that failed to compile (treated as a match)";

impl LabelledSet {
    /// `items` are (glob, label, the literal the glob requires).
    fn build(items: Vec<Item>) -> Self {
        let mut globs = Vec::with_capacity(items.len());
        let mut labels = Vec::with_capacity(items.len());
        let mut literals = Some(Vec::with_capacity(items.len()));
        for (g, l, lit) in items {
            globs.push(g);
            labels.push(l);
            match (&mut literals, lit) {
                (Some(list), Some(lit)) => {
                    if !list.contains(&lit) {
                        list.push(lit);
                    }
                }
                (slot, _) => *slot = None,
            }
        }
        Self {
            globs,
            labels,
            literals,
            prefilter: std::sync::OnceLock::new(),
            dfa: std::sync::OnceLock::new(),
            searches: Searches::default(),
            packed: std::sync::OnceLock::new(),
            set: std::sync::OnceLock::new(),
        }
    }

    /// Whether `text` may match some pattern (false only when it cannot).
    fn may_match(&self, text: &[u8]) -> bool {
        if self.labels.is_empty() {
            return false;
        }
        let Some(literals) = &self.literals else {
            return true;
        };
        if !text.is_ascii() {
            return true;
        }
        let n = self
            .searches
            .0
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n < PLAIN_UNTIL && text.len() <= PLAIN_TEXT {
            // A substring search per literal: no automaton to build.
            let lower = text.to_ascii_lowercase();
            return literals
                .iter()
                .any(|l| memchr::memmem::find(&lower, l.as_bytes()).is_some());
        }
        if n >= DFA_AFTER && text.len() >= PACKED_TEXT {
            let packed = self.packed.get_or_init(|| {
                aho_corasick::packed::Config::new()
                    .builder()
                    .extend(literals)
                    .build()
            });
            if let Some(packed) = packed {
                return LOWERED.with_borrow_mut(|lower| {
                    lower.clear();
                    lower.extend_from_slice(text);
                    lower.make_ascii_lowercase();
                    packed.find(lower.as_slice()).is_some()
                });
            }
        }
        let build = |kind| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(kind))
                .build(literals)
                .ok()
        };
        let ac = if n < DFA_AFTER {
            self.prefilter
                .get_or_init(|| build(aho_corasick::AhoCorasickKind::ContiguousNFA))
        } else {
            self.dfa
                .get_or_init(|| build(aho_corasick::AhoCorasickKind::DFA))
        };
        ac.as_ref().is_none_or(|ac| ac.is_match(text))
    }

    fn first_match(&self, text: &str) -> Option<&str> {
        if !self.may_match(text.as_bytes()) {
            return None;
        }
        let lower = text.to_lowercase();
        let text = lower.as_str();
        let set = self.set.get_or_init(|| {
            let mut b = GlobSetBuilder::new();
            for g in &self.globs {
                b.add(lowered_glob(g).ok()?);
            }
            b.build().ok()
        });
        let Some(set) = set else {
            return Some(UNCOMPILABLE);
        };
        // `is_match` stops at the first hit and allocates nothing; only a hit
        // pays for finding which pattern it was.
        if !set.is_match(text) {
            return None;
        }
        set.matches(text)
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

/// The detector's form of a glob: lowercased and matched case-sensitively
/// against lowercased text (case-insensitive by Unicode lowercasing). Unlike a
/// case-insensitive glob, this lets globset use its literal strategies
/// (`* <noreply@anthropic.com>` becomes a suffix test), which compile and
/// match far faster than one big case-insensitive regex.
fn lower_glob(pattern: &str) -> Result<Glob, globset::Error> {
    lowered_glob(&pattern.to_lowercase())
}

/// [`lower_glob`] of a pattern already lowercased.
fn lowered_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
}

/// How `Assisted-by:` counts (`[detect] assisted-by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssistedBy {
    /// Only a value that names an AI tool or model, has the `AGENT:MODEL`
    /// form, or carries an AI identity ([`assisted`]): the default.
    #[default]
    Tools,
    /// Any value: for projects that write the trailer only for AI.
    Any,
}

impl AssistedBy {
    /// As the policy file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tools => "tools",
            Self::Any => "any",
        }
    }
}

/// Extra detection rules from a policy's `[detect]` table.
#[derive(Debug, Clone, Default)]
pub struct DetectConfig {
    /// Whether the built-in catalog applies.
    pub builtin: bool,
    /// How `Assisted-by:` counts.
    pub assisted_by: AssistedBy,
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
    /// Where it was found, e.g. `Co-authored-by: Claude <noreply@anthropic.com>`,
    /// and, where the line alone does not say it, which rule matched.
    pub evidence: String,
}

/// How a trailer key counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyRule {
    /// Its presence.
    Present,
    /// Its value, read by [`assisted::classify`].
    NamesAi,
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

/// The longest literal run a glob requires (ASCII, lowercased, at least 3
/// bytes), treating `boundaries` as wildcards too; `None` if there is none.
fn required_literal(pattern: &str, boundaries: &[char]) -> Option<String> {
    let mut best = String::new();
    let mut cur = String::new();
    let mut chars = pattern.chars();
    let flush = |cur: &mut String, best: &mut String| {
        // A substring of a required run is required too: keep the core that
        // starts and ends alphanumeric, whose first byte makes a good anchor.
        let core = cur.trim_matches(|c: char| !c.is_alphanumeric());
        if core.len() > best.len() {
            *best = core.to_string();
        }
        cur.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => cur.push(n),
                None => flush(&mut cur, &mut best),
            },
            '*' | '?' => flush(&mut cur, &mut best),
            '[' | '{' => {
                flush(&mut cur, &mut best);
                let close = if c == '[' { ']' } else { '}' };
                for n in chars.by_ref() {
                    if n == close {
                        break;
                    }
                }
            }
            c if boundaries.contains(&c) || (boundaries.contains(&' ') && c.is_whitespace()) => {
                flush(&mut cur, &mut best)
            }
            c => cur.push(c),
        }
    }
    flush(&mut cur, &mut best);
    (best.len() >= 3 && best.is_ascii()).then(|| best.to_ascii_lowercase())
}

/// A pattern (lowercased), its label, and the literal it requires.
type Item = (String, String, Option<String>);

/// The detector's pattern lists, as they are gathered.
#[derive(Default)]
struct Builder {
    identities: Vec<Item>,
    github_apps: std::collections::HashMap<String, String>,
    keys: Vec<(String, String, KeyRule)>,
    values: Vec<Item>,
    markers: Vec<Item>,
    subjects: Vec<Item>,
    /// The literal keys of the trailer value patterns (`None`: some key is
    /// a glob, so every line is matched).
    value_keys: Option<Vec<String>>,
    /// Whether a value pattern was noted yet (`value_keys` starts empty).
    noted: bool,
}

// Trailer values are matched as "Key: value" but their literals must appear
// in the raw line, where the spacing around ':' may differ. Identities are
// matched as readings of a value ("Name <email>", rebuilt around the
// brackets), so their literals stop at spaces and brackets: each is then a
// substring of the raw value, and the raw value can be prefiltered before
// any reading is built.
const VALUE: &[char] = &[':', ' '];
const IDENTITY: &[char] = &[' ', '<', '>'];
const TEXT: &[char] = &[];

/// A catalog pattern: compiled only when its set is first searched
/// (`every_row_compiles` holds the catalog to compiling).
fn item(p: &str, label: String, bounds: &[char]) -> Item {
    (p.to_lowercase(), label, required_literal(p, bounds))
}

/// A policy's pattern: compiled now, so a bad one is a located error when
/// the policy is read, then again with its set.
fn checked_item(p: &str, label: String, bounds: &[char]) -> Result<Item, globset::Error> {
    lower_glob(p)?;
    Ok(item(p, label, bounds))
}

impl Builder {
    /// The catalog's rows.
    fn catalog(&mut self, rows: &[CatalogEntry], assisted_by: AssistedBy) {
        for e in rows {
            let label = e.tool.to_string();
            match e.signal {
                Identity(p) => self.identities.push(item(p, label, IDENTITY)),
                GithubApp(slug) => {
                    self.github_apps
                        .entry(slug.to_ascii_lowercase())
                        .or_insert(label);
                }
                TrailerKey(k) => self
                    .keys
                    .push((k.to_ascii_lowercase(), label, KeyRule::Present)),
                NamesAi(k) => {
                    let rule = match assisted_by {
                        AssistedBy::Tools => KeyRule::NamesAi,
                        AssistedBy::Any => KeyRule::Present,
                    };
                    self.keys.push((k.to_ascii_lowercase(), label, rule));
                }
                TrailerValue(p) => self.values.push(item(p, label, VALUE)),
                Marker(p) => self.markers.push(item(p, label, TEXT)),
                Subject(p) => self.subjects.push(item(p, label, TEXT)),
            }
        }
    }

    /// A policy's `[detect]` additions.
    fn additions(&mut self, cfg: &DetectConfig) -> Result<(), globset::Error> {
        let policy = |kind: &str, p: &str| format!("policy detect.{kind} \"{p}\"");
        for p in &cfg.identities {
            self.identities
                .push(checked_item(p, policy("identities", p), IDENTITY)?);
        }
        for k in &cfg.trailer_keys {
            self.keys.push((
                k.to_ascii_lowercase(),
                policy("trailer-keys", k),
                KeyRule::Present,
            ));
        }
        for p in &cfg.trailer_values {
            self.values
                .push(checked_item(p, policy("trailer-values", p), VALUE)?);
        }
        for p in &cfg.markers {
            self.markers
                .push(checked_item(p, policy("markers", p), TEXT)?);
        }
        Ok(())
    }

    /// Note the key of a trailer value pattern: only lines with one of the
    /// keys are matched, while every key is literal.
    fn note_value_key(&mut self, pattern: &str) {
        if !self.noted {
            self.noted = true;
            self.value_keys = Some(Vec::new());
        }
        let key = pattern
            .split_once(':')
            .map(|(k, _)| k.trim().to_ascii_lowercase());
        match (&mut self.value_keys, key) {
            (Some(keys), Some(k)) if !k.is_empty() && !k.contains(['*', '?', '[', '{', '\\']) => {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            (slot, _) => *slot = None,
        }
    }
}

/// The compiled detector: built-in catalog plus a policy's additions.
#[derive(Debug, Clone)]
pub struct Detector {
    /// GitHub App slugs (lowercase) -> tool.
    github_apps: std::collections::HashMap<String, String>,
    identities: LabelledSet,
    trailer_keys: Vec<(String, String, KeyRule)>,
    trailer_values: LabelledSet,
    /// The keys (lowercase) of the trailer value patterns, when each names
    /// its key literally: only lines with one of them are matched against
    /// the patterns. `None`: some pattern's key is a glob.
    value_keys: Option<Vec<String>>,
    markers: LabelledSet,
    subjects: LabelledSet,
    /// Whether the catalog's tool and model names ([`catalog::NAMES`]) are
    /// read in person values (with the built-in catalog).
    names: bool,
}

impl Detector {
    /// Build from a policy's detection settings. Patterns are validated by the
    /// policy loader first; an error here means a built-in row is broken.
    pub fn new(cfg: &DetectConfig) -> Result<Self, globset::Error> {
        let rows: &[CatalogEntry] = if cfg.builtin { CATALOG } else { &[] };
        Self::with_rows(rows, cfg)
    }

    /// Build from catalog `rows` (instead of [`CATALOG`]) plus the policy
    /// additions in `cfg` (its `builtin` flag is ignored). Tests build a
    /// detector from one row to show that each row matches on its own.
    pub fn with_rows(rows: &[CatalogEntry], cfg: &DetectConfig) -> Result<Self, globset::Error> {
        let mut b = Builder::default();
        b.catalog(rows, cfg.assisted_by);
        b.additions(cfg)?;
        for e in rows {
            if let TrailerValue(p) = e.signal {
                b.note_value_key(p);
            }
        }
        for p in &cfg.trailer_values {
            b.note_value_key(p);
        }
        Ok(Self {
            github_apps: b.github_apps,
            identities: LabelledSet::build(b.identities),
            trailer_keys: b.keys,
            trailer_values: LabelledSet::build(b.values),
            value_keys: b.value_keys,
            markers: LabelledSet::build(b.markers),
            subjects: LabelledSet::build(b.subjects),
            names: rows.iter().any(|e| matches!(e.signal, NamesAi(_))),
        })
    }

    /// Whether a `Name <email>` value (a co-author, reviewer or sign-off)
    /// names an AI: an AI identity, or, with the built-in catalog, a name
    /// that names an AI tool or model whatever the email (`Claude Opus 4.6
    /// <claude@example.org>`; `Claude Monet <...>` is a person). The tool.
    pub fn person_is_ai(&self, value: &str) -> Option<String> {
        self.person_readings_are_ai(value, &crate::ident::identity_readings(value))
    }

    /// [`Detector::person_is_ai`], given the value's identity readings
    /// (for callers that have them already).
    pub fn person_readings_are_ai(&self, value: &str, readings: &[String]) -> Option<String> {
        if let Some(tool) = readings.iter().find_map(|r| self.ai_identity(r)) {
            return Some(tool.to_string());
        }
        if !self.names {
            return None;
        }
        assisted::names_ai_person(value).map(|n| n.tool.to_string())
    }

    /// Whether a `Name <email>` made of `name` and `email` may be an AI
    /// identity: false only when it cannot be (no GitHub App marker and no
    /// identity pattern's literal in either part; the literals stop at
    /// spaces and brackets, so each lies within the name or the email). Lets
    /// a caller skip building the `Name <email>` text for most commits.
    pub fn may_be_ai_identity(&self, name: &str, email: &str) -> bool {
        let app = !self.github_apps.is_empty()
            && (may_name_an_app(name.as_bytes()) || may_name_an_app(email.as_bytes()));
        app || self.identities.may_match(name.as_bytes())
            || self.identities.may_match(email.as_bytes())
    }

    /// Whether `identity` (`Name <email>`) is a known AI identity; returns the tool.
    pub fn ai_identity(&self, identity: &str) -> Option<&str> {
        self.github_app(identity)
            .or_else(|| self.identities.first_match(identity))
    }

    /// The tool whose GitHub App `identity` (`Name <email>`) is: by the name
    /// `slug[bot]`, or by the address `[ID+]slug[bot]@users.noreply.github.com`.
    fn github_app(&self, identity: &str) -> Option<&str> {
        if self.github_apps.is_empty() || !may_name_an_app(identity.as_bytes()) {
            return None;
        }
        let lower = identity.to_ascii_lowercase();
        let (name, rest) = lower.rsplit_once(" <").unwrap_or(("", lower.as_str()));
        let email = rest.strip_suffix('>').unwrap_or(rest);
        let by_name = name.trim().strip_suffix("[bot]");
        let by_email = email
            .strip_suffix("[bot]@users.noreply.github.com")
            .map(|local| {
                local.split_once('+').map_or(local, |(id, slug)| {
                    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
                        slug
                    } else {
                        local
                    }
                })
            });
        let found = [by_name, by_email]
            .into_iter()
            .flatten()
            .find_map(|slug| self.github_apps.get(slug));
        found.map(String::as_str)
    }

    /// Why the commit is AI-tagged, or `None` when no detector matches.
    ///
    /// Hot path: runs on every commit a push brings, so it works on borrowed
    /// bytes and allocates only when something matches.
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
        if let Some(e) = self.in_disclosure_lines(commit.message) {
            return Some(e);
        }
        // The subject as git shows it (`%s`: the first paragraph after any
        // blank lines, its lines joined).
        let first_paragraph = commit
            .message
            .get(crate::trailers::subject_range(commit.message))
            .unwrap_or(&[]);
        if self.subjects.may_match(first_paragraph) {
            let subject = crate::trailers::subject(commit.message);
            if let Some(tool) = self.subjects.first_match(&subject) {
                return found(tool, format!("subject \"{subject}\""));
            }
        }
        // Marker lines can be anywhere: one scan of the whole message first.
        if !self.markers.may_match(commit.message) {
            return None;
        }
        for raw in crate::trailers::lines(commit.message) {
            let line = String::from_utf8_lossy(trim(raw));
            if let Some(tool) = self.markers.first_match(&line) {
                return found(tool, format!("line \"{line}\""));
            }
        }
        None
    }

    /// Trailer-like lines first: they make the most precise evidence. A
    /// disclosure on a line of its own counts wherever it stands (a squash
    /// merge keeps the merged commits' trailers in its body, indented or as
    /// list items), not only in git's trailer block.
    #[expect(
        clippy::indexing_slicing,
        reason = "separator and trim offsets come from scans of the same line"
    )]
    fn in_disclosure_lines(&self, message: &[u8]) -> Option<AiEvidence> {
        let found = |tool: &str, evidence: String| {
            Some(AiEvidence {
                tool: tool.to_string(),
                evidence,
            })
        };
        for raw in crate::trailers::lines(message) {
            let raw = disclosure_line(raw);
            let Some(sep) = crate::trailers::find_separator(raw).filter(|&p| p >= 1) else {
                continue;
            };
            let key = trim(&raw[..sep]);
            let value = trim(&raw[sep + 1..]);
            // A whole-line pattern is the most specific (`Generated-By:
            // PostHog Code` before the `Generated-by` key).
            let valued = self
                .value_keys
                .as_ref()
                .is_none_or(|keys| keys.iter().any(|k| k.as_bytes().eq_ignore_ascii_case(key)));
            if valued && self.trailer_values.may_match(raw) {
                let line = line_text(key, value);
                if let Some(tool) = self.trailer_values.first_match(&line) {
                    return found(tool, format!("trailer {line}"));
                }
            }
            if let Some((_, tool, rule)) = self
                .trailer_keys
                .iter()
                .find(|(k, _, _)| k.as_bytes().eq_ignore_ascii_case(key))
            {
                let line = line_text(key, value);
                match rule {
                    KeyRule::Present => return found(tool, format!("trailer {line}")),
                    KeyRule::NamesAi => {
                        let text = String::from_utf8_lossy(value);
                        if let Some(ai) = assisted::classify(&text, |r| self.ai_identity(r)) {
                            return found(ai.tool(), format!("trailer {line}, {}", ai.reason()));
                        }
                    }
                }
            }
            let names_someone = IDENTITY_TRAILER_KEYS
                .iter()
                .any(|k| k.as_bytes().eq_ignore_ascii_case(key));
            if names_someone && (self.identities.may_match(value) || may_name_an_app(value)) {
                let value_text = String::from_utf8_lossy(value);
                if let Some(tool) = crate::ident::identity_readings(&value_text)
                    .iter()
                    .find_map(|r| self.ai_identity(r))
                {
                    return found(tool, format!("trailer {}", line_text(key, value)));
                }
            }
            // A co-author or sign-off whose name names a tool or model is AI
            // whatever the email (Assisted-by values are read above).
            if names_someone && self.names && !key.eq_ignore_ascii_case(b"assisted-by") {
                if let Some(n) = assisted::names_ai_person_bytes(value) {
                    return found(
                        n.tool,
                        format!(
                            "trailer {}, whose name names \"{}\"",
                            line_text(key, value),
                            n.name
                        ),
                    );
                }
            }
        }
        None
    }
}

/// Whether `value` may name a GitHub App (`[bot]`, any case).
fn may_name_an_app(value: &[u8]) -> bool {
    memchr::memchr_iter(b'[', value).any(|i| {
        value
            .get(i..i + 5)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"[bot]"))
    })
}

/// A message line as a possible `Key: value` disclosure: leading whitespace
/// and list or quote markers (`* `, `- `, `+ `, `> `) removed.
fn disclosure_line(raw: &[u8]) -> &[u8] {
    let mut line = trim_start(raw);
    for _ in 0..3 {
        match line {
            [b'*' | b'-' | b'+' | b'>', b' ' | b'\t', rest @ ..] => line = trim_start(rest),
            _ => break,
        }
    }
    line
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .take_while(|c| crate::ident::is_git_space(**c))
        .count();
    s.get(n..).unwrap_or(&[])
}

/// `Key: value`, normalised.
fn line_text(key: &[u8], value: &[u8]) -> String {
    format!(
        "{}: {}",
        String::from_utf8_lossy(key),
        String::from_utf8_lossy(value)
    )
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
                GithubApp(slug) => assert!(
                    slug.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                    "{slug}"
                ),
                TrailerKey(k) | NamesAi(k) => {
                    assert!(crate::trailers::find_separator(format!("{k}:").as_bytes()).is_some())
                }
            }
        }
    }

    #[test]
    fn required_literals() {
        assert_eq!(
            required_literal("* <noreply@anthropic.com>", &[]).as_deref(),
            Some("noreply@anthropic.com")
        );
        assert_eq!(
            required_literal("* (aider) <*>", &[]).as_deref(),
            Some("aider")
        );
        assert_eq!(
            required_literal("*Generated with \\[Claude Code\\]*", &[]).as_deref(),
            Some("generated with [claude code")
        );
        assert_eq!(
            required_literal("Made-with: Cursor", &[':', ' ']).as_deref(),
            Some("made-with")
        );
        assert_eq!(required_literal("*[bot]*", &[]), None);
        assert_eq!(required_literal("{a,b}c*", &[]), None);
        assert_eq!(required_literal("*ÉTÉ*", &[]), None);
        // Every built-in row has one, so every prefilter is on by default.
        let d = builtin();
        for set in [&d.identities, &d.trailer_values, &d.markers, &d.subjects] {
            assert!(set.literals.is_some());
        }
        let d = Detector::new(&DetectConfig {
            builtin: true,
            markers: vec!["*".into()],
            ..Default::default()
        })
        .expect("d");
        assert!(
            d.markers.literals.is_none() && d.identities.literals.is_some(),
            "a pattern without a literal turns the prefilter off"
        );
    }

    /// The same detector with every prefilter turned off (the full glob path
    /// for every text).
    fn without_prefilter(d: &Detector) -> Detector {
        let mut d = d.clone();
        d.value_keys = None;
        for set in [
            &mut d.identities,
            &mut d.trailer_values,
            &mut d.markers,
            &mut d.subjects,
        ] {
            set.literals = None;
            set.prefilter = std::sync::OnceLock::new();
        }
        d
    }

    /// A set's three ways of searching for its literals (one substring
    /// search each, the NFA, the DFA) give the same answers.
    #[test]
    fn plain_search_and_automata_agree() {
        let d = builtin();
        let long = format!("{}noreply@anthropic.com", "x".repeat(PLAIN_TEXT));
        let texts = [
            "",
            "Claude <NOREPLY@Anthropic.com>",
            "noreply@anthropic.co",
            "Ann Lee <ann@example.com>",
            "Co-Authored-By: Claude <noreply@anthropic.com>",
            "Generated with [Claude Code](https://claude.ai/code)",
            "Made-with: CURSOR",
            "aider: refactor",
            "devin-ai-integration[bot]",
            "copilot",
            "cOpIlOt",
            long.as_str(),
        ];
        // Each also as a long text (the packed searcher's), the literal
        // first, last and amid prose, in any case.
        let prose = "Explain why The Change is needed, what it does and what it leaves alone.";
        let texts: Vec<String> = texts
            .iter()
            .flat_map(|t| {
                [
                    t.to_string(),
                    format!("{t}\n{prose}"),
                    format!("{prose}\n{t}"),
                    format!("{prose} {} {prose}", t.to_uppercase()),
                ]
            })
            .collect();
        let mut hits = 0;
        let mut packed = 0;
        for set in [&d.identities, &d.trailer_values, &d.markers, &d.subjects] {
            assert!(set.literals.is_some());
            for t in &texts {
                let answers: Vec<bool> = [0, PLAIN_UNTIL, DFA_AFTER]
                    .iter()
                    .map(|&n| {
                        let s = set.clone();
                        s.searches.0.store(n, std::sync::atomic::Ordering::Relaxed);
                        let answer = s.may_match(t.as_bytes());
                        packed += usize::from(matches!(s.packed.get(), Some(Some(_))));
                        answer
                    })
                    .collect();
                assert!(
                    answers.iter().all(|&a| a == answers[0]),
                    "{t:?}: {answers:?}"
                );
                hits += usize::from(answers[0]);
            }
        }
        assert!(hits > 4 * 4, "{hits}: exercise both answers");
        if cfg!(target_arch = "x86_64") && std::arch::is_x86_feature_detected!("ssse3") {
            assert!(packed > 4 * 12, "{packed}: the packed searcher searched");
        }
    }

    #[test]
    fn prefilter_never_changes_the_answer() {
        let fast = builtin();
        let full = without_prefilter(&fast);
        assert!(full.identities.literals.is_none());
        // Names and lines that hit, nearly hit and miss, in ASCII and not:
        // the Kelvin sign K folds to "k" by Unicode rules (so "Kiro Agent"
        // matches), and "ſ" (long s) folds to "s".
        let names = [
            "\u{212A}iro Agent <k@example.com>",
            "Kiro Agent <k@example.com>",
            "Ann Lee <ann@example.com>",
            "Claude <noreply@anthropic.com>",
            "Claude <NOREPLY@ANTHROPIC.COM>",
            "Ann (aider) <ann@example.com>",
            "Ann (aıder) <ann@example.com>",
            "Ann <ann@noreply.anthropic.com>",
            "devin-ai-integration[bot] <x@y>",
            "Jörg <jörg@example.com>",
        ];
        let lines = [
            "",
            "Co-Authored-By: Claude <noreply@anthropic.com>",
            "Co-authored-by: Kiro Agent <k@x>",
            "Co-authored-by: \u{212A}iro Agent <k@x>",
            "Co-authored-by: Kiro <k@x> Agent",
            "Co-authored-by: <k@x> Kiro Agent",
            "Co-authored-by: Claude<noreply@anthropic.com>",
            "Co-authored-by: Ann <ann@example.com> <noreply@anthropic.com>",
            "Made-with: Cursor",
            "Made-with : Cursor",
            "made-with: cur\u{17F}or",
            "🤖 Generated with [Claude Code](https://claude.ai/code)",
            "Generated with [Claude Code]",
            "Generated with [Claude-Code]",
            "aider: refactor",
            "Potential fix for code scanning alert no. 3: x",
            "Replit-Commit-Author: Agent",
            "Reviewed-by: Ann <ann@example.com>",
            "Ünïcode prose",
        ];
        let mut hits = 0;
        let mut n = 0;
        for author in names {
            for (i, a) in lines.iter().enumerate() {
                for b in lines.iter().skip(i) {
                    let message = format!("{a}\n\n{b}\n");
                    let c = CommitText {
                        author,
                        committer: "Bo <bo@example.com>",
                        message: message.as_bytes(),
                    };
                    let (x, y) = (fast.detect(&c), full.detect(&c));
                    assert_eq!(x, y, "author {author:?}, message {message:?}");
                    hits += usize::from(x.is_some());
                    n += 1;
                }
            }
        }
        assert!(
            hits > n / 4 && hits < n,
            "{hits} of {n}: exercise both answers"
        );
    }

    #[test]
    fn disclosures_anywhere_on_a_line_of_their_own() {
        let d = builtin();
        let detect = |msg: &str| {
            d.detect(&CommitText {
                author: "Ann <ann@example.com>",
                committer: "Ann <ann@example.com>",
                message: msg.as_bytes(),
            })
            .map(|e| e.tool)
        };
        // A squash body: the merged commits' trailers are list items or indented.
        for body in [
            "Add parser (#7)\n\n* Add parser\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\n* Fix\n",
            "Add parser (#7)\n\n* Add parser\n  Co-Authored-By: Claude <noreply@anthropic.com>\n",
            "Add parser (#7)\n\n- Co-authored-by: Claude <noreply@anthropic.com>\n\nReviewed-by: Ann <ann@example.com>\n",
            "Squash\n\n> Assisted-by: Claude:claude-opus-4\n",
        ] {
            assert_eq!(detect(body).as_deref(), Some(if body.contains("Assisted") { "Claude" } else { "Claude Code" }), "{body:?}");
        }
        // A person named in prose is not a marker.
        assert_eq!(
            detect("Fix\n\nThanks to Claude <noreply@anthropic.com> for the idea.\n"),
            None
        );
        assert_eq!(
            detect("Fix\n\n* Co-authored-by: Ann Lee <ann@example.com>\n"),
            None
        );
    }

    #[test]
    fn bots() {
        assert!(is_bot_identity("dependabot[bot] <support@github.com>"));
        assert!(is_bot_identity("GitHub <noreply@github.com>"));
        assert!(is_bot_identity(
            "Renovate Bot <29139614+renovate[bot]@users.noreply.github.com>"
        ));
        assert!(!is_bot_identity("Ann Lee <ann@example.com>"));
        assert!(!is_bot_identity("Abbott <abbott@example.com>"));
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
