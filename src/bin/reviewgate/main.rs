//! The `reviewgate` command: install the hooks, validate and print
//! policies, explain rule codes, read the audit log, and check locally what
//! a push would bring, with the hooks' own engine. One module per group of
//! subcommands; each subcommand is one function.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use reviewgate::local_check;
use reviewgate::verdict::ExitStatus;

mod approve_cmd;
mod audit_cmd;
mod client;
mod install_cmd;
mod policy_cmd;
mod report_cmd;
mod status_cmd;

use audit_cmd::ShowFilter;

#[derive(Parser)]
#[command(
    name = "reviewgate",
    version = reviewgate::status::VERSION,
    about = "Keep unreviewed AI-assisted commits off protected branches"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install the hooks into bare repositories, or server-wide, without
    /// clobbering hooks already there; idempotent. Exit 0: done; 1: some
    /// repository failed (the others were done); 2: nothing was done.
    Install(install_cmd::InstallArgs),
    /// Remove the hooks `install` put in, restoring what was there.
    Uninstall(install_cmd::InstallArgs),
    /// A short story in a sandbox: pushes accepted and refused (offline).
    Demo(install_cmd::DemoArgs),
    /// What is in effect on a server repository: hooks, HEAD, the policy,
    /// push options, baseline, settings, audit log (exit 1: a problem), or
    /// with --all DIR which repositories are unprotected.
    Status(status_cmd::StatusArgs),
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
    /// Approve commits with your SSH signing key: a signed approval in each
    /// commit's note under refs/notes/reviewgate (then push that ref).
    Approve(approve_cmd::ApproveArgs),
    /// How much of a branch is AI-assisted (by tool and model), how much
    /// was reviewed (by whom), and what the policy would reject: text, JSON,
    /// CSV or a self-contained HTML page.
    Report(report_cmd::ReportArgs),
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
        /// The allowed_signers file signed approvals and commits are checked
        /// against (default: git config reviewgate.allowedSigners here).
        #[arg(long, value_name = "FILE")]
        allowed_signers: Option<String>,
        /// Print nothing when the check finds nothing (the pre-push hook).
        #[arg(long, short)]
        quiet: bool,
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
    /// Re-judge the pushes the audit log recorded under a new policy and
    /// under the ones that judged them: the decisions that would flip.
    Test(report_cmd::PolicyTestArgs),
    /// Turn another tool's rules into a policy's (printed, to review and add).
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A GitHub, GitLab or Gitea CODEOWNERS file as [[signoff]] rules and
    /// [groups]; warnings (where the forge's meaning differs) on stderr too.
    Codeowners {
        /// The file (default: the first of CODEOWNERS, .github/CODEOWNERS,
        /// .gitlab/CODEOWNERS, docs/CODEOWNERS, .gitea/CODEOWNERS here).
        file: Option<String>,
        /// The forge whose rules the file follows (default: guessed from its
        /// folder, then its content).
        #[arg(long, value_parser = ["github", "gitlab", "gitea", "forgejo"])]
        forge: Option<String>,
        /// A login's email, e.g. --map octocat=octo@example.com (repeatable);
        /// the logins in ./.reviewgate.toml's [identities] are known already.
        #[arg(long = "map", value_name = "LOGIN=EMAIL")]
        map: Vec<String>,
    },
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
pub(crate) enum Format {
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
        Command::Install(args) => install_cmd::run(out, args, false),
        Command::Uninstall(args) => install_cmd::run(out, args, true),
        Command::Demo(args) => install_cmd::demo(out, args),
        Command::Policy {
            command: PolicyCommand::Template,
        } => policy_cmd::policy_template(out),
        Command::Policy {
            command: PolicyCommand::Check { file },
        } => policy_cmd::policy_check(out, file),
        Command::Policy {
            command:
                PolicyCommand::Import {
                    what: ImportCommand::Codeowners { file, forge, map },
                },
        } => policy_cmd::import_codeowners(out, file, forge.as_deref(), &map),
        Command::Policy {
            command: PolicyCommand::Test(args),
        } => report_cmd::policy_test(out, &args),
        Command::Report(args) => report_cmd::report(out, &args),
        Command::Explain { code } => policy_cmd::explain(out, code.as_deref()),
        Command::Audit {
            command: AuditCommand::Verify { log, expect_head },
        } => audit_cmd::audit_verify(out, log, expect_head.as_deref()),
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
        } => audit_cmd::audit_show(
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
        Command::InstallClientHook { force } => client::install_client_hook(out, force),
        Command::Approve(args) => approve_cmd::approve(out, &args),
        Command::Status(args) => status_cmd::status(out, &args),
        Command::Check {
            remote_ref,
            remote,
            policy,
            format,
            pre_commit,
            range,
            allowed_signers,
            quiet,
        } => {
            let mut what = local_check::LocalCheck {
                remote_ref,
                range,
                remote,
                policy_file: policy,
                allowed_signers,
            };
            if pre_commit {
                client::from_pre_commit(&mut what)?;
            }
            client::check(out, what, format, quiet)
        }
    }
}

/// The repository around the working directory, or a plain-words error.
pub(crate) fn discover() -> anyhow::Result<git2::Repository> {
    git2::Repository::discover(".").map_err(|_| anyhow::anyhow!("not inside a git repository"))
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
