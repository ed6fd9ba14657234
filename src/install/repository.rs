//! Installing into (and uninstalling from) one repository: checked first,
//! then the slots of its layout filled, `HEAD` looked at, the audit log's
//! folder made, push options turned on.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::layout::{all_slots, Layout};
use super::shell::{chown_like, git_config, git_query, is_root, user_name, Shell};
use super::{slot, Options};

/// The config key that records that the installer turned push options on
/// (so an uninstall turns them off again, and only then).
const INSTALLED_ADVERTISE: &str = "reviewgate.installedAdvertise";

/// A repository, resolved: its folder and its hooks folder (`core.hooksPath` aware).
pub struct Repo {
    /// The repository (absolute).
    pub dir: PathBuf,
    /// Where git runs its hooks from.
    pub hooks: PathBuf,
}

impl Repo {
    /// Open `dir` as a repository git can read (any owner).
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.exists() {
            bail!("no such directory");
        }
        if !dir.is_dir() {
            bail!("not a directory");
        }
        let dir = std::path::absolute(dir)?;
        if git_query(&dir, &["rev-parse", "--git-dir"]).is_err() {
            bail!("not a git repository");
        }
        let hooks = git_query(&dir, &["rev-parse", "--git-path", "hooks"])
            .map_err(|_| anyhow::anyhow!("git cannot read it"))?;
        let hooks = PathBuf::from(hooks);
        let hooks = if hooks.is_absolute() {
            hooks
        } else {
            dir.join(hooks)
        };
        Ok(Self { dir, hooks })
    }

    fn layout(&self, opts: &Options) -> Layout {
        opts.layout
            .unwrap_or_else(|| Layout::detect(&self.dir, &self.hooks))
    }
}

/// Check a repository before anything is built or changed: why it cannot be
/// installed into, if it cannot.
pub fn preflight(dir: &Path, opts: &Options) -> Result<()> {
    let repo = Repo::open(dir)?;
    if opts.uninstall {
        return Ok(());
    }
    let layout = repo.layout(opts);
    let custom = repo.dir.join("custom_hooks");
    if layout == Layout::Gitlab && custom.exists() && !custom.is_dir() {
        bail!(
            "{} exists and is not a directory; GitLab's server hooks go in custom_hooks/pre-receive.d/ (move the file away)",
            custom.display()
        );
    }
    for s in layout.slots(&repo.dir, &repo.hooks, opts.with_update) {
        if slot::foreign(&s.path, opts.chain) {
            bail!("{}", slot::foreign_message(&s.path));
        }
        let mut dir = s.path.parent().map(Path::to_path_buf).unwrap_or_default();
        while !dir.exists() {
            match dir.parent() {
                Some(p) => dir = p.to_path_buf(),
                None => break,
            }
        }
        if !opts.dry_run && !writable(&dir) {
            bail!(
                "{} is not writable by {} (run as the repository's owner or as root)",
                dir.display(),
                user_name()
            );
        }
    }
    Ok(())
}

/// Whether this process may create files in `dir`.
fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".reviewgate-probe.{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(_) => false,
    }
}

/// `git config` in a repository; as root, the config file is handed back to
/// the repository's owner (git rewrites it owned by root, with the old mode:
/// gitolite's 0600 would lock its own user out).
fn config(sh: &mut Shell<'_>, repo: &Path, args: &[&str]) -> Result<()> {
    let mut all = vec!["config"];
    all.extend_from_slice(args);
    sh.git(repo, &all)?;
    if !sh.dry_run && is_root() {
        chown_like(&repo.join("config"), repo);
    }
    Ok(())
}

/// Install into one repository.
pub fn install(sh: &mut Shell<'_>, dir: &Path, opts: &Options) -> Result<()> {
    let repo = Repo::open(dir)?;
    let layout = repo.layout(opts);
    sh.say(format!(
        "{}: layout {}: hooks go in {}",
        repo.dir.display(),
        layout.name(),
        layout.folder(&repo.dir, &repo.hooks).display()
    ))?;
    if opts.with_update && layout == Layout::Gitolite {
        sh.say(format!(
            "{}: --with-update ignored: gitolite owns the update hook (pre-receive judges every ref)",
            repo.dir.display()
        ))?;
    }
    if git_query(&repo.dir, &["rev-parse", "--is-bare-repository"]).is_ok_and(|b| b == "false") {
        sh.say(format!(
            "warning: {} is a clone with a work tree, not a server repository: these hooks judge pushes into it, not yours from it (for those: `reviewgate install-client-hook` in the clone)",
            repo.dir.display()
        ))?;
    }
    check_head(sh, &repo.dir, opts.default_branch.as_deref())?;
    let wanted = layout.slots(&repo.dir, &repo.hooks, opts.with_update);
    // Our hook in a slot of another layout (installed earlier with another
    // --layout) is replaced, not doubled.
    for other in all_slots(&repo.dir, &repo.hooks) {
        if !wanted.iter().any(|s| s.path == other) && crate::hookfile::is_ours(&other) {
            sh.say(format!(
                "moving our hook out of {} (another layout)",
                other.display()
            ))?;
            slot::uninstall(sh, &other)?;
        }
    }
    for s in &wanted {
        slot::install(sh, &s.path, s.kind, &opts.bin_dir, opts.chain)?;
    }
    audit_folder(sh, &repo.dir)
        .map_err(|e| anyhow::anyhow!("cannot create the audit log's folder: {e}"))?;
    if git_config(&repo.dir, "receive.advertisePushOptions").as_deref() != Some("true") {
        config(sh, &repo.dir, &["receive.advertisePushOptions", "true"])?;
        config(sh, &repo.dir, &[INSTALLED_ADVERTISE, "true"])?;
        sh.did(
            "set receive.advertisePushOptions=true (push options reach the hooks)",
            "set receive.advertisePushOptions=true (push options reach the hooks)",
        )?;
    }
    Ok(())
}

