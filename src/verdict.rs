//! Verdicts: violations as data, each with a stable kebab-case rule code.

pub use crate::rule::{Mode, Rule, Severity};

pub use crate::commit::short_id;

/// An object id as JSON has it: its full hex text.
fn ser_oid<S: serde::Serializer>(id: &git2::Oid, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(id)
}

/// A commit a violation is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommitRef {
    /// Its id.
    #[serde(serialize_with = "ser_oid")]
    pub id: git2::Oid,
    /// First line of the message (raw; the renderer escapes it).
    pub subject: String,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The rule.
    #[serde(serialize_with = "ser_rule")]
    pub rule: Rule,
    /// Error or warning.
    pub severity: Severity,
    /// The ref the update targets.
    pub refname: String,
    /// The commit concerned, if any.
    pub commit: Option<CommitRef>,
    /// What is wrong, in one or two sentences.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

fn ser_rule<S: serde::Serializer>(rule: &Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.code())
}

/// A break-glass push that was honoured.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bypass {
    /// The authenticated pusher who broke glass.
    pub pusher: String,
    /// The reason they gave.
    pub reason: String,
}

/// The decision for a whole push.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    /// Every violation found (errors and warnings).
    pub violations: Vec<Violation>,
    /// Violations not kept in `violations` because the list was capped.
    pub violations_dropped: usize,
    /// How many commits were examined.
    pub commits_checked: u64,
    /// The policy used, for the summary line.
    pub policy_source: String,
    /// Where the policy was read from, for the audit record: the branch,
    /// commit and blob of a repository policy, or a pinned file's path.
    pub policy_origin: PolicyOrigin,
    /// SHA-256 of the policy text.
    pub policy_sha256: String,
    /// Global mode of the policy.
    pub mode: Mode,
    /// Set when a break-glass push turned violations into warnings.
    pub bypass: Option<Bypass>,
    /// Commits whose review came from a merge that merged them (capped).
    pub covered: Vec<Covered>,
    /// How many commits a merge's review covered in all.
    pub covered_count: usize,
    /// Commits exempt from review rules because a baseline
    /// (`reviewgate.baseline`) reaches them.
    pub baseline_exempt: u64,
    /// Fixes for a whole ref, printed once after its violations (the rebase
    /// that adds a review to several commits).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ref_fixes: Vec<RefFix>,
    /// Whether nothing is capped (a history report keeps every violation
    /// and every covered commit).
    #[serde(skip)]
    pub uncapped: bool,
    /// Every commit judged, as a history report reads it (kept only when
    /// the engine surveys a history, for `reviewgate report`).
    #[serde(skip)]
    pub records: Vec<CommitRecord>,
}

/// Where a commit's AI evidence was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceSource {
    /// Its own message or identities.
    Message,
    /// Its git-ai note.
    Note,
    /// The pull request it was squashed or rebased from.
    PullRequest,
}

/// One commit of a surveyed history: what the engine decided about it
/// beyond its violations (which the verdict holds, and the covered list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRecord {
    /// The commit.
    pub id: git2::Oid,
    /// Its parents, in order.
    pub parents: Vec<git2::Oid>,
    /// The committer time (seconds since the epoch).
    pub time: i64,
    /// The author's name and email, as git shows them.
    pub author_name: String,
    /// The author's email.
    pub author_email: String,
    /// The first line of the message as git shows it (raw: renderers
    /// sanitize it).
    pub subject: String,
    /// Why it is AI-assisted, if it is, and where that was found.
    pub ai: Option<(crate::detect::AiEvidence, EvidenceSource)>,
    /// The model, when its markers name one.
    pub model: Option<String>,
    /// Its own valid reviewers (lowercase emails, distinct, in order).
    pub reviewers: Vec<String>,
    /// Whether its own reviews meet the branch's review requirement.
    pub reviewed: bool,
    /// Whether the branch's rules required it to be reviewed.
    pub needs_review: bool,
    /// Whether a baseline exempts it from review rules.
    pub exempt: bool,
}

