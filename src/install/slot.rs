//! One hook slot: install our wrapper into it (chaining a hook that was
//! there first, when asked), or take ours out and restore what it chained.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::shell::Shell;
use crate::hookfile::{self, HookKind, Wrapper, CHAINED_SUFFIX, EDITED_SUFFIX};

/// `path` with `suffix` added to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether something (a file, a dangling link) is at `path`.
fn present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// Whether installing into `path` would meet a hook that is not ours and
/// may not be touched (no `--chain`).
pub fn foreign(path: &Path, chain: bool) -> bool {
    present(path) && !hookfile::is_ours(path) && !chain
}

/// The message for a foreign hook in the way.
pub fn foreign_message(path: &Path) -> String {
    format!(
        "{} exists and is not reviewgate's: re-run with --chain to run it before reviewgate, or move it away",
        path.display()
    )
}

/// Install our `kind` wrapper at `path`, calling binaries in `bin_dir`.
pub fn install(
    sh: &mut Shell<'_>,
    path: &Path,
    kind: HookKind,
    bin_dir: &Path,
    chain: bool,
) -> Result<()> {
    let kept = beside(path, CHAINED_SUFFIX);
    let mut chained = None;
    if present(path) {
        if hookfile::is_ours(path) {
            // Ours already: keep whatever it chains, refresh if the text changed.
            if present(&kept) {
                chained = Some(file_name(&kept));
            }
        } else if chain {
            if present(&kept) {
                bail!(
                    "{} already exists (an earlier chain); move one of them away first",
                    kept.display()
                );
            }
            if !sh.dry_run {
                std::fs::rename(path, &kept)?;
            }
            chained = Some(file_name(&kept));
            let (name, kname) = (file_name(path), file_name(&kept));
            sh.did(
                &format!("chained the existing {name} (kept as {kname}, runs first)"),
                &format!("keep the existing {name} as {kname} and run it first"),
            )?;
        } else {
            bail!("{}", foreign_message(path));
        }
    }
    let wrapper = Wrapper::new(kind, bin_dir, chained)?;
    write(sh, path, &wrapper.text(), bin_dir)
}

/// Write a hook file (atomically: a temporary file renamed over it).
fn write(sh: &mut Shell<'_>, path: &Path, text: &str, bin_dir: &Path) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|t| t == text) {
        sh.say(format!("unchanged {}", path.display()))?;
        return Ok(());
    }
    if sh.dry_run {
        writeln!(
            sh.out,
            "  would write {} (calls {})",
            path.display(),
            bin_dir.display()
        )?;
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|_| anyhow::anyhow!("cannot create {}", dir.display()))?;
    let tmp = beside(path, &format!(".tmp.{}", std::process::id()));
    let written = std::fs::write(&tmp, text).and_then(|()| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
        std::fs::rename(&tmp, path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        bail!("cannot write {} (permissions?)", path.display());
    }
    sh.say(format!("wrote {}", path.display()))
}

/// Take our hook out of `path`, restoring what it chained; an edited one is
/// kept as found. Whether there was one of ours.
pub fn uninstall(sh: &mut Shell<'_>, path: &Path) -> Result<bool> {
    let Some(found) = std::fs::read(path)
        .ok()
        .and_then(|t| hookfile::recognise(&t))
    else {
        return Ok(false);
    };
    let shown = path.display().to_string();
    if found.pristine {
        if !sh.dry_run {
            std::fs::remove_file(path)?;
        }
        sh.did(&format!("removed {shown}"), &format!("remove {shown}"))?;
    } else {
        let kept = beside(path, EDITED_SUFFIX);
        if !sh.dry_run {
            std::fs::rename(path, &kept)?;
        }
        sh.did(
            &format!(
                "{shown} was edited after install: kept as {}",
                file_name(&kept)
            ),
            &format!("keep the edited {shown} as {}", file_name(&kept)),
        )?;
    }
    let orig = beside(path, CHAINED_SUFFIX);
    if present(&orig) {
        if !sh.dry_run {
            std::fs::rename(&orig, path)?;
        }
        let name = file_name(path);
        sh.did(
            &format!("restored the previous {name}"),
            &format!("restore the previous {name}"),
        )?;
    }
    remove_emptied(sh, path)?;
    Ok(true)
}

/// A folder left empty (`pre-receive.d/`, then `custom_hooks/`) goes too.
fn remove_emptied(sh: &mut Shell<'_>, path: &Path) -> Result<()> {
    let Some(dir) = path.parent() else {
        return Ok(());
    };
    let name = file_name(dir);
    if name != "pre-receive.d" && name != "update.d" {
        return Ok(());
    }
    let empty = |d: &Path| std::fs::read_dir(d).is_ok_and(|mut e| e.next().is_none());
    if !empty(dir) {
        return Ok(());
    }
    if !sh.dry_run {
        std::fs::remove_dir(dir)?;
    }
    let shown = dir.display().to_string();
    sh.did(
        &format!("removed the empty {shown}"),
        &format!("remove the empty {shown}"),
    )?;
    if let Some(parent) = dir.parent().filter(|p| file_name(p) == "custom_hooks") {
        if empty(parent) {
            if !sh.dry_run {
                std::fs::remove_dir(parent)?;
            }
            let shown = parent.display().to_string();
            sh.did(
                &format!("removed the empty {shown}"),
                &format!("remove the empty {shown}"),
            )?;
        }
    }
    Ok(())
}
