//! The audit log, by real pushes: one record per push in a hash chain that
//! `reviewgate audit verify` checks, under concurrency, tampering, a full
//! disk (a small tmpfs, when running as root), a crash mid-write, logs that
//! are not regular files or cannot be written (protected updates fail
//! closed), and a push as root.

use std::path::{Path, PathBuf};

use crate::util::*;

#[test]
fn concurrent_pushes_leave_one_record_each_and_a_chain_that_verifies() {
    let s = Setup::with_policy(
        Transport::Path,
        "[[protect]]\nrefs = [\"@default\", \"refs/heads/release/*\"]\n",
    );
    let records_before = s.server.audit_records().len();
    let root = s.client.dir.parent().expect("root").to_path_buf();
    // 20 clones, each with its own commit: 10 to protected release branches (half
    // AI-unreviewed, rejected; half reviewed, accepted) and 10 to feature branches.
    let clients: Vec<(Client, String, bool)> = (0..20)
        .map(|i| {
            let dir = root.join(format!("c{i}"));
            let mut c = git_cmd(&root);
            c.args(["clone", "-q", &s.server.url()]).arg(&dir);
            ok(c);
            let client = Client {
                dir,
                remote: s.server.url(),
                env: Vec::new(),
            };
            let (target, reviewed) = if i < 10 {
                (format!("refs/heads/release/{i}"), i % 2 == 0)
            } else {
                (format!("refs/heads/feature/{i}"), false)
            };
            let trailers: Vec<&str> = if reviewed { vec![REVIEW_ANN] } else { vec![] };
            client.commit(&ai_message(&format!("Work {i}"), &trailers));
            let expect_ok = i >= 10 || reviewed;
            (client, target, expect_ok)
        })
        .collect();
    let handles: Vec<_> = clients
        .into_iter()
        .map(|(client, target, expect_ok)| {
            std::thread::spawn(move || {
                let p = client.push(&[&format!("HEAD:{target}")]);
                (target, expect_ok, p)
            })
        })
        .collect();
    for h in handles {
        let (target, expect_ok, p) = h.join().expect("thread");
        assert_eq!(p.success, expect_ok, "{target}: {}", p.stderr);
    }
    let records = s.server.audit_records();
    assert_eq!(
        records.len() - records_before,
        20,
        "exactly one record per push"
    );
    for i in 0..20 {
        let name = if i < 10 {
            format!("refs/heads/release/{i}")
        } else {
            format!("refs/heads/feature/{i}")
        };
        let n = records
            .iter()
            .filter(|r| r["refs"][0]["name"] == name.as_str())
            .count();
        assert_eq!(n, 1, "{name}");
    }
    let (code, out) = cli(&s.server.dir, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("ok, {} record(s), chain intact", records.len())),
        "{out}"
    );
}

#[test]
fn tampering_with_the_log_is_detected() {
    let s = Setup::with_policy(Transport::Path, "[[protect]]\nrefs = [\"@default\"]\n");
    for i in 0..4 {
        s.client.commit(&format!("Change {i}\n"));
        accepted(&s.client.push(&["main"]));
    }
    let log = s.server.audit_log();
    let (code, _) = cli(&s.server.dir, &["audit", "verify"]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&log).expect("log");
    // Edit the second record: the third one's `prev` no longer matches.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[1] = lines[1].replace("\"commits_checked\":1", "\"commits_checked\":0");
    std::fs::write(&log, lines.join("\n") + "\n").expect("w");
    let (code, out) = cli(
        &s.server.dir,
        &["audit", "verify", log.to_str().expect("utf8")],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("audit.jsonl:3: chain broken"), "{out}");
}

#[test]
fn unwritable_audit_log_fails_closed_for_protected_refs_only() {
    let s = Setup::with_policy(Transport::Path, "[[protect]]\nrefs = [\"@default\"]\n");
    s.server.config(
        "reviewgate.auditLog",
        "/proc/reviewgate-cannot-write-here/audit.jsonl",
    );
    s.client.commit("Human\n");
    let p = s.client.push(&["main"]);
    rejected(&p, "audit-unavailable");
    accepted(&s.client.push(&["HEAD:refs/heads/feature"]));
}

