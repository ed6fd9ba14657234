//! Test harness: hermetic git, bare "server" repositories with the built hooks
//! installed, work trees that push with the real git client.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const PRE_RECEIVE: &str = env!("CARGO_BIN_EXE_reviewgate-pre-receive");
pub const UPDATE: &str = env!("CARGO_BIN_EXE_reviewgate-update");
pub const CLI: &str = env!("CARGO_BIN_EXE_reviewgate");

/// A git command with no system/global config, fixed identities and dates, and
/// no inherited repository variables.
pub fn git_cmd(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir);
    hermetic(&mut c, dir);
    c
}

pub fn hermetic(c: &mut Command, home: &Path) {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_QUARANTINE_PATH",
        "GIT_NAMESPACE",
        "GIT_INDEX_FILE",
        "GIT_CEILING_DIRECTORIES",
        "GL_USERNAME",
        "GL_USER",
        "GL_ID",
        "GITEA_PUSHER_NAME",
        "GITEA_PUSHER_EMAIL",
        "GITHUB_USER_LOGIN",
        "REMOTE_USER",
        "GIT_PUSH_CERT",
        "GIT_PUSH_CERT_SIGNER",
        "GIT_PUSH_CERT_STATUS",
        "GIT_PUSH_CERT_NONCE_STATUS",
        "GIT_PUSH_OPTION_COUNT",
    ] {
        c.env_remove(var);
    }
    c.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "Dev Eloper")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev Eloper")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T12:00:00Z")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .env("TZ", "UTC");
}

pub fn run(mut c: Command) -> Output {
    c.output().expect("spawn git")
}

/// Run `c` with `input` on its stdin (written from a thread, so a child that
/// answers before reading all of it cannot deadlock the test); its output,
/// whatever the exit status. A child that stops reading early is fine.
pub fn feed(mut c: Command, input: &[u8]) -> Output {
    use std::io::Write;
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("stdin writer");
    out
}

