//! `reviewgate report` and `reviewgate policy test`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use reviewgate::history::{self, Options, Period};

use crate::Out;

#[derive(Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Csv,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum By {
    Month,
    Week,
    Day,
}

#[derive(Args)]
pub struct ReportArgs {
    /// The repository: a bare server repository or a clone (default: the
    /// current one; in a clone, the branches are origin's as last fetched).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// The branch (default: the default branch).
    #[arg(long = "ref", value_name = "REF")]
    refname: Option<String>,
    /// Commits brought from this time on: 2026-01-01, RFC 3339, or a span
    /// back from now (90d, 12w, 6m, 1y).
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// ... until this time (same forms).
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// Judge with this policy file (default: the branch tip's, else the
    /// built-in default): the impact preview of a policy not yet in force.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The periods counted.
    #[arg(long, value_enum, default_value_t = By::Month)]
    by: By,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct PolicyTestArgs {
    /// The new policy file.
    file: PathBuf,
    /// The bare server repository whose audit log is read (default: the
    /// current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Only pushes from this time on (2026-11-01, RFC 3339, or 30d).
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::Format::Text)]
    format: crate::Format,
}

/// A progress line on stderr while a long history is read, when stderr is
/// a terminal; nothing otherwise.
fn progress() -> Option<Box<dyn Fn(u64)>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let start = std::time::Instant::now();
    Some(Box::new(move |n| {
        let secs = start.elapsed().as_secs_f64().max(0.001);
        let _ = write!(
            std::io::stderr().lock(),
            "\rreading history: {n} commits ({:.0}/s)",
            n as f64 / secs
        );
    }))
}

pub fn report(out: Out<'_>, args: &ReportArgs) -> anyhow::Result<u8> {
    let now = chrono::Utc::now();
    let when = |v: &Option<String>| {
        v.as_deref()
            .map(|s| history::parse_when(s, now))
            .transpose()
    };
    let opts = Options {
        refname: args.refname.clone(),
        since: when(&args.since)?,
        until: when(&args.until)?,
        policy_file: args.policy.clone(),
        by: match args.by {
            By::Month => Period::Month,
            By::Week => Period::Week,
            By::Day => Period::Day,
        },
    };
    let shown = progress();
    let report = history::report(&args.repo, &opts, now, shown.as_deref());
    if shown.is_some() {
        let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
    }
    let report = report?;
    let text = match args.format {
        ReportFormat::Text => history::text::render(&report),
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        ReportFormat::Csv => history::csv::render(&report),
        ReportFormat::Html => history::html::render(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
            writeln!(
                out,
                "wrote {} ({} commits, {} AI-assisted, {} of them without a valid review)",
                path.display(),
                report.totals.commits,
                report.totals.ai,
                report.totals.ai_unreviewed
            )?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(0)
}

pub fn policy_test(out: Out<'_>, args: &PolicyTestArgs) -> anyhow::Result<u8> {
    let now = chrono::Utc::now();
    let since = args
        .since
        .as_deref()
        .map(|s| history::parse_when(s, now))
        .transpose()?;
    let w = history::whatif::policy_test(&args.repo, &args.file, since)?;
    match args.format {
        crate::Format::Text => out.write_all(history::whatif::render(&w).as_bytes())?,
        crate::Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&w)?)?,
    }
    Ok(0)
}
