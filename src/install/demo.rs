//! The demo: a short story in a sandbox (offline, nothing outside it
//! touched): a server with reviewgate installed, a clone, and four pushes
//! as a developer makes them: a human commit accepted, an AI-assisted one
//! refused, the same with a review accepted, a force-push refused.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::shell::{quote, Shell};
use super::{binaries, repository, Options};

/// Run the demo: binaries from `from`, into `bin_dir` (default: the
/// sandbox's own `bin/`), headings in bold when `color`.
pub fn run(from: &Path, bin_dir: Option<&Path>, color: bool, out: &mut dyn Write) -> Result<u8> {
    let tmp = std::env::var_os("TMPDIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let sb = tmp.join(format!("reviewgate-demo.{}{stamp:x}", std::process::id()));
    std::fs::create_dir(&sb)
        .with_context(|| format!("cannot create a sandbox in {}", tmp.display()))?;
    let bin_dir = bin_dir.map_or_else(|| sb.join("bin"), Path::to_path_buf);
    let opts = Options {
        layout: None,
        chain: false,
        with_update: false,
        default_branch: None,
        bin_dir: bin_dir.clone(),
        from: from.to_path_buf(),
        system: false,
        gitolite_user: None,
        cli_dir: None,
        uninstall: false,
        dry_run: false,
    };
    let story = Story {
        sb: &sb,
        out,
        color,
    };
    story.git(&sb, &["init", "-q", "--bare", "-b", "main", "server.git"])?;
    {
        let mut quiet = std::io::sink();
        let mut sh = Shell {
            out: &mut quiet,
            dry_run: false,
        };
        binaries::copy(&mut sh, from, &bin_dir)?;
        repository::install(&mut sh, &sb.join("server.git"), &opts)
            .context("could not install into the sandbox")?;
    }
    story.tell(&bin_dir)?;
    Ok(0)
}

struct Story<'a> {
    sb: &'a Path,
    out: &'a mut dyn Write,
    color: bool,
}

impl Story<'_> {
    /// git, hermetic, with the demo's developer as author and committer.
    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut c = Command::new("git");
        c.current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", self.sb)
            .env("GIT_AUTHOR_NAME", "Dee Veloper")
            .env("GIT_AUTHOR_EMAIL", "dee@example.com")
            .env("GIT_COMMITTER_NAME", "Dee Veloper")
            .env("GIT_COMMITTER_EMAIL", "dee@example.com")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        c
    }

    /// Run git quietly; an error if it fails.
    fn git(&self, dir: &Path, args: &[&str]) -> Result<()> {
        let out = self.command(dir, args).output().context("running git")?;
        if !out.status.success() {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Show a git command as it can be pasted, then what it printed (both
    /// streams, as a terminal shows them).
    fn show(&mut self, dir: &Path, args: &[&str]) -> Result<()> {
        let words: Vec<&str> = std::iter::once("git").chain(args.iter().copied()).collect();
        writeln!(self.out, "$ {}", quote(&words))?;
        let mut c = Command::new("sh");
        c.args(["-c", "exec \"$@\" 2>&1", "sh", "git"]).args(args);
        let env: Vec<(String, String)> = self
            .command(dir, &[])
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?.to_string(), v?.to_str()?.to_string())))
            .collect();
        c.current_dir(dir).envs(env).env_remove("GIT_DIR");
        let out = c.output().context("running git")?;
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            writeln!(self.out, "{}", line.trim_end())?;
        }
        Ok(())
    }

    fn step(&mut self, title: &str) -> Result<()> {
        if self.color {
            writeln!(self.out, "\n\x1b[1m== {title}\x1b[0m")?;
        } else {
            writeln!(self.out, "\n== {title}")?;
        }
        Ok(())
    }

    fn tell(mut self, bin_dir: &Path) -> Result<()> {
        let sb = self.sb.to_path_buf();
        let work = sb.join("work");
        self.git(&sb, &["init", "-q", "-b", "main", "work"])?;
        let server = sb.join("server.git").display().to_string();
        self.git(&work, &["remote", "add", "origin", &server])?;
        self.step("1. A human commit to main is accepted")?;
        std::fs::write(work.join("README"), "hello\n")?;
        self.git(&work, &["add", "README"])?;
        self.git(&work, &["commit", "-q", "-m", "Add README"])?;
        self.show(&work, &["push", "origin", "main"])?;
        self.step("2. An AI-assisted commit without a human review is rejected")?;
        std::fs::write(work.join("parser.py"), "def parse(): ...\n")?;
        self.git(&work, &["add", "parser.py"])?;
        self.git(
            &work,
            &[
                "commit",
                "-q",
                "-m",
                "Add parser",
                "-m",
                "Parses the input format.",
                "-m",
                "Co-Authored-By: Claude <noreply@anthropic.com>",
            ],
        )?;
        self.show(&work, &["log", "-1", "--format=%B"])?;
        self.show(&work, &["push", "origin", "main"])?;
        self.step("3. The same commit with a Reviewed-by from another person is accepted")?;
        self.show(
            &work,
            &[
                "commit",
                "-q",
                "--amend",
                "--no-edit",
                "--trailer",
                "Reviewed-by: Ann Lee <ann@example.com>",
            ],
        )?;
        self.show(&work, &["push", "origin", "main"])?;
        self.step("4. A force-push to main is rejected")?;
        self.git(&work, &["commit", "-q", "--amend", "-m", "Rewrite history"])?;
        self.show(&work, &["push", "--force", "origin", "main"])?;
        self.step("Done")?;
        writeln!(
            self.out,
            "Sandbox: {} (server: {server}, clone: {}, binaries: {})",
            sb.display(),
            work.display(),
            bin_dir.display()
        )?;
        let cli = bin_dir.join("reviewgate").display().to_string();
        let work = work.display().to_string();
        writeln!(
            self.out,
            "Try: {} && {}",
            quote(["cd", work.as_str()]),
            quote([cli.as_str(), "explain", "ai-unreviewed"])
        )?;
        Ok(())
    }
}
