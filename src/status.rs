//! `reviewgate status`: what is in effect on a server repository, as the
//! next push will find it: the hooks and whether git runs them, `HEAD`, the
//! policy with its source, push options, the baseline, the pinned settings
//! and the audit log; and, over a folder of repositories, which ones no hook
//! of ours protects. It reads; it never changes anything.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audit;
use crate::hookfile::{self, HookKind};
use crate::install::layout::{all_slots, Layout};
use crate::policy::load;
use crate::repo::HookRepo;

/// reviewgate's version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("REVIEWGATE_COMMIT"),
    ")"
);

/// One hook file that is ours, or sits where ours would.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HookFile {
    /// The file.
    pub path: PathBuf,
    /// `pre-receive` or `update`, when it is one of our wrappers or binaries.
    pub kind: Option<&'static str>,
    /// Whether it is reviewgate's (our wrapper or our binary).
    pub ours: bool,
    /// Whether it is executable.
    pub executable: bool,
    /// Binaries our wrapper names that are missing or not executable.
    pub missing_binaries: Vec<PathBuf>,
}

/// The policy the next push would be judged by.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyStatus {
    /// Where it comes from, in words (`built-in default`, a file, the
    /// repository's file on a branch at a commit).
    pub source: Option<String>,
    /// The policy file's blob id, when read from the repository.
    pub blob: Option<String>,
    /// SHA-256 of its text (what every push's last line names).
    pub sha256: Option<String>,
    /// Why no policy can be read: every push to a protected ref is refused.
    pub error: Option<String>,
}

/// The audit log.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditStatus {
    /// Where it is.
    pub path: PathBuf,
    /// Whether it exists yet (it is created by the first push).
    pub exists: bool,
    /// Records in it.
    pub records: usize,
    /// SHA-256 of the last record (the chain's head; note it elsewhere).
    pub head: Option<String>,
    /// The first broken line and why, if the chain is broken.
    pub broken: Option<String>,
}

/// Everything `reviewgate status` reports for one repository.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Status {
    /// reviewgate's version (this command's).
    pub version: &'static str,
    /// The repository's git directory.
    pub repository: PathBuf,
    /// The hook layout it shows (`plain`, `gitea`, `gitlab`, `gitolite`).
    pub layout: &'static str,
    /// Where git runs hooks from (`core.hooksPath` aware).
    pub hooks_dir: PathBuf,
    /// Hook files that are ours or sit in our slots.
    pub hooks: Vec<HookFile>,
    /// Which of our hooks git will run on a push (`pre-receive`, `update`),
    /// empty when none: the repository is unprotected.
    pub enforced_by: Vec<&'static str>,
    /// The branch `HEAD` names.
    pub head: Option<String>,
    /// Whether that branch exists.
    pub head_exists: bool,
    /// The policy in effect.
    pub policy: PolicyStatus,
    /// `receive.advertisePushOptions` (break-glass needs it).
    pub push_options: bool,
    /// `reviewgate.baseline` values.
    pub baseline: Vec<String>,
    /// Every `reviewgate.*` setting, as git config has it.
    pub settings: Vec<(String, String)>,
    /// The audit log.
    pub audit: AuditStatus,
    /// What needs an administrator's attention, in words.
    pub problems: Vec<String>,
}

/// The status of the repository at `git_dir`.
pub fn of(git_dir: &Path) -> anyhow::Result<Status> {
    let repo = HookRepo::open_bare(git_dir)?;
    let git_dir = repo.repo.path().to_path_buf();
    let hooks_dir = repo.settings.hooks_dir.clone();
    let layout = Layout::detect(&git_dir, &hooks_dir);
    let hooks = hook_files(&git_dir, &hooks_dir);
    let enforced_by = enforced_by(&repo, layout, &hooks);
    let head = repo.default_branch();
    let head_exists = match &head {
        Some(h) => repo.ref_target(h)?.is_some(),
        None => false,
    };
    let previous = audit::last_policy(&repo.policy_state_path(), &repo.settings.audit_log);
    let policy = match load::load(&repo, previous) {
        Ok(p) => PolicyStatus {
            blob: match &p.source {
                crate::policy::PolicySource::Repository { blob, .. } => Some(blob.to_string()),
                _ => None,
            },
            source: Some(p.source.to_string()),
            sha256: Some(p.sha256.clone()),
            error: None,
        },
        Err(e) => PolicyStatus {
            source: None,
            blob: None,
            sha256: None,
            error: Some(e.to_string()),
        },
    };
    let cfg = repo.repo.config()?;
    let push_options = cfg
        .get_bool("receive.advertisePushOptions")
        .unwrap_or(false);
    let mut settings = Vec::new();
    if let Ok(mut entries) = cfg.entries(Some("reviewgate\\..*")) {
        while let Some(Ok(e)) = entries.next() {
            if let (Some(name), Some(value)) = (e.name(), e.value()) {
                settings.push((name.to_string(), value.to_string()));
            }
        }
    }
    let audit = audit_status(&repo.settings.audit_log);
    let mut status = Status {
        version: VERSION,
        repository: git_dir,
        layout: layout.name(),
        hooks_dir,
        hooks,
        enforced_by,
        head,
        head_exists,
        policy,
        push_options,
        baseline: repo.settings.baseline.clone(),
        settings,
        audit,
        problems: Vec::new(),
    };
    status.problems = problems(&status);
    status.problems.extend(repo.settings.now_error.clone());
    Ok(status)
}

