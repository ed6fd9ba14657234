//! The hook benchmark: builds its own repositories with `git fast-import`
//! (deterministic, cached under `target/bench-repos/`), runs the real
//! pre-receive binary on them, and compares with baselines measured in the same
//! run (git itself, and a typical shell hook).
//!
//! ```text
//! cargo bench --bench hooks                 # small and large (1M commits, 100k refs)
//! cargo bench --bench hooks -- --smoke      # small and a 20k-commit repository (CI)
//! cargo bench --bench hooks -- --markdown bench/RESULTS.md
//! ```

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark prints its progress and its table"
)]

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binaries as they ship: built by `cargo build --release` on their own,
/// once per run, into `target/bench-bin`. The binaries cargo builds for a
/// bench carry the dev-dependencies' features (regex's Unicode tables, through
/// regex-syntax: 5,700 more relocations the loader writes at every start, 0.3
/// ms of a one-commit push), so measuring them measured a binary no one runs.
fn shipped(name: &str) -> String {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = root.join("target/bench-bin");
        eprintln!("building the shipped binaries (cargo build --release, target/bench-bin)...");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .args([
                "build",
                "--release",
                "--quiet",
                "--locked",
                "--bins",
                "--target-dir",
            ])
            .arg(&target)
            .status()
            .expect("spawn cargo build");
        assert!(status.success(), "cargo build --release failed");
        target.join("release")
    });
    dir.join(name).to_string_lossy().into_owned()
}

/// The hook measured: the shipped one, or `REVIEWGATE_BENCH_HOOK` (another
/// build's, to measure a reference such as the budgets' on the same pushes).
fn hook_path() -> String {
    std::env::var("REVIEWGATE_BENCH_HOOK").unwrap_or_else(|_| shipped("reviewgate-pre-receive"))
}
const ZERO: &str = "0000000000000000000000000000000000000000";
const REPO_FORMAT: u32 = 5; // bump when the generator changes

/// The shape of a generated repository.
#[derive(Clone, Copy)]
struct Shape {
    name: &'static str,
    commits: usize,
    /// Unprotected refs (feature branches and build tags).
    unprotected_refs: usize,
    /// Protected `v*` tags.
    protected_tags: usize,
    /// How far `incoming` is ahead of `main`.
    ahead: usize,
}

const SMALL: Shape = Shape {
    name: "small",
    commits: 100,
    unprotected_refs: 4,
    protected_tags: 2,
    ahead: 10,
};
const MEDIUM: Shape = Shape {
    name: "medium",
    commits: 20_000,
    unprotected_refs: 2_000,
    protected_tags: 100,
    ahead: 10_000,
};
const LARGE: Shape = Shape {
    name: "large",
    commits: 1_000_000,
    unprotected_refs: 98_990,
    protected_tags: 1_000,
    ahead: 100_000,
};

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
        .env_remove("GIT_NAMESPACE")
        .env("LC_ALL", "C");
    c
}

