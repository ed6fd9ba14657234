//! reviewgate's release tasks (the cargo-xtask convention):
//!
//! ```text
//! cargo xtask dist     # dist/: the static tarball, the .deb, SHA256SUMS
//! ```
//!
//! The binaries are built for `x86_64-unknown-linux-gnu` with
//! `-C target-feature=+crt-static` (glibc's and zlib's static libraries,
//! which every Debian machine with a C toolchain has: `libc6-dev`,
//! `zlib1g-dev`), so they run where nothing else is: an Alpine image, an
//! empty chroot, GitHub Enterprise Server's hook environment. Nothing is
//! downloaded beyond crates; the archives are written with `tar` and the
//! `.deb` (an `ar` archive of two tarballs) by hand, so neither cargo-deb
//! nor dpkg-deb is needed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sha2::{Digest, Sha256};

const TARGET: &str = "x86_64-unknown-linux-gnu";
const BINARIES: [&str; 3] = ["reviewgate", "reviewgate-pre-receive", "reviewgate-update"];

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dist") => dist(args.iter().any(|a| a == "--no-build")),
        _ => Err("usage: cargo xtask dist [--no-build]\n  dist: build the static binaries and write dist/ (tarball, .deb, SHA256SUMS)".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::from(1)
        }
    }
}

/// The repository's root (xtask's parent).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn run(c: &mut Command) -> Result<String> {
    let out = c.output().map_err(|e| format!("{c:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{c:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The package's version, from the root `Cargo.toml`'s `[package]`.
fn version(root: &Path) -> Result<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    text.lines()
        .skip_while(|l| l.trim() != "[package]")
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.split('"').next())
        .map(String::from)
        .ok_or_else(|| "no version in Cargo.toml's [package]".into())
}

/// Build the three binaries statically, in their own target folder (so
/// the flags do not rebuild the everyday release build).
fn build(root: &Path, commit: &str) -> Result<PathBuf> {
    let target_dir = root.join("target/dist");
    let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
    flags.push_str(" -C target-feature=+crt-static -C strip=symbols");
    eprintln!("xtask: cargo build --release --locked --target {TARGET} (static; a few minutes the first time)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "--package",
            "reviewgate",
            "--bins",
            "--target",
            TARGET,
        ])
        .env("RUSTFLAGS", flags.trim())
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("LIBZ_SYS_STATIC", "1")
        .env("REVIEWGATE_COMMIT", commit)
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("the static build failed (it needs glibc's and zlib's static libraries: apt-get install libc6-dev zlib1g-dev)".into());
    }
    Ok(target_dir.join(TARGET).join("release"))
}

/// Whether an ELF file asks for a dynamic loader (a `PT_INTERP` program
/// header): a static binary does not.
fn has_interpreter(bytes: &[u8]) -> Result<bool> {
    let get = |at: usize, n: usize| -> Result<u64> {
        let b = bytes.get(at..at + n).ok_or("truncated ELF")?;
        Ok(b.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    };
    if bytes.get(..4) != Some(b"\x7fELF") || bytes.get(4) != Some(&2) {
        return Err("not a 64-bit ELF file".into());
    }
    let (phoff, phentsize, phnum) = (get(0x20, 8)?, get(0x36, 2)?, get(0x38, 2)?);
    for i in 0..phnum {
        let at = usize::try_from(phoff + i * phentsize).map_err(|e| e.to_string())?;
        if get(at, 4)? == 3 {
            return Ok(true);
        }
    }
    Ok(false)
}

fn copy(from: &Path, to: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::copy(from, to).map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode)).map_err(|e| e.to_string())
}

/// `tar czf OUT -C DIR ENTRIES...`, reproducible (owner root, sorted names,
/// the commit's time as every file's).
fn tar(out: &Path, dir: &Path, entries: &[&str], epoch: &str) -> Result<()> {
    run(Command::new("tar")
        .args([
            "--create",
            "--gzip",
            "--sort=name",
            "--owner=0",
            "--group=0",
            "--numeric-owner",
        ])
        .arg(format!("--mtime=@{epoch}"))
        .arg("--file")
        .arg(out)
        .arg("-C")
        .arg(dir)
        .args(entries)
        .env("GZIP", "-n9"))
    .map(|_| ())
}

