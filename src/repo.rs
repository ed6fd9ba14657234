//! Git access for the hooks: opening the repository so that quarantined objects
//! are visible, mapping ref names through `GIT_NAMESPACE`, reading refs, trees
//! and blobs, and the server's own settings (git config), read once.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{ErrorCode, ObjectType, Oid, Repository};

use chrono::{DateTime, Utc};

/// Why the repository could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The repository uses SHA-256 object ids.
    #[error("this repository uses SHA-256 object ids, which reviewgate does not support yet")]
    Sha256,
    /// Any other failure.
    #[error("cannot open the repository at {path}: {source}")]
    Git {
        /// The path tried.
        path: String,
        /// libgit2's error.
        source: git2::Error,
    },
}

/// Where a hook's repository is, as git tells its hooks (`GIT_DIR`,
/// `GIT_QUARANTINE_PATH`, `GIT_NAMESPACE`; the hook reads them).
#[derive(Debug, Clone, Default)]
pub struct HookPaths {
    /// The git directory (`.` when git gives none).
    pub git_dir: PathBuf,
    /// The quarantine holding the pushed objects, if any.
    pub quarantine: Option<PathBuf>,
    /// The namespace (`GIT_NAMESPACE`), if any.
    pub namespace: Option<String>,
}

/// The repository a hook runs in.
pub struct HookRepo {
    /// The libgit2 handle (sees quarantined objects).
    pub repo: Repository,
    /// `refs/namespaces/<ns>/` prefix, or empty.
    ns_prefix: String,
    /// On a developer's machine: the remote whose tracking refs stand for
    /// the server's branches (`refs/heads/x` is read as
    /// `refs/remotes/<remote>/x`; local branches are not the server's).
    client_remote: Option<String>,
    /// In a client view: the remote's default branch, as the clone knows it.
    client_default: Option<String>,
    /// The server's settings for reviewgate, read once.
    pub settings: Settings,
    /// The quarantine's object directory, during a push.
    quarantine: Option<PathBuf>,
}

/// The server-side settings reviewgate reads from the repository's git config
/// (never from pushed content), once per run. Relative paths are resolved
/// against the git directory.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `reviewgate.policy`: a policy file pinned by the administrator.
    pub pinned_policy: Option<PathBuf>,
    /// `reviewgate.policyBranch`: the branch the policy is read from, as written.
    pub policy_branch: Option<String>,
    /// `reviewgate.auditLog`: the audit log (default `reviewgate/audit.jsonl`).
    pub audit_log: PathBuf,
    /// `reviewgate.auditSync`: wait for the disk on each record.
    pub audit_sync: bool,
    /// `reviewgate.now`: the time freeze windows are judged at (drills, tests).
    pub now: Option<DateTime<Utc>>,
    /// Why `reviewgate.now` is set but unusable: every push is refused.
    pub now_error: Option<String>,
    /// Where git runs hooks from (`core.hooksPath`, else `hooks/`).
    pub hooks_dir: PathBuf,
    /// `reviewgate.baseline` (multi-valued): commits whose history is exempt
    /// from review rules (an imported history), as written.
    pub baseline: Vec<String>,
    /// `reviewgate.allowedSigners`: the allowed_signers file signed
    /// approvals and signed commits are verified against.
    pub allowed_signers: Option<PathBuf>,
}

pub use crate::keys;

/// The audit log's default path, relative to the git directory.
pub const DEFAULT_AUDIT_LOG: &str = "reviewgate/audit.jsonl";

