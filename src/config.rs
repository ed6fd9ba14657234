//! The policy: `.reviewgate.toml`, parsed strictly and validated in one pass.
//!
//! The file is walked as a spanned TOML tree (not through serde) so that every
//! problem — unknown keys, wrong types, bad globs — is reported at once, each
//! with its file, line and column. A policy that fails here is never replaced by
//! a default: the caller rejects protected updates with these diagnostics.

use std::fmt;
use std::ops::Range;

use globset::{Glob, GlobBuilder, GlobMatcher};
use sha2::{Digest, Sha256};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use std::collections::BTreeMap;

use crate::detect::{self, DetectConfig, Detector};
use crate::freeze::{self, WeekTime, Window};
use crate::ident::LoginPattern;
pub use crate::rule::Mode;
use crate::rule::Rule;

/// The largest policy file read (256 KiB): anything bigger is refused before
/// parsing, so a pushed or pinned file cannot hold a push for seconds.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// The most patterns (refs, reviewers, owners, pushers, detection patterns)
/// one policy may hold; each is compiled, so the cost stays bounded.
pub const MAX_POLICY_PATTERNS: usize = 2_000;

/// The policy file's name at the root of the default branch.
pub const POLICY_FILE: &str = ".reviewgate.toml";

/// The built-in default policy, as a commented TOML file. It is the policy used
/// when a repository has none, and `reviewgate policy template` prints it.
pub const DEFAULT_POLICY_TOML: &str = include_str!("default-policy.toml");

/// Which commits an update of a protected ref must show a human review for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReviewScope {
    /// No review required.
    None,
    /// AI-tagged commits need a review.
    Ai,
    /// Every commit needs a review.
    All,
}

/// One ref pattern of a `[[protect]]` entry.
#[derive(Debug, Clone)]
pub enum RefPattern {
    /// `@default`: the branch `HEAD` names.
    DefaultBranch,
    /// A glob over full ref names (`*` stops at `/`, `**` crosses it).
    Glob {
        /// The pattern as written.
        pattern: String,
        /// The compiled matcher.
        matcher: GlobMatcher,
    },
}

impl RefPattern {
    /// Whether `refname` matches, given the default branch's ref name.
    pub fn matches(&self, refname: &str, default_branch: Option<&str>) -> bool {
        match self {
            RefPattern::DefaultBranch => default_branch == Some(refname),
            RefPattern::Glob { matcher, .. } => matcher.is_match(refname),
        }
    }

    /// The pattern as written in the policy.
    pub fn as_str(&self) -> &str {
        match self {
            RefPattern::DefaultBranch => "@default",
            RefPattern::Glob { pattern, .. } => pattern,
        }
    }
}

/// One `[[protect]]` entry: refs and the rules that apply to them.
#[derive(Debug, Clone)]
pub struct Protection {
    /// The refs this entry protects.
    pub refs: Vec<RefPattern>,
    /// Whether the refs may be deleted.
    pub allow_deletion: bool,
    /// Whether non-fast-forward updates are allowed.
    pub allow_force_push: bool,
    /// Whether an existing ref may move at all (false: created once, never moved).
    pub allow_update: bool,
    /// Whether merge commits are refused.
    pub linear_history: bool,
    /// Whether pushes to the `refs/replace/*` refs this entry matches are
    /// allowed at all (judged like any protected update); default false.
    pub allow_replace: bool,
    /// Pusher logins allowed to update these refs; empty means anyone.
    pub pushers: Vec<LoginPattern>,
    /// Which commits need a human review.
    pub review: ReviewScope,
    /// Mode override for violations on these refs.
    pub mode: Option<Mode>,
    /// Change-freeze windows for these refs.
    pub freeze: Vec<Window>,
}