/// Uninstall from one repository.
pub fn uninstall(sh: &mut Shell<'_>, dir: &Path) -> Result<()> {
    let repo = Repo::open(dir)?;
    let mut found = false;
    for s in all_slots(&repo.dir, &repo.hooks) {
        found |= slot::uninstall(sh, &s)?;
    }
    if git_config(&repo.dir, INSTALLED_ADVERTISE).as_deref() == Some("true") {
        config(sh, &repo.dir, &["--unset", "receive.advertisePushOptions"])?;
        config(sh, &repo.dir, &["--unset", INSTALLED_ADVERTISE])?;
        sh.did(
            "unset receive.advertisePushOptions (set at install)",
            "unset receive.advertisePushOptions (set at install)",
        )?;
        found = true;
    }
    if !found {
        sh.say(format!(
            "{}: nothing to remove (no reviewgate hook here)",
            repo.dir.display()
        ))?;
    }
    kept(sh, &repo.dir)
}

/// What uninstalling leaves, said so nobody looks for it later: the audit
/// log (a record is evidence), the `reviewgate.*` settings, the binaries
/// (other repositories may call them).
fn kept(sh: &mut Shell<'_>, dir: &Path) -> Result<()> {
    let log = crate::repo::HookRepo::open_bare(dir)
        .map(|r| r.settings.audit_log)
        .unwrap_or_else(|_| dir.join(crate::repo::DEFAULT_AUDIT_LOG));
    if log.exists() {
        sh.say(format!(
            "kept: the audit log {} (remove it by hand if you mean to)",
            log.display()
        ))?;
    }
    let settings = git_query(
        dir,
        &["config", "--name-only", "--get-regexp", "^reviewgate\\."],
    )
    .unwrap_or_default();
    let names: Vec<&str> = settings.lines().filter(|l| !l.is_empty()).collect();
    if !names.is_empty() {
        sh.say(format!(
            "kept: settings {} (git config --remove-section reviewgate, to drop them)",
            names.join(", ")
        ))?;
    }
    sh.say("kept: the binaries (other repositories may use them; `reviewgate status --all DIR` shows which still do)")
}

/// `HEAD` names the branch the policy is read from: say when it names none,
/// and point it at `default_branch` when given.
fn check_head(sh: &mut Shell<'_>, repo: &Path, default_branch: Option<&str>) -> Result<()> {
    let head = git_query(repo, &["symbolic-ref", "-q", "HEAD"]).unwrap_or_default();
    let shown = repo.display();
    if let Some(branch) = default_branch {
        let want = format!("refs/heads/{branch}");
        if head != want {
            sh.git(repo, &["symbolic-ref", "HEAD", &want])?;
            sh.did(
                &format!("{shown}: HEAD now names {want} (the policy is read from it)"),
                &format!("point HEAD at {want}"),
            )?;
        }
        if git_query(repo, &["rev-parse", "-q", "--verify", &want]).is_err() {
            sh.say(format!("{shown}: {want} does not exist yet: the first push of it makes it the default branch"))?;
        }
        return Ok(());
    }
    if head.is_empty() {
        return sh.warn(format!(
            "{shown}: HEAD names no branch; the policy is read from HEAD's branch: pass --default-branch NAME"
        ));
    }
    if git_query(repo, &["rev-parse", "-q", "--verify", &head]).is_ok() {
        return Ok(());
    }
    let branches = git_query(
        repo,
        &[
            "for-each-ref",
            "--count=3",
            "--format=%(refname:short)",
            "refs/heads/",
        ],
    )
    .unwrap_or_default();
    if !branches.is_empty() {
        let list: String = branches.lines().map(|b| format!("{b} ")).collect();
        sh.warn(format!("{shown}: HEAD names {head}, which does not exist (branches: {list}): the repository's policy would never be read; pass --default-branch NAME"))?;
    } else if head == "refs/heads/master" {
        sh.warn(format!("{shown}: HEAD names master (git init's default) and the repository is empty: if your team pushes main, pass --default-branch main"))?;
    }
    Ok(())
}

/// The audit log's folder, owned by the repository's owner (a root install
/// must not leave a folder the git server's user cannot write).
fn audit_folder(sh: &mut Shell<'_>, repo: &Path) -> Result<()> {
    let log = git_config(repo, crate::keys::AUDIT_LOG)
        .unwrap_or_else(|| crate::repo::DEFAULT_AUDIT_LOG.to_string());
    let log = PathBuf::from(log);
    let log = if log.is_absolute() {
        log
    } else {
        repo.join(log)
    };
    let Some(dir) = log.parent() else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    if !sh.dry_run {
        std::fs::create_dir_all(dir)?;
        if is_root() {
            chown_like(dir, repo);
        }
    }
    let shown = dir.display();
    sh.did(
        &format!("created the audit log's folder {shown} (owned by the repository's owner)"),
        &format!("create the audit log's folder {shown}, owned by the repository's owner"),
    )
}