impl Settings {
    /// Read from `repo`'s git config (system and global files included, as git does).
    pub fn read(repo: &Repository) -> Self {
        let git_dir = repo.path().to_path_buf();
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { git_dir.join(p) };
        let Ok(cfg) = repo.config() else {
            return Self {
                audit_log: git_dir.join(DEFAULT_AUDIT_LOG),
                hooks_dir: git_dir.join("hooks"),
                ..Self::default()
            };
        };
        let path = |key: &str| {
            cfg.get_path(key)
                .ok()
                .filter(|p| !p.as_os_str().is_empty())
                .map(resolve)
        };
        let string = |key: &str| {
            cfg.get_string(key)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let now = string(keys::NOW).map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    format!(
                        "git config {} is \"{s}\", which is not an RFC 3339 time (like 2026-12-24T10:00:00Z): freeze windows cannot be judged; fix or unset it",
                        keys::NOW
                    )
                })
        });
        Self {
            pinned_policy: path(keys::POLICY),
            policy_branch: string(keys::POLICY_BRANCH),
            audit_log: path(keys::AUDIT_LOG).unwrap_or_else(|| git_dir.join(DEFAULT_AUDIT_LOG)),
            audit_sync: cfg.get_bool(keys::AUDIT_SYNC).unwrap_or(false),
            now: now.as_ref().and_then(|n| n.as_ref().ok()).copied(),
            now_error: now.and_then(Result::err),
            hooks_dir: path("core.hooksPath").unwrap_or_else(|| git_dir.join("hooks")),
            baseline: multi(&cfg, keys::BASELINE),
            allowed_signers: path(keys::ALLOWED_SIGNERS),
        }
    }
}

/// Every value of a multi-valued key, trimmed, in file order.
fn multi(cfg: &git2::Config, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(mut values) = cfg.multivar(key, None) {
        while let Some(Ok(entry)) = values.next() {
            if let Some(v) = entry.value().map(str::trim).filter(|v| !v.is_empty()) {
                out.push(v.to_string());
            }
        }
    }
    out
}

fn is_sha256_repo(git_dir: &Path) -> bool {
    std::fs::read_to_string(git_dir.join("config")).is_ok_and(|c| {
        c.lines().any(|l| {
            let l = l.trim().to_ascii_lowercase().replace(' ', "");
            l == "objectformat=sha256"
        })
    })
}

impl HookRepo {
    /// Open the repository a hook runs in ([`HookPaths`]): the git
    /// directory, plus the quarantine as an alternate object store (so
    /// pushed objects are visible), plus the namespace for ref names.
    pub fn open_for_hook(paths: &HookPaths) -> Result<Self, OpenError> {
        let mut me = Self::open_bare(&paths.git_dir)?;
        if let Some(q) = &paths.quarantine {
            let q = if q.is_absolute() {
                q.clone()
            } else {
                paths.git_dir.join(q)
            };
            let added = me
                .repo
                .odb()
                .and_then(|odb| odb.add_disk_alternate(&q.to_string_lossy()));
            me.quarantine = Some(q.clone());
            if let Err(source) = added {
                return Err(OpenError::Git {
                    path: q.display().to_string(),
                    source,
                });
            }
        }
        if let Some(ns) = &paths.namespace {
            me.ns_prefix = namespace_prefix(ns);
        }
        Ok(me)
    }

    /// Open a bare repository (or a `.git` directory) without namespace or quarantine.
    pub fn open_bare(git_dir: &Path) -> Result<Self, OpenError> {
        tune_libgit2();
        if is_sha256_repo(git_dir) {
            return Err(OpenError::Sha256);
        }
        let repo = Repository::open_bare(git_dir).map_err(|source| OpenError::Git {
            path: git_dir.display().to_string(),
            source,
        })?;
        Ok(Self {
            settings: Settings::read(&repo),
            repo,
            ns_prefix: String::new(),
            client_remote: None,
            client_default: None,
            quarantine: None,
        })
    }

    /// Wrap an already opened repository (the CLI opens work trees).
    pub fn from_repository(repo: Repository) -> Self {
        tune_libgit2();
        Self {
            settings: Settings::read(&repo),
            repo,
            ns_prefix: String::new(),
            client_remote: None,
            client_default: None,
            quarantine: None,
        }
    }

    /// The object directories a walk reads packs from: the push's
    /// quarantine, the repository's own, and the alternates it lists (what
    /// libgit2 reads, in its order).
    pub fn object_dirs(&self) -> Vec<PathBuf> {
        let own = self.repo.commondir().join("objects");
        let mut dirs: Vec<PathBuf> = self.quarantine.iter().cloned().collect();
        if let Ok(list) = std::fs::read_to_string(own.join("info/alternates")) {
            dirs.extend(
                list.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(|l| own.join(l)),
            );
        }
        dirs.insert(usize::from(self.quarantine.is_some()), own);
        dirs
    }

