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
        /// Install over an existing pre-push hook that is not reviewgate's:
        /// it is kept as `pre-push.reviewgate-orig` and runs first.
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
        /// Take the remote, the ref and the range from the pre-commit
        /// framework's pre-push environment (`PRE_COMMIT_REMOTE_NAME`,
        /// `PRE_COMMIT_REMOTE_BRANCH`, `PRE_COMMIT_FROM_REF`, `PRE_COMMIT_TO_REF`).
        #[arg(long, conflicts_with_all = ["remote_ref", "range"])]
        pre_commit: bool,
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
        /// The log, or a repository (default: this repository's log, from git
        /// config reviewgate.auditLog).
        log: Option<PathBuf>,
        /// A head printed by an earlier verify, kept elsewhere: exit 1 if it
        /// is no longer in the chain (the log was truncated or rewritten).
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
    },
    /// Print recent decisions: refs with old and new ids, violations with
    /// their commits, bypasses.
    Show {
        /// The log, or a repository (default: this repository's log).
        log: Option<PathBuf>,
        /// How many of the most recent matching records.
        #[arg(long, default_value_t = 20)]
        last: usize,
        /// Only rejected pushes.
        #[arg(long)]
        rejected: bool,
        /// Only pushes that touched this ref (`main` or `refs/heads/main`).
        #[arg(long = "ref", value_name = "REF")]
        refname: Option<String>,
        /// Only records at or after this time (`2026-12-01` or RFC 3339).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// The matching records as JSON, one per line.
        #[arg(long)]
        json: bool,
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
            command: AuditCommand::Verify { log, expect_head },
        } => audit_verify(out, log, expect_head.as_deref()),
        Command::Audit {
            command:
                AuditCommand::Show {
                    log,
                    last,
                    rejected,
                    refname,
                    since,
                    json,
                },
        } => audit_show(
            out,
            log,
            &ShowFilter {
                last,
                rejected,
                refname,
                since,
                json,
            },
        ),
        Command::InstallClientHook { force } => install_client_hook(out, force),
        Command::Check {
            remote_ref,
            remote,
            policy,
            format,
            pre_commit,
            range,
        } => {
            let mut what = local_check::LocalCheck {
                remote_ref,
                range,
                remote,
                policy_file: policy,
            };
            if pre_commit {
                from_pre_commit(&mut what)?;
            }
            check(out, what, format)
        }
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

fn audit_verify(out: Out<'_>, log: Option<PathBuf>, expect: Option<&str>) -> anyhow::Result<u8> {
    let log = log_or_default(log)?;
    let r = audit::verify_expecting(&log, expect)?;
    for (line, why) in &r.torn {
        writeln!(
            out,
            "{}:{line}: warning: skipped, not a record: {why}; the chain continues after it",
            log.display()
        )?;
    }
    if let Some((line, why)) = r.first_bad {
        writeln!(out, "{}:{line}: chain broken: {why}", log.display())?;
        writeln!(out, "{} record(s) before it verify", r.records)?;
        return Ok(1);
    }
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
        "head: {} (keep a copy elsewhere; `audit verify --expect-head` detects truncation)",
        r.head
    )?;
    match (expect, r.expected_at) {
        (None, _) => Ok(0),
        (Some(_), Some(at)) => {
            writeln!(
                out,
                "the saved head is record {at} of {}: nothing before it was removed",
                r.records
            )?;
            Ok(0)
        }
        (Some(h), None) => {
            writeln!(
                out,
                "{}: the saved head {h} is not in the chain: the log was truncated or rewritten since it was saved",
                log.display()
            )?;
            Ok(1)
        }
    }
}

/// Which records `audit show` prints.
struct ShowFilter {
    last: usize,
    rejected: bool,
    refname: Option<String>,
    since: Option<String>,
    json: bool,
}

impl ShowFilter {
    /// The `--since` time, parsed.
    fn since(&self) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
        let Some(s) = &self.since else {
            return Ok(None);
        };
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
            return Ok(Some(t.with_timezone(&chrono::Utc)));
        }
        let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            anyhow::anyhow!("--since {s}: expected a date (2026-12-01) or an RFC 3339 time")
        })?;
        Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
    }

    fn keeps(&self, v: &serde_json::Value, since: Option<chrono::DateTime<chrono::Utc>>) -> bool {
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default();
        if self.rejected && field("decision") != "rejected" {
            return false;
        }
        if let Some(since) = since {
            let at = chrono::DateTime::parse_from_rfc3339(field("time"));
            if at.is_ok_and(|t| t < since) || at.is_err() {
                return false;
            }
        }
        if let Some(want) = &self.refname {
            let full = if want.starts_with("refs/") {
                want.clone()
            } else {
                format!("refs/heads/{want}")
            };
            let touched = v.get("refs").and_then(|r| r.as_array()).is_some_and(|a| {
                a.iter()
                    .filter_map(|r| r.get("name").and_then(|n| n.as_str()))
                    .any(|n| n == full || n == want)
            });
            if !touched {
                return false;
            }
        }
        true
    }
}

