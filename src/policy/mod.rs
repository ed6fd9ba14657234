//! The policy: `.reviewgate.toml`, its types, and the protection a ref gets.
//!
//! - `walker` is the spanned TOML walk every table is read with (every
//!   problem at once, located); `parse` reads the tables with it, and
//!   `protect` the `[[protect]]` entries;
//! - [`glob`] holds the three kinds of patterns (refs, emails, logins);
//! - [`freeze`] the change-freeze windows;
//! - [`load`] finds the trusted policy of a repository (pinned file, pinned
//!   or default branch before the push, built-in default), never from the
//!   pushed commits;
//! - [`Effective`] combines the `[[protect]]` entries matching one ref;
//! - `describe` puts a policy in words (`reviewgate policy check`), and
//!   `lint` says what cannot work as written;
//! - [`signoff`] holds `[groups]` and the `[[signoff]]` rules.
//!
//! A policy that fails is never replaced by a default: callers reject
//! protected updates with its diagnostics.

use std::collections::BTreeMap;
use std::fmt;

use sha2::{Digest, Sha256};

use crate::detect::{DetectConfig, Detector};
pub use crate::rule::Mode;
use crate::rule::Rule;

pub mod codeowners;
mod describe;
pub mod freeze;
pub mod glob;
mod lint;
pub use lint::unprotected_branch;
pub mod load;
mod parse;
mod protect;
pub mod signoff;
mod walker;

pub use freeze::Window;
pub use glob::{EmailPattern, LoginPattern, PathPattern};
pub use signoff::{Signoff, SignoffCommits};

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

/// SHA-256 of [`DEFAULT_POLICY_TOML`] (a test holds it to the text): a hook
/// under the built-in policy does not hash it at every start.
const DEFAULT_POLICY_SHA256: &str =
    "abdb57a8978e12a935334d633b038c23a834783a67aa658e1a4707f96156ce63";

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
        matcher: glob::RefMatcher,
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
    /// Whether AI-assisted commits are refused outright (`ai = "forbid"`).
    pub ai_forbidden: bool,
    /// Mode override for violations on these refs.
    pub mode: Option<Mode>,
    /// Change-freeze windows for these refs.
    pub freeze: Vec<Window>,
}

/// Whether a reviewed merge commit's reviews count for the commits it brings
/// in through its non-first parents (a pull request's approval).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergesCover {
    /// Never: each commit needs its own review.
    Never,
    /// Always (the default).
    Always,
    /// Only when the forge made the merge (a web merge of a pull request).
    Forge,
}

impl MergesCover {
    /// The policy file's word for it.
    pub fn word(self) -> &'static str {
        match self {
            MergesCover::Never => "false",
            MergesCover::Always => "true",
            MergesCover::Forge => "\"forge\"",
        }
    }
}

impl ReviewRules {
    /// The first review key: the one fix advice names.
    pub fn trailer(&self) -> &str {
        self.trailers.first().map_or("Reviewed-by", String::as_str)
    }

    /// Whether `key` is one of the review keys (case-insensitively, as git compares keys).
    pub fn is_review_key(&self, key: &str) -> bool {
        self.trailers.iter().any(|k| k.eq_ignore_ascii_case(key))
    }

    /// The keys for messages: `Reviewed-by or Approved-by`.
    pub fn keys_text(&self) -> String {
        self.trailers.join(" or ")
    }
}

