//! Installs that protect many repositories at once: a shared hooks folder
//! (`core.hooksPath`), a template (`init.templateDir`), gitolite's common
//! hooks, GitLab's server hooks folder; and the CLI on `PATH`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::binaries;
use super::shell::{chown_like, is_root, quote, Shell};
use super::{slot, Options};
use crate::hookfile::HookKind;

/// `--shared-hooks DIR` (`key` = `core.hooksPath`, hooks in DIR) or
/// `--template DIR` (`init.templateDir`, hooks in DIR/hooks): one hooks
/// folder many repositories use.
pub fn shared(
    sh: &mut Shell<'_>,
    opts: &Options,
    dir: &Path,
    key: &str,
    hooks: &Path,
    what: &str,
) -> Result<()> {
    let pre = hooks.join("pre-receive");
    if opts.uninstall {
        if !slot::uninstall(sh, &pre)? {
            sh.say(format!("{}: nothing to remove", hooks.display()))?;
        }
        slot::uninstall(sh, &hooks.join("update"))?;
        if opts.system {
            undo_system_settings(sh)?;
        }
        return Ok(());
    }
    if slot::foreign(&pre, opts.chain) {
        bail!(
            "{} exists and is not reviewgate's: re-run with --chain, or move it away",
            pre.display()
        );
    }
    binaries::copy(sh, &opts.from, &opts.bin_dir)?;
    slot::install(sh, &pre, HookKind::PreReceive, &opts.bin_dir, opts.chain)?;
    if opts.with_update {
        let update = hooks.join("update");
        slot::install(sh, &update, HookKind::Update, &opts.bin_dir, opts.chain)?;
    }
    let dir_text = dir.display().to_string();
    if opts.system {
        sh.run(
            "git",
            &[
                OsStr::new("config"),
                OsStr::new("--system"),
                OsStr::new(key),
                dir.as_os_str(),
            ],
        )
        .map_err(|_| anyhow::anyhow!("cannot set {key} in git's system config (root?)"))?;
        let done = format!("set {key}={dir_text} in git's system config: {what}");
        sh.did(&done, &done)?;
        system_settings(sh, key)?;
    } else {
        sh.say(format!(
            "to use it for {what}: git config --system {} (or --system here)",
            quote([key, dir_text.as_str()])
        ))?;
        sh.say(format!(
            "and so that break-glass works: git config --system receive.advertisePushOptions true{}",
            if key == "init.templateDir" {
                "; and so that new repositories start on main (the branch @default protects): git config --system init.defaultBranch main"
            } else {
                ""
            }
        ))?;
    }
    binaries::where_cli(sh, &opts.bin_dir)
}

const DEFAULT_BRANCH: &str = "init.defaultBranch";

/// System settings a server-wide install sets when nothing sets them, each
/// with the marker that says the install did (so uninstall undoes only that).
const SYSTEM_SETTINGS: [(&str, &str); 2] = [
    (
        "receive.advertisePushOptions",
        "reviewgate.installedSystemAdvertise",
    ),
    (DEFAULT_BRANCH, "reviewgate.installedSystemDefaultBranch"),
];

/// Set what a server-wide install through `key` needs in git's system
/// config, where nothing sets it yet: push options (break-glass), and for a
/// template the branch new repositories start on (git's own default is
/// master; a shared hooks folder's repositories have their HEAD already).
fn system_settings(sh: &mut Shell<'_>, key: &str) -> Result<()> {
    for (setting, marker) in SYSTEM_SETTINGS {
        if setting == DEFAULT_BRANCH && key != "init.templateDir" {
            continue;
        }
        if system_config(setting).is_some() {
            continue;
        }
        let value = if setting == DEFAULT_BRANCH {
            "main"
        } else {
            "true"
        };
        for (k, v) in [(setting, value), (marker, "true")] {
            sh.run(
                "git",
                &[
                    OsStr::new("config"),
                    OsStr::new("--system"),
                    OsStr::new(k),
                    OsStr::new(v),
                ],
            )?;
        }
        let done = format!(
            "set {setting}={value} in git's system config ({})",
            why(setting)
        );
        sh.did(&done, &done)?;
    }
    Ok(())
}