    /// A developer's clone seen as the server `remote` is: its branches are
    /// the remote-tracking refs (`refs/remotes/<remote>/*`), so what is
    /// "already on a protected branch" is what the server has, as last
    /// fetched, never a local branch the server may not have.
    pub fn client_view(repo: Repository, remote: &str, default_branch: Option<String>) -> Self {
        let mut me = Self::from_repository(repo);
        me.client_remote = Some(remote.to_string());
        me.client_default = default_branch;
        me
    }

    /// The stored name of a ref the client knows as `logical`.
    pub fn physical(&self, logical: &str) -> String {
        if let (Some(remote), Some(branch)) =
            (&self.client_remote, logical.strip_prefix("refs/heads/"))
        {
            return format!("refs/remotes/{remote}/{branch}");
        }
        format!("{}{logical}", self.ns_prefix)
    }

    /// The client-visible name of a stored ref, if it is in our namespace
    /// (in a client view: a remote-tracking branch of the remote, or a ref
    /// that is not a branch).
    fn logical(&self, physical: &str) -> Option<String> {
        if let Some(remote) = &self.client_remote {
            if let Some(branch) = physical
                .strip_prefix("refs/remotes/")
                .and_then(|r| r.strip_prefix(remote.as_str()))
                .and_then(|r| r.strip_prefix('/'))
            {
                return (branch != "HEAD").then(|| format!("refs/heads/{branch}"));
            }
            if physical.starts_with("refs/heads/") || physical.starts_with("refs/remotes/") {
                return None;
            }
            return Some(physical.to_string());
        }
        physical
            .strip_prefix(self.ns_prefix.as_str())
            .map(String::from)
    }

    /// Where the hooks remember which branch the policy was last read from:
    /// a small file in the git directory, one per namespace (each has its
    /// own `HEAD`).
    pub fn policy_state_path(&self) -> PathBuf {
        let dir = self.repo.path().join("reviewgate");
        if self.ns_prefix.is_empty() {
            return dir.join("policy-state.json");
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.ns_prefix.as_bytes());
        let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        dir.join(format!("policy-state.{short}.json"))
    }

    /// The ref `HEAD` names (client-visible), e.g. `refs/heads/main`; in a
    /// client view, the remote's default branch.
    pub fn default_branch(&self) -> Option<String> {
        if self.client_remote.is_some() {
            return self.client_default.clone();
        }
        let head_name = self.physical("HEAD");
        let target = self
            .repo
            .find_reference(&head_name)
            .ok()
            .and_then(|r| r.symbolic_target().map(String::from))
            .or_else(|| {
                // A namespace without its own HEAD follows the repository's HEAD.
                self.repo
                    .find_reference("HEAD")
                    .ok()
                    .and_then(|r| r.symbolic_target().map(|t| self.physical(t)))
            })?;
        self.logical(&target)
    }

    /// The object a ref points to (client-visible name), if it exists.
    pub fn ref_target(&self, logical: &str) -> Result<Option<Oid>> {
        match self.repo.find_reference(&self.physical(logical)) {
            Ok(r) => Ok(r.resolve().ok().and_then(|r| r.target())),
            Err(e) if e.code() == ErrorCode::NotFound || e.code() == ErrorCode::InvalidSpec => {
                Ok(None)
            }
            Err(e) => Err(e).with_context(|| format!("reading ref {logical}")),
        }
    }

    /// Peel an object id to a commit, if it is (or points to) one. Trees and
    /// blobs (tags may point at them) peel to `None`. Commits are not parsed
    /// here (a malformed one is judged, with a rule code, by the walk).
    pub fn peel_to_commit(&self, id: Oid) -> Result<Option<Oid>> {
        let odb = self.repo.odb().context("opening the object database")?;
        let mut id = id;
        for _ in 0..MAX_TAG_DEPTH {
            let (_, kind) = odb
                .read_header(id)
                .with_context(|| format!("object {id} not found"))?;
            match kind {
                ObjectType::Commit => return Ok(Some(id)),
                ObjectType::Tag => {
                    let tag = self
                        .repo
                        .find_tag(id)
                        .with_context(|| format!("reading tag {id}"))?;
                    id = tag.target_id();
                }
                _ => return Ok(None),
            }
        }
        anyhow::bail!("tag {id} is a chain of more than {MAX_TAG_DEPTH} tags")
    }