/// The `[review]` table: what counts as a human review.
#[derive(Debug, Clone)]
pub struct ReviewRules {
    /// The trailer key (compared case-insensitively).
    pub trailer: String,
    /// Minimum number of distinct valid reviewers.
    pub min_reviewers: u32,
    /// Allowed reviewer emails (globs, case-insensitive); empty means any human.
    pub reviewers: Vec<GlobMatcher>,
    /// The reviewer patterns as written.
    pub reviewer_patterns: Vec<String>,
    /// Whether one valid reviewer of each commit must be the authenticated pusher.
    pub require_pusher: bool,
}

/// A validated policy, ready to apply.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Global mode.
    pub mode: Mode,
    /// What counts as a review.
    pub review: ReviewRules,
    /// The AI detector (catalog plus additions).
    pub detector: Detector,
    /// The protection entries, in file order.
    pub protect: Vec<Protection>,
    /// Server login → the reviewer emails that login stands for (lowercase).
    pub identities: BTreeMap<String, Vec<String>>,
    /// Who may review policy changes (email globs); empty: any valid reviewer.
    pub owners: Vec<GlobMatcher>,
    /// The owner patterns as written.
    pub owner_patterns: Vec<String>,
    /// Pusher logins allowed to break glass.
    pub bypass_pushers: Vec<LoginPattern>,
    /// Per-rule mode overrides.
    pub rule_modes: BTreeMap<Rule, Mode>,
}

/// Where a policy text came from, for messages and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// No policy file: the built-in default.
    Builtin,
    /// `.reviewgate.toml` on a branch, as of a commit.
    Repository {
        /// The branch it was read from (`refs/heads/main`).
        refname: String,
        /// The commit id.
        commit: String,
        /// The blob id of the file.
        blob: String,
    },
    /// A file given on the command line or pinned by the server.
    File(String),
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySource::Builtin => write!(f, "built-in default"),
            PolicySource::Repository {
                refname, commit, ..
            } => {
                let short = commit.get(..12).unwrap_or(commit);
                write!(f, "{POLICY_FILE} on {refname} at {short}")
            }
            PolicySource::File(path) => write!(f, "{path}"),
        }
    }
}

impl PolicySource {
    /// The file name used in diagnostics.
    pub fn file_name(&self) -> &str {
        match self {
            PolicySource::Builtin => "<built-in default>",
            PolicySource::Repository { .. } => POLICY_FILE,
            PolicySource::File(p) => p,
        }
    }
}

/// One problem in a policy file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A policy that could not be loaded: every problem found, and where the file came from.
#[derive(Debug, Clone, thiserror::Error)]
pub struct PolicyError {
    /// Where the text was read from.
    pub source_desc: PolicySource,
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.source_desc.file_name();
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{file}:{}:{}: {}", d.line, d.column, d.message)?;
        }
        if let PolicySource::Repository {
            refname, commit, ..
        } = &self.source_desc
        {
            write!(f, "\n(policy read from {refname} at commit {commit})")?;
        }
        Ok(())
    }
}

