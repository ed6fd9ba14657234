//! `reviewgate install` and `reviewgate uninstall`: the hooks into bare
//! repositories (each in its server's layout), or server-wide so that every
//! repository is protected, without clobbering hooks already there;
//! idempotent, with a dry run that prints the real commands, a summary, and
//! exit codes 0 (done), 1 (some repository failed, the others were done),
//! 2 (nothing was done: a usage error). Never prompts. `install.sh` builds
//! the binaries and hands its arguments here.
//!
//! The files, each using only the ones above it:
//!
//! 1. [`shell`]: running a command, or printing it in a dry run;
//! 2. [`layout`]: where hooks go on each kind of server;
//! 3. [`slot`]: one hook slot, filled or emptied;
//! 4. [`binaries`]: the binaries copied where the hooks call them;
//! 5. [`repository`]: one repository, checked first, then installed into;
//! 6. [`server_wide`]: shared hooks, templates, gitolite, GitLab, the CLI;
//! 7. [`demo`]: the story in a sandbox.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Result};

pub mod binaries;
pub mod demo;
pub mod layout;
pub mod repository;
pub mod server_wide;
pub mod shell;
pub mod slot;

pub use layout::Layout;
use shell::Shell;

/// What to install into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// These repositories.
    Repos(Vec<PathBuf>),
    /// A hooks folder for `core.hooksPath` (every repository on the machine).
    SharedHooks(PathBuf),
    /// A template folder for `init.templateDir` (every repository `git init` makes).
    Template(PathBuf),
    /// gitolite's common hooks (every repository gitolite hosts).
    Gitolite,
    /// GitLab's server hooks folder (`custom_hooks_dir`).
    GitlabHooksDir(PathBuf),
    /// The `reviewgate` command on `PATH`.
    Client,
}

/// How to install.
#[derive(Debug, Clone)]
pub struct Options {
    /// The layout, when not detected per repository.
    pub layout: Option<Layout>,
    /// Keep a foreign hook and run it before ours.
    pub chain: bool,
    /// Also the per-ref `update` hook (not with gitolite).
    pub with_update: bool,
    /// Point `HEAD` at `refs/heads/<this>`.
    pub default_branch: Option<String>,
    /// Where the binaries are copied (absolute).
    pub bin_dir: PathBuf,
    /// Where the binaries are copied from.
    pub from: PathBuf,
    /// With a shared hooks folder or a template: set it in git's system config.
    pub system: bool,
    /// The gitolite hosting user, when another than this one.
    pub gitolite_user: Option<String>,
    /// Where `--client` links the CLI.
    pub cli_dir: Option<PathBuf>,
    /// Remove our hooks and restore what was there.
    pub uninstall: bool,
    /// Print what would be done, change nothing.
    pub dry_run: bool,
}

/// The default folder for the binaries: `/usr/local/libexec/reviewgate` as
/// root, `~/.local/libexec/reviewgate` otherwise.
pub fn default_bin_dir() -> PathBuf {
    if shell::is_root() {
        PathBuf::from("/usr/local/libexec/reviewgate")
    } else {
        server_wide::home().join(".local/libexec/reviewgate")
    }
}

/// A usage error: nothing was done (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Check the options that need no repository; a usage error if they are wrong.
pub fn validate(opts: &Options, target: &Target) -> Result<(), UsageError> {
    let bad = |m: String| Err(UsageError(m));
    let mut paths = vec![opts.bin_dir.clone()];
    match target {
        Target::SharedHooks(p) | Target::Template(p) | Target::GitlabHooksDir(p) => {
            paths.push(p.clone());
        }
        _ => {}
    }
    for p in &paths {
        if let Err(e) = crate::hookfile::check_path(p) {
            return bad(e.to_string());
        }
    }
    if opts.system && !matches!(target, Target::SharedHooks(_) | Target::Template(_)) {
        return bad("--system goes with --shared-hooks or --template".into());
    }
    if let Some(b) = &opts.default_branch {
        let valid = std::process::Command::new("git")
            .args(["check-ref-format", "--branch", b])
            .output()
            .is_ok_and(|o| o.status.success());
        if !valid {
            return bad(format!("--default-branch {b}: not a valid branch name"));
        }
    }
    if matches!(target, Target::Repos(r) if r.is_empty()) {
        return bad("no repository given (see --help)".into());
    }
    Ok(())
}

/// Run the installer; the exit code (0 done, 1 some repository failed).
/// Usage errors are checked by [`validate`] first.
pub fn run(opts: &Options, target: &Target, out: &mut dyn Write) -> Result<u8> {
    let mut sh = Shell {
        out,
        dry_run: opts.dry_run,
    };
    let status = match target {
        Target::Repos(repos) => repositories(&mut sh, opts, repos)?,
        other => {
            let done = match other {
                Target::SharedHooks(dir) => server_wide::shared(
                    &mut sh,
                    opts,
                    dir,
                    "core.hooksPath",
                    dir,
                    "every repository on this machine",
                ),
                Target::Template(dir) => server_wide::shared(
                    &mut sh,
                    opts,
                    dir,
                    "init.templateDir",
                    &dir.join("hooks"),
                    "every repository git init makes from now on",
                ),
                Target::Gitolite => server_wide::gitolite(&mut sh, opts),
                Target::GitlabHooksDir(dir) => server_wide::gitlab(&mut sh, opts, dir),
                _ => server_wide::client(&mut sh, opts),
            };
            match done {
                Ok(()) => 0,
                Err(e) => {
                    writeln!(sh.out, "reviewgate install: error: {e:#}")?;
                    1
                }
            }
        }
    };
    if opts.dry_run {
        sh.say("dry run: nothing was changed")?;
    }
    Ok(status)
}

/// Every repository checked first; the binaries copied only if one can be
/// installed into; a failure does not stop the others; a summary.
fn repositories(sh: &mut Shell<'_>, opts: &Options, repos: &[PathBuf]) -> Result<u8> {
    let mut failed: Vec<String> = Vec::new();
    let mut ready = Vec::new();
    for r in repos {
        match repository::preflight(r, opts) {
            Ok(()) => ready.push(r),
            Err(e) => failed.push(format!("{}: {e:#}", r.display())),
        }
    }
    if !opts.uninstall && !ready.is_empty() {
        if let Err(e) = binaries::copy(sh, &opts.from, &opts.bin_dir) {
            bail!("{e:#} (nothing was installed)");
        }
    }
    let mut done = Vec::new();
    for r in ready {
        let result = if opts.uninstall {
            repository::uninstall(sh, r)
        } else {
            repository::install(sh, r, opts)
        };
        match result {
            Ok(()) => done.push(r),
            Err(e) => failed.push(format!("{}: {e:#}", r.display())),
        }
    }
    if !opts.uninstall && !done.is_empty() {
        binaries::where_cli(sh, &opts.bin_dir)?;
    }
    if repos.len() > 1 || !failed.is_empty() {
        sh.say("summary:")?;
        for r in &done {
            let word = if opts.dry_run {
                "would be done"
            } else {
                "done"
            };
            writeln!(sh.out, "  {word}: {}", r.display())?;
        }
        for f in &failed {
            writeln!(sh.out, "  FAILED: {f}")?;
        }
    }
    // 0 done; 1 some failed (the others were done); 2 nothing was done.
    Ok(match (done.is_empty(), failed.is_empty()) {
        (_, true) => 0,
        (false, false) => 1,
        (true, false) => 2,
    })
}