    /// The tree of a commit, read from its header as git reads it.
    pub fn tree_of(&self, commit: Oid) -> Result<Oid> {
        let odb = self.repo.odb().context("opening the object database")?;
        let obj = odb
            .read(commit)
            .with_context(|| format!("reading commit {commit}"))?;
        crate::commit::CommitView::parse(commit, obj.data())
            .tree()
            .with_context(|| format!("commit {commit} has no tree header git can read"))
    }

    /// When `logical` is a symbolic ref on the server, the ref a push to it
    /// really writes (the end of the chain, client-visible); `None` for a
    /// direct ref or one that does not exist.
    pub fn symref_target(&self, logical: &str) -> Result<Option<String>> {
        let mut name = self.physical(logical);
        let mut depth = 0;
        loop {
            let next = match self.repo.find_reference(&name) {
                Ok(r) => r.symbolic_target_bytes().map(<[u8]>::to_vec),
                Err(e) if e.code() == ErrorCode::NotFound || e.code() == ErrorCode::InvalidSpec => {
                    None
                }
                Err(e) => return Err(e).with_context(|| format!("reading ref {logical}")),
            };
            let Some(next) = next else { break };
            depth += 1;
            if depth > MAX_SYMREF_DEPTH {
                anyhow::bail!(
                    "symbolic ref {logical} is a chain of more than {MAX_SYMREF_DEPTH} refs"
                );
            }
            name = String::from_utf8(next)
                .with_context(|| format!("symbolic ref {logical} points to a non-UTF-8 name"))?;
        }
        if depth == 0 {
            return Ok(None);
        }
        match self.logical(&name) {
            Some(l) => Ok(Some(l)),
            None => anyhow::bail!("symbolic ref {logical} points outside this namespace ({name})"),
        }
    }

    /// The logical names of the refs under `prefix` (client-visible), in this
    /// namespace. Only that prefix is listed: cost follows it, not the
    /// repository's (possibly 100,000) other refs.
    pub fn refs_under(&self, prefix: &str) -> Result<Vec<String>> {
        let mut globs = vec![format!("{}*", self.physical(prefix))];
        if let Some(remote) = &self.client_remote {
            // A prefix shorter than `refs/heads/` also covers the branches.
            if "refs/heads/".starts_with(prefix) && prefix != "refs/heads/" {
                globs.push(format!("refs/remotes/{remote}/*"));
            }
        }
        let several = globs.len() > 1;
        let mut names = Vec::new();
        for glob in globs {
            let physical_prefix = glob.trim_end_matches('*');
            for name in refs_with_prefix(self.repo.commondir(), physical_prefix)? {
                if let Some(name) = self.logical(&name) {
                    if name.starts_with(prefix) {
                        names.push(name);
                    }
                }
            }
        }
        if several {
            names.sort();
            names.dedup();
        }
        Ok(names)
    }

    /// The blob named `name` at the root of `tree`, if any (`Err` when the
    /// entry is not a file).
    pub fn blob_in_tree(&self, tree: Oid, name: &str) -> Result<Option<Oid>> {
        let tree = self
            .repo
            .find_tree(tree)
            .with_context(|| format!("reading tree {tree}"))?;
        let found = match tree.get_name(name) {
            None => None,
            Some(e) if e.kind() == Some(ObjectType::Blob) => Some(e.id()),
            Some(_) => anyhow::bail!("{name} in tree {} is not a file", tree.id()),
        };
        Ok(found)
    }

    /// The baseline commits (`reviewgate.baseline`). Each value must be a
    /// full object id (40 hex digits) of a commit here, or of a tag that
    /// points to one: never a ref name or an abbreviation, which a pusher
    /// could create or make ambiguous, so that what is exempt is fixed when
    /// the administrator writes it. A value that is not refuses the push,
    /// with the full id to write when the value names one today.
    pub fn baseline_commits(&self) -> Result<Vec<Oid>> {
        self.settings
            .baseline
            .iter()
            .map(|v| self.baseline_commit(v))
            .collect()
    }