/// A policy text with its source and digest.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The validated policy.
    pub policy: Policy,
    /// Where it came from.
    pub source: PolicySource,
    /// SHA-256 of the policy text, hex.
    pub sha256: String,
    /// The branch the policy was read from, or, for the built-in default,
    /// the branch consulted that has no policy file (`None` for a pinned file
    /// or when `HEAD` names nothing).
    pub branch: Option<String>,
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl LoadedPolicy {
    /// The built-in default policy (the shipped template, which a test parses;
    /// were it ever broken, callers fail closed on the error like any other).
    pub fn builtin() -> Result<Self, PolicyError> {
        Self::from_text(DEFAULT_POLICY_TOML, PolicySource::Builtin)
    }

    /// Parse and validate a policy text from `source`.
    pub fn from_text(text: &str, source: PolicySource) -> Result<Self, PolicyError> {
        let policy = Policy::parse(text, &source)?;
        let branch = match &source {
            PolicySource::Repository { refname, .. } => Some(refname.clone()),
            _ => None,
        };
        Ok(Self {
            policy,
            sha256: sha256_hex(text.as_bytes()),
            source,
            branch,
        })
    }

    /// Parse a policy from raw bytes (rejecting non-UTF-8 and oversized files
    /// with a located error, before any parsing).
    #[expect(
        clippy::indexing_slicing,
        reason = "offsets come from the TOML parser's spans or UTF-8 validation of the same text"
    )]
    pub fn from_bytes(bytes: &[u8], source: PolicySource) -> Result<Self, PolicyError> {
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(PolicyError {
                source_desc: source,
                diagnostics: vec![Diagnostic {
                    line: 1,
                    column: 1,
                    message: format!(
                        "the policy file is larger than {} KiB, the limit; a policy is a few dozen lines",
                        MAX_POLICY_BYTES / 1024
                    ),
                }],
            });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::from_text(text, source),
            Err(e) => {
                let prefix = &bytes[..e.valid_up_to()];
                let line = prefix.iter().filter(|&&c| c == b'\n').count() + 1;
                let col_start = prefix
                    .iter()
                    .rposition(|&c| c == b'\n')
                    .map_or(0, |p| p + 1);
                let column = String::from_utf8_lossy(&prefix[col_start..])
                    .chars()
                    .count()
                    + 1;
                Err(PolicyError {
                    source_desc: source,
                    diagnostics: vec![Diagnostic {
                        line,
                        column,
                        message: "the policy file is not valid UTF-8".into(),
                    }],
                })
            }
        }
    }
}

/// Converts byte offsets to line and column.
struct Locator<'a> {
    text: &'a str,
}

impl Locator<'_> {
    fn locate(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }
}

/// Collects diagnostics while the tree is walked.
struct Walker<'a> {
    loc: Locator<'a>,
    diags: Vec<(usize, Diagnostic)>,
    /// Patterns compiled so far (capped at [`MAX_POLICY_PATTERNS`]).
    patterns: usize,
}

type Value<'i> = Spanned<DeValue<'i>>;