/// The audit log's fail-closed rule asks about the ref an
/// update really writes: a push through a symbolic ref to main, and a
/// change of the AI evidence in `refs/notes/ai`, are refused unrecorded
/// just like a push to main.
#[test]
fn an_unrecordable_decision_on_what_a_symref_writes_is_refused() {
    let s = Setup::with_policy(Transport::Path, "[[protect]]\nrefs = [\"@default\"]\n");
    s.server
        .git_ok(&["symbolic-ref", "refs/heads/trunk", "refs/heads/main"]);
    s.server.config(
        "reviewgate.auditLog",
        "/proc/reviewgate-cannot-write-here/audit.jsonl",
    );
    s.client.commit("Human\n");
    let p = refused(&s, &["HEAD:refs/heads/trunk"], "audit-unavailable");
    p.says("cannot write the audit log");
    s.client
        .git_ok(&["notes", "--ref=ai", "add", "-m", "note", "HEAD"]);
    refused(&s, &["refs/notes/ai"], "audit-unavailable");
    // An unprotected branch still goes through, as documented.
    accepted(&s.client.push(&["HEAD:refs/heads/feature"]));
}

#[test]
fn audit_show_filters_and_verify_detects_a_truncated_tail() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("Add parser", &[]));
    let ai = s.client.head();
    refused(&s, &["main"], "ai-unreviewed");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.git_ok(&["checkout", "-q", "-b", "feature"]);
    s.client.commit("Feature work\n");
    accepted(&s.client.push(&["feature"]));
    let repo = s.server.dir.display().to_string();
    // A repository directory names its log.
    let (code, out) = cli(&s.client.dir, &["audit", "show", &repo, "--rejected"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(" rejected pusher=-"), "{out}");
    assert!(
        out.contains(&format!(
            "refs/heads/main {}..{}",
            &s.server.rev("main").expect("main")[..12],
            &ai[..12]
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "error[ai-unreviewed]: refs/heads/main commit {}",
            &ai[..12]
        )),
        "{out}"
    );
    assert!(!out.contains("refs/heads/feature"), "{out}");
    let (_, out) = cli(&s.client.dir, &["audit", "show", &repo, "--ref", "feature"]);
    assert!(
        out.contains("refs/heads/feature") && !out.contains("refs/heads/main"),
        "{out}"
    );
    let (_, out) = cli(
        &s.client.dir,
        &["audit", "show", &repo, "--since", "2999-01-01"],
    );
    assert_eq!(out, "", "nothing that recent");
    let (_, out) = cli(
        &s.client.dir,
        &["audit", "show", &repo, "--json", "--rejected"],
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON record");
    assert_eq!(v["decision"], "rejected");
    // Verify against a head saved earlier: the log may grow, never shrink.
    let (code, out) = cli(&s.client.dir, &["audit", "verify", &repo]);
    assert_eq!(code, 0, "{out}");
    let saved = out
        .lines()
        .find_map(|l| l.strip_prefix("head: "))
        .and_then(|l| l.split_whitespace().next())
        .expect("head")
        .to_string();
    s.client.commit("More feature work\n");
    accepted(&s.client.push(&["feature"]));
    let (code, out) = cli(
        &s.client.dir,
        &["audit", "verify", &repo, "--expect-head", &saved],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the saved head is record 3 of 4"), "{out}");
    // Someone drops the last two records: the chain is intact, the saved head is gone.
    let log = s.server.audit_log();
    let text = std::fs::read_to_string(&log).expect("log");
    let kept: Vec<&str> = text.lines().take(2).collect();
    std::fs::write(&log, kept.join("\n") + "\n").expect("truncate");
    let (code, out) = cli(
        &s.client.dir,
        &["audit", "verify", &repo, "--expect-head", &saved],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("is not in the chain: the log was truncated or rewritten"),
        "{out}"
    );
}

#[test]
fn a_push_as_root_leaves_the_audit_log_to_the_repository_owner() {
    use std::os::unix::fs::MetadataExt;
    let root_uid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1);
    if root_uid != 0 {
        // Only root can create files another user owns; nothing to test.
        return;
    }
    let s = Setup::with_main(Transport::Path, Hooks::None);
    // The server belongs to the git service user (nobody here); the
    // administrator's smoke test pushes as root.
    let audit = s.server.dir.join("reviewgate");
    let _ = std::fs::remove_dir_all(&audit);
    let mut c = std::process::Command::new("chown");
    c.args(["-R", "65534:65534"]).arg(&s.server.dir);
    ok(c);
    s.server.install(Hooks::PreReceive);
    s.client.commit("Smoke test\n");
    // As an administrator would, root trusts the service user's repositories.
    let global = s.client.dir.join(".git/root-gitconfig");
    std::fs::write(&global, "[safe]\n\tdirectory = *\n").expect("write");
    let mut c = s.client.git();
    c.env("GIT_CONFIG_GLOBAL", &global)
        .args(["push", "origin", "main"]);
    let out = run(c);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for p in [audit.clone(), audit.join("audit.jsonl")] {
        let m = std::fs::metadata(&p).expect("created");
        assert_eq!(
            (m.uid(), m.gid()),
            (65534, 65534),
            "{} owned by root",
            p.display()
        );
    }
    // The service user can now append (as the hook would, for its pushes).
    if std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok()
    {
        let head = s.client.head();
        let mut c = std::process::Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            PRE_RECEIVE,
        ])
        .current_dir(&s.server.dir)
        .env("GIT_DIR", ".")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", &s.server.dir);
        feed_ok(c, format!("{head} {head} refs/heads/main\n").as_bytes());
    }
}