    fn baseline_commit(&self, value: &str) -> Result<Oid> {
        let key = keys::BASELINE;
        let full = value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit());
        if full {
            let id = Oid::from_str(value)?;
            return match self.peel_to_commit(id) {
                Ok(Some(commit)) => Ok(commit),
                _ => Err(anyhow::anyhow!(
                    "git config {key} names {value}, which is not a commit in this repository"
                )),
            };
        }
        // Say what the value names today, for the administrator to pin.
        let today = match self.repo.revparse_single(value) {
            Ok(o) => match self.peel_to_commit(o.id()) {
                Ok(Some(c)) => format!(
                    "; it names commit {c} today: git config --fixed-value --replace-all {key} {c} '{value}'"
                ),
                _ => "; it names no commit here".to_string(),
            },
            Err(e) if e.code() == ErrorCode::Ambiguous => {
                "; it is an ambiguous abbreviation here".to_string()
            }
            Err(_) => "; it names nothing here".to_string(),
        };
        anyhow::bail!(
            "git config {key} names \"{value}\", which is not a full object id: a baseline is the 40-hex-digit id of a commit, never a ref name or an abbreviation (a pusher could create or shadow those){today}"
        )
    }

    /// A blob's bytes, at most `cap` + 1 of them (sized from the object's
    /// header first, so an oversized blob is never read whole).
    pub fn read_blob_capped(&self, blob: Oid, cap: usize) -> Result<Vec<u8>> {
        let odb = self.repo.odb().context("opening the object database")?;
        let (size, _) = odb
            .read_header(blob)
            .with_context(|| format!("reading blob {blob}"))?;
        if size > cap {
            return Ok(vec![b' '; cap + 1]);
        }
        let object = odb
            .read(blob)
            .with_context(|| format!("reading blob {blob}"))?;
        let bytes = object.data().to_vec();
        Ok(bytes)
    }
}

/// Read a file, at most `cap` + 1 bytes (enough for a size check to refuse
/// it), and only if it is a regular file.
pub fn read_file_capped(path: &Path, cap: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        anyhow::bail!("not a regular file");
    }
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Whether git will run our pre-receive for this push, so the update hook
/// may stand down: the `pre-receive` in the hooks directory git uses
/// (`core.hooksPath` aware) is executable and is either our binary, our
/// installer's wrapper calling an executable binary of ours, or Gitea's
/// wrapper with our wrapper in `pre-receive.d/`. Anything less (a file that
/// merely mentions reviewgate, a hook that is not executable, a wrapper whose
/// binary is gone) and the update hook judges for itself.
pub fn runs_our_pre_receive(repo: &HookRepo) -> bool {
    let dir = &repo.settings.hooks_dir;
    let hook = dir.join("pre-receive");
    if is_our_pre_receive(&hook) {
        return true;
    }
    // Gitea/Forgejo: their pre-receive runs every executable in
    // pre-receive.d/ (their template names it `${hookname}.d`).
    let gitea_wrapper = std::fs::read(&hook).is_ok_and(|t| {
        is_executable(&hook) && (contains(&t, b"pre-receive.d") || contains(&t, b"${hookname}.d"))
    });
    gitea_wrapper && is_our_pre_receive(&dir.join("pre-receive.d").join("reviewgate"))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The hook file at `path` is executable and runs our pre-receive binary:
/// it is that binary (by name, through any symlink), or our installer's
/// pre-receive wrapper naming an executable `reviewgate-pre-receive`
/// ([`crate::hookfile::recognise`]).
fn is_our_pre_receive(path: &std::path::Path) -> bool {
    use crate::hookfile::HookKind;
    let binary = HookKind::PreReceive.binary();
    if !is_executable(path) {
        return false;
    }
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if resolved.file_name().is_some_and(|n| n == binary) {
        return true;
    }
    let Ok(text) = std::fs::read(path) else {
        return false;
    };
    crate::hookfile::recognise(&text).is_some_and(|r| {
        r.kind == Some(HookKind::PreReceive)
            && r.binaries
                .iter()
                .any(|b| b.ends_with(binary) && is_executable(b))
    })
}

/// libgit2 settings for a hook that reads each commit exactly once (see
/// [`crate::walk`]): no object cache (storing and evicting cost 40% of a
/// 100,000-commit walk and only memory is gained), and no SHA-1
/// re-verification of every object read (git does not verify on read either).
fn tune_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::enable_caching(false);
        git2::opts::strict_hash_verification(false);
        // Map packs in small windows with a low total, so the resident pages of
        // a big pack stay bounded (the default maps 1 GiB windows, and every
        // page a long walk touches stays resident).
        // SAFETY: git2 marks these unsafe because they write libgit2's global
        // settings unsynchronised. `ONCE` makes this the only write, and it
        // runs when the first repository is opened, before any walk starts
        // its reading thread (`crate::walk`), so no read races it.
        // Packs are mapped lazily, so a repository the CLI opened just before
        // maps its packs with these sizes too.
        unsafe {
            let _ = git2::opts::set_mwindow_size(PACK_WINDOW_BYTES);
            let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED_LIMIT_BYTES);
        }
    });
}