/// The hook files in every slot of ours, and `pre-receive`/`update` in
/// the hooks folder whatever they are.
fn hook_files(git_dir: &Path, hooks_dir: &Path) -> Vec<HookFile> {
    let mut paths = all_slots(git_dir, hooks_dir);
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| p.exists())
        .map(|path| {
            let text = std::fs::read(&path).unwrap_or_default();
            let recognised = hookfile::recognise(&text);
            let binary_kind = [HookKind::PreReceive, HookKind::Update]
                .into_iter()
                .find(|k| {
                    std::fs::canonicalize(&path)
                        .ok()
                        .and_then(|p| p.file_name().map(|n| n == k.binary()))
                        .unwrap_or(false)
                });
            let kind = recognised
                .as_ref()
                .and_then(|r| r.kind)
                .or(binary_kind)
                .map(HookKind::name);
            let missing_binaries = recognised
                .as_ref()
                .map(|r| {
                    r.binaries
                        .iter()
                        .filter(|b| !is_executable(b))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            HookFile {
                ours: recognised.is_some() || binary_kind.is_some(),
                executable: is_executable(&path),
                kind,
                missing_binaries,
                path,
            }
        })
        .collect()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Which of our hooks git will run: our pre-receive as git finds it (see
/// [`crate::repo::runs_our_pre_receive`]), GitLab's custom hook, or our
/// update hook, each executable with its binary present.
fn enforced_by(repo: &HookRepo, layout: Layout, hooks: &[HookFile]) -> Vec<&'static str> {
    let works = |path: &Path| {
        hooks
            .iter()
            .any(|h| h.path == path && h.ours && h.executable && h.missing_binaries.is_empty())
    };
    let git_dir = repo.repo.path();
    let hooks_dir = &repo.settings.hooks_dir;
    let mut out = Vec::new();
    let gitlab_pre = git_dir.join("custom_hooks/pre-receive.d/reviewgate");
    if crate::repo::runs_our_pre_receive(repo) || (layout == Layout::Gitlab && works(&gitlab_pre)) {
        out.push("pre-receive");
    }
    let update = [
        hooks_dir.join("update"),
        hooks_dir.join("update.d/reviewgate"),
        git_dir.join("custom_hooks/update.d/reviewgate"),
    ];
    if update.iter().any(|p| works(p)) {
        out.push("update");
    }
    out
}

fn audit_status(path: &Path) -> AuditStatus {
    let mut status = AuditStatus {
        path: path.to_path_buf(),
        exists: path.exists(),
        records: 0,
        head: None,
        broken: None,
    };
    if status.exists {
        match audit::verify(path) {
            Ok(r) => {
                status.records = r.records;
                status.head = (r.records > 0).then_some(r.head);
                status.broken = r.first_bad.map(|(line, why)| format!("line {line}: {why}"));
            }
            Err(e) => status.broken = Some(format!("{e:#}")),
        }
    }
    status
}

/// What needs attention, decided from the status alone.
fn problems(s: &Status) -> Vec<String> {
    let mut out = Vec::new();
    if s.enforced_by.is_empty() {
        out.push(format!(
            "no hook of ours runs on a push: this repository is unprotected (install with `reviewgate install {}`)",
            s.repository.display()
        ));
    }
    for h in s.hooks.iter().filter(|h| h.ours) {
        if !h.executable {
            out.push(format!(
                "{} is not executable: git does not run it",
                h.path.display()
            ));
        }
        for b in &h.missing_binaries {
            out.push(format!(
                "{} calls {}, which is missing or not executable: pushes fail (re-run the installer)",
                h.path.display(),
                b.display()
            ));
        }
    }
    if let (Some(head), false) = (&s.head, s.head_exists) {
        out.push(format!(
            "HEAD names {head}, which does not exist yet: the policy is read from it once it does"
        ));
    }
    if let Some(e) = &s.policy.error {
        out.push(format!(
            "no policy can be read, so protected pushes are refused: {e}"
        ));
    }
    if !s.push_options {
        out.push("receive.advertisePushOptions is off: break-glass (push options) cannot reach the hook; `git config receive.advertisePushOptions true`".into());
    }
    if let Some(b) = &s.audit.broken {
        out.push(format!("the audit log's chain is broken at {b}"));
    }
    out
}

impl Status {
    /// The report a person reads: `label: value` lines, then the problems.
    pub fn text(&self) -> String {
        let mut lines: Vec<(&str, String)> = vec![
            ("repository", self.repository.display().to_string()),
            ("reviewgate", self.version.to_string()),
            (
                "layout",
                format!("{} (hooks in {})", self.layout, self.hooks_dir.display()),
            ),
            (
                "enforced by",
                if self.enforced_by.is_empty() {
                    "NONE: unprotected".to_string()
                } else {
                    self.enforced_by.join(" and ")
                },
            ),
        ];
        lines.extend(self.hooks.iter().map(|h| ("  hook", h.text())));
        let head = match (&self.head, self.head_exists) {
            (Some(h), true) => format!("{h} (exists)"),
            (Some(h), false) => format!("{h} (does not exist yet)"),
            (None, _) => "detached or unreadable".to_string(),
        };
        lines.push(("HEAD", head));
        lines.extend(self.policy_line().map(|l| ("policy", l)));
        let on = if self.push_options { "on" } else { "off" };
        lines.push(("push options", on.to_string()));
        if self.baseline.is_empty() {
            lines.push(("baseline", "none".to_string()));
        }
        lines.extend(self.baseline.iter().map(|b| ("baseline", b.clone())));
        lines.extend(
            self.settings
                .iter()
                .map(|(k, v)| ("setting", format!("{k} = {v}"))),
        );
        let audit = match (&self.audit.exists, &self.audit.head) {
            (false, _) => "not yet written (the first push creates it)".to_string(),
            (true, head) => format!(
                "{} record(s), head {}",
                self.audit.records,
                head.as_deref().unwrap_or("none")
            ),
        };
        lines.push((
            "audit log",
            format!("{} ({audit})", self.audit.path.display()),
        ));
        let mut t: String = lines
            .iter()
            .map(|(label, value)| format!("{:<15}{value}\n", format!("{label}:")))
            .collect();
        for p in &self.problems {
            t.push_str(&format!("problem: {p}\n"));
        }
        t
    }

    /// The policy line's text: the source with its SHA-256 and blob, or
    /// why no policy can be read.
    fn policy_line(&self) -> Option<String> {
        match (&self.policy.source, &self.policy.error) {
            (Some(source), _) => {
                let blob = self
                    .policy
                    .blob
                    .as_deref()
                    .map(|b| format!(", blob {b}"))
                    .unwrap_or_default();
                let sha = self.policy.sha256.as_deref().unwrap_or("?");
                Some(format!("{source} (sha256 {sha}{blob})"))
            }
            (None, Some(e)) => Some(format!("UNREADABLE: {e}")),
            (None, None) => None,
        }
    }
}

impl HookFile {
    /// One hook file, in words.
    fn text(&self) -> String {
        let what = match (self.ours, self.kind) {
            (true, Some(k)) => format!("reviewgate {k}"),
            (true, None) => "reviewgate".to_string(),
            (false, _) => "not ours".to_string(),
        };
        let exec = if self.executable { "yes" } else { "no" };
        format!("{} ({what}, executable: {exec})", self.path.display())
    }
}

/// How deep [`find_repositories`] looks by default: Gitea's
/// `owner/name.git` is two levels, GitLab's hashed storage
/// (`@hashed/ab/cd/<hash>.git`) four.
pub const SEARCH_DEPTH: usize = 5;

/// The bare repositories under `dir` (a forge's or a server's repository
/// root), at most `depth` folders down, sorted: folders holding `HEAD`,
/// `objects/` and `refs/` (GitLab's hashed storage is four levels deep).
pub fn find_repositories(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let is_repo = |d: &Path| {
        d.join("HEAD").is_file() && d.join("objects").is_dir() && d.join("refs").is_dir()
    };
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, level)) = stack.pop() {
        // A clone's `.git` is a developer's, not a server repository.
        if d.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if is_repo(&d) {
            out.push(d);
            continue;
        }
        if level >= depth {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push((e.path(), level + 1));
            }
        }
    }
    out.sort();
    out
}
