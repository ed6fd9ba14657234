//! The developer's side: `reviewgate check` (what a push would bring, with
//! the hooks' own engine) and `reviewgate install-client-hook`.

use reviewgate::hookfile::{client_hook, CLIENT_BACKUP, CLIENT_MARK};
use reviewgate::repo::HookRepo;
use reviewgate::verdict::ExitStatus;
use reviewgate::{local_check, report};

use crate::{discover, Format, Out};

pub fn install_client_hook(out: Out<'_>, force: bool) -> anyhow::Result<u8> {
    let repo = discover()?;
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the reviewgate binary: {e}"))?;
    let hooks = HookRepo::from_repository(repo).settings.hooks_dir;
    let path = hooks.join("pre-push");
    let backup = hooks.join(CLIENT_BACKUP);
    let mut chained = backup.exists();
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.contains(CLIENT_MARK) {
            if !force {
                writeln!(
                    out,
                    "{} exists and is not reviewgate's; rerun with --force to keep it (as {CLIENT_BACKUP}) and run it before reviewgate's check",
                    path.display()
                )?;
                return Ok(ExitStatus::InternalError.code());
            }
            if chained {
                writeln!(
                    out,
                    "{} already exists (an earlier chain); move one of them away first",
                    backup.display()
                )?;
                return Ok(ExitStatus::InternalError.code());
            }
            std::fs::rename(&path, &backup)?;
            writeln!(
                out,
                "kept the existing hook as {} (it runs first)",
                backup.display()
            )?;
            chained = true;
        }
    }
    let text = client_hook(&exe.display().to_string(), chained);
    if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
        writeln!(out, "{}: already installed", path.display())?;
        return Ok(0);
    }
    std::fs::create_dir_all(&hooks)?;
    std::fs::write(&path, &text)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    writeln!(out, "installed {}", path.display())?;
    writeln!(
        out,
        "each push now runs `reviewgate check` first (advisory; skip with --no-verify)"
    )?;
    Ok(0)
}

/// The pre-commit framework's pre-push environment, as a check.
pub fn from_pre_commit(what: &mut local_check::LocalCheck) -> anyhow::Result<()> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let to = var("PRE_COMMIT_TO_REF").ok_or_else(|| {
        anyhow::anyhow!(
            "--pre-commit: PRE_COMMIT_TO_REF is not set (run by pre-commit at the pre-push stage)"
        )
    })?;
    if let Some(remote) = var("PRE_COMMIT_REMOTE_NAME") {
        what.remote = remote;
    }
    what.remote_ref = var("PRE_COMMIT_REMOTE_BRANCH");
    let zero = |r: &str| r.bytes().all(|b| b == b'0');
    what.range = Some(match var("PRE_COMMIT_FROM_REF") {
        Some(from) if !zero(&from) => format!("{from}..{to}"),
        _ => to,
    });
    Ok(())
}

pub fn check(
    out: Out<'_>,
    what: local_check::LocalCheck,
    format: Format,
    quiet: bool,
) -> anyhow::Result<u8> {
    let res = local_check::check(std::path::Path::new("."), &what)?;
    let clean = res.verdict.violations.is_empty() && res.verdict.violations_dropped == 0;
    if quiet && clean && matches!(format, Format::Text) {
        return Ok(res.verdict.exit_status().code());
    }
    if let (Some(note), Format::Text) = (&res.note, format) {
        writeln!(out, "reviewgate: {note}")?;
    }
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &res.verdict)?;
            writeln!(out)?;
        }
        Format::Text => {
            for line in report::render_check(&res.verdict) {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(res.verdict.exit_status().code())
}
