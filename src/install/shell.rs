//! Running what the installer does, or, in a dry run, printing it as it
//! would run: the real commands (`git -C REPO config ...`), quoted so they
//! can be pasted, in the future tense.

use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

/// A command as it would be typed: each word quoted only where the shell
/// needs it.
pub fn quote<S: AsRef<OsStr>>(words: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for w in words {
        let w = w.as_ref().to_string_lossy();
        let plain = !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c));
        if !out.is_empty() {
            out.push(' ');
        }
        if plain {
            out.push_str(&w);
        } else {
            out.push('\'');
            out.push_str(&w.replace('\'', "'\\''"));
            out.push('\'');
        }
    }
    out
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The user name this process runs as (for messages).
pub fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "this user".into())
}

/// Where the installer's words go, and whether it only says what it would do.
pub struct Shell<'o> {
    /// The installer's output.
    pub out: &'o mut dyn Write,
    /// A dry run: print the commands and actions, change nothing.
    pub dry_run: bool,
}

impl Shell<'_> {
    /// A line of the installer's own (`reviewgate install: ...`).
    pub fn say(&mut self, text: impl std::fmt::Display) -> Result<()> {
        writeln!(self.out, "reviewgate install: {text}")?;
        Ok(())
    }

    /// A warning.
    pub fn warn(&mut self, text: impl std::fmt::Display) -> Result<()> {
        writeln!(self.out, "reviewgate install: warning: {text}")?;
        Ok(())
    }

    /// An action: `past` when done, `would <future>` in a dry run.
    pub fn did(&mut self, past: &str, future: &str) -> Result<()> {
        if self.dry_run {
            writeln!(self.out, "  would {future}")?;
            Ok(())
        } else {
            self.say(past)
        }
    }

    /// `git -C repo args...` (with `safe.directory` for a repository another
    /// user owns), run, or printed in a dry run. Its output, or the error
    /// git gave.
    pub fn git(&mut self, repo: &Path, args: &[&str]) -> Result<String> {
        if self.dry_run {
            let mut words: Vec<&OsStr> =
                vec![OsStr::new("git"), OsStr::new("-C"), repo.as_os_str()];
            words.extend(args.iter().map(OsStr::new));
            writeln!(self.out, "  would run: {}", quote(words))?;
            return Ok(String::new());
        }
        git_query(repo, args)
    }

    /// Any other command, run or printed.
    pub fn run(&mut self, program: &str, args: &[&OsStr]) -> Result<()> {
        if self.dry_run {
            let mut words = vec![OsStr::new(program)];
            words.extend(args.iter().copied());
            writeln!(self.out, "  would run: {}", quote(words))?;
            return Ok(());
        }
        let out = Command::new(program)
            .args(args)
            .output()
            .with_context(|| format!("running {program}"))?;
        if !out.status.success() {
            anyhow::bail!(
                "{} failed: {}",
                quote(std::iter::once(OsStr::new(program)).chain(args.iter().copied())),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }
}

/// `git -C repo args...`, run even in a dry run (it only reads): its output.
pub fn git_query(repo: &Path, args: &[&str]) -> Result<String> {
    let safe = format!("safe.directory={}", repo.display());
    let out = Command::new("git")
        .arg("-c")
        .arg(&safe)
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .context("running git (is it on PATH?)")?;
    if !out.status.success() {
        anyhow::bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

/// `git -C repo config --get key`, if set.
pub fn git_config(repo: &Path, key: &str) -> Option<String> {
    git_query(repo, &["config", "--get", key]).ok()
}

/// Hand `path` to the owner of `reference` (a root install must not leave
/// files the git server's user cannot read or write). Best effort.
pub fn chown_like(path: &Path, reference: &Path) {
    use std::os::unix::fs::MetadataExt;
    if let Ok(m) = std::fs::metadata(reference) {
        let _ = std::os::unix::fs::chown(path, Some(m.uid()), Some(m.gid()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_where_the_shell_needs_it() {
        assert_eq!(
            quote(["git", "-C", "/srv/a b.git", "config", "x.y", "it's"]),
            "git -C '/srv/a b.git' config x.y 'it'\\''s'"
        );
        assert_eq!(quote(["", "a=b,c@d"]), "'' a=b,c@d");
    }
}