/// How many tags are peeled before giving up.
const MAX_TAG_DEPTH: usize = 32;

/// How many symbolic refs are followed before giving up (git stops at 5).
const MAX_SYMREF_DEPTH: usize = 5;

/// Size of one pack mapping window.
const PACK_WINDOW_BYTES: usize = 2 * 1024 * 1024;
/// Total pack bytes mapped at once (older windows are unmapped past this).
const PACK_MAPPED_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// `a/b` → `refs/namespaces/a/refs/namespaces/b/`, as git does.
fn namespace_prefix(ns: &str) -> String {
    ns.split('/')
        .filter(|c| !c.is_empty())
        .map(|c| format!("refs/namespaces/{c}/"))
        .collect()
}

/// The full names of the refs starting with `prefix` in the repository whose
/// common directory is `common`, loose and packed, sorted: what
/// `git for-each-ref` lists there. libgit2's ref iterator loads and sorts all
/// of `packed-refs` first (0.15 s for 100,000 refs, for the 1,000 a protected
/// tag pattern wants); here the file is scanned once, and only the loose
/// refs under the prefix's folder are listed.
fn refs_with_prefix(common: &Path, prefix: &str) -> Result<Vec<String>> {
    let mut names = std::collections::BTreeSet::new();
    let packed = common.join("packed-refs");
    match std::fs::read(&packed) {
        Ok(data) => {
            for line in data.split(|&b| b == b'\n') {
                // `<id> <name>`; `^<id>` peels the line before; `#` a header.
                let Some(name) = line.get(41..).filter(|_| line.get(40) == Some(&b' ')) else {
                    continue;
                };
                if name.starts_with(prefix.as_bytes()) {
                    let name = std::str::from_utf8(name).with_context(|| {
                        format!("{}: a ref name is not UTF-8", packed.display())
                    })?;
                    if git2::Reference::is_valid_name(name) {
                        names.insert(name.to_string());
                    }
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", packed.display())),
    }
    // Loose refs: the folder holding the prefix, then only names under it.
    let dir = prefix.rfind('/').map_or("", |i| &prefix[..i]);
    let mut stack = vec![dir.to_string()];
    while let Some(rel) = stack.pop() {
        let entries = match std::fs::read_dir(common.join(&rel)) {
            Ok(e) => e,
            // Gone or never there (a prefix naming no folder): nothing loose.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                continue
            }
            Err(e) => return Err(e).with_context(|| format!("listing {rel}")),
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {rel}"))?;
            let Some(file) = entry.file_name().to_str().map(String::from) else {
                continue; // not UTF-8: not a ref name git2 accepts either
            };
            let name = if rel.is_empty() {
                file
            } else {
                format!("{rel}/{file}")
            };
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                // Only folders that can hold a name with the prefix.
                if prefix.starts_with(&format!("{name}/")) || name.starts_with(prefix) {
                    stack.push(name);
                }
            } else if name.starts_with(prefix)
                && git2::Reference::is_valid_name(&name)
                && loose_ref_reads(&common.join(&name))
            {
                names.insert(name);
            }
        }
    }
    Ok(names.into_iter().collect())
}

/// Whether a loose ref file holds what git reads as a ref (`ref: <name>`, or
/// an object id ending there or at whitespace); git skips any other file
/// ("ignoring broken ref"), and so does this listing. A file gone since the
/// folder was listed (a concurrent update) is skipped as well.
fn loose_ref_reads(path: &Path) -> bool {
    let Ok(data) = std::fs::read(path) else {
        return false;
    };
    if data.starts_with(b"ref:") {
        return true;
    }
    data.get(..40)
        .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        && data.get(40).is_none_or(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_namespaces() {
        assert_eq!(
            namespace_prefix("a/b"),
            "refs/namespaces/a/refs/namespaces/b/"
        );
        assert_eq!(namespace_prefix("x"), "refs/namespaces/x/");
    }
}
