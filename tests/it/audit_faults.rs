//! Issue 11, item 3: the audit log under faults. A real full filesystem (a
//! small tmpfs, when running as root), a crash mid-write, and logs that are
//! not regular files; every case by real pushes, asserting the decision, that
//! no ref moved, and what `reviewgate audit verify` and `show` say.

use std::path::{Path, PathBuf};

use crate::util::*;

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
    const NAME: &str =
        "audit_faults::a_full_disk_refuses_protected_pushes_and_leaves_the_chain_whole";
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