/// Unset the system settings [`system_settings`] set (its markers say which).
fn undo_system_settings(sh: &mut Shell<'_>) -> Result<()> {
    for (key, marker) in SYSTEM_SETTINGS {
        if system_config(marker).as_deref() != Some("true") {
            continue;
        }
        for k in [key, marker] {
            sh.run(
                "git",
                &[
                    OsStr::new("config"),
                    OsStr::new("--system"),
                    OsStr::new("--unset"),
                    OsStr::new(k),
                ],
            )?;
        }
        let done = format!("unset {key} in git's system config (set at install)");
        sh.did(&done, &done)?;
    }
    Ok(())
}

/// Why a system setting is set, as the install says it.
fn why(setting: &str) -> &'static str {
    if setting == DEFAULT_BRANCH {
        "new repositories start on main, the branch @default protects; another name: git config --system init.defaultBranch NAME"
    } else {
        "push options reach the hooks, so break-glass works"
    }
}

/// A value in git's system config.
fn system_config(key: &str) -> Option<String> {
    git_get(&["config", "--system", "--get", key])
}

fn git_get(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `--gitlab-hooks-dir DIR`: GitLab's server-wide hooks folder.
pub fn gitlab(sh: &mut Shell<'_>, opts: &Options, dir: &Path) -> Result<()> {
    let path = dir.join("pre-receive.d/reviewgate");
    if opts.uninstall {
        if !slot::uninstall(sh, &path)? {
            sh.say(format!("{}: nothing to remove", dir.display()))?;
        }
        return Ok(());
    }
    if slot::foreign(&path, false) {
        bail!("{} exists and is not reviewgate's", path.display());
    }
    binaries::copy(sh, &opts.from, &opts.bin_dir)?;
    slot::install(sh, &path, HookKind::PreReceive, &opts.bin_dir, false)?;
    sh.say(format!(
        "GitLab runs it for every repository once gitaly's [hooks] custom_hooks_dir is {}",
        dir.display()
    ))?;
    binaries::where_cli(sh, &opts.bin_dir)
}

/// The gitolite hosting user's home, and the command prefix that runs as
/// them (`runuser -u USER --` when this is another user).
fn gitolite_home(user: Option<&str>) -> Result<(PathBuf, Vec<String>)> {
    let Some(user) = user else {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        return Ok((home, Vec::new()));
    };
    let out = std::process::Command::new("getent")
        .args(["passwd", user])
        .output()?;
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let home = line
        .trim()
        .split(':')
        .nth(5)
        .unwrap_or_default()
        .to_string();
    if home.is_empty() {
        bail!("no user {user}");
    }
    let as_user = if super::shell::user_name() == user {
        Vec::new()
    } else {
        vec!["runuser".into(), "-u".into(), user.into(), "--".into()]
    };
    Ok((PathBuf::from(home), as_user))
}

/// gitolite's `LOCAL_CODE` folder, from its rc file.
fn local_code(rc: &Path, home: &Path) -> Result<PathBuf> {
    let text = std::fs::read_to_string(rc).map_err(|_| {
        anyhow::anyhow!(
            "{} not found: run as the gitolite hosting user, or pass --gitolite-user USER",
            rc.display()
        )
    })?;
    let value = text.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix("LOCAL_CODE")?;
        let rest = rest.trim_start().strip_prefix("=>")?.trim();
        let rest = rest.strip_suffix(',')?.trim_end();
        rest.strip_prefix('"')?.strip_suffix('"').map(String::from)
    });
    let Some(value) = value else {
        bail!(
            "{} does not set LOCAL_CODE: uncomment (or add) the line  LOCAL_CODE => \"$ENV{{HOME}}/local\",  then run this again",
            rc.display()
        );
    };
    let home = home.display().to_string();
    Ok(PathBuf::from(value.replace("$ENV{HOME}", &home).replace(
        "$rc{GL_ADMIN_BASE}",
        &format!("{home}/.gitolite"),
    )))
}

