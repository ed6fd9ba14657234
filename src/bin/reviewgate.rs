//! The `reviewgate` command: validate and print policies, explain rule codes,
//! and check locally what a push would bring, with the hooks' own engine.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use reviewgate::config::{LoadedPolicy, PolicySource, DEFAULT_POLICY_TOML, POLICY_FILE};
use reviewgate::verdict::{ExitStatus, Rule};
use reviewgate::{audit, local, report};

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
    let mut err = std::io::stderr().lock();
    let status = match run(cli, &mut out) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "reviewgate: error: {e:#}");
            ExitStatus::InternalError.code()
        }
    };
    ExitCode::from(status)
}

fn run(cli: Cli, out: &mut impl Write) -> anyhow::Result<u8> {
    match cli.command {
        Command::Policy {
            command: PolicyCommand::Template,
        } => {
            out.write_all(DEFAULT_POLICY_TOML.as_bytes())?;
            Ok(0)
        }
        Command::Policy {
            command: PolicyCommand::Check { file },
        } => {
            let path = file.unwrap_or_else(|| POLICY_FILE.to_string());
            let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("reading {path}: {e}"))?;
            match LoadedPolicy::from_bytes(&bytes, PolicySource::File(path.clone())) {
                Ok(p) => {
                    writeln!(out, "{path}: ok (sha256 {})", p.sha256)?;
                    writeln!(out, "mode: {:?}", p.policy.mode)?;
                    for (i, prot) in p.policy.protect.iter().enumerate() {
                        let refs: Vec<&str> = prot.refs.iter().map(|r| r.as_str()).collect();
                        writeln!(
                            out,
                            "protect[{i}]: {} (review {:?}, deletion {}, force-push {}, update {}, linear {})",
                            refs.join(", "),
                            prot.review,
                            allowed(prot.allow_deletion),
                            allowed(prot.allow_force_push),
                            allowed(prot.allow_update),
                            prot.linear_history
                        )?;
                    }
                    Ok(0)
                }
                Err(e) => {
                    writeln!(out, "{e}")?;
                    Ok(ExitStatus::ConfigError.code())
                }
            }
        }
        Command::Explain { code: None } => {
            for r in Rule::ALL {
                writeln!(out, "{:<24} {}", r.code(), r.summary())?;
            }
            Ok(0)
        }
        Command::Explain { code: Some(code) } => match Rule::from_code(&code) {
            Some(r) => {
                writeln!(out, "{}: {}\n\n{}", r.code(), r.summary(), r.explanation())?;
                Ok(0)
            }
            None => {
                writeln!(
                    out,
                    "unknown rule code `{code}`; run `reviewgate explain` for the list"
                )?;
                Ok(ExitStatus::InternalError.code())
            }
        },
        Command::Audit {
            command: AuditCommand::Verify { log },
        } => {
            let log = log_or_default(log)?;
            let r = audit::verify(&log)?;
            for (line, why) in &r.torn {
                writeln!(
                    out,
                    "{}:{line}: warning: skipped, not a record: {why}; the chain continues after it",
                    log.display()
                )?;
            }
            match r.first_bad {
                None => {
                    writeln!(
                        out,
                        "{}: ok, {} record(s), chain intact{}",
                        log.display(),
                        r.records,
                        if r.torn.is_empty() {
                            String::new()
                        } else {
                            format!(" ({} torn line(s) skipped)", r.torn.len())
                        }
                    )?;
                    writeln!(
                        out,
                        "head: {} (keep a copy elsewhere to detect truncation)",
                        r.head
                    )?;
                    Ok(0)
                }
                Some((line, why)) => {
                    writeln!(out, "{}:{line}: chain broken: {why}", log.display())?;
                    writeln!(out, "{} record(s) before it verify", r.records)?;
                    Ok(1)
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Show { log, last },
        } => {
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
            Ok(if unreadable > 0 { 1 } else { 0 })
        }
        Command::InstallClientHook { force } => {
            let repo = git2::Repository::discover(".")
                .map_err(|e| anyhow::anyhow!("not in a git repository: {}", e.message()))?;
            let exe = std::env::current_exe()
                .map_err(|e| anyhow::anyhow!("cannot find the reviewgate binary: {e}"))?;
            let hooks = reviewgate::repo::HookRepo::from_repository(repo).hooks_dir();
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
            #[cfg(unix)]
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
        Command::Check {
            remote_ref,
            remote,
            policy,
            format,
            range,
        } => {
            let res = local::check(
                std::path::Path::new("."),
                &local::LocalCheck {
                    remote_ref,
                    range,
                    remote,
                    policy_file: policy,
                },
            )?;
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
    }
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
            let repo = git2::Repository::discover(".").map_err(|e| {
                anyhow::anyhow!("no log given and not in a repository: {}", e.message())
            })?;
            Ok(audit::log_path(&repo))
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

fn allowed(b: bool) -> &'static str {
    if b {
        "allowed"
    } else {
        "denied"
    }
}