fn set_log(s: &Setup, path: &Path) {
    let mut c = s.server.git();
    c.args(["config", "reviewgate.auditLog"])
        .arg(path.display().to_string());
    ok(c);
}

fn verify(s: &Setup, log: &Path) -> (i32, String) {
    cli(
        &s.server.dir,
        &["audit", "verify", &log.display().to_string()],
    )
}

#[test]
fn a_log_that_is_not_a_regular_file_is_unavailable() {
    for device in ["/dev/null", "/dev/stdout"] {
        let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
        let log = s.server.audit_log();
        std::fs::remove_file(&log).expect("rm");
        std::os::unix::fs::symlink(device, &log).expect("symlink");
        s.client.commit("Human work\n");
        let p = refused(&s, &["main"], "audit-unavailable");
        p.says("is not a regular file");
        // Unprotected refs are not held hostage by the log (documented choice).
        accepted(&s.client.push(&["HEAD:refs/heads/feature"]));
    }
}

/// A tmpfs mounted for the test, unmounted on drop.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: PathBuf, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(&dir).expect("mkdir");
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .ok()?;
        out.status.success().then_some(Tmpfs { dir })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.dir).output();
    }
}

/// Fill `dir`'s filesystem, leaving at most `leave` bytes free.
fn fill(dir: &Path, leave: u64) -> PathBuf {
    let filler = dir.join("filler");
    let mut f = std::fs::File::create(&filler).expect("filler");
    use std::io::Write;
    let block = vec![0u8; 512];
    loop {
        // SAFETY: statvfs on a valid, NUL-terminated path with a zeroed out-buffer.
        let free = unsafe {
            let mut st: libc::statvfs = std::mem::zeroed();
            let p = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).expect("path");
            assert_eq!(libc::statvfs(p.as_ptr(), &mut st), 0);
            st.f_bavail * st.f_bsize
        };
        if free <= leave {
            break;
        }
        if f.write_all(&block).and_then(|()| f.sync_all()).is_err() {
            break;
        }
    }
    filler
}