/// Like [`feed`], and require success: its stdout.
#[track_caller]
pub fn feed_ok(c: Command, input: &[u8]) -> Vec<u8> {
    let dbg = format!("{c:?}");
    let out = feed(c, input);
    assert!(
        out.status.success(),
        "command failed: {dbg}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Exit code (-1 for a signal) and stdout followed by stderr.
pub fn code_and_text(out: &Output) -> (i32, String) {
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Whether the tests run as root (some permission tests mean nothing then).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Run and require success.
#[track_caller]
pub fn ok(c: Command) -> String {
    let dbg = format!("{c:?}");
    let out = run(c);
    assert!(
        out.status.success(),
        "command failed: {dbg}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// Which hooks a server has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Hooks {
    PreReceive,
    Update,
    Both,
    None,
}

/// A bare repository standing in for the server.
pub struct Server {
    pub dir: PathBuf,
}

impl Server {
    pub fn new(root: &Path, name: &str, hooks: Hooks) -> Server {
        let dir = root.join(name);
        let mut c = git_cmd(root);
        c.args(["init", "-q", "--bare", "-b", "main"]).arg(&dir);
        ok(c);
        let s = Server { dir };
        s.install(hooks);
        s
    }

    pub fn install(&self, hooks: Hooks) {
        let h = self.dir.join("hooks");
        for name in ["pre-receive", "update"] {
            let _ = std::fs::remove_file(h.join(name));
        }
        if matches!(hooks, Hooks::PreReceive | Hooks::Both) {
            std::os::unix::fs::symlink(PRE_RECEIVE, h.join("pre-receive")).expect("link");
        }
        if matches!(hooks, Hooks::Update | Hooks::Both) {
            std::os::unix::fs::symlink(UPDATE, h.join("update")).expect("link");
        }
    }

    pub fn git(&self) -> Command {
        git_cmd(&self.dir)
    }

    /// Run git in the server repository and require success: its stdout.
    pub fn git_ok(&self, args: &[&str]) -> String {
        let mut c = self.git();
        c.args(args);
        ok(c)
    }

    /// `git config <key> <value>` in the server repository.
    pub fn config(&self, key: &str, value: &str) {
        self.git_ok(&["config", key, value]);
    }

    /// The default audit log's path.
    pub fn audit_log(&self) -> PathBuf {
        self.dir.join("reviewgate/audit.jsonl")
    }

    /// Every record of the default audit log, parsed (none while there is
    /// no log).
    pub fn audit_records(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.audit_log())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    }

    /// The last record of the default audit log.
    pub fn last_audit(&self) -> serde_json::Value {
        self.audit_records().pop().expect("an audit record")
    }

    /// The value of a ref, or None.
    pub fn rev(&self, name: &str) -> Option<String> {
        let mut c = self.git();
        c.args(["rev-parse", "--verify", "-q", name]);
        let out = run(c);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn url(&self) -> String {
        self.dir.display().to_string()
    }
}

/// A work tree that pushes.
pub struct Client {
    pub dir: PathBuf,
    pub remote: String,
    pub env: Vec<(String, String)>,
}

/// What a push did.
#[derive(Debug)]
pub struct Push {
    pub success: bool,
    pub stderr: String,
}

impl Push {
    /// The client's output contains `text`.
    #[track_caller]
    pub fn says(&self, text: &str) {
        assert!(
            self.stderr.contains(text),
            "expected {text:?} in:\n{}",
            self.stderr
        );
    }

    /// The client's output does not contain `text`.
    #[track_caller]
    pub fn never_says(&self, text: &str) {
        assert!(
            !self.stderr.contains(text),
            "did not expect {text:?} in:\n{}",
            self.stderr
        );
    }
}

impl Client {
    pub fn new(root: &Path, name: &str, remote: &str) -> Client {
        let dir = root.join(name);
        let mut c = git_cmd(root);
        c.args(["init", "-q", "-b", "main"]).arg(&dir);
        ok(c);
        let me = Client {
            dir,
            remote: remote.to_string(),
            env: Vec::new(),
        };
        me.git_ok(&["remote", "add", "origin", remote]);
        me
    }

    /// The same work tree and remote, pushing with `env` (a forge's or a
    /// server's environment) on top of the hermetic one.
    pub fn with_env(&self, env: &[(&str, &str)]) -> Client {
        Client {
            dir: self.dir.clone(),
            remote: self.remote.clone(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn git(&self) -> Command {
        let mut c = git_cmd(&self.dir);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn git_ok(&self, args: &[&str]) -> String {
        let mut c = self.git();
        c.args(args);
        ok(c)
    }

    /// Commit (empty tree change: a file named after the counter) with a message.
    pub fn commit(&self, message: &str) -> String {
        self.commit_as(message, None)
    }

    /// Commit with a given author `Name <email>`.
    pub fn commit_as(&self, message: &str, author: Option<(&str, &str)>) -> String {
        self.commit_bytes(message.as_bytes(), author)
    }

    pub fn commit_bytes(&self, message: &[u8], author: Option<(&str, &str)>) -> String {
        let n = std::fs::read_dir(&self.dir).map(|d| d.count()).unwrap_or(0);
        std::fs::write(self.dir.join(format!("f{n}.txt")), format!("{n}\n")).expect("write");
        self.git_ok(&["add", "-A"]);
        let msg = self.dir.join(".git/TEST_MSG");
        std::fs::write(&msg, message).expect("msg");
        let mut c = self.git();
        c.args(["commit", "-q", "--cleanup=verbatim", "-F"])
            .arg(&msg);
        if let Some((name, email)) = author {
            c.env("GIT_AUTHOR_NAME", name)
                .env("GIT_AUTHOR_EMAIL", email);
        }
        ok(c);
        self.head()
    }

    /// Add a reviewer trailer to the last commit (`git commit --amend --trailer`).
    pub fn amend_trailer(&self, trailer: &str) {
        self.git_ok(&["commit", "-q", "--amend", "--no-edit", "--trailer", trailer]);
    }

    /// Write a raw commit object as given (`git hash-object --literally`),
    /// bypassing every check `git commit` makes; its id.
    pub fn raw_commit(&self, raw: &[u8]) -> String {
        write_raw_commit(self.git(), raw)
    }

    /// The tree id of a revision.
    pub fn tree_of(&self, rev: &str) -> String {
        self.git_ok(&["rev-parse", &format!("{rev}^{{tree}}")])
    }

    pub fn write_file(&self, path: &str, text: &str) {
        let p = self.dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    pub fn head(&self) -> String {
        self.git_ok(&["rev-parse", "HEAD"])
    }

    /// `git push origin <args>` with the real client; stderr with `remote:`
    /// lines' trailing padding removed.
    pub fn push(&self, args: &[&str]) -> Push {
        let mut c = self.git();
        c.arg("push").arg("origin").args(args);
        let out = run(c);
        Push {
            success: out.status.success(),
            stderr: clean(&String::from_utf8_lossy(&out.stderr)),
        }
    }
}

/// Write a raw commit object with `git` (a git command for the repository):
/// `git hash-object --literally`, bypassing every check `git commit` makes.
pub fn write_raw_commit(mut c: Command, raw: &[u8]) -> String {
    c.args([
        "hash-object",
        "-t",
        "commit",
        "--literally",
        "-w",
        "--stdin",
    ]);
    String::from_utf8_lossy(&feed_ok(c, raw)).trim().to_string()
}

/// Remove git's trailing spaces after `remote:` lines.
pub fn clean(s: &str) -> String {
    s.lines()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Only the `remote:` lines.
pub fn remote_lines(s: &str) -> String {
    s.lines()
        .filter_map(|l| l.strip_prefix("remote:"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A `git daemon` serving `base` on a loopback port, killed on drop.
pub struct Daemon {
    child: Child,
    pub port: u16,
}

impl Daemon {
    pub fn start(base: &Path) -> Daemon {
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("free port");
            let mut c = git_cmd(base);
            c.args([
                "daemon",
                "--export-all",
                "--enable=receive-pack",
                "--reuseaddr",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
            // `git daemon` runs `git-daemon` as a child: a process group of
            // their own, so that ending it ends both (killing only `git`
            // would orphan the daemon).
            std::os::unix::process::CommandExt::process_group(&mut c, 0);
            let mut child = c.spawn().expect("git daemon");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Daemon { child, port };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            end_group(&mut child);
        }
        panic!("git daemon did not start");
    }

    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        end_group(&mut self.child);
    }
}

/// End `child` and every process in its process group (it was started as
/// the leader of one): SIGTERM, then SIGKILL after a grace period.
pub fn end_group(child: &mut Child) {
    let group = -(child.id() as libc::pid_t);
    // SAFETY: signalling the process group of a child this test started.
    unsafe {
        libc::kill(group, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: as above; whatever is left of the group.
    unsafe {
        libc::kill(group, libc::SIGKILL);
    }
    let _ = child.wait();
}

/// How the client reaches the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Path,
    Daemon,
}

/// A server and a client wired together over `transport`.
pub struct Setup {
    _tmp: tempfile::TempDir,
    pub server: Server,
    pub client: Client,
    _daemon: Option<Daemon>,
}

impl Setup {
    pub fn new(transport: Transport, hooks: Hooks) -> Setup {
        let root = tempfile::tempdir().expect("tempdir");
        let server = Server::new(root.path(), "srv.git", hooks);
        let (daemon, url) = match transport {
            Transport::Path => (None, server.url()),
            Transport::Daemon => {
                let d = Daemon::start(root.path());
                let url = d.url("srv.git");
                (Some(d), url)
            }
        };
        let client = Client::new(root.path(), "work", &url);
        Setup {
            _tmp: root,
            server,
            client,
            _daemon: daemon,
        }
    }

    /// A setup whose main already carries `policy` (pushed before the hooks
    /// were installed, so it is the trusted policy from the start).
    pub fn with_policy(transport: Transport, policy: &str) -> Setup {
        let s = Setup::new(transport, Hooks::None);
        s.client.write_file(".reviewgate.toml", policy);
        s.client.commit("Add policy\n");
        let p = s.client.push(&["main"]);
        assert!(p.success, "{}", p.stderr);
        s.server.install(Hooks::PreReceive);
        s
    }

    /// A setup whose main already has one human commit.
    pub fn with_main(transport: Transport, hooks: Hooks) -> Setup {
        let s = Setup::new(transport, hooks);
        s.client.commit("Initial commit\n");
        let p = s.client.push(&["main"]);
        assert!(p.success, "{}", p.stderr);
        s
    }
}

pub const CLAUDE: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";
pub const REVIEW_ANN: &str = "Reviewed-by: Ann Lee <ann@example.com>";

/// A realistic AI-tagged message with optional extra trailers.
pub fn ai_message(subject: &str, trailers: &[&str]) -> String {
    let mut m = format!(
        "{subject}\n\nExplain the change in a sentence or two.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n{CLAUDE}\n"
    );
    for t in trailers {
        m.push_str(t);
        m.push('\n');
    }
    m
}

/// Run the `reviewgate` CLI in `dir`: exit code and stdout+stderr.
pub fn cli(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut c = Command::new(CLI);
    hermetic(&mut c, dir);
    c.current_dir(dir).args(args);
    code_and_text(&run(c))
}

/// Run a hook binary directly in `repo` (`GIT_DIR=.`) with `stdin`, `args`
/// and extra environment: exit code and stdout+stderr.
pub fn run_hook(
    bin: &str,
    repo: &Path,
    stdin: &[u8],
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String) {
    let mut c = Command::new(bin);
    hermetic(&mut c, repo);
    c.current_dir(repo).env("GIT_DIR", ".").args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    code_and_text(&feed(c, stdin))
}

/// All refs on the server, for "nothing moved" checks.
pub fn refs(s: &Setup) -> String {
    let mut c = s.server.git();
    c.args(["for-each-ref", "--format=%(refname) %(objectname)"]);
    ok(c)
}

/// Push `args`; require rejection with `code` and an unchanged server.
#[track_caller]
pub fn refused(s: &Setup, args: &[&str], code: &str) -> Push {
    refused_by(s, &s.client, args, code)
}

/// Like [`refused`], pushing from `client`.
#[track_caller]
pub fn refused_by(s: &Setup, client: &Client, args: &[&str], code: &str) -> Push {
    let before = refs(s);
    let p = client.push(args);
    assert!(
        !p.success,
        "push {args:?} should be rejected:\n{}",
        p.stderr
    );
    assert!(
        p.stderr.contains(&format!("error[{code}]")),
        "expected error[{code}] for {args:?}:\n{}",
        p.stderr
    );
    assert_eq!(refs(s), before, "refs moved after a rejected push {args:?}");
    p
}

/// The push was rejected by the hook with `code`.
#[track_caller]
pub fn rejected(p: &Push, code: &str) {
    assert!(!p.success, "push should be rejected:\n{}", p.stderr);
    assert!(
        p.stderr.contains(&format!("error[{code}]")),
        "expected error[{code}] in:\n{}",
        p.stderr
    );
    p.says("hook declined");
}

/// The push was accepted without errors.
#[track_caller]
pub fn accepted(p: &Push) {
    assert!(p.success, "push should be accepted:\n{}", p.stderr);
    p.never_says("error[");
}

/// A small deterministic generator (xorshift), so generated cases reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Say loudly that a test did not run, and why; in CI (`CI=true`) a missing
/// prerequisite is a failure, never a skip.
#[expect(clippy::print_stderr, reason = "a skipped test says so on stderr")]
pub fn skip_or_fail(test: &str, why: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: {why} (in CI this must run)"
    );
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
}

/// An SSH key made by ssh-keygen for a test.
pub struct Key {
    pub private: PathBuf,
    /// The public key line (`ssh-ed25519 AAAA... comment`).
    pub public: String,
}

/// A new ed25519 key `name` in `dir`, without a passphrase.
pub fn ssh_key(dir: &Path, name: &str) -> Key {
    let private = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&private)
        .output()
        .expect("ssh-keygen (openssh-client) is needed for signature tests");
    assert!(out.status.success());
    let public = std::fs::read_to_string(private.with_extension("pub")).expect("pub");
    Key {
        private,
        public: public.trim().to_string(),
    }
}