fn check(c: &mut Command) -> String {
    let out = c.output().expect("spawn");
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A realistic message for commit `i` (deterministic).
fn message(i: usize) -> String {
    let area = ["parser", "cache", "http", "cli", "storage", "docs", "ci"][i % 7];
    let mut m = format!("{area}: change number {i}\n\n");
    m.push_str("Explain why the change is needed, what it does and what it\n");
    m.push_str("leaves alone. Wrap at seventy-two characters like people do.\n");
    if i.is_multiple_of(3) {
        m.push_str("\nA second paragraph with more detail about the approach,\nthe alternatives considered, and follow-up work.\n");
    }
    m.push('\n');
    match i % 20 {
        // AI-assisted, reviewed (the hook accepts them, after reading everything).
        0 => m.push_str("🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\nReviewed-by: Ann Lee <ann@example.com>\n"),
        1 => m.push_str("Assisted-by: Claude:claude-opus-4 coccinelle\nReviewed-by: Bo Smith <bo@example.com>\nSigned-off-by: Dev Eloper <dev@example.com>\n"),
        2 => m.push_str("Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\nReviewed-by: Ann Lee <ann@example.com>\n"),
        3..=5 => m.push_str("Co-authored-by: Bo Smith <bo@example.com>\nSigned-off-by: Dev Eloper <dev@example.com>\n"),
        6 => m.push_str("(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\nSigned-off-by: Dev Eloper <dev@example.com>\n"),
        _ => m.push_str("Signed-off-by: Dev Eloper <dev@example.com>\nLink: https://example.com/review/1234\n"),
    }
    m
}

/// `base/STEM-vFORMAT.git`, made empty and bare (`main` as HEAD), or
/// `Err` with its path when an earlier run built it completely.
fn fresh_bare(base: &Path, stem: &str) -> Result<PathBuf, PathBuf> {
    let dir = base.join(format!("{stem}-v{REPO_FORMAT}.git"));
    if dir.join("reviewgate-bench-done").exists() {
        return Err(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    check(
        git(base)
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&dir),
    );
    Ok(dir)
}

/// `git fast-import` into a repository: write its stream to `input`, then
/// [`FastImport::finish`].
struct FastImport {
    child: std::process::Child,
    input: std::io::BufWriter<std::process::ChildStdin>,
}

impl FastImport {
    fn start(dir: &Path) -> Self {
        let mut child = git(dir)
            .args(["fast-import", "--quiet", "--done"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("fast-import");
        let input = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
        Self { child, input }
    }

    /// End the stream and require success; then pack the repository as
    /// a server's is ([`repack`]).
    fn finish(self, dir: &Path) {
        let Self {
            mut child,
            mut input,
        } = self;
        writeln!(input, "done").expect("write");
        drop(input);
        assert!(child.wait().expect("wait").success(), "fast-import failed");
        repack(dir);
    }
}

/// Pack `dir` as a server's history is packed (`git gc`, or the pack a push
/// sends): fast-import stores commits oldest first, pack-objects in the
/// order a walk visits them, newest first.
fn repack(dir: &Path) {
    check(git(dir).args(["repack", "-a", "-d", "-q", "--no-write-bitmap-index"]));
}

/// Build (or reuse) a repository of `shape` under `base`.
fn build(base: &Path, shape: Shape) -> PathBuf {
    let dir = base.join(format!("{}-v{REPO_FORMAT}.git", shape.name));
    if dir.join("reviewgate-bench-done").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(base).expect("mkdir");
    eprintln!(
        "building {} repository ({} commits, {} refs)...",
        shape.name,
        shape.commits,
        shape.unprotected_refs + shape.protected_tags + 6
    );
    let t = Instant::now();
    check(
        git(base)
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&dir),
    );
    let mut child = git(&dir)
        .args(["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("fast-import");
    write_history(&mut child, shape);
    assert!(child.wait().expect("wait").success(), "fast-import failed");
    repack(&dir);
    check(git(&dir).args(["pack-refs", "--all", "--prune"]));
    // A 1-commit fast-forward of main, stored in the repository (as after a push).
    let main = check(git(&dir).args(["rev-parse", "refs/heads/main"]));
    let tree = check(git(&dir).args(["rev-parse", "refs/heads/main^{tree}"]));
    let next = check(
        git(&dir)
            .args(["commit-tree", &tree, "-p", &main, "-m"])
            .arg(message(shape.commits + 1))
            .env("GIT_AUTHOR_NAME", "Dev Eloper")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev Eloper")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .env("GIT_AUTHOR_DATE", "1800000000 +0000")
            .env("GIT_COMMITTER_DATE", "1800000000 +0000"),
    );
    check(git(&dir).args(["update-ref", "refs/heads/next", &next]));
    std::fs::write(dir.join("reviewgate-bench-done"), "").expect("marker");
    eprintln!("  built in {:.1} s", t.elapsed().as_secs_f64());
    dir
}

/// The fast-import stream of a repository of `shape`.
fn write_history(child: &mut std::process::Child, shape: Shape) {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, child.stdin.take().expect("stdin"));
    let main_at = shape.commits - shape.ahead;
    for i in 1..=shape.commits {
        let msg = message(i);
        let (name, email) = if i.is_multiple_of(10) {
            ("Bo Smith", "bo@example.com")
        } else {
            ("Dev Eloper", "dev@example.com")
        };
        let when = 1_700_000_000 + i as u64 * 60;
        write!(
                w,
                "commit refs/heads/incoming\nmark :{i}\nauthor {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\ndata {}\n{msg}\n",
                msg.len()
            )
            .expect("write");
        if i == 1 {
            w.write_all(b"M 644 inline README\ndata 6\nhello\n\n")
                .expect("write");
        }
    }
    let mut reset = |name: &str, mark: usize| {
        write!(w, "reset {name}\nfrom :{mark}\n\n").expect("write");
    };
    reset("refs/heads/main", main_at);
    reset("refs/heads/deep", shape.commits);
    reset("refs/heads/release/1.0", main_at / 2);
    reset("refs/heads/release/2.0", main_at * 3 / 4);
    // For the shell-hook comparison: 10,000 commits (or all there are) below main.
    reset("refs/heads/base-10k", main_at.saturating_sub(10_000).max(1));
    reset("refs/heads/base-1k", main_at.saturating_sub(1_000).max(1));
    for t in 0..shape.protected_tags {
        reset(
            &format!("refs/tags/v0.{t}"),
            1 + t * (main_at - 1) / shape.protected_tags.max(1),
        );
    }
    for r in 0..shape.unprotected_refs {
        let mark = 1 + (r * 7919) % shape.commits;
        if r.is_multiple_of(2) {
            reset(&format!("refs/heads/feature/f{r}"), mark);
        } else {
            reset(&format!("refs/tags/build-{r}"), mark);
        }
    }
    w.write_all(b"done\n").expect("write");
    w.flush().expect("flush");
}

/// A commit on top of `main` whose message carries 80,000 distinct
/// `Reviewed-by:` lines by bot accounts (about 3 MB): created once.
fn many_reviewers(dir: &Path) -> String {
    if let Ok(id) = std::fs::read_to_string(dir.join("many-reviewers")) {
        return id.trim().to_string();
    }
    let mut msg =
        String::from("Add parser\n\nBody.\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
    for i in 0..80_000 {
        let _ = writeln!(msg, "Reviewed-by: bot{i}[bot] <bot{i}@bots.example.com>");
    }
    let file = dir.join("many-reviewers.msg");
    std::fs::write(&file, &msg).expect("write");
    let main = rev(dir, "refs/heads/main");
    let tree = rev(dir, "refs/heads/main^{tree}");
    let id = check(
        git(dir)
            .args(["commit-tree", &tree, "-p", &main, "-F"])
            .arg(&file)
            .env("GIT_AUTHOR_NAME", "Dev Eloper")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev Eloper")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com"),
    );
    std::fs::write(dir.join("many-reviewers"), &id).expect("write");
    id
}

/// `git mktree` of `entries` ("mode type id\tname" lines).
fn mktree(dir: &Path, entries: &[String]) -> String {
    let mut child = git(dir)
        .args(["mktree"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("mktree");
    {
        let mut w = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
        for e in entries {
            writeln!(w, "{e}").expect("write");
        }
    }
    let out = child.wait_with_output().expect("mktree");
    assert!(out.status.success(), "mktree failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `git hash-object -w` of `bytes`.
fn write_blob(dir: &Path, bytes: &[u8]) -> String {
    let mut child = git(dir)
        .args(["hash-object", "-w", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("hash-object");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write");
    let out = child.wait_with_output().expect("hash-object");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Point `refs/notes/ai` at a notes commit holding `tree`.
fn set_notes(dir: &Path, tree: &str) {
    let commit = check(
        git(dir)
            .args(["commit-tree", tree, "-m", "Notes added by 'git notes add'"])
            .env("GIT_AUTHOR_NAME", "git-ai")
            .env("GIT_AUTHOR_EMAIL", "git-ai@local")
            .env("GIT_COMMITTER_NAME", "git-ai")
            .env("GIT_COMMITTER_EMAIL", "git-ai@local"),
    );
    check(git(dir).args(["update-ref", "refs/notes/ai", &commit]));
}

/// A valid git-ai note (`authorship/3.0.0`) of about `size` bytes.
fn big_note(size: usize) -> String {
    let mut note = String::new();
    let mut i = 0;
    while note.len() + 400 < size {
        let _ = write!(
            note,
            "src/generated/file{i:06}.rs\n  s_4f1e9d2c3b7a60::t_2b8c4d6e0f1a93 1-40,45,50-61\n"
        );
        i += 1;
    }
    note.push_str("---\n{\"schema_version\":\"authorship/3.0.0\",\"git_ai_version\":\"1.4.5\",\"base_commit_sha\":\"0f4e2d8c6b1a3957e0d2c4b6a8f1e3d5c7b9a0e2\",\"prompts\":{},\"sessions\":{\"s_4f1e9d2c3b7a60\":{\"agent_id\":{\"tool\":\"claude\",\"id\":\"conv_1\",\"model\":\"claude-opus-4-7\"}}}}\n");
    note
}

/// A human commit on top of main (`refs/heads/plain-next`), the same in
/// every repository built from the same shape: its notes must be looked up.
fn plain_next(dir: &Path) -> String {
    let main = rev(dir, "refs/heads/main");
    let tree = rev(dir, "refs/heads/main^{tree}");
    let id = check(
        git(dir)
            .args(["commit-tree", &tree, "-p", &main, "-m"])
            .arg("docs: reword the README\n\nWritten by hand.\n")
            .env("GIT_AUTHOR_NAME", "Dev Eloper")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev Eloper")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .env("GIT_AUTHOR_DATE", "1800000000 +0000")
            .env("GIT_COMMITTER_DATE", "1800000000 +0000"),
    );
    check(git(dir).args(["update-ref", "refs/heads/plain-next", &id]));
    id
}

/// Scenario 7's repository without notes.
fn notes_none(base: &Path) -> PathBuf {
    let dir = build(
        base,
        Shape {
            name: "notes-none",
            ..SMALL
        },
    );
    plain_next(&dir);
    dir
}

/// Scenario 7's repository: the small one plus a `refs/notes/ai` whose tree
/// has 2,031,616 note paths built from three shared trees (256 fan-out
/// directories, each the same 256 directories, each the same 31 notes).
fn notes_2m(base: &Path) -> PathBuf {
    let dir = build(
        base,
        Shape {
            name: "notes-2m",
            ..SMALL
        },
    );
    if dir.join("notes-done").exists() {
        return dir;
    }
    plain_next(&dir);
    let blob = write_blob(&dir, big_note(2_000).as_bytes());
    let leaf: Vec<String> = (0..31)
        .map(|i| format!("100644 blob {blob}\t{i:02x}{}", "5".repeat(34)))
        .collect();
    let leaf = mktree(&dir, &leaf);
    let fan = |sub: &str| -> Vec<String> {
        (0..256)
            .map(|i| format!("040000 tree {sub}\t{i:02x}"))
            .collect()
    };
    let mid = mktree(&dir, &fan(&leaf));
    let root = mktree(&dir, &fan(&mid));
    set_notes(&dir, &root);
    std::fs::write(dir.join("notes-done"), "").expect("marker");
    dir
}

/// Scenario 8's repository: the small one plus `refs/heads/ai400`, 400
/// commits on top of main whose messages say nothing about AI, each
/// annotated in `refs/notes/ai` with the same note of about 4 MiB.
fn notes_shared(base: &Path) -> PathBuf {
    let dir = build(
        base,
        Shape {
            name: "notes-shared",
            ..SMALL
        },
    );
    if dir.join("notes-done").exists() {
        return dir;
    }
    let mut parent = rev(&dir, "refs/heads/main");
    let tree = rev(&dir, "refs/heads/main^{tree}");
    let blob = write_blob(&dir, big_note(4_000_000).as_bytes());
    let mut entries = Vec::new();
    for i in 0..400 {
        let id = check(
            git(&dir)
                .args(["commit-tree", &tree, "-p", &parent, "-m"])
                .arg(format!("cache: step {i}\n\nPlain body.\n"))
                .env("GIT_AUTHOR_NAME", "Dev Eloper")
                .env("GIT_AUTHOR_EMAIL", "dev@example.com")
                .env("GIT_COMMITTER_NAME", "Dev Eloper")
                .env("GIT_COMMITTER_EMAIL", "dev@example.com")
                .env("GIT_AUTHOR_DATE", format!("{} +0000", 1_800_000_000 + i))
                .env("GIT_COMMITTER_DATE", format!("{} +0000", 1_800_000_000 + i)),
        );
        entries.push(format!("100644 blob {blob}\t{id}"));
        parent = id;
    }
    check(git(&dir).args(["update-ref", "refs/heads/ai400", &parent]));
    let root = mktree(&dir, &entries);
    set_notes(&dir, &root);
    std::fs::write(dir.join("notes-done"), "").expect("marker");
    dir
}

/// Scenarios 9 and 10's repository: a first commit of 2,004 files (2,000 under
/// `src/`, plus `infra/main.tf`, `db/migrations/001.sql`, `AGENTS.md` and
/// `docs/guide.md`), then 10,000 human commits each changing one to three
/// files under `src/` (`main` at the first, `incoming` at the last), and the
/// policies it is judged by: three `[[signoff]]` rules whose `files` sit
/// under named folders, three with paths anywhere (`**/*.tf`,
/// `@agent-config`), and none.
fn signoff_tree(base: &Path) -> PathBuf {
    let dir = match fresh_bare(base, "signoff-tree") {
        Ok(dir) => dir,
        Err(built) => return built,
    };
    let mut fi = FastImport::start(&dir);
    let w = &mut fi.input;
    let path = |n: usize| format!("src/m{}/s{}/f{}.rs", n % 20, (n / 20) % 10, n / 200);
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for i in 1..=10_001usize {
        let msg = format!("Change {i}\n\nA human change.\n");
        let when = 1_700_000_000 + i * 60;
        write!(
            w,
            "commit refs/heads/incoming\nmark :{i}\nauthor Dev Eloper <dev@example.com> {when} +0000\ncommitter Dev Eloper <dev@example.com> {when} +0000\ndata {}\n{msg}",
            msg.len()
        )
        .expect("write");
        let files: Vec<String> = if i == 1 {
            let mut all: Vec<String> = (0..2_000).map(path).collect();
            all.extend(
                [
                    "infra/main.tf",
                    "db/migrations/001.sql",
                    "AGENTS.md",
                    "docs/guide.md",
                ]
                .map(String::from),
            );
            all
        } else {
            (0..1 + next() % 3)
                .map(|_| path((next() % 2_000) as usize))
                .collect()
        };
        for f in files {
            let body = format!("// {f} at {i}\n");
            write!(w, "M 100644 inline {f}\ndata {}\n{body}\n", body.len()).expect("write");
        }
        if i == 1 {
            writeln!(w, "reset refs/heads/main\nfrom :1\n").expect("write");
        }
    }
    fi.finish(&dir);
    let seniors = "[groups]\nseniors = [\"ann@example.com\", \"*@sre.example.com\"]\n\n[[protect]]\nrefs = [\"refs/heads/main\"]\n";
    let rule = |name: &str, files: &str| {
        format!("\n[[signoff]]\nname = \"{name}\"\nfiles = {files}\ncommits = \"all\"\nreviewers = [\"@seniors\"]\n")
    };
    // Rules whose paths sit under named folders: the diff reads the root.
    let under = format!(
        "{seniors}{}{}{}",
        rule("infrastructure", "[\"infra/**\", \"terraform/**\"]"),
        rule("migrations", "[\"db/migrations/**\"]"),
        rule("CI", "[\".github/**\", \".gitlab-ci.yml\"]")
    );
    // Rules with paths anywhere: every changed folder is read.
    let anywhere = format!(
        "{seniors}{}{}{}",
        rule("infrastructure", "[\"infra/**\", \"**/*.tf\"]"),
        rule("migrations", "[\"db/migrations/**\"]"),
        rule("agent instructions", "[\"@agent-config\"]")
    );
    for (file, text) in [
        ("bench-under.toml", under.as_str()),
        ("bench-anywhere.toml", anywhere.as_str()),
        (
            "bench-plain.toml",
            "[[protect]]\nrefs = [\"refs/heads/main\"]\n",
        ),
    ] {
        std::fs::write(dir.join(file), text).expect("policy");
    }
    std::fs::write(dir.join("reviewgate-bench-done"), "").expect("marker");
    dir
}

/// Scenario 11's repository: `main` (one commit) and `incoming`, 1,000
/// AI-assisted commits by dev@example.com above it, each approved by
/// ann@example.com in a signed approval (`ssh-keygen -Y sign`, one process for
/// all of them, at build time) under `refs/bench/approvals`, the notes commit
/// the push brings as `refs/notes/reviewgate`; the allowed_signers file and a
/// policy with `[review] signed = true` beside it.
fn signed_repo(base: &Path) -> PathBuf {
    let dir = match fresh_bare(base, "signed") {
        Ok(dir) => dir,
        Err(built) => return built,
    };
    let key = dir.join("ann-key");
    check(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "ann", "-f"])
            .arg(&key),
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    std::fs::write(
        dir.join("allowed_signers"),
        format!(
            "ann@example.com namespaces=\"{}\" {public}",
            reviewgate::approval::NAMESPACE
        ),
    )
    .expect("allowed_signers");
    std::fs::write(
        dir.join("bench-signed.toml"),
        "[[protect]]\nrefs = [\"refs/heads/main\"]\n\n[review]\nsigned = true\n",
    )
    .expect("policy");
    let mut fi = FastImport::start(&dir);
    let w = &mut fi.input;
    for i in 1..=1_001usize {
        let msg = if i == 1 {
            "Start\n".to_string()
        } else {
            format!(
                "{}\n\nCo-authored-by: Claude Opus 4.6 <noreply@anthropic.com>\n",
                message(i).lines().next().unwrap_or_default()
            )
        };
        let when = 1_700_000_000 + i * 60;
        let body = format!("{i}\n");
        write!(
            w,
            "commit refs/heads/incoming\nmark :{i}\nauthor Dev Eloper <dev@example.com> {when} +0000\ncommitter Dev Eloper <dev@example.com> {when} +0000\ndata {}\n{msg}M 100644 inline src/f{}.rs\ndata {}\n{body}\n",
            msg.len(),
            i % 50,
            body.len()
        )
        .expect("write");
        if i == 1 {
            writeln!(w, "reset refs/heads/main\nfrom :1\n").expect("write");
        }
    }
    fi.finish(&dir);

    write_approvals(&dir, &key);
    std::fs::write(dir.join("reviewgate-bench-done"), "").expect("marker");
    dir
}

/// Approve every commit of `main..incoming` in `dir` with `key` (one
/// `ssh-keygen -Y sign` for all), as the notes commit `refs/bench/approvals`.
fn write_approvals(dir: &Path, key: &Path) {
    // Sign every payload with one ssh-keygen process.
    let ids = check(git(dir).args(["rev-list", "--reverse", "main..incoming"]));
    let ids: Vec<&str> = ids.lines().collect();
    let work = dir.join("payloads");
    std::fs::create_dir_all(&work).expect("mkdir");
    let files: Vec<PathBuf> = ids
        .iter()
        .map(|id| {
            let f = work.join(id);
            std::fs::write(&f, reviewgate::approval::payload(id, "ann@example.com"))
                .expect("payload");
            f
        })
        .collect();
    check(
        Command::new("ssh-keygen")
            .args(["-Y", "sign", "-n", reviewgate::approval::NAMESPACE, "-f"])
            .arg(key)
            .args(&files),
    );
    let mut fi = FastImport::start(dir);
    let w = &mut fi.input;
    writeln!(
        w,
        "commit refs/bench/approvals\ncommitter Ann Lee <ann@example.com> 1700100000 +0000\ndata 10\napprovals\n"
    )
    .expect("write");
    for (id, f) in ids.iter().zip(&files) {
        let signature = std::fs::read_to_string(f.with_extension("sig")).expect("signature");
        let note = reviewgate::approval::Approval {
            commit: (*id).to_string(),
            reviewer: "ann@example.com".into(),
            signature,
        }
        .block();
        write!(w, "N inline {id}\ndata {}\n{note}\n", note.len()).expect("write");
    }
    fi.finish(dir);
    std::fs::remove_dir_all(&work).expect("rm payloads");
}

/// Scenario 11: 1,000 AI-assisted commits reviewed by signed approvals that
/// arrive in the same push (the notes ref and the branch), every signature
/// verified, vs git reading the same commits and notes.
fn signed_row(base: &Path, heavy_runs: usize) -> Row {
    let dir = signed_repo(base);
    for (key, value) in [
        ("reviewgate.policy", dir.join("bench-signed.toml")),
        ("reviewgate.allowedSigners", dir.join("allowed_signers")),
    ] {
        check(git(&dir).args(["config", key]).arg(value));
    }
    let (main, incoming, notes) = (
        rev(&dir, "refs/heads/main"),
        rev(&dir, "refs/heads/incoming"),
        rev(&dir, "refs/bench/approvals"),
    );
    let line = format!("{ZERO} {notes} refs/notes/reviewgate\n{main} {incoming} refs/heads/main\n");
    let range = format!("{main}..{incoming}");
    let (t_ours, t_git) = paired(
        heavy_runs,
        || (hook(&dir), line.clone()),
        || {
            let mut c = git(&dir);
            c.args([
                "log",
                "--notes=refs/bench/approvals",
                "--format=%H%x00%an%x00%ae%x00%B%x00%N",
                &range,
            ]);
            (c, String::new())
        },
    );
    Row {
        scenario: "11. 1000 AI-assisted commits, each with a signed approval pushed with them, vs git log --notes".into(),
        ours: ms(t_ours),
        baseline: ms(t_git),
        ratio: format!("{:.2}", t_ours.as_secs_f64() / t_git.as_secs_f64()),
        target: "< 1000 ms".into(),
        pass: Some(t_ours < Duration::from_secs(1)),
    }
}

fn rev(dir: &Path, name: &str) -> String {
    check(git(dir).args(["rev-parse", name]))
}

/// Run a command with `stdin`, return (wall time, max RSS in KiB, success).
fn measure(mut c: Command, stdin: &str) -> (Duration, u64, bool) {
    c.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let t = Instant::now();
    let mut child = c.spawn().expect("spawn");
    if let Some(mut s) = child.stdin.take() {
        let _ = s.write_all(stdin.as_bytes());
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child, with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = t.elapsed();
    assert_eq!(r, pid, "wait4");
    std::mem::forget(child); // already reaped
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (elapsed, usage.ru_maxrss as u64, ok)
}

/// The peak `RssAnon` (KiB) of `c` run with `stdin`, read from
/// `/proc/PID/status` every millisecond until it exits.
fn peak_anon(mut c: Command, stdin: &str) -> u64 {
    c.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().expect("spawn");
    let status = format!("/proc/{}/status", child.id());
    let writer = {
        let mut s = child.stdin.take().expect("stdin");
        let input = stdin.to_string();
        std::thread::spawn(move || {
            let _ = s.write_all(input.as_bytes());
        })
    };
    let mut peak = 0;
    while child.try_wait().expect("wait").is_none() {
        if let Ok(text) = std::fs::read_to_string(&status) {
            let anon = text
                .lines()
                .find_map(|l| l.strip_prefix("RssAnon:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak = peak.max(anon.unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = writer.join();
    peak
}

fn hook(dir: &Path) -> Command {
    hook_binary(&hook_path(), dir)
}

/// `binary` (a pre-receive hook) run as git would run it in `dir`.
fn hook_binary(binary: &str, dir: &Path) -> Command {
    let mut c = Command::new(binary);
    c.current_dir(dir)
        .env("GIT_DIR", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", dir)
        .env_remove("GIT_QUARANTINE_PATH")
        .env_remove("GIT_NAMESPACE");
    c
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Ours and the baseline, run alternately `runs` times (so both see the same
/// bursts of noise on a shared machine): their median wall times.
fn paired(
    runs: usize,
    mut ours: impl FnMut() -> (Command, String),
    mut base: impl FnMut() -> (Command, String),
) -> (Duration, Duration) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (c, stdin) = ours();
        let expect_reject = c
            .get_envs()
            .any(|(k, _)| k == "REVIEWGATE_BENCH_EXPECT_REJECT");
        let (t, _, ok) = measure(c, &stdin);
        assert!(
            ok != expect_reject,
            "benchmark command gave the wrong answer"
        );
        a.push(t);
        let (c, stdin) = base();
        let (t, _, ok) = measure(c, &stdin);
        assert!(ok, "baseline command failed");
        b.push(t);
    }
    (median(a), median(b))
}

/// Median wall time and max RSS over `runs` runs.
fn repeat(runs: usize, mut make: impl FnMut() -> (Command, String)) -> (Duration, u64) {
    let mut times = Vec::new();
    let mut rss = 0;
    for _ in 0..runs {
        let (c, stdin) = make();
        let (t, r, ok) = measure(c, &stdin);
        assert!(ok, "benchmark command failed");
        times.push(t);
        rss = rss.max(r);
    }
    (median(times), rss)
}

struct Row {
    scenario: String,
    ours: String,
    baseline: String,
    ratio: String,
    target: String,
    pass: Option<bool>,
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn shell_hook(dir: &Path) -> PathBuf {
    let path = dir.join("shell-hook.sh");
    std::fs::write(
        &path,
        r#"#!/bin/sh
# The rule as people write it in shell today: processes per commit.
while read old new ref; do
  for c in $(git rev-list "$old..$new"); do
    msg=$(git log -1 --format=%B "$c")
    if printf '%s\n' "$msg" | grep -qiE '^(co-authored-by: .*(noreply@anthropic\.com|copilot)|assisted-by:)'; then
      printf '%s\n' "$msg" | git interpret-trailers --parse | grep -qi '^reviewed-by:' \
        || { echo "unreviewed AI commit $c" >&2; exit 1; }
    fi
  done
done
exit 0
"#,
    )
    .expect("write");
    path
}

#[path = "hooks/budgets.rs"]
mod budgets;

/// The pushes `--budgets` counts, on the smoke repositories (keys are what
/// `bench/budgets.toml` names).
#[expect(clippy::too_many_lines, reason = "a table of pushes, one per row")]
fn budget_pushes(base: &Path) -> Vec<budgets::Push> {
    let small = build(base, SMALL);
    let medium = build(base, MEDIUM);
    let many = many_reviewers(&small);
    let tree = signoff_tree(base);
    let signed = signed_repo(base);
    let under = Some(tree.join("bench-under.toml"));
    let (main, incoming) = ("refs/heads/main", "refs/heads/incoming");
    // (key, words, repository, old, new, ref, pinned policy)
    let table = [
        (
            "one-commit",
            "1-commit push to main, medium repository",
            &medium,
            main,
            "refs/heads/next",
            main,
            None,
        ),
        (
            "10k-push",
            "10,000 new commits reaching main",
            &medium,
            main,
            incoming,
            main,
            None,
        ),
        (
            "new-release-branch",
            "new release branch from the deep branch",
            &medium,
            ZERO,
            "refs/heads/deep",
            "refs/heads/release/new",
            None,
        ),
        (
            "80k-reviewers",
            "one commit, 80,000 distinct reviewers (refused)",
            &small,
            main,
            many.as_str(),
            main,
            None,
        ),
        (
            "signoff-rules",
            "10,000 commits under three [[signoff]] rules with folders",
            &tree,
            main,
            incoming,
            main,
            under,
        ),
        (
            "signed-1000",
            "1,000 commits with signed approvals pushed with them",
            &signed,
            main,
            incoming,
            main,
            None,
        ),
    ];
    table
        .into_iter()
        .map(|(key, what, dir, old, new, name, policy)| {
            let id = |r: &str| {
                if r == ZERO || !r.starts_with("refs/") {
                    r.to_string()
                } else {
                    rev(dir, r)
                }
            };
            let mut stdin = format!("{} {} {name}\n", id(old), id(new));
            if key == "signed-1000" {
                let notes = rev(dir, "refs/bench/approvals");
                stdin = format!("{ZERO} {notes} refs/notes/reviewgate\n{stdin}");
            }
            budgets::Push {
                key,
                what: what.to_string(),
                dir: dir.clone(),
                stdin,
                pinned_policy: policy.clone(),
                refused: key == "80k-reviewers",
            }
        })
        .collect()
}

/// `--budgets FILE`: count each budgeted push, print the table, exit 1 when
/// one is over its budget.
fn run_budgets(file: &str, base: &Path) -> ! {
    let pushes = budget_pushes(base);
    // The signed repository's settings are written by its scenario; write
    // them here too, so the budgets run alone.
    let signed = &pushes
        .iter()
        .find(|p| p.key == "signed-1000")
        .expect("signed")
        .dir;
    for (key, value) in [
        ("reviewgate.policy", signed.join("bench-signed.toml")),
        ("reviewgate.allowedSigners", signed.join("allowed_signers")),
    ] {
        check(git(signed).args(["config", key]).arg(value));
    }
    for p in &pushes {
        if let Some(policy) = &p.pinned_policy {
            check(
                git(&p.dir)
                    .args(["config", "reviewgate.policy"])
                    .arg(policy),
            );
        }
    }
    let (table, ok) = budgets::check(Path::new(file), &hook_path(), &pushes);
    for p in &pushes {
        if p.pinned_policy.is_some() {
            check(git(&p.dir).args(["config", "--unset", "reviewgate.policy"]));
        }
    }
    print!("{table}");
    if !ok {
        eprintln!(
            "budgets exceeded: a change that needs more says so in its commit and raises {file}"
        );
    }
    std::process::exit(i32::from(!ok));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(file) = args.windows(2).find(|w| w[0] == "--budgets") {
        run_budgets(
            &file[1],
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-repos"),
        );
    }
    timing(&args);
}

/// Scenarios 1 and 1b: a one-commit push, large vs small repository, and
/// against `git cat-file commit` of its commit.
fn startup(small: &Path, big: &Path, big_shape: Shape, runs: usize, rows: &mut Vec<Row>) {
    // 1. One-commit fast-forward of main: small vs large.
    let ff_line = |dir: &Path| {
        format!(
            "{} {} refs/heads/main\n",
            rev(dir, "refs/heads/main"),
            rev(dir, "refs/heads/next")
        )
    };
    let (line_big, line_small) = (ff_line(big), ff_line(small));
    let (t_big, t_small) = paired(
        runs,
        || (hook(big), line_big.clone()),
        || (hook(small), line_small.clone()),
    );
    let ratio = t_big.as_secs_f64() / t_small.as_secs_f64();
    rows.push(Row {
        scenario: format!("1. 1-commit push to main, {} vs small repo", big_shape.name),
        ours: ms(t_big),
        baseline: ms(t_small),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.2 and <= 20 ms".into(),
        pass: Some(ratio <= 1.2 && t_big <= Duration::from_millis(20)),
    });

    // 1b. The same push as a whole process against the least git does with
    //     the commit: print it (`git cat-file commit`), in the same repository.
    let next = rev(big, "refs/heads/next");
    let (t_ours, t_git) = paired(
        runs * 2,
        || (hook(big), line_big.clone()),
        || {
            let mut c = git(big);
            c.args(["cat-file", "commit", &next]);
            (c, String::new())
        },
    );
    let ratio = t_ours.as_secs_f64() / t_git.as_secs_f64();
    rows.push(Row {
        scenario: format!(
            "1b. the same 1-commit push vs git cat-file commit, {}",
            big_shape.name
        ),
        ours: ms(t_ours),
        baseline: ms(t_git),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.5".into(),
        pass: Some(ratio <= 1.5),
    });
}

/// The timed scenarios, their table, and `--compare` builds.
fn timing(args: &[String]) {
    let smoke = args.iter().any(|a| a == "--smoke");
    let markdown = args
        .iter()
        .position(|a| a == "--markdown")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-repos");
    let small = build(&base, SMALL);
    let big_shape = if smoke { MEDIUM } else { LARGE };
    let big = build(&base, big_shape);
    let runs = if smoke { 5 } else { 21 };
    let heavy_runs = if smoke { 3 } else { 7 };
    let mut rows = Vec::new();

    startup(&small, &big, big_shape, runs, &mut rows);

    // 2. `ahead` new commits reaching main vs git log over the same range.
    let (main, incoming) = (
        rev(&big, "refs/heads/main"),
        rev(&big, "refs/heads/incoming"),
    );
    let line = format!("{main} {incoming} refs/heads/main\n");
    let range = format!("{main}..{incoming}");
    let (t_ours, t_git) = paired(
        heavy_runs,
        || (hook(&big), line.clone()),
        || {
            let mut c = git(&big);
            c.args(["log", "--format=%H%x00%an%x00%ae%x00%B", &range]);
            (c, String::new())
        },
    );
    let ratio = t_ours.as_secs_f64() / t_git.as_secs_f64();
    rows.push(Row {
        scenario: format!(
            "2. {} new commits reaching main vs git log",
            big_shape.ahead
        ),
        ours: ms(t_ours),
        baseline: ms(t_git),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.0".into(),
        pass: Some(ratio <= 1.0),
    });

    // 3. New protected branch from a deep branch, with the protected tags present.
    let deep = rev(&big, "refs/heads/deep");
    let line = format!("{ZERO} {deep} refs/heads/release/new\n");
    let (t_ours, t_git) = paired(
        heavy_runs,
        || (hook(&big), line.clone()),
        || {
            let mut c = git(&big);
            c.args([
                "log",
                "--format=%H%x00%an%x00%ae%x00%B",
                &deep,
                "--not",
                "refs/heads/main",
                "--branches=release/*",
                "--tags=v*",
            ]);
            (c, String::new())
        },
    );
    let ratio = t_ours.as_secs_f64() / t_git.as_secs_f64();
    rows.push(Row {
        scenario: format!(
            "3. new release branch from deep branch, {} protected tags, vs git log --not",
            big_shape.protected_tags
        ),
        ours: ms(t_ours),
        baseline: ms(t_git),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.0".into(),
        pass: Some(ratio <= 1.0),
    });

    // 4. Peak memory checking every commit (a new protected ref, nothing hidden).
    let policy = big.join("bench-all.toml");
    std::fs::write(&policy, "[[protect]]\nrefs = [\"refs/heads/audit-all\"]\n").expect("policy");
    check(git(&big).args(["config", "reviewgate.policy"]).arg(&policy));
    let line = format!("{ZERO} {deep} refs/heads/audit-all\n");
    let (t_ours, rss_ours) = repeat(1, || (hook(&big), line.clone()));
    check(git(&big).args(["config", "--unset", "reviewgate.policy"]));
    let (t_git, rss_git) = repeat(1, || {
        let mut c = git(&big);
        c.args(["log", "--format=%H%x00%an%x00%ae%x00%B", &deep]);
        (c, String::new())
    });
    let mib = |kib: u64| kib as f64 / 1024.0;
    rows.push(Row {
        scenario: format!(
            "4. max RSS checking all {} commits (git log: time {})",
            big_shape.commits,
            ms(t_git)
        ),
        ours: format!("{:.1} MiB ({})", mib(rss_ours), ms(t_ours)),
        baseline: format!("{:.1} MiB", mib(rss_git)),
        ratio: format!("{:.2}", rss_ours as f64 / rss_git.max(1) as f64),
        target: "<= 64 MiB".into(),
        pass: Some(mib(rss_ours) <= 64.0),
    });

    // 4b. The same push's peak anonymous memory (RssAnon: the heap and
    //     stacks, without the pack pages libgit2 maps, which max RSS counts).
    check(git(&big).args(["config", "reviewgate.policy"]).arg(&policy));
    let anon = peak_anon(hook(&big), &line);
    check(git(&big).args(["config", "--unset", "reviewgate.policy"]));
    rows.push(Row {
        scenario: format!(
            "4b. peak RssAnon checking all {} commits (sampled every ms)",
            big_shape.commits
        ),
        ours: format!("{:.1} MiB", mib(anon)),
        baseline: "-".into(),
        ratio: "-".into(),
        target: if smoke { "report" } else { "<= 16 MiB" }.into(),
        pass: (!smoke).then_some(mib(anon) <= 16.0),
    });

    // 5. The shell hook people write today, on 10,000 commits (1,000 in smoke runs).
    let base10k = rev(
        &big,
        if smoke {
            "refs/heads/base-1k"
        } else {
            "refs/heads/base-10k"
        },
    );
    let line = format!("{base10k} {main} refs/heads/main\n");
    let n = check(git(&big).args(["rev-list", "--count", &format!("{base10k}..{main}")]));
    let (t_ours, _) = repeat(heavy_runs, || (hook(&big), line.clone()));
    let script = shell_hook(&big);
    let (t_sh, _) = repeat(1, || {
        let mut sh = Command::new("sh");
        sh.arg(&script)
            .current_dir(&big)
            .env("GIT_DIR", &big)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        (sh, line.clone())
    });
    let speedup = t_sh.as_secs_f64() / t_ours.as_secs_f64();
    rows.push(Row {
        scenario: format!("5. typical shell hook on {n} commits (speed-up)"),
        ours: ms(t_ours),
        baseline: ms(t_sh),
        ratio: format!("{speedup:.0}x faster"),
        target: "report".into(),
        pass: None,
    });

    // 6. One commit whose 3 MB message has 80,000 distinct Reviewed-by lines
    //    (all bot accounts, so each is judged and none counts) vs git's own
    //    trailer parse of the same commit.
    let many = many_reviewers(&small);
    let line = format!(
        "{} {many} refs/heads/main\n",
        rev(&small, "refs/heads/main")
    );
    let (t_ours, t_git) = paired(
        runs,
        || {
            let mut c = hook(&small);
            c.env("REVIEWGATE_BENCH_EXPECT_REJECT", "1");
            (c, line.clone())
        },
        || {
            let mut c = git(&small);
            c.args(["log", "-1", "--format=%(trailers:key=Reviewed-by)", &many]);
            (c, String::new())
        },
    );
    rows.push(Row {
        scenario: "6. one commit, 3 MB message, 80,000 distinct reviewers vs git log %(trailers)"
            .into(),
        ours: ms(t_ours),
        baseline: ms(t_git),
        ratio: format!("{:.2}", t_ours.as_secs_f64() / t_git.as_secs_f64()),
        target: "< 1000 ms".into(),
        pass: Some(t_ours < Duration::from_secs(1)),
    });

    // 7. A notes tree of 2,031,616 paths (shared subtrees): a 1-commit push
    //    of a human commit (its note is looked up) vs the same push in the
    //    same repository without notes.
    let notes2m = notes_2m(&base);
    let plain = notes_none(&base);
    let plain_line = |dir: &Path| {
        format!(
            "{} {} refs/heads/main\n",
            rev(dir, "refs/heads/main"),
            rev(dir, "refs/heads/plain-next")
        )
    };
    let (line7, line7_plain) = (plain_line(&notes2m), plain_line(&plain));
    assert_eq!(line7, line7_plain, "the same push in both repositories");
    let (t_notes, t_plain) = paired(
        runs,
        || (hook(&notes2m), line7.clone()),
        || (hook(&plain), line7_plain.clone()),
    );
    let ratio = t_notes.as_secs_f64() / t_plain.as_secs_f64();
    rows.push(Row {
        scenario: "7. 1-commit push with a 2,031,616-path notes tree vs without notes".into(),
        ours: ms(t_notes),
        baseline: ms(t_plain),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.2".into(),
        pass: Some(ratio <= 1.2),
    });

    // 8. 400 new commits sharing one 4 MiB git-ai note (each AI-assisted by
    //    it, unreviewed: refused) vs git log over them.
    let shared = notes_shared(&base);
    let line8 = format!(
        "{} {} refs/heads/main\n",
        rev(&shared, "refs/heads/main"),
        rev(&shared, "refs/heads/ai400")
    );
    let range8 = "refs/heads/main..refs/heads/ai400".to_string();
    let (t_ours, t_git) = paired(
        heavy_runs,
        || {
            let mut c = hook(&shared);
            c.env("REVIEWGATE_BENCH_EXPECT_REJECT", "1");
            (c, line8.clone())
        },
        || {
            let mut c = git(&shared);
            c.args([
                "log",
                "--notes=ai",
                "--format=%H%x00%an%x00%ae%x00%B%N",
                &range8,
            ]);
            (c, String::new())
        },
    );
    rows.push(Row {
        scenario: "8. 400 commits sharing one 4 MiB note vs git log --notes".into(),
        ours: ms(t_ours),
        baseline: ms(t_git),
        ratio: format!("{:.2}", t_ours.as_secs_f64() / t_git.as_secs_f64()),
        target: "< 1000 ms".into(),
        pass: Some(t_ours < Duration::from_secs(1)),
    });

    rows.extend(signoff_rows(&base, heavy_runs));
    rows.push(signed_row(&base, heavy_runs));
    rows.extend(report_rows(&big, big_shape, heavy_runs));

    let mut table = render(&rows, smoke, big_shape);
    // Another build of the hook (an earlier commit's), run alternately with
    // this one on the same pushes: the before/after a change is recorded with.
    let others: Vec<String> = args
        .windows(2)
        .filter(|w| w[0] == "--compare")
        .map(|w| w[1].clone())
        .collect();
    for other in &others {
        table.push_str(&compare(
            other,
            &Fixtures {
                small: &small,
                big: &big,
                notes2m: &notes2m,
                shared: &shared,
            },
            big_shape,
            (runs, heavy_runs),
            &many,
        ));
    }
    print!("{table}");
    if let Some(path) = markdown {
        std::fs::write(&path, &table).expect("write markdown");
        eprintln!("wrote {path}");
    }
}

/// Scenario 12: `reviewgate report` over the first 100,000 commits of the
/// big repository (all 20,000 of the medium one) under a policy that
/// protects the branch, every commit judged and a CSV row written for each,
/// vs `git log` printing the same fields over the same commits; and over a
/// window (`--since`) holding the newer half, vs `git log BASE..TIP`.
fn report_rows(big: &Path, shape: Shape, heavy_runs: usize) -> Vec<Row> {
    let n = shape.commits.min(100_000);
    let tip = check(git(big).args([
        "rev-parse",
        &format!("refs/heads/incoming~{}", shape.commits - n),
    ]));
    check(git(big).args(["update-ref", "refs/heads/report", &tip]));
    let policy = big.join("bench-report.toml");
    std::fs::write(
        &policy,
        "[[protect]]\nrefs = [\"refs/heads/report\"]\nreview = \"ai\"\n",
    )
    .expect("policy");
    let report = |extra: &[&str]| {
        let mut c = Command::new(shipped("reviewgate"));
        c.current_dir(big)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", big)
            .args(["report", "--ref", "report", "--format", "csv", "--policy"])
            .arg(&policy)
            .args(extra);
        (c, String::new())
    };
    let log = |range: &str| {
        let mut c = git(big);
        c.args(["log", "--format=%H%x00%an%x00%ae%x00%B", range]);
        (c, String::new())
    };
    let mut rows = Vec::new();
    let (t_ours, t_git) = paired(heavy_runs, || report(&[]), || log("refs/heads/report"));
    let ratio = t_ours.as_secs_f64() / t_git.as_secs_f64();
    rows.push(Row {
        scenario: format!("12. report over {n} commits (CSV) vs git log"),
        ours: ms(t_ours),
        baseline: ms(t_git),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.2".into(),
        pass: Some(ratio <= 1.2),
    });
    // The generator dates commit i at 1,700,000,000 + 60 i.
    let half = n / 2;
    let since = chrono::DateTime::from_timestamp(1_700_000_000 + half as i64 * 60, 0)
        .expect("a time")
        .to_rfc3339();
    let base = check(git(big).args(["rev-parse", &format!("refs/heads/report~{}", n - half + 1)]));
    let range = format!("{base}..refs/heads/report");
    // A server's history has the commit-graph `git gc` writes (here for the
    // branch only, and removed after: the hooks' scenarios push commits no
    // graph holds).
    let graph = big.join("objects/info/commit-graph");
    let mut c = git(big);
    let mut child = c
        .args(["commit-graph", "write", "--stdin-commits"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn git commit-graph");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{tip}\n").as_bytes())
        .expect("write the tip");
    assert!(
        child.wait().expect("wait").success(),
        "git commit-graph write"
    );
    let (t_ours, t_git) = paired(heavy_runs, || report(&["--since", &since]), || log(&range));
    std::fs::remove_file(&graph).expect("remove the commit-graph");
    let ratio = t_ours.as_secs_f64() / t_git.as_secs_f64();
    rows.push(Row {
        scenario: format!(
            "12b. report over a window of {} commits (--since) vs git log BASE..TIP",
            n - half + 1
        ),
        ours: ms(t_ours),
        baseline: ms(t_git),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.2".into(),
        pass: Some(ratio <= 1.2),
    });
    rows
}

/// Scenarios 9 and 10: sign-off rules that diff every commit.
fn signoff_rows(base: &Path, heavy_runs: usize) -> Vec<Row> {
    let mut out = Vec::new();
    // 9. 10,000 human commits, each changing one to three files under src/
    //    in a 2,004-file tree, judged under three [[signoff]] rules whose
    //    `files` sit under named folders (every commit is diffed against its
    //    parent; the diff reads the root trees) vs the same push under a
    //    policy without rules.
    let tree = signoff_tree(base);
    let line9 = format!(
        "{} {} refs/heads/main\n",
        rev(&tree, "refs/heads/main"),
        rev(&tree, "refs/heads/incoming")
    );
    // The policy is pinned before each run (outside the timing).
    let pinned = |file: &str| {
        check(
            git(&tree)
                .args(["config", "reviewgate.policy"])
                .arg(tree.join(file)),
        );
        hook(&tree)
    };
    let (t_rules, t_plain) = paired(
        heavy_runs,
        || (pinned("bench-under.toml"), line9.clone()),
        || (pinned("bench-plain.toml"), line9.clone()),
    );
    let ratio = t_rules.as_secs_f64() / t_plain.as_secs_f64();
    out.push(Row {
        scenario:
            "9. 10000 commits under three [[signoff]] rules with files under folders vs no rules"
                .into(),
        ours: ms(t_rules),
        baseline: ms(t_plain),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.5".into(),
        pass: Some(ratio <= 1.5),
    });

    // 10. The same push under rules with paths anywhere (`**/*.tf`,
    //     `@agent-config`): every changed folder of every commit is read, as
    //     `git log --name-only` reads them; compared with git doing that.
    let range = "refs/heads/main..refs/heads/incoming".to_string();
    let (t_rules, t_git) = paired(
        heavy_runs,
        || (pinned("bench-anywhere.toml"), line9.clone()),
        || {
            let mut c = git(&tree);
            c.args([
                "log",
                "--name-only",
                "--format=%H%x00%an%x00%ae%x00%B",
                &range,
            ]);
            (c, String::new())
        },
    );
    let ratio = t_rules.as_secs_f64() / t_git.as_secs_f64();
    out.push(Row {
        scenario: "10. the same under three rules with paths anywhere vs git log --name-only"
            .into(),
        ours: ms(t_rules),
        baseline: ms(t_git),
        ratio: format!("{ratio:.2}"),
        target: "<= 1.5".into(),
        pass: Some(ratio <= 1.5),
    });
    check(git(&tree).args(["config", "--unset", "reviewgate.policy"]));
    out
}

/// The repositories the scenarios run in.
struct Fixtures<'a> {
    small: &'a Path,
    big: &'a Path,
    notes2m: &'a Path,
    shared: &'a Path,
}

/// The scenarios `--compare` runs: name, repository, hook input, runs, and
/// whether the push is refused.
fn compare_scenarios(
    f: &Fixtures<'_>,
    shape: Shape,
    (runs, heavy_runs): (usize, usize),
    many: &str,
) -> Vec<(String, PathBuf, String, usize, bool)> {
    let (small, big) = (f.small, f.big);
    let main = rev(big, "refs/heads/main");
    vec![
        (
            format!("1. 1-commit push to main, {} repo", shape.name),
            big.to_path_buf(),
            format!("{main} {} refs/heads/main\n", rev(big, "refs/heads/next")),
            runs,
            false,
        ),
        (
            format!("2. {} new commits reaching main", shape.ahead),
            big.to_path_buf(),
            format!(
                "{main} {} refs/heads/main\n",
                rev(big, "refs/heads/incoming")
            ),
            heavy_runs,
            false,
        ),
        (
            format!(
                "3. new release branch from deep branch, {} protected tags",
                shape.protected_tags
            ),
            big.to_path_buf(),
            format!(
                "{ZERO} {} refs/heads/release/new\n",
                rev(big, "refs/heads/deep")
            ),
            heavy_runs,
            false,
        ),
        (
            "6. one commit, 3 MB message, 80,000 distinct reviewers".into(),
            small.to_path_buf(),
            format!("{} {many} refs/heads/main\n", rev(small, "refs/heads/main")),
            runs,
            true,
        ),
        (
            "7. 1-commit push with a 2,031,616-path notes tree".into(),
            f.notes2m.to_path_buf(),
            format!(
                "{} {} refs/heads/main\n",
                rev(f.notes2m, "refs/heads/main"),
                rev(f.notes2m, "refs/heads/plain-next")
            ),
            heavy_runs,
            false,
        ),
        (
            "8. 400 commits sharing one 4 MiB note".into(),
            f.shared.to_path_buf(),
            format!(
                "{} {} refs/heads/main\n",
                rev(f.shared, "refs/heads/main"),
                rev(f.shared, "refs/heads/ai400")
            ),
            heavy_runs,
            true,
        ),
    ]
}

/// This build against `other` (another build's pre-receive), scenario by
/// scenario, run alternately: median times and the ratio this/other.
fn compare(
    other: &str,
    f: &Fixtures<'_>,
    shape: Shape,
    (runs, heavy_runs): (usize, usize),
    many: &str,
) -> String {
    let scenarios = compare_scenarios(f, shape, (runs, heavy_runs), many);
    let mut s = String::new();
    let _ = writeln!(s, "\nthis build vs `{other}` (run alternately):\n");
    let _ = writeln!(s, "| scenario | this build | other build | ratio |");
    let _ = writeln!(s, "|---|---|---|---|");
    for (name, dir, line, n, reject) in scenarios {
        let (a, b) = paired_any(
            n,
            || (hook(&dir), line.clone()),
            || (hook_binary(other, &dir), line.clone()),
            reject,
        );
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {:.2} |",
            ms(a),
            ms(b),
            a.as_secs_f64() / b.as_secs_f64()
        );
    }
    s
}

/// Like [`paired`], for two hook builds that give the same answer
/// (`reject`: the push is refused, exit 1).
fn paired_any(
    runs: usize,
    mut ours: impl FnMut() -> (Command, String),
    mut base: impl FnMut() -> (Command, String),
    reject: bool,
) -> (Duration, Duration) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        for (make, out) in [
            (&mut ours as &mut dyn FnMut() -> (Command, String), &mut a),
            (&mut base, &mut b),
        ] {
            let (c, stdin) = make();
            let (t, _, ok) = measure(c, &stdin);
            assert!(ok != reject, "a hook gave the wrong answer");
            out.push(t);
        }
    }
    (median(a), median(b))
}

fn render(rows: &[Row], smoke: bool, big: Shape) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reviewgate hook benchmark ({}): small = {} commits; {} = {} commits, {} refs\n",
        if smoke { "smoke" } else { "full" },
        SMALL.commits,
        big.name,
        big.commits,
        big.unprotected_refs + big.protected_tags + 6
    );
    let _ = writeln!(
        s,
        "| scenario | ours | baseline | ratio | target | result |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for r in rows {
        let result = match r.pass {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "-",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {result} |",
            r.scenario, r.ours, r.baseline, r.ratio, r.target
        );
    }
    s
}