/// A fix for all the findings on one ref.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefFix {
    /// The ref.
    #[serde(rename = "ref")]
    pub refname: String,
    /// The fix: a sentence, then the command lines.
    pub text: String,
}

/// A commit a reviewed merge covered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Covered {
    /// The ref the commit reached.
    #[serde(rename = "ref")]
    pub refname: String,
    /// The commit.
    #[serde(serialize_with = "ser_oid")]
    pub commit: git2::Oid,
    /// The merge whose review covered it.
    #[serde(serialize_with = "ser_oid")]
    pub merge: git2::Oid,
}

/// Where a verdict's policy came from, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolicyOrigin {
    /// The branch a repository policy was read from.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub refname: Option<String>,
    /// Its commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Its blob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// A pinned file's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// The policy a verdict was judged by, as the summary line and the audit
/// record name it (plain words: a verdict knows no policy types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    /// Where it came from, in words (`.reviewgate.toml on refs/heads/main at ...`).
    pub source: String,
    /// Where it came from, field by field.
    pub origin: PolicyOrigin,
    /// SHA-256 of its text (`-` when there was none to read).
    pub sha256: String,
    /// Its global mode.
    pub mode: Mode,
}

/// How many violations a verdict keeps in full (the rest are counted).
pub const MAX_KEPT_VIOLATIONS: usize = 1000;

impl Verdict {
    /// An empty verdict, judged by `policy`.
    pub fn new(policy: PolicyInfo) -> Self {
        Self {
            violations: Vec::new(),
            violations_dropped: 0,
            commits_checked: 0,
            policy_source: policy.source,
            policy_origin: policy.origin,
            policy_sha256: policy.sha256,
            mode: policy.mode,
            bypass: None,
            covered: Vec::new(),
            covered_count: 0,
            ref_fixes: Vec::new(),
            baseline_exempt: 0,
            uncapped: false,
            records: Vec::new(),
        }
    }

    /// Record that `merge`'s review covered `commit` on `refname`.
    pub fn cover(&mut self, refname: &str, commit: git2::Oid, merge: git2::Oid) {
        self.covered_count += 1;
        if self.uncapped || self.covered.len() < MAX_KEPT_VIOLATIONS {
            self.covered.push(Covered {
                refname: refname.to_string(),
                commit,
                merge,
            });
        }
    }

    /// Record violations (counted but not kept beyond the cap).
    pub fn extend(&mut self, vs: impl IntoIterator<Item = Violation>) {
        for v in vs {
            self.push(v);
        }
    }

    /// Record a violation (counted but not kept beyond the cap).
    pub fn push(&mut self, v: Violation) {
        if self.uncapped || self.violations.len() < MAX_KEPT_VIOLATIONS {
            self.violations.push(v);
        } else {
            self.violations_dropped += 1;
        }
    }

    /// Whether any violation rejects the push.
    pub fn rejects(&self) -> bool {
        self.violations
            .iter()
            .any(|v| v.severity == Severity::Error)
    }

    /// The process exit code (see [`ExitStatus`]).
    pub fn exit_status(&self) -> ExitStatus {
        let errors = || {
            self.violations
                .iter()
                .filter(|v| v.severity == Severity::Error)
        };
        if errors().any(|v| v.rule == Rule::InternalError) {
            ExitStatus::InternalError
        } else if errors().any(|v| v.rule == Rule::PolicyInvalid) {
            ExitStatus::ConfigError
        } else if self.rejects() {
            ExitStatus::Rejected
        } else {
            ExitStatus::Accepted
        }
    }
}

/// The documented exit codes of the hooks and the `check` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: accepted (possibly with warnings).
    Accepted,
    /// 1: rejected by the policy.
    Rejected,
    /// 2: internal error (bad input, git failure): rejected, fail closed.
    InternalError,
    /// 78: the policy is invalid (EX_CONFIG): rejected, fail closed.
    ConfigError,
}

impl ExitStatus {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Accepted => 0,
            ExitStatus::Rejected => 1,
            ExitStatus::InternalError => 2,
            ExitStatus::ConfigError => 78,
        }
    }
}
