//! The `reviewgate` command: validate and print policies, explain rule codes,
//! and check locally what a push would bring, with the hooks' own engine.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use reviewgate::policy::{LoadedPolicy, PolicySource, DEFAULT_POLICY_TOML, POLICY_FILE};
use reviewgate::repo::HookRepo;
use reviewgate::verdict::{ExitStatus, Rule};
use reviewgate::{audit, local_check, report};

#[derive(Parser)]
#[command(
    name = "reviewgate",
    version,
    about = "Keep unreviewed AI-assisted commits off protected branches"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with policy files.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Explain a rule code (or list them all).
    Explain {
        /// A rule code such as `ai-unreviewed`.
        code: Option<String>,
    },
    /// Verify or show the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Install a client-side pre-push hook that runs `reviewgate check`
    /// (advisory: the server remains the authority; `git push --no-verify` skips it).
    InstallClientHook {
        /// Replace an existing pre-push hook that is not reviewgate's.
        #[arg(long)]
        force: bool,
    },
    /// Check what pushing would bring, with the policy of the remote's default branch.
    Check {
        /// The server ref the push would update (default: the remote's default branch).
        #[arg(long)]
        remote_ref: Option<String>,
        /// Remote name.
        #[arg(long, default_value = "origin")]
        remote: String,
        /// Use this policy file instead of the remote default branch's.
        #[arg(long)]
        policy: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// `OLD..NEW`, or a revision checked against the remote ref (default HEAD).
        range: Option<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy file (default ./.reviewgate.toml); exit 78 if invalid.
    Check {
        /// The file.
        file: Option<String>,
    },
    /// Print the built-in default policy as a commented TOML template.
    Template,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exit 1 and name the first bad line if it is broken.
    Verify {
        /// The log (default: this repository's, from git config reviewgate.auditLog).
        log: Option<PathBuf>,
    },
    /// Print recent decisions, bypasses and warnings.
    Show {
        /// The log (default: this repository's).
        log: Option<PathBuf>,
        /// How many of the most recent records.
        #[arg(long, default_value_t = 20)]
        last: usize,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let status = match run(cli, &mut out) {
        Ok(s) => s,
        // A closed pipe (`reviewgate explain | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "reviewgate: error: {e:#}");
            ExitStatus::InternalError.code()
        }
    };
    ExitCode::from(status)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

type Out<'a> = &'a mut dyn Write;

fn run(cli: Cli, out: Out<'_>) -> anyhow::Result<u8> {
    match cli.command {
        Command::Policy {
            command: PolicyCommand::Template,
        } => policy_template(out),
        Command::Policy {
            command: PolicyCommand::Check { file },
        } => policy_check(out, file),
        Command::Explain { code } => explain(out, code.as_deref()),
        Command::Audit {
            command: AuditCommand::Verify { log },
        } => audit_verify(out, log),
        Command::Audit {
            command: AuditCommand::Show { log, last },
        } => audit_show(out, log, last),
        Command::InstallClientHook { force } => install_client_hook(out, force),
        Command::Check {
            remote_ref,
            remote,
            policy,
            format,
            range,
        } => check(
            out,
            local_check::LocalCheck {
                remote_ref,
                range,
                remote,
                policy_file: policy,
            },
            format,
        ),
    }
}

fn policy_template(out: Out<'_>) -> anyhow::Result<u8> {
    out.write_all(DEFAULT_POLICY_TOML.as_bytes())?;
    Ok(0)
}

/// Validate a policy file (`-`: standard input) and print it in its own words.
fn policy_check(out: Out<'_>, file: Option<String>) -> anyhow::Result<u8> {
    let path = file.unwrap_or_else(|| POLICY_FILE.to_string());
    let bytes = if path == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
            .map_err(|e| anyhow::anyhow!("reading standard input: {e}"))?;
        b
    } else {
        std::fs::read(&path).map_err(|e| anyhow::anyhow!("reading {path}: {e}"))?
    };
    let name = if path == "-" {
        "<stdin>"
    } else {
        path.as_str()
    };
    match LoadedPolicy::from_bytes(&bytes, PolicySource::File(name.to_string())) {
        Ok(p) => {
            writeln!(out, "{name}: ok (sha256 {})", p.sha256)?;
            for line in p.policy.describe() {
                writeln!(out, "{line}")?;
            }
            Ok(0)
        }
        Err(e) => {
            writeln!(out, "{e}")?;
            Ok(ExitStatus::ConfigError.code())
        }
    }
}

