//! `reviewgate install`, `reviewgate uninstall` and `reviewgate demo`: the
//! command line of the installer (the work is the library's
//! [`reviewgate::install`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use reviewgate::install::{self, Layout, Options, Target};

use crate::Out;

/// Where hooks go.
#[derive(Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    /// Plain git: hooks/pre-receive.
    Plain,
    /// Gitea or Forgejo: hooks/pre-receive.d/, beside their own hook.
    Gitea,
    /// GitLab: custom_hooks/pre-receive.d/.
    Gitlab,
    /// gitolite: hooks/pre-receive (gitolite owns update).
    Gitolite,
}

/// What `install` and `uninstall` take.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("server-wide")
    .args(["shared_hooks", "template", "gitolite", "gitlab_hooks_dir", "client", "all"])
    .conflicts_with("repos")))]
pub struct InstallArgs {
    /// Bare repositories (or .git directories) to install into.
    pub repos: Vec<PathBuf>,
    /// Where hooks go (default: detected per repository).
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Keep an existing foreign hook and run it before ours.
    #[arg(long)]
    pub chain: bool,
    /// Also install the per-ref update hook (not with gitolite, which owns it).
    #[arg(long)]
    pub with_update: bool,
    /// Point HEAD at refs/heads/NAME (the policy is read from HEAD's branch).
    #[arg(long, value_name = "NAME")]
    pub default_branch: Option<String>,
    /// Where the binaries are copied (default: /usr/local/libexec/reviewgate
    /// as root, else ~/.local/libexec/reviewgate).
    #[arg(long, value_name = "DIR")]
    pub bin_dir: Option<PathBuf>,
    /// Copy the binaries from DIR (default: where this command is).
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Every bare repository under DIR (a forge's repository root, five
    /// levels deep), each with its own layout: run again (from cron) to
    /// cover repositories created since; `reviewgate status --all DIR`
    /// lists those not covered yet.
    #[arg(long, value_name = "DIR")]
    pub all: Option<PathBuf>,
    /// Plain git: a hooks folder for core.hooksPath (every repository).
    #[arg(long, value_name = "DIR")]
    pub shared_hooks: Option<PathBuf>,
    /// Plain git: a template folder (every repository git init makes).
    #[arg(long, value_name = "DIR")]
    pub template: Option<PathBuf>,
    /// gitolite: its common hooks (LOCAL_CODE), then every repository.
    #[arg(long)]
    pub gitolite: bool,
    /// The gitolite hosting user (when running as root).
    #[arg(long, value_name = "USER")]
    pub gitolite_user: Option<String>,
    /// GitLab: the server hooks folder (gitaly's custom_hooks_dir).
    #[arg(long, value_name = "DIR")]
    pub gitlab_hooks_dir: Option<PathBuf>,
    /// The reviewgate command on your PATH.
    #[arg(long)]
    pub client: bool,
    /// Where --client links the command (default: /usr/local/bin as root,
    /// else ~/.local/bin).
    #[arg(long, value_name = "DIR")]
    pub cli_dir: Option<PathBuf>,
    /// With --shared-hooks or --template: also set it in git's system config.
    #[arg(long)]
    pub system: bool,
    /// Remove our hooks and restore what was there (as `reviewgate uninstall`).
    #[arg(long)]
    pub uninstall: bool,
    /// Print what would be done (the real commands), change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// A path made absolute against the working directory.
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Where this command's own binary is: the default `--from`.
fn here() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

/// Run `install` (or `uninstall`, with `uninstall` set).
pub fn run(out: Out<'_>, args: InstallArgs, uninstall: bool) -> anyhow::Result<u8> {
    let target = if let Some(d) = &args.shared_hooks {
        Target::SharedHooks(absolute(d))
    } else if let Some(d) = &args.template {
        Target::Template(absolute(d))
    } else if args.gitolite {
        Target::Gitolite
    } else if let Some(d) = &args.gitlab_hooks_dir {
        Target::GitlabHooksDir(absolute(d))
    } else if args.client {
        Target::Client
    } else if let Some(d) = &args.all {
        let repos =
            reviewgate::status::find_repositories(&absolute(d), reviewgate::status::SEARCH_DEPTH);
        if repos.is_empty() {
            anyhow::bail!("no bare repositories under {}", d.display());
        }
        Target::Repos(repos)
    } else {
        Target::Repos(args.repos.clone())
    };
    let opts = Options {
        layout: args.layout.map(|l| match l {
            LayoutArg::Plain => Layout::Plain,
            LayoutArg::Gitea => Layout::Gitea,
            LayoutArg::Gitlab => Layout::Gitlab,
            LayoutArg::Gitolite => Layout::Gitolite,
        }),
        chain: args.chain,
        with_update: args.with_update,
        default_branch: args.default_branch,
        bin_dir: args
            .bin_dir
            .as_deref()
            .map_or_else(install::default_bin_dir, absolute),
        from: args.from.as_deref().map_or_else(here, absolute),
        system: args.system,
        gitolite_user: args.gitolite_user,
        cli_dir: args.cli_dir.as_deref().map(absolute),
        uninstall: uninstall || args.uninstall,
        dry_run: args.dry_run,
    };
    if let Err(e) = install::validate(&opts, &target) {
        writeln!(std::io::stderr().lock(), "reviewgate install: error: {e}")?;
        return Ok(2);
    }
    install::run(&opts, &target, out)
}

/// What `demo` takes.
#[derive(Args)]
pub struct DemoArgs {
    /// Copy the binaries from DIR (default: where this command is).
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Where the binaries go (default: the sandbox's own bin/).
    #[arg(long, value_name = "DIR")]
    pub bin_dir: Option<PathBuf>,
}

/// Run the demo.
pub fn demo(out: Out<'_>, args: DemoArgs) -> anyhow::Result<u8> {
    use std::io::IsTerminal;
    let from = args.from.as_deref().map_or_else(here, absolute);
    let bin_dir = args.bin_dir.as_deref().map(absolute);
    install::demo::run(
        &from,
        bin_dir.as_deref(),
        std::io::stdout().is_terminal(),
        out,
    )
}