/// An `ar` archive (the `.deb` container): each member with a 60-byte
/// header, padded to an even length.
fn ar(members: &[(&str, Vec<u8>)], epoch: &str) -> Vec<u8> {
    let mut out = b"!<arch>\n".to_vec();
    for (name, data) in members {
        let header = format!(
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            name,
            epoch,
            0,
            0,
            100_644,
            data.len()
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    out
}

/// The documentation both packages carry.
const DOCS: [&str; 5] = [
    "README.md",
    "CHANGELOG.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "SECURITY.md",
];

fn dist(no_build: bool) -> Result<()> {
    let root = root();
    let version = version(&root)?;
    let commit =
        run(Command::new("git")
            .current_dir(&root)
            .args(["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|_| "unknown".into());
    let epoch = run(Command::new("git")
        .current_dir(&root)
        .args(["log", "-1", "--format=%ct"]))
    .unwrap_or_else(|_| "0".into());
    let bins = if no_build {
        root.join("target/dist").join(TARGET).join("release")
    } else {
        build(&root, &commit)?
    };
    for b in BINARIES {
        let bytes =
            std::fs::read(bins.join(b)).map_err(|e| format!("{}: {e}", bins.join(b).display()))?;
        if has_interpreter(&bytes)? {
            return Err(format!(
                "{b} is dynamically linked (it names a loader): not packaged"
            ));
        }
    }
    let dist = root.join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    let stage = root.join("target/dist/stage");
    let _ = std::fs::remove_dir_all(&stage);

    // The tarball: binaries beside install.sh, which finds them there.
    let name = format!("reviewgate-{version}-x86_64-linux");
    let top = stage.join(&name);
    payload(&root, &bins, &top, &top)?;
    copy(&root.join("install.sh"), &top.join("install.sh"), 0o755)?;
    let tarball = format!("{name}.tar.gz");
    tar(&dist.join(&tarball), &stage, &[&name], &epoch)?;

    // The .deb: binaries in /usr/lib/reviewgate, the command on the PATH,
    // the docs in /usr/share/doc/reviewgate.
    let deb_root = stage.join("deb");
    let (lib, doc) = (
        deb_root.join("usr/lib/reviewgate"),
        deb_root.join("usr/share/doc/reviewgate"),
    );
    payload(&root, &bins, &lib, &doc)?;
    std::fs::create_dir_all(deb_root.join("usr/bin")).map_err(|e| e.to_string())?;
    std::os::unix::fs::symlink(
        "../lib/reviewgate/reviewgate",
        deb_root.join("usr/bin/reviewgate"),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(doc.join("copyright"), copyright()).map_err(|e| e.to_string())?;
    let installed_kib = du_kib(&deb_root)?;
    let control_dir = stage.join("control");
    std::fs::create_dir_all(&control_dir).map_err(|e| e.to_string())?;
    std::fs::write(
        control_dir.join("control"),
        control(&version, installed_kib),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(control_dir.join("md5sums"), md5sums(&deb_root)?).map_err(|e| e.to_string())?;
    tar(
        &stage.join("control.tar.gz"),
        &control_dir,
        &["./control", "./md5sums"],
        &epoch,
    )?;
    tar(&stage.join("data.tar.gz"), &deb_root, &["./usr"], &epoch)?;
    let read = |p: PathBuf| std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()));
    let deb = ar(
        &[
            ("debian-binary", b"2.0\n".to_vec()),
            ("control.tar.gz", read(stage.join("control.tar.gz"))?),
            ("data.tar.gz", read(stage.join("data.tar.gz"))?),
        ],
        &epoch,
    );
    let deb_name = format!("reviewgate_{version}_amd64.deb");
    std::fs::write(dist.join(&deb_name), deb).map_err(|e| e.to_string())?;

    let mut sums = String::new();
    for f in [&tarball, &deb_name] {
        let bytes = read(dist.join(f))?;
        let _ = writeln!(sums, "{:x}  {f}", Sha256::digest(&bytes));
    }
    std::fs::write(dist.join("SHA256SUMS"), &sums).map_err(|e| e.to_string())?;
    eprintln!("xtask: wrote dist/{tarball}, dist/{deb_name}, dist/SHA256SUMS (reviewgate {version}, commit {commit})");
    Ok(())
}

/// What both packages carry: the binaries into `bin`; the README,
/// changelog, licenses, the example and default policies and the docs into
/// `doc`.
fn payload(root: &Path, bins: &Path, bin: &Path, doc: &Path) -> Result<()> {
    for b in BINARIES {
        copy(&bins.join(b), &bin.join(b), 0o755)?;
    }
    for d in DOCS {
        copy(&root.join(d), &doc.join(d), 0o644)?;
    }
    let examples = [
        ("examples/reviewgate.toml", "examples/reviewgate.toml"),
        (
            "src/policy/default-policy.toml",
            "examples/default-policy.toml",
        ),
    ];
    for (from, to) in examples {
        copy(&root.join(from), &doc.join(to), 0o644)?;
    }
    copy_docs(root, &doc.join("docs"))
}

/// docs/*.md (the reference), and the rule pages.
fn copy_docs(root: &Path, to: &Path) -> Result<()> {
    for dir in ["docs", "docs/rules"] {
        let entries = std::fs::read_dir(root.join(dir)).map_err(|e| format!("{dir}: {e}"))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "md") {
                let rel = p
                    .strip_prefix(root.join("docs"))
                    .map_err(|e| e.to_string())?;
                copy(&p, &to.join(rel), 0o644)?;
            }
        }
    }
    Ok(())
}

/// The size of a tree in KiB, as `Installed-Size` wants it.
fn du_kib(dir: &Path) -> Result<u64> {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| e.to_string())?.flatten() {
            let meta = std::fs::symlink_metadata(e.path()).map_err(|e| e.to_string())?;
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                total += meta.len().div_ceil(1024);
            }
        }
    }
    Ok(total)
}