fn audit_show(out: Out<'_>, log: Option<PathBuf>, filter: &ShowFilter) -> anyhow::Result<u8> {
    let log = log_or_default(log)?;
    let since = filter.since()?;
    let records = audit::read_all(&log)?;
    let mut unreadable = 0;
    let mut kept = Vec::new();
    for rec in &records {
        match rec {
            Err(e) => {
                unreadable += 1;
                if !filter.json {
                    writeln!(out, "unreadable record: {}", report::sanitize(e))?;
                }
            }
            Ok(v) if filter.keeps(v, since) => kept.push(v),
            Ok(_) => {}
        }
    }
    let skip = kept.len().saturating_sub(filter.last);
    for v in kept.into_iter().skip(skip) {
        if filter.json {
            serde_json::to_writer(&mut *out, v)?;
            writeln!(out)?;
        } else {
            for line in show_record(v) {
                writeln!(out, "{}", report::sanitize(&line))?;
            }
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
    let backup = hooks.join(CLIENT_HOOK_BACKUP);
    let mut chained = backup.exists();
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.contains(CLIENT_HOOK_MARK) {
            if !force {
                writeln!(
                    out,
                    "{} exists and is not reviewgate's; rerun with --force to keep it (as {CLIENT_HOOK_BACKUP}) and run it before reviewgate's check",
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
fn from_pre_commit(what: &mut local_check::LocalCheck) -> anyhow::Result<()> {
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

/// Where `install-client-hook --force` keeps a pre-push hook it found.
const CLIENT_HOOK_BACKUP: &str = "pre-push.reviewgate-orig";

/// The pre-push hook text. git feeds it `<local ref> <local id> <remote ref>
/// <remote id>` lines; violations (exit 1) stop the push, a check that cannot
/// run (exit 2, e.g. the remote's new commits are not fetched) only warns.
fn client_hook(exe: &str, chained: bool) -> String {
    let exe = exe.replace('\'', "'\\''");
    // A kept hook runs first, on the same ref list (saved to a file, so both
    // read all of it); either can stop the push.
    let (save, chain, input) = if chained {
        (
            "refs=$(mktemp \"${TMPDIR:-/tmp}/reviewgate-pre-push.XXXXXX\") || exit 1\ntrap 'rm -f \"$refs\"' EXIT\ncat >\"$refs\" || exit 1\n",
            format!("\"$(dirname \"$0\")/{CLIENT_HOOK_BACKUP}\" \"$@\" <\"$refs\" || exit $?\n"),
            " <\"$refs\"",
        )
    } else {
        ("", String::new(), "")
    };
    format!(
        r#"#!/bin/sh
{CLIENT_HOOK_MARK} (installed by `reviewgate install-client-hook`; advisory:
# the server decides. Skip once with `git push --no-verify`.)
remote="$1"
zero=0000000000000000000000000000000000000000
{save}{chain}status=0
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
done{input}
if [ $status -ne 0 ]; then
  echo "reviewgate: push stopped by the client-side check (the server would refuse it too)." >&2
fi
exit $status
"#
    )
}

/// The audit log named (a file), or the one of the repository named (a
/// directory: bare or a work tree), or this repository's.
fn log_or_default(log: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match log {
        Some(path) if path.is_dir() => {
            let repo = git2::Repository::open(&path)
                .map_err(|_| anyhow::anyhow!("{} is not a git repository", path.display()))?;
            Ok(HookRepo::from_repository(repo).settings.audit_log)
        }
        Some(l) => Ok(l),
        None => {
            let repo = discover().map_err(|e| anyhow::anyhow!("no log given and {e}"))?;
            Ok(HookRepo::from_repository(repo).settings.audit_log)
        }
    }
}

/// A record as lines: when, decision, pusher; each ref with its old and new
/// ids; each violation with its commit; a bypass.
fn show_record(v: &serde_json::Value) -> Vec<String> {
    let s = |x: &serde_json::Value, k: &str| {
        x.get(k).and_then(|x| x.as_str()).unwrap_or("?").to_string()
    };
    let short = |id: String| id.get(..12).map(String::from).unwrap_or(id);
    let pusher = v
        .get("pusher")
        .and_then(|p| p.get("login"))
        .and_then(|x| x.as_str())
        .unwrap_or("-");
    let mut lines = vec![format!(
        "{} {} pusher={} ({}, {} commit(s) checked)",
        s(v, "time"),
        s(v, "decision"),
        pusher,
        s(v, "hook"),
        v.get("commits_checked")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    )];
    let list = |k: &str| {
        v.get(k)
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default()
    };
    for r in list("refs") {
        lines.push(format!(
            "  {} {}..{}",
            s(&r, "name"),
            short(s(&r, "old")),
            short(s(&r, "new"))
        ));
    }
    for x in list("violations") {
        let commit = x
            .get("commit")
            .and_then(|c| c.as_str())
            .map(|c| format!(" commit {}", short(c.to_string())))
            .unwrap_or_default();
        lines.push(format!(
            "  {}[{}]: {}{commit}",
            s(&x, "severity"),
            s(&x, "rule"),
            s(&x, "ref")
        ));
    }
    if let Some(b) = v.get("bypass").filter(|b| !b.is_null()) {
        lines.push(format!(
            "  BYPASS by {}: \"{}\"",
            s(b, "pusher"),
            s(b, "reason")
        ));
    }
    lines
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