/// The `[review]` table: what counts as a human review.
#[derive(Debug, Clone)]
pub struct ReviewRules {
    /// The trailer key (compared case-insensitively).
    pub trailers: Vec<String>,
    /// Whether a merge commit's reviews count for the commits it merges.
    pub merges_cover: MergesCover,
    /// Minimum number of distinct valid reviewers.
    pub min_reviewers: u32,
    /// Allowed reviewer emails (globs, case-insensitive); empty means any human.
    pub reviewers: Vec<EmailPattern>,
    /// Whether one valid reviewer of each commit must be the authenticated pusher.
    pub require_pusher: bool,
    /// Whether a review counts only as an approval signed with a key the
    /// server's allowed signers list (`reviewgate approve`); typed trailers
    /// then count for nothing.
    pub signed: bool,
    /// Whether every commit a protected update brings must carry an SSH
    /// signature by its author (`git commit -S`, `gpg.format = ssh`).
    pub signed_commits: bool,
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
    /// The `[detect]` settings it was built from, as written.
    pub detect: DetectConfig,
    /// The protection entries, in file order.
    pub protect: Vec<Protection>,
    /// Server login → the reviewer emails that login stands for (lowercase).
    pub identities: BTreeMap<String, Vec<String>>,
    /// Who may review policy changes (email globs); empty: any valid reviewer.
    pub owners: Vec<EmailPattern>,
    /// Pusher logins allowed to break glass.
    pub bypass_pushers: Vec<LoginPattern>,
    /// Per-rule mode overrides.
    pub rule_modes: BTreeMap<Rule, Mode>,
    /// `[groups]`: name -> its members' email patterns.
    pub groups: BTreeMap<String, Vec<EmailPattern>>,
    /// The `[[signoff]]` rules, in file order.
    pub signoffs: Vec<Signoff>,
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
        /// The commit.
        commit: git2::Oid,
        /// The file's blob.
        blob: git2::Oid,
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
                let short = crate::commit::short_id(commit);
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
        let policy = parse::parse(text, &source)?;
        let sha256 = if text == DEFAULT_POLICY_TOML {
            DEFAULT_POLICY_SHA256.to_string()
        } else {
            sha256_hex(text.as_bytes())
        };
        let branch = match &source {
            PolicySource::Repository { refname, .. } => Some(refname.clone()),
            _ => None,
        };
        Ok(Self {
            policy,
            sha256,
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

impl Policy {
    /// Parse and validate a policy text. Every problem is reported, located.
    pub fn parse(text: &str, source: &PolicySource) -> Result<Policy, PolicyError> {
        parse::parse(text, source)
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

impl Default for ReviewRules {
    fn default() -> Self {
        Self {
            trailers: vec!["Reviewed-by".into(), "Approved-by".into()],
            merges_cover: MergesCover::Always,
            min_reviewers: 1,
            reviewers: Vec::new(),
            require_pusher: false,
            signed: false,
            signed_commits: false,
        }
    }
}

impl Default for Protection {
    /// An entry with no refs yet, and the defaults docs/policy.md documents.
    fn default() -> Self {
        Self {
            refs: Vec::new(),
            allow_deletion: false,
            allow_force_push: false,
            allow_update: true,
            linear_history: false,
            allow_replace: false,
            pushers: Vec::new(),
            review: ReviewScope::Ai,
            ai_forbidden: false,
            mode: None,
            freeze: Vec::new(),
        }
    }
}

/// The protections that apply to one ref, combined: the strictest setting wins.
#[derive(Debug, Clone)]
pub struct Effective<'p> {
    /// The matching entries.
    pub entries: Vec<&'p Protection>,
    /// Deletion allowed by every entry.
    pub allow_deletion: bool,
    /// Force-push allowed by every entry.
    pub allow_force_push: bool,
    /// Moving an existing ref allowed by every entry.
    pub allow_update: bool,
    /// Linear history required by any entry.
    pub linear_history: bool,
    /// Replace refs allowed by every entry.
    pub allow_replace: bool,
    /// The strictest review scope.
    pub review: ReviewScope,
    /// AI-assisted commits refused by any entry.
    pub ai_forbidden: bool,
    /// The `[[signoff]]` rules covering the ref (indices into
    /// [`Policy::signoffs`]).
    pub signoffs: Vec<usize>,
    /// The mode violations on this ref get: warn only when every matching
    /// entry is in warn mode (an entry without `mode` has the global one).
    pub mode: Mode,
}

impl<'p> Effective<'p> {
    /// Combine the entries protecting `refname`; `None` when it is unprotected.
    pub fn for_ref(
        policy: &'p Policy,
        refname: &str,
        default_branch: Option<&str>,
    ) -> Option<Self> {
        Self::for_names(policy, &[refname], default_branch)
    }

    /// A ref no entry protects, as a surveyed history judges it: every
    /// update allowed, no review required.
    pub fn unprotected() -> Self {
        Self {
            entries: Vec::new(),
            allow_deletion: true,
            allow_force_push: true,
            allow_update: true,
            linear_history: false,
            allow_replace: true,
            review: ReviewScope::None,
            ai_forbidden: false,
            signoffs: Vec::new(),
            mode: Mode::Warn,
        }
    }

    /// Combine the entries protecting any of `names` (a symbolic ref and the
    /// ref it writes); `None` when none is protected.
    pub fn for_names(
        policy: &'p Policy,
        names: &[&str],
        default_branch: Option<&str>,
    ) -> Option<Self> {
        let entries: Vec<&Protection> = policy
            .protect
            .iter()
            .filter(|p| {
                p.refs
                    .iter()
                    .any(|r| names.iter().any(|n| r.matches(n, default_branch)))
            })
            .collect();
        if entries.is_empty() {
            return None;
        }
        let all = |f: fn(&Protection) -> bool| entries.iter().all(|p| f(p));
        let mode = if entries
            .iter()
            .all(|p| p.mode.unwrap_or(policy.mode) == Mode::Warn)
        {
            Mode::Warn
        } else {
            Mode::Enforce
        };
        Some(Self {
            allow_deletion: all(|p| p.allow_deletion),
            allow_force_push: all(|p| p.allow_force_push),
            allow_update: all(|p| p.allow_update),
            allow_replace: all(|p| p.allow_replace),
            linear_history: entries.iter().any(|p| p.linear_history),
            ai_forbidden: entries.iter().any(|p| p.ai_forbidden),
            signoffs: policy
                .signoffs
                .iter()
                .enumerate()
                .filter(|(_, s)| names.iter().any(|n| s.covers_ref(n, default_branch)))
                .map(|(i, _)| i)
                .collect(),
            review: entries
                .iter()
                .map(|p| p.review)
                .max()
                .unwrap_or(ReviewScope::None),
            mode,
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_hash_is_the_templates() {
        assert_eq!(
            sha256_hex(DEFAULT_POLICY_TOML.as_bytes()),
            DEFAULT_POLICY_SHA256
        );
        let loaded = LoadedPolicy::builtin().expect("builtin");
        assert_eq!(loaded.sha256, DEFAULT_POLICY_SHA256);
    }

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
    fn strictest_mode_wins() {
        let p = Policy::parse(
            "mode = \"enforce\"\n[[protect]]\nrefs = [\"refs/heads/main\"]\nmode = \"warn\"\n[[protect]]\nrefs = [\"refs/heads/*\"]\n",
            &PolicySource::Builtin,
        )
        .expect("parses");
        let e = Effective::for_ref(&p, "refs/heads/main", None).expect("protected");
        assert_eq!(e.mode, Mode::Enforce);
        let p = Policy::parse(
            "mode = \"warn\"\n[[protect]]\nrefs = [\"refs/heads/main\"]\n",
            &PolicySource::Builtin,
        )
        .expect("parses");
        let e = Effective::for_ref(&p, "refs/heads/main", None).expect("protected");
        assert_eq!(e.mode, Mode::Warn);
    }
}