/// `--gitolite`: gitolite's common hooks (its `LOCAL_CODE`), then
/// `gitolite setup --hooks-only` puts them into every repository.
pub fn gitolite(sh: &mut Shell<'_>, opts: &Options) -> Result<()> {
    let (home, as_user) = gitolite_home(opts.gitolite_user.as_deref())?;
    let code = local_code(&home.join(".gitolite.rc"), &home)?;
    let path = code.join("hooks/common/pre-receive");
    if opts.uninstall {
        if !slot::uninstall(sh, &path)? {
            sh.say(format!("{}: nothing to remove", path.display()))?;
        }
    } else {
        if slot::foreign(&path, opts.chain) {
            bail!(
                "{} exists and is not reviewgate's: re-run with --chain, or move it away",
                path.display()
            );
        }
        binaries::copy(sh, &opts.from, &opts.bin_dir)?;
        slot::install(sh, &path, HookKind::PreReceive, &opts.bin_dir, opts.chain)?;
        if opts.gitolite_user.is_some() && !sh.dry_run && is_root() {
            chown_tree(&code.join("hooks"), &home);
        }
    }
    if opts.with_update {
        sh.say("--with-update ignored: gitolite owns the update hook")?;
    }
    let mut words = as_user.clone();
    words.extend(["gitolite", "setup", "--hooks-only"].map(String::from));
    if sh.dry_run {
        writeln!(
            sh.out,
            "  would run: {} (puts the common hooks into every repository)",
            quote(&words)
        )?;
    } else {
        let Some((program, args)) = words.split_first() else {
            bail!("no command");
        };
        let out = std::process::Command::new(program)
            .args(args)
            .current_dir(&home)
            .env("HOME", &home)
            .output()?;
        if !out.status.success() {
            bail!(
                "gitolite setup --hooks-only failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        sh.say("ran gitolite setup --hooks-only: every repository has the common hooks")?;
    }
    if opts.uninstall {
        return Ok(());
    }
    binaries::where_cli(sh, &opts.bin_dir)
}

/// Give `dir` and everything in it to `owner`'s owner.
fn chown_tree(dir: &Path, owner: &Path) {
    chown_like(dir, owner);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                chown_tree(&p, owner);
            } else {
                chown_like(&p, owner);
            }
        }
    }
}

/// `--client`: the CLI on `PATH` (a link in `cli_dir`).
pub fn client(sh: &mut Shell<'_>, opts: &Options) -> Result<()> {
    let dir = opts.cli_dir.clone().unwrap_or_else(|| {
        if is_root() {
            PathBuf::from("/usr/local/bin")
        } else {
            home().join(".local/bin")
        }
    });
    let link = dir.join("reviewgate");
    let target = opts.bin_dir.join("reviewgate");
    let ours = std::fs::read_link(&link).is_ok_and(|t| t == target);
    let (l, t) = (link.display().to_string(), target.display().to_string());
    if opts.uninstall {
        if ours {
            if !sh.dry_run {
                std::fs::remove_file(&link)?;
            }
            sh.did(&format!("removed {l}"), &format!("remove {l}"))?;
        } else {
            sh.say(format!("{l}: nothing to remove"))?;
        }
        return Ok(());
    }
    binaries::copy(sh, &opts.from, &opts.bin_dir)?;
    if link.symlink_metadata().is_ok() && !ours {
        bail!("{l} exists and is not our link; move it away, or pass --cli-dir DIR");
    }
    if !sh.dry_run {
        std::fs::create_dir_all(&dir)?;
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link)?;
    }
    sh.did(&format!("linked {l} -> {t}"), &format!("link {l} -> {t}"))?;
    let on_path =
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d == dir));
    if on_path {
        sh.say("reviewgate is on your PATH: try reviewgate explain")
    } else {
        let d = dir.display();
        sh.say(format!(
            "{d} is not on your PATH: add it (export PATH=\"{d}:$PATH\"), then try reviewgate explain"
        ))
    }
}

/// `$HOME`, or `/tmp` without one.
pub fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
}
