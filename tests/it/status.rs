//! `reviewgate status`: what an administrator asks first about a server
//! repository, and which repositories under a forge's root are unprotected;
//! `--version` on every binary names the version and the commit.

use std::path::Path;
use std::process::Command;

use crate::util::*;

fn reviewgate(root: &Path, args: &[&str]) -> (i32, String) {
    let mut c = Command::new(CLI);
    hermetic(&mut c, root);
    c.current_dir(root).args(args);
    code_and_text(&run(c))
}

fn install(root: &Path, repo: &Path) {
    let (code, out) = reviewgate(
        root,
        &[
            "install",
            "--bin-dir",
            root.join("bin").to_str().expect("utf8"),
            repo.to_str().expect("utf8"),
        ],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn every_binary_names_its_version_and_commit() {
    for bin in [CLI, PRE_RECEIVE, UPDATE] {
        let out = Command::new(bin).arg("--version").output().expect("run");
        assert!(out.status.success(), "{bin}");
        let text = String::from_utf8_lossy(&out.stdout);
        let name = Path::new(bin).file_name().expect("name").to_string_lossy();
        let want = format!("{name} {} (commit ", env!("CARGO_PKG_VERSION"));
        assert!(text.starts_with(&want), "{text}");
        assert!(!text.contains("push rejected"), "{text}");
    }
}

#[test]
fn status_says_what_is_in_effect() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let repo = srv.dir.to_str().expect("utf8");
    // Before the install: unprotected, and said so (exit 1).
    let (code, out) = reviewgate(root.path(), &["status", repo]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("enforced by:   NONE: unprotected"), "{out}");
    assert!(
        out.contains("problem: no hook of ours runs on a push"),
        "{out}"
    );
    install(root.path(), &srv.dir);
    srv.config("reviewgate.baseline", &"a".repeat(40));
    let (code, out) = reviewgate(root.path(), &["status", repo]);
    for want in [
        "enforced by:   pre-receive",
        "(reviewgate pre-receive, executable: yes)",
        "HEAD:          refs/heads/main (does not exist yet)",
        "policy:        built-in default (sha256 ",
        "push options:  on",
        &format!("baseline:      {}", "a".repeat(40)),
        "audit log:     ",
        "not yet written",
        "problem: HEAD names refs/heads/main, which does not exist yet",
    ] {
        assert!(out.contains(want), "wanted {want:?} in:\n{out}");
    }
    assert_eq!(code, 1, "{out}");
    // After a push: HEAD exists, the audit log has its first record.
    srv.git_ok(&["config", "--unset", "reviewgate.baseline"]);
    let client = Client::new(root.path(), "work", repo);
    client.commit("Start\n");
    accepted(&client.push(&["main"]));
    let (code, out) = reviewgate(root.path(), &["status", "--json", repo]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["enforced_by"], serde_json::json!(["pre-receive"]), "{v}");
    assert_eq!(v["head"], "refs/heads/main");
    assert_eq!(v["head_exists"], true);
    assert_eq!(v["policy"]["source"], "built-in default");
    assert_eq!(v["audit"]["records"], 1, "{v}");
    let head = v["audit"]["head"].as_str().expect("head");
    let (_, verify) = reviewgate(root.path(), &["audit", "verify", repo]);
    assert!(verify.contains(head), "{verify}");
    assert_eq!(v["problems"], serde_json::json!([]));
    // A wrapper whose binary is gone is a problem, not protection.
    std::fs::remove_file(root.path().join("bin/reviewgate-pre-receive")).expect("rm");
    let (code, out) = reviewgate(root.path(), &["status", repo]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("NONE: unprotected"), "{out}");
    assert!(out.contains("which is missing or not executable"), "{out}");
}

/// A forge's repository root: the ones created without the hooks (in the
/// web UI, say) are listed as unprotected, and the exit code says so.
#[test]
fn status_all_finds_the_unprotected_repositories() {
    let root = tempfile::tempdir().expect("tmp");
    let repos = root.path().join("repositories");
    std::fs::create_dir_all(repos.join("ann")).expect("mkdir");
    let guarded = Server::new(&repos.join("ann"), "guarded.git", Hooks::None);
    let _open = Server::new(&repos.join("ann"), "created-in-the-ui.git", Hooks::None);
    install(root.path(), &guarded.dir);
    // A developer's clone under the same folder is not a server repository.
    let _clone = Client::new(&repos, "someones-clone", &guarded.url());
    let dir = repos.to_str().expect("utf8");
    let (code, out) = reviewgate(root.path(), &["status", "--all", dir]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNPROTECTED "), "{out}");
    assert!(
        out.contains("created-in-the-ui.git (plain; built-in default)"),
        "{out}"
    );
    assert!(out.contains("protected   "), "{out}");
    assert!(out.contains("2 repositories, 1 unprotected"), "{out}");
    assert!(!out.contains("someones-clone"), "{out}");
    install(root.path(), &repos.join("ann/created-in-the-ui.git"));
    let (code, out) = reviewgate(root.path(), &["status", "--all", dir, "--json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        v.as_array()
            .expect("rows")
            .iter()
            .all(|r| r["protected"] == true),
        "{v}"
    );
}