/// `md5sums`: dpkg's record of each file's digest (`dpkg --verify` reads
/// it), by `md5sum` itself.
fn md5sums(deb_root: &Path) -> Result<String> {
    run(Command::new("sh")
        .current_dir(deb_root)
        .args(["-c", "find usr -type f | LC_ALL=C sort | xargs md5sum"]))
    .map(|s| s + "\n")
}

fn control(version: &str, installed_kib: u64) -> String {
    format!(
        "Package: reviewgate
Version: {version}
Architecture: amd64
Maintainer: reviewgate maintainers <reviewgate@users.noreply.github.com>
Installed-Size: {installed_kib}
Depends: git
Recommends: openssh-client
Section: vcs
Priority: optional
Description: server-side git hooks that keep unreviewed AI-assisted commits off protected branches
 reviewgate installs as a git server's pre-receive (and update) hook: it
 finds the AI-assisted commits each push brings and refuses those without a
 real human review, force-pushes and deletions of protected branches, tag
 moves and pushes during a freeze, by a policy read from the repository.
 .
 The binaries are static; `reviewgate install /srv/git/project.git` puts
 the hooks in.
"
    )
}

fn copyright() -> String {
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: reviewgate

Files: *
Copyright: the reviewgate authors
License: MIT or Apache-2.0
 The full texts are LICENSE-MIT and LICENSE-APACHE in this folder.
"
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar_members_are_padded_and_headed() {
        let a = ar(
            &[("debian-binary", b"2.0\n".to_vec()), ("x", b"abc".to_vec())],
            "0",
        );
        assert!(a.starts_with(b"!<arch>\n"));
        assert_eq!(a.len(), 8 + 60 + 4 + 60 + 3 + 1);
        assert_eq!(&a[8 + 58..8 + 60], b"`\n");
    }

    #[test]
    fn this_test_binary_has_a_loader() {
        let me = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
        assert!(
            has_interpreter(&me).expect("ELF"),
            "a test binary is dynamic"
        );
        assert!(has_interpreter(b"#!/bin/sh\n").is_err());
    }
}