impl<'a> Walker<'a> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = self.loc.locate(span.start);
        self.diags.push((
            span.start,
            Diagnostic {
                line,
                column,
                message: message.into(),
            },
        ));
    }

    /// Report keys of `table` not in `allowed`.
    fn check_keys(&mut self, table: &DeTable<'_>, where_: &str, allowed: &[&str]) {
        for (key, _) in table.iter() {
            let k: &str = key.get_ref();
            if !allowed.contains(&k) {
                let hint = suggest(k, allowed)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.error(
                    key.span(),
                    format!(
                        "unknown key `{k}` in {where_}{hint}; expected one of: {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn string(&mut self, v: &Value<'_>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.error(
                    v.span(),
                    format!("`{what}` must be a string, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn boolean(&mut self, v: &Value<'_>, what: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.error(
                    v.span(),
                    format!("`{what}` must be true or false, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn integer(&mut self, v: &Value<'_>, what: &str, range: Range<i64>) -> Option<i64> {
        let parsed = v
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok());
        match parsed {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                self.error(
                    v.span(),
                    format!(
                        "`{what}` must be between {} and {}, found {n}",
                        range.start,
                        range.end - 1
                    ),
                );
                None
            }
            None => {
                self.error(
                    v.span(),
                    format!(
                        "`{what}` must be an integer, found {}",
                        v.get_ref().type_str()
                    ),
                );
                None
            }
        }
    }

    /// A list of strings, each with its span.
    fn strings(&mut self, v: &Value<'_>, what: &str) -> Vec<(String, Range<usize>)> {
        let Some(items) = v.get_ref().as_array() else {
            self.error(
                v.span(),
                format!(
                    "`{what}` must be a list of strings, found {}",
                    v.get_ref().type_str()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            if let Some(s) = self.string(item, &format!("{what}[]")) {
                out.push((s, item.span()));
            }
        }
        out
    }

    fn table<'v, 'i>(&mut self, v: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    v.span(),
                    format!("`{what}` must be a table, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn mode(&mut self, v: &Value<'_>, what: &str) -> Option<Mode> {
        match self.string(v, what)?.as_str() {
            "enforce" => Some(Mode::Enforce),
            "warn" => Some(Mode::Warn),
            other => {
                self.error(
                    v.span(),
                    format!("`{what}` must be \"enforce\" or \"warn\", found \"{other}\""),
                );
                None
            }
        }
    }

    /// Count one more pattern; false (with one located error) past the cap.
    fn count_pattern(&mut self, span: &Range<usize>) -> bool {
        self.patterns += 1;
        if self.patterns == MAX_POLICY_PATTERNS + 1 {
            self.error(
                span.clone(),
                format!("too many patterns: a policy may hold at most {MAX_POLICY_PATTERNS} (refs, reviewers, owners, pushers and detection patterns together)"),
            );
        }
        self.patterns <= MAX_POLICY_PATTERNS
    }

    fn login(&mut self, pattern: &str, span: Range<usize>, what: &str) -> Option<LoginPattern> {
        if !self.count_pattern(&span) {
            return None;
        }
        LoginPattern::new(pattern)
            .map_err(|e| self.error(span, format!("`{what}`: {e}")))
            .ok()
    }

    fn glob(
        &mut self,
        pattern: &str,
        span: Range<usize>,
        what: &str,
        build: impl Fn(&str) -> Result<Glob, globset::Error>,
    ) -> Option<GlobMatcher> {
        if !self.count_pattern(&span) {
            return None;
        }
        match build(pattern) {
            Ok(g) => Some(g.compile_matcher()),
            Err(e) => {
                self.error(
                    span,
                    format!("bad glob in `{what}`: \"{pattern}\": {}", e.kind()),
                );
                None
            }
        }
    }
}

/// A close match for a mistyped key, if any.
fn suggest<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let k = norm(key);
    allowed
        .iter()
        .copied()
        .find(|a| norm(a) == k || edit_distance(&norm(a), &k) <= 2)
}

#[expect(
    clippy::indexing_slicing,
    reason = "offsets come from the TOML parser's spans or UTF-8 validation of the same text"
)]
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Globs over ref names: `*` does not cross `/`, `**` does.
pub fn ref_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

const TOP_KEYS: &[&str] = &[
    "mode",
    "review",
    "detect",
    "protect",
    "identities",
    "policy",
    "bypass",
    "modes",
];
const REVIEW_KEYS: &[&str] = &["trailer", "min-reviewers", "reviewers", "require-pusher"];
const FREEZE_KEYS: &[&str] = &["from", "until", "timezone", "reason"];
const DETECT_KEYS: &[&str] = &[
    "builtin",
    "trailer-keys",
    "trailer-values",
    "identities",
    "markers",
];
const PROTECT_KEYS: &[&str] = &[
    "refs",
    "allow-replace",
    "allow-deletion",
    "allow-force-push",
    "allow-update",
    "linear-history",
    "pushers",
    "review",
    "mode",
    "freeze",
];

impl Policy {
    /// Parse and validate a policy text. Every problem is reported, located.
    pub fn parse(text: &str, source: &PolicySource) -> Result<Policy, PolicyError> {
        let mut w = Walker {
            patterns: 0,
            loc: Locator { text },
            diags: Vec::new(),
        };
        let (root, syntax_errors) = DeTable::parse_recoverable(text);
        for e in &syntax_errors {
            let span = e.span().unwrap_or(0..0);
            w.error(span, e.message().trim().to_string());
        }
        let root = root.get_ref();
        w.check_keys(root, "the policy", TOP_KEYS);

        let mut mode = Mode::Enforce;
        if let Some(v) = root.get("mode") {
            mode = w.mode(v, "mode").unwrap_or(mode);
        }

        let mut review = ReviewRules {
            trailer: "Reviewed-by".into(),
            min_reviewers: 1,
            reviewers: Vec::new(),
            reviewer_patterns: Vec::new(),
            require_pusher: false,
        };
        if let Some(t) = root.get("review").and_then(|v| w.table(v, "review")) {
            if let Some(v) = t.get("require-pusher") {
                review.require_pusher = w.boolean(v, "review.require-pusher").unwrap_or(false);
            }
            w.check_keys(t, "[review]", REVIEW_KEYS);
            if let Some(v) = t.get("trailer") {
                if let Some(s) = w.string(v, "review.trailer") {
                    let valid =
                        !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
                    if valid {
                        review.trailer = s;
                    } else {
                        w.error(
                            v.span(),
                            format!("`review.trailer` must be a trailer key (letters, digits and `-`), found \"{s}\""),
                        );
                    }
                }
            }
            if let Some(v) = t.get("min-reviewers") {
                if let Some(n) = w.integer(v, "review.min-reviewers", 1..101) {
                    review.min_reviewers = u32::try_from(n).unwrap_or(1);
                }
            }
            if let Some(v) = t.get("reviewers") {
                for (p, span) in w.strings(v, "review.reviewers") {
                    if let Some(m) = w.glob(&p, span, "review.reviewers", detect::text_glob) {
                        review.reviewers.push(m);
                        review.reviewer_patterns.push(p);
                    }
                }
            }
        }

        let mut detect_cfg = DetectConfig {
            builtin: true,
            ..Default::default()
        };
        if let Some(t) = root.get("detect").and_then(|v| w.table(v, "detect")) {
            w.check_keys(t, "[detect]", DETECT_KEYS);
            if let Some(v) = t.get("builtin") {
                detect_cfg.builtin = w.boolean(v, "detect.builtin").unwrap_or(true);
            }
            if let Some(v) = t.get("trailer-keys") {
                for (k, span) in w.strings(v, "detect.trailer-keys") {
                    if !k.is_empty() && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                        detect_cfg.trailer_keys.push(k);
                    } else {
                        w.error(span, format!("`detect.trailer-keys`: \"{k}\" is not a trailer key (letters, digits and `-`)"));
                    }
                }
            }
            for (key, list) in [
                ("trailer-values", &mut detect_cfg.trailer_values),
                ("identities", &mut detect_cfg.identities),
                ("markers", &mut detect_cfg.markers),
            ] {
                if let Some(v) = t.get(key) {
                    let what = format!("detect.{key}");
                    for (p, span) in w.strings(v, &what) {
                        if w.glob(&p, span, &what, detect::text_glob).is_some() {
                            list.push(p);
                        }
                    }
                }
            }
        }

        let mut protect = Vec::new();
        if let Some(v) = root.get("protect") {
            match v.get_ref().as_array() {
                Some(entries) => {
                    for (i, entry) in entries.iter().enumerate() {
                        let what = format!("protect[{i}]");
                        if let Some(t) = w.table(entry, &what) {
                            if let Some(p) = parse_protection(&mut w, t, entry.span(), &what) {
                                protect.push(p);
                            }
                        }
                    }
                }
                None => w.error(
                    v.span(),
                    "`protect` must be an array of tables: write each entry as [[protect]]",
                ),
            }
        }

        let mut identities = BTreeMap::new();
        if let Some(t) = root
            .get("identities")
            .and_then(|v| w.table(v, "identities"))
        {
            for (login, v) in t.iter() {
                let login: &str = login.get_ref();
                let emails: Vec<String> = w
                    .strings(v, &format!("identities.{login}"))
                    .into_iter()
                    .map(|(e, span)| {
                        if !e.contains('@') {
                            w.error(
                                span,
                                format!("`identities.{login}`: \"{e}\" is not an email"),
                            );
                        }
                        e.to_ascii_lowercase()
                    })
                    .collect();
                identities.insert(login.to_string(), emails);
            }
        }

        let mut owners = Vec::new();
        let mut owner_patterns = Vec::new();
        if let Some(t) = root.get("policy").and_then(|v| w.table(v, "policy")) {
            w.check_keys(t, "[policy]", &["owners"]);
            if let Some(v) = t.get("owners") {
                for (p, span) in w.strings(v, "policy.owners") {
                    if let Some(m) = w.glob(&p, span, "policy.owners", detect::text_glob) {
                        owners.push(m);
                        owner_patterns.push(p);
                    }
                }
            }
        }

        let mut bypass_pushers = Vec::new();
        if let Some(t) = root.get("bypass").and_then(|v| w.table(v, "bypass")) {
            w.check_keys(t, "[bypass]", &["pushers"]);
            if let Some(v) = t.get("pushers") {
                for (p, span) in w.strings(v, "bypass.pushers") {
                    if let Some(m) = w.login(&p, span, "bypass.pushers") {
                        bypass_pushers.push(m);
                    }
                }
            }
        }

        let mut rule_modes = BTreeMap::new();
        if let Some(t) = root.get("modes").and_then(|v| w.table(v, "modes")) {
            for (code, v) in t.iter() {
                let code_str: &str = code.get_ref();
                match Rule::from_code(code_str) {
                    None => w.error(
                        code.span(),
                        format!("unknown rule code `{code_str}` in [modes]; `reviewgate explain` lists them"),
                    ),
                    Some(rule) if rule.is_fail_closed() => w.error(
                        code.span(),
                        format!("`{code_str}` always rejects (fail closed) and cannot be given a mode"),
                    ),
                    Some(rule) => {
                        if let Some(m) = w.mode(v, &format!("modes.{code_str}")) {
                            rule_modes.insert(rule, m);
                        }
                    }
                }
            }
        }

        let detector = match Detector::new(&detect_cfg) {
            Ok(d) => Some(d),
            Err(e) => {
                w.error(0..0, format!("detection patterns do not compile: {e}"));
                None
            }
        };

        if !w.diags.is_empty() {
            w.diags.sort_by_key(|(offset, _)| *offset);
            return Err(PolicyError {
                source_desc: source.clone(),
                diagnostics: w.diags.into_iter().map(|(_, d)| d).collect(),
            });
        }
        let Some(detector) = detector else {
            return Err(PolicyError {
                source_desc: source.clone(),
                diagnostics: Vec::new(),
            });
        };
        Ok(Policy {
            mode,
            review,
            detector,
            protect,
            identities,
            owners,
            owner_patterns,
            bypass_pushers,
            rule_modes,
        })
    }

    /// The protection entries that apply to `refname`.
    pub fn protections_for<'p>(
        &'p self,
        refname: &'p str,
        default_branch: Option<&'p str>,
    ) -> impl Iterator<Item = &'p Protection> + 'p {
        self.protect
            .iter()
            .filter(move |p| p.refs.iter().any(|r| r.matches(refname, default_branch)))
    }

    /// Whether any entry protects `refname`.
    pub fn is_protected(&self, refname: &str, default_branch: Option<&str>) -> bool {
        self.protections_for(refname, default_branch)
            .next()
            .is_some()
    }
}

fn parse_protection(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    what: &str,
) -> Option<Protection> {
    w.check_keys(t, &format!("[[protect]] entry {what}"), PROTECT_KEYS);
    let mut p = Protection {
        refs: Vec::new(),
        allow_deletion: false,
        allow_force_push: false,
        allow_update: true,
        linear_history: false,
        allow_replace: false,
        pushers: Vec::new(),
        review: ReviewScope::Ai,
        mode: None,
        freeze: Vec::new(),
    };
    match t.get("refs") {
        None => w.error(
            span,
            format!("{what}: `refs` is required (e.g. refs = [\"refs/heads/main\"])"),
        ),
        Some(v) => {
            let list = w.strings(v, &format!("{what}.refs"));
            if list.is_empty() && v.get_ref().as_array().is_some() {
                w.error(
                    v.span(),
                    format!("{what}.refs is empty: list at least one ref pattern"),
                );
            }
            for (pat, span) in list {
                if pat == "@default" {
                    p.refs.push(RefPattern::DefaultBranch);
                } else if !pat.starts_with("refs/") {
                    let hint = if pat.starts_with('v') {
                        format!("refs/tags/{pat}")
                    } else {
                        format!("refs/heads/{pat}")
                    };
                    w.error(
                        span,
                        format!("ref pattern \"{pat}\" must be a full ref name starting with `refs/` or `@default` (did you mean \"{hint}\"?)"),
                    );
                } else if let Some(m) = w.glob(&pat, span, &format!("{what}.refs"), ref_glob) {
                    p.refs.push(RefPattern::Glob {
                        pattern: pat,
                        matcher: m,
                    });
                }
            }
        }
    }
    for (key, slot) in [
        ("allow-deletion", &mut p.allow_deletion),
        ("allow-force-push", &mut p.allow_force_push),
        ("allow-update", &mut p.allow_update),
        ("linear-history", &mut p.linear_history),
        ("allow-replace", &mut p.allow_replace),
    ] {
        if let Some(v) = t.get(key) {
            if let Some(b) = w.boolean(v, &format!("{what}.{key}")) {
                *slot = b;
            }
        }
    }
    if let Some(v) = t.get("pushers") {
        for (pat, span) in w.strings(v, &format!("{what}.pushers")) {
            if let Some(m) = w.login(&pat, span, &format!("{what}.pushers")) {
                p.pushers.push(m);
            }
        }
    }
    if let Some(v) = t.get("review") {
        if let Some(s) = w.string(v, &format!("{what}.review")) {
            match s.as_str() {
                "ai" => p.review = ReviewScope::Ai,
                "all" => p.review = ReviewScope::All,
                "none" => p.review = ReviewScope::None,
                other => w.error(
                    v.span(),
                    format!(
                        "`{what}.review` must be \"ai\", \"all\" or \"none\", found \"{other}\""
                    ),
                ),
            }
        }
    }
    if let Some(v) = t.get("mode") {
        p.mode = w.mode(v, &format!("{what}.mode"));
    }
    if let Some(v) = t.get("freeze") {
        match v.get_ref().as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let fwhat = format!("{what}.freeze[{i}]");
                    if let Some(ft) = w.table(item, &fwhat) {
                        if let Some(win) = parse_window(w, ft, item.span(), &fwhat) {
                            p.freeze.push(win);
                        }
                    }
                }
            }
            None => w.error(v.span(), format!("`{what}.freeze` must be an array of tables: write each window as [[protect.freeze]]")),
        }
    }
    Some(p)
}

