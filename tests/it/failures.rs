//! Error paths of the hooks: each gives a clear message and the documented
//! exit code, and protected updates fail closed.

use crate::util::*;

/// Run a hook binary in `repo` with `stdin` (pre-receive) or `args` (update).
fn hook(bin: &str, repo: &std::path::Path, stdin: &[u8], args: &[&str]) -> (i32, String) {
    run_hook(bin, repo, stdin, args, &[])
}

const ZERO: &str = "0000000000000000000000000000000000000000";

/// Overwrite a read-only git object file with `bytes`.
fn garble(path: &std::path::Path, bytes: &[u8]) {
    let mut perms = std::fs::metadata(path).expect("object file").permissions();
    #[expect(
        clippy::permissions_set_readonly_false,
        reason = "the test garbles git's objects"
    )]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).expect("chmod");
    std::fs::write(path, bytes).expect("garble");
}

#[test]
fn malformed_and_empty_input_reject_with_exit_2() {
    let s = Setup::with_main(Transport::Path, Hooks::None);
    let main = s.server.rev("refs/heads/main").expect("main");
    for stdin in [
        "".to_string(),
        "garbage\n".to_string(),
        format!("{main} {main}\n"),
        format!("{main} {main} refs/heads/main trailing\n"),
        format!("{} {main} refs/heads/main\n", &main[..20]),
    ] {
        let (code, out) = hook(PRE_RECEIVE, &s.server.dir, stdin.as_bytes(), &[]);
        assert_eq!(code, 2, "{stdin:?}: {out}");
        assert!(
            out.contains("error[internal-error]") && out.contains("fail closed"),
            "{out}"
        );
        assert!(!out.contains("panicked"), "{out}");
    }
    // Input cut off mid-line (stdin closed early).
    let (code, out) = hook(PRE_RECEIVE, &s.server.dir, &main.as_bytes()[..30], &[]);
    assert_eq!(code, 2, "{out}");
    // The update hook with the wrong number of arguments.
    let (code, out) = hook(UPDATE, &s.server.dir, b"", &["refs/heads/main"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("expected 3 arguments"), "{out}");
}

#[test]
fn missing_objects_fail_closed_on_protected_refs_only() {
    let s = Setup::with_main(Transport::Path, Hooks::None);
    let main = s.server.rev("refs/heads/main").expect("main");
    let ghost = "1234567890123456789012345678901234567890";
    let (code, out) = hook(
        PRE_RECEIVE,
        &s.server.dir,
        format!("{main} {ghost} refs/heads/main\n").as_bytes(),
        &[],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("error[internal-error]") && out.contains(ghost),
        "{out}"
    );
    // An unprotected ref is not the hook's business (git checks connectivity itself).
    let (code, out) = hook(
        PRE_RECEIVE,
        &s.server.dir,
        format!("{ZERO} {ghost} refs/heads/feature\n").as_bytes(),
        &[],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn unreadable_pinned_policy_fails_closed_with_exit_78() {
    let s = Setup::with_main(Transport::Path, Hooks::None);
    s.server
        .config("reviewgate.policy", "/nonexistent/policy.toml");
    let main = s.server.rev("refs/heads/main").expect("main");
    let (code, out) = hook(
        PRE_RECEIVE,
        &s.server.dir,
        format!("{main} {main} refs/heads/feature\n").as_bytes(),
        &[],
    );
    assert_eq!(code, 78, "{out}");
    assert!(
        out.contains("error[policy-invalid]") && out.contains("/nonexistent/policy.toml"),
        "{out}"
    );
}

#[test]
fn not_a_repository_rejects_with_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, out) = hook(
        PRE_RECEIVE,
        dir.path(),
        format!("{ZERO} {} refs/heads/main\n", "1".repeat(40)).as_bytes(),
        &[],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot open the repository"), "{out}");
}

#[test]
fn corrupt_object_fails_closed() {
    let s = Setup::with_main(Transport::Path, Hooks::None);
    let before = s.server.rev("refs/heads/main").expect("main");
    // A new loose commit on the server, then its object file garbled.
    s.client.commit(&ai_message("AI", &[REVIEW_ANN]));
    s.server.config("receive.unpackLimit", "1000");
    assert!(s.client.push(&["main:refs/heads/incoming"]).success);
    let new = s.server.rev("refs/heads/incoming").expect("incoming");
    let path = s.server.dir.join("objects").join(&new[..2]).join(&new[2..]);
    garble(&path, b"this is not zlib data");
    let (code, out) = hook(
        PRE_RECEIVE,
        &s.server.dir,
        format!("{before} {new} refs/heads/main\n").as_bytes(),
        &[],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("error[internal-error]"), "{out}");
    assert!(!out.contains("panicked"), "{out}");
}

#[test]
fn corrupt_pack_fails_closed() {
    let s = Setup::with_main(Transport::Path, Hooks::None);
    s.client.commit(&ai_message("AI", &[REVIEW_ANN]));
    assert!(s.client.push(&["main:refs/heads/incoming"]).success);
    s.server.git_ok(&["repack", "-adq"]);
    let before = s.server.rev("refs/heads/main").expect("main");
    let new = s.server.rev("refs/heads/incoming").expect("incoming");
    let pack = std::fs::read_dir(s.server.dir.join("objects/pack"))
        .expect("pack dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .expect("a pack");
    let mut bytes = std::fs::read(&pack).expect("read pack");
    // Keep the header, garble every object after it.
    for b in bytes.iter_mut().skip(12) {
        *b ^= 0x5a;
    }
    garble(&pack, &bytes);
    let (code, out) = hook(
        PRE_RECEIVE,
        &s.server.dir,
        format!("{before} {new} refs/heads/main\n").as_bytes(),
        &[],
    );
    // Either the trusted policy or the commits cannot be read: rejected, with a message.
    assert!(code == 2 || code == 78, "exit {code}: {out}");
    assert!(
        out.contains("error[internal-error]") || out.contains("error[policy-invalid]"),
        "{out}"
    );
    assert!(!out.contains("panicked"), "{out}");
}
