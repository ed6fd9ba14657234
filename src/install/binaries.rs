//! The binaries the hooks call, copied into the folder they are called
//! from (so the hooks keep working when the build they came from is gone),
//! and where the `reviewgate` command is.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::shell::Shell;

/// The binaries reviewgate installs.
pub const BINARIES: [&str; 3] = ["reviewgate-pre-receive", "reviewgate-update", "reviewgate"];

/// Copy the binaries from `from` to `bin_dir` (each replaced atomically,
/// and only when it differs).
pub fn copy(sh: &mut Shell<'_>, from: &Path, bin_dir: &Path) -> Result<()> {
    for b in BINARIES {
        if !sh.dry_run && !from.join(b).is_file() {
            bail!("missing binary {}", from.join(b).display());
        }
    }
    if sh.dry_run {
        writeln!(
            sh.out,
            "  would copy {} to {}",
            BINARIES.join(" "),
            bin_dir.display()
        )?;
        return Ok(());
    }
    std::fs::create_dir_all(bin_dir)
        .with_context(|| format!("cannot create {}", bin_dir.display()))?;
    for b in BINARIES {
        let (src, dst) = (from.join(b), bin_dir.join(b));
        if std::fs::read(&src).ok() == std::fs::read(&dst).ok() {
            continue;
        }
        let tmp = bin_dir.join(format!("{b}.tmp.{}", std::process::id()));
        let copied = std::fs::copy(&src, &tmp).and_then(|_| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
            std::fs::rename(&tmp, &dst)
        });
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&tmp);
            bail!("cannot copy {b} to {}: {e}", bin_dir.display());
        }
        sh.say(format!("installed {}", dst.display()))?;
    }
    Ok(())
}

/// The first `name` on `PATH`, if any.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

/// Say where the CLI is, and whether it is on `PATH`.
pub fn where_cli(sh: &mut Shell<'_>, bin_dir: &Path) -> Result<()> {
    let cli = bin_dir.join("reviewgate");
    match on_path("reviewgate") {
        Some(on) => sh.say(format!(
            "the reviewgate command: {} (on your PATH as {})",
            cli.display(),
            on.display()
        )),
        None => sh.say(format!(
            "the reviewgate command: {} (not on your PATH: reviewgate install --client links it)",
            cli.display()
        )),
    }
}