/// A date-time value: a TOML offset date-time or an RFC 3339 string.
fn instant(w: &mut Walker<'_>, v: &Value<'_>, what: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = match v.get_ref() {
        DeValue::Datetime(d) => d.to_string(),
        DeValue::String(s) => s.to_string(),
        other => {
            w.error(
                v.span(),
                format!("`{what}` must be a date-time, found {}", other.type_str()),
            );
            return None;
        }
    };
    match chrono::DateTime::parse_from_rfc3339(&text) {
        Ok(t) => Some(t.with_timezone(&chrono::Utc)),
        Err(_) => {
            w.error(v.span(), format!("`{what}` must be an RFC 3339 date-time with an offset, e.g. 2026-12-20T00:00:00Z, found {text}"));
            None
        }
    }
}

fn parse_window(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    what: &str,
) -> Option<Window> {
    w.check_keys(t, &format!("[[protect.freeze]] {what}"), FREEZE_KEYS);
    let reason = match t.get("reason") {
        Some(v) => w.string(v, &format!("{what}.reason"))?,
        None => {
            w.error(
                span.clone(),
                format!("{what}: `reason` is required (it is shown to the pusher)"),
            );
            return None;
        }
    };
    let (Some(from), Some(until)) = (t.get("from"), t.get("until")) else {
        w.error(span, format!("{what}: `from` and `until` are required"));
        return None;
    };
    let weekly = matches!(from.get_ref(), DeValue::String(s) if WeekTime::parse(s).is_ok())
        || matches!(until.get_ref(), DeValue::String(s) if WeekTime::parse(s).is_ok());
    if weekly {
        let mut week = |v: &Value<'_>, key: &str| -> Option<WeekTime> {
            let s = w.string(v, &format!("{what}.{key}"))?;
            WeekTime::parse(&s)
                .map_err(|e| w.error(v.span(), format!("`{what}.{key}`: {e}")))
                .ok()
        };
        let (f, u) = (week(from, "from"), week(until, "until"));
        let zone = match t.get("timezone") {
            None => {
                w.error(span, format!("{what}: a weekly window needs `timezone` (an IANA name such as \"Europe/Berlin\", \"UTC\" or \"+02:00\")"));
                None
            }
            Some(v) => {
                let s = w.string(v, &format!("{what}.timezone"))?;
                freeze::parse_zone(&s)
                    .map_err(|e| w.error(v.span(), format!("`{what}.timezone`: {e}")))
                    .ok()
            }
        };
        let (from_time, until_time) = (f?, u?);
        if from_time == until_time {
            w.error(
                until.span(),
                format!("`{what}`: `from` and `until` are the same time, so the window is never active (a whole week frozen is an absolute window or a missing [[protect]] entry)"),
            );
            return None;
        }
        Some(Window::Weekly {
            from: from_time,
            until: until_time,
            zone: zone?,
            reason,
        })
    } else {
        if let Some(v) = t.get("timezone") {
            w.error(v.span(), format!("`{what}.timezone` applies only to weekly windows (\"Fri 16:00\"); absolute times carry their own offset"));
        }
        let (start, end) = (
            instant(w, from, &format!("{what}.from")),
            instant(w, until, &format!("{what}.until")),
        );
        let (start, end) = (start?, end?);
        if end <= start {
            w.error(until.span(), format!("`{what}.until` must be after `from`"));
            return None;
        }
        Some(Window::Absolute { start, end, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses() {
        let p = Policy::parse(DEFAULT_POLICY_TOML, &PolicySource::Builtin).expect("template");
        assert_eq!(p.mode, Mode::Enforce);
        assert!(p.is_protected("refs/heads/main", None));
        assert!(p.is_protected("refs/heads/master", None));
        assert!(p.is_protected("refs/heads/release/1.0", None));
        assert!(p.is_protected("refs/heads/trunk", Some("refs/heads/trunk")));
        assert!(p.is_protected("refs/tags/v1.2.3", None));
        assert!(!p.is_protected("refs/heads/feature/x", None));
        assert!(!p.is_protected("refs/tags/nightly", None));
    }

    #[test]
    fn all_errors_at_once_with_locations() {
        let text = "mode = \"warm\"\nfoo = 1\n[review]\nmin-reviewer = 2\n[[protect]]\nrefs = [\"refs/heads/[\", \"main\"]\n";
        let err = Policy::parse(text, &PolicySource::File("p.toml".into())).unwrap_err();
        let lines: Vec<String> = err.to_string().lines().map(String::from).collect();
        assert_eq!(lines.len(), 5, "{err}");
        assert!(
            lines[0].starts_with("p.toml:1:8: `mode` must be"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("p.toml:2:1: unknown key `foo`"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains("did you mean `min-reviewers`"),
            "{}",
            lines[2]
        );
        assert!(lines[3].starts_with("p.toml:6:9: bad glob"), "{}", lines[3]);
        assert!(
            lines[4].starts_with("p.toml:6:25: ref pattern \"main\""),
            "{}",
            lines[4]
        );
    }

    #[test]
    fn syntax_error_is_located() {
        let err = Policy::parse("mode = \n", &PolicySource::File("p.toml".into())).unwrap_err();
        assert!(err.to_string().starts_with("p.toml:1:"), "{err}");
    }
}