fn explain(out: Out<'_>, code: Option<&str>) -> anyhow::Result<u8> {
    let Some(code) = code else {
        for r in Rule::ALL {
            writeln!(out, "{:<24} {}", r.code(), r.summary())?;
        }
        return Ok(0);
    };
    match Rule::from_code(code) {
        Some(r) => {
            writeln!(out, "{}: {}\n\n{}", r.code(), r.summary(), r.explanation())?;
            if r == Rule::AiUnreviewed {
                let tools: Vec<&str> = reviewgate::detect::catalog::tools()
                    .into_iter()
                    .filter(|t| !t.ends_with(" trailer"))
                    .collect();
                writeln!(out, "\nThe built-in catalog knows these tools:\n")?;
                for line in wrap(&tools.join(", "), 76) {
                    writeln!(out, "    {line}")?;
                }
                writeln!(
                    out,
                    "\nand the disclosure trailers Assisted-by: (when it names an AI),\nGenerated-by: and Co-authored-by-AI:."
                )?;
            }
            Ok(0)
        }
        None => {
            writeln!(
                out,
                "unknown rule code `{code}`; run `reviewgate explain` for the list"
            )?;
            Ok(ExitStatus::InternalError.code())
        }
    }
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let Some(line) = lines.last_mut() else { break };
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn audit_verify(out: Out<'_>, log: Option<PathBuf>) -> anyhow::Result<u8> {
    let log = log_or_default(log)?;
    let r = audit::verify(&log)?;
    for (line, why) in &r.torn {
        writeln!(
            out,
            "{}:{line}: warning: skipped, not a record: {why}; the chain continues after it",
            log.display()
        )?;
    }
    let Some((line, why)) = r.first_bad else {
        let torn = if r.torn.is_empty() {
            String::new()
        } else {
            format!(" ({} torn line(s) skipped)", r.torn.len())
        };
        writeln!(
            out,
            "{}: ok, {} record(s), chain intact{torn}",
            log.display(),
            r.records
        )?;
        writeln!(
            out,
            "head: {} (keep a copy elsewhere to detect truncation)",
            r.head
        )?;
        return Ok(0);
    };
    writeln!(out, "{}:{line}: chain broken: {why}", log.display())?;
    writeln!(out, "{} record(s) before it verify", r.records)?;
    Ok(1)
}

fn audit_show(out: Out<'_>, log: Option<PathBuf>, last: usize) -> anyhow::Result<u8> {
    let log = log_or_default(log)?;
    let records = audit::read_all(&log)?;
    let skip = records.len().saturating_sub(last);
    let mut unreadable = 0;
    for rec in records.iter().skip(skip) {
        match rec {
            Err(e) => {
                unreadable += 1;
                writeln!(out, "unreadable record: {}", report::sanitize(e))?
            }
            Ok(v) => writeln!(out, "{}", report::sanitize(&show_record(v)))?,
        }
    }
    Ok(u8::from(unreadable > 0))
}

fn install_client_hook(out: Out<'_>, force: bool) -> anyhow::Result<u8> {
    let repo = discover()?;
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the reviewgate binary: {e}"))?;
    let hooks = HookRepo::from_repository(repo).settings.hooks_dir;
    let path = hooks.join("pre-push");
    let text = client_hook(&exe.display().to_string());
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if existing == text {
            writeln!(out, "{}: already installed", path.display())?;
            return Ok(0);
        }
        if !existing.contains(CLIENT_HOOK_MARK) && !force {
            writeln!(
                out,
                "{} exists and is not reviewgate's; rerun with --force to replace it",
                path.display()
            )?;
            return Ok(ExitStatus::InternalError.code());
        }
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

fn check(out: Out<'_>, what: local_check::LocalCheck, format: Format) -> anyhow::Result<u8> {
    let res = local_check::check(std::path::Path::new("."), &what)?;
    if let (Some(note), Format::Text) = (&res.note, format) {
        writeln!(out, "reviewgate: {note}")?;
    }
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &res.verdict)?;
            writeln!(out)?;
        }
        Format::Text => {
            for line in report::render(&res.verdict) {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(res.verdict.exit_status().code())
}

/// The repository around the working directory, or a plain-words error.
fn discover() -> anyhow::Result<git2::Repository> {
    git2::Repository::discover(".").map_err(|_| anyhow::anyhow!("not inside a git repository"))
}

const CLIENT_HOOK_MARK: &str = "# reviewgate client hook";

/// The pre-push hook text. git feeds it `<local ref> <local id> <remote ref>
/// <remote id>` lines; violations (exit 1) stop the push, a check that cannot
/// run (exit 2, e.g. the remote's new commits are not fetched) only warns.
fn client_hook(exe: &str) -> String {
    let exe = exe.replace('\'', "'\\''");
    format!(
        r#"#!/bin/sh
{CLIENT_HOOK_MARK} (installed by `reviewgate install-client-hook`; advisory:
# the server decides. Skip once with `git push --no-verify`.)
remote="$1"
zero=0000000000000000000000000000000000000000
status=0
while read -r local_ref local_id remote_ref remote_id; do
  [ "$local_id" = "$zero" ] && continue
  range="$local_id"
  if [ "$remote_id" != "$zero" ] && git cat-file -e "$remote_id^{{commit}}" 2>/dev/null; then
    range="$remote_id..$local_id"
  fi
  '{exe}' check --remote "$remote" --remote-ref "$remote_ref" "$range" >&2
  rc=$?
  if [ $rc -eq 1 ]; then
    status=1
  elif [ $rc -ne 0 ]; then
    echo "reviewgate: could not check $remote_ref locally (exit $rc); the server will." >&2
  fi
done
if [ $status -ne 0 ]; then
  echo "reviewgate: push stopped by the client-side check (the server would refuse it too)." >&2
fi
exit $status
"#
    )
}

fn log_or_default(log: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match log {
        Some(l) => Ok(l),
        None => {
            let repo = discover().map_err(|e| anyhow::anyhow!("no log given and {e}"))?;
            Ok(HookRepo::from_repository(repo).settings.audit_log)
        }
    }
}

/// One line per record: time, decision, pusher, refs, violations, bypass.
fn show_record(v: &serde_json::Value) -> String {
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("?").to_string();
    let pusher = v
        .get("pusher")
        .and_then(|p| p.get("login"))
        .and_then(|x| x.as_str())
        .unwrap_or("-");
    let refs: Vec<String> = v
        .get("refs")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|r| r.get("name").and_then(|n| n.as_str()).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let rules: Vec<String> = v
        .get("violations")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .map(|x| {
                    format!(
                        "{}({})",
                        x.get("rule").and_then(|n| n.as_str()).unwrap_or("?"),
                        x.get("severity").and_then(|n| n.as_str()).unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut line = format!(
        "{} {:<24} pusher={} refs={} violations=[{}]",
        s("time"),
        s("decision"),
        pusher,
        refs.join(","),
        rules.join(" ")
    );
    if let Some(b) = v.get("bypass").filter(|b| !b.is_null()) {
        line.push_str(&format!(
            " BYPASS by {}: \"{}\"",
            b.get("pusher").and_then(|x| x.as_str()).unwrap_or("?"),
            b.get("reason").and_then(|x| x.as_str()).unwrap_or("")
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