#[test]
fn a_full_disk_refuses_protected_pushes_and_leaves_the_chain_whole() {
    const NAME: &str = "audit::a_full_disk_refuses_protected_pushes_and_leaves_the_chain_whole";
    if !is_root() {
        skip_or_fail(NAME, "needs root to mount a tmpfs");
        return;
    }
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let Some(fs) = Tmpfs::mount(s.server.dir.join("full"), "64k") else {
        skip_or_fail(NAME, "mount -t tmpfs is not permitted here");
        return;
    };
    let log = fs.dir.join("audit.jsonl");
    set_log(&s, &log);
    // 1. The disk is full before the log exists.
    let filler = fill(&fs.dir, 0);
    s.client.commit("First\n");
    let p = refused(&s, &["main"], "audit-unavailable");
    p.says("No space left on device");
    std::fs::remove_file(&filler).expect("rm");
    accepted(&s.client.push(&["main"]));
    // 2. The disk fills up with 100 bytes left in the log's last page, so a
    // record is written in part before the write fails: pad the last record
    // with JSON whitespace (still the same record to a JSON reader, and the
    // last one, so no hash refers to its bytes yet) to 100 bytes short of a
    // page boundary.
    let mut text = std::fs::read(&log).expect("log");
    text.pop();
    while (text.len() + 1) % 4096 != 4096 - 100 {
        text.push(b' ');
    }
    text.push(b'\n');
    std::fs::write(&log, &text).expect("pad");
    let before_log = std::fs::read(&log).expect("log");
    let filler = fill(&fs.dir, 0);
    s.client.commit("Second\n");
    let p = refused(&s, &["main"], "audit-unavailable");
    p.says("No space left on device");
    // The failed write left nothing behind: the log is as it was.
    assert_eq!(std::fs::read(&log).expect("log"), before_log);
    // Room again: the push goes through and the chain is whole.
    std::fs::remove_file(&filler).expect("rm");
    accepted(&s.client.push(&["main"]));
    let (code, out) = verify(&s, &log);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok, 2 record(s), chain intact"), "{out}");
    assert!(!out.contains("warning"), "{out}");
}

#[test]
fn a_record_torn_by_a_crash_is_skipped_not_glued_onto() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let log = s.server.audit_log();
    s.client.commit("Second\n");
    accepted(&s.client.push(&["main"]));
    // A crash (or kill) halfway through the next record's write.
    let text = std::fs::read(&log).expect("log");
    let last_start = text[..text.len() - 1]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let torn = [&text[..], &text[last_start..last_start + 40]].concat();
    std::fs::write(&log, &torn).expect("write");
    let (code, out) = verify(&s, &log);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(":3: warning: skipped, not a record: torn tail"),
        "{out}"
    );
    // The next push's record starts on a line of its own and chains on.
    s.client.commit("Third\n");
    accepted(&s.client.push(&["main"]));
    let (code, out) = verify(&s, &log);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok, 3 record(s), chain intact (1 torn line(s) skipped)"),
        "{out}"
    );
    // `audit show` reads every record but says it met an unreadable line.
    let (code, out) = cli(
        &s.server.dir,
        &["audit", "show", &log.display().to_string()],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unreadable record: line 3"), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.contains(" accepted ")).count(),
        3,
        "{out}"
    );
}

/// In a developer's clone there is no audit log: `audit show` and `verify`
/// say where it lives instead of "No such file".
#[test]
fn audit_commands_in_a_clone_say_where_the_log_lives() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    for cmd in ["show", "verify"] {
        let (code, out) = cli(&s.client.dir, &["audit", cmd]);
        assert_eq!(code, 2, "{out}");
        assert!(
            out.contains("this is a clone: the audit log lives on the server (origin: "),
            "{out}"
        );
        assert!(!out.contains("No such file"), "{out}");
    }
}
