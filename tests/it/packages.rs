//! The release artifacts `cargo xtask dist` writes to `dist/` (CI builds
//! them before the tests): the binaries are static; the tarball installs
//! without cargo; the `.deb` installs with dpkg, its `reviewgate install`
//! protects a repository, and removing it leaves the hooks enforcing (fail
//! closed, never open); the static hook judges a real push inside an empty
//! chroot, as GitHub Enterprise Server's hook environment would run it.
//! The `.deb` and chroot tests change the machine (dpkg, mknod) and run as
//! root only.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, ai_message, Server, REVIEW_ANN};

fn dist() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
    d.join("SHA256SUMS").exists().then_some(d)
}

fn artifact(dist: &Path, suffix: &str) -> PathBuf {
    std::fs::read_dir(dist)
        .expect("dist")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in dist/"))
}

/// The unpacked tarball's folder.
fn unpack(dist: &Path, into: &Path) -> PathBuf {
    let tarball = artifact(dist, "-x86_64-linux.tar.gz");
    let mut c = Command::new("tar");
    c.arg("xzf").arg(&tarball).arg("-C").arg(into);
    util::ok(c);
    std::fs::read_dir(into)
        .expect("unpacked")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir() && p.to_string_lossy().contains("reviewgate-"))
        .expect("the tarball's folder")
}

fn needs_dist(test: &str) -> Option<PathBuf> {
    let d = dist();
    if d.is_none() {
        util::skip_or_fail(test, "no dist/ (run `cargo xtask dist` first; CI does)");
    }
    d
}

fn needs_root(test: &str) -> bool {
    if !util::is_root() {
        util::skip_or_fail(test, "dpkg and chroot need root");
        return false;
    }
    true
}

/// A server with main (one human commit) and a client; the hooks are not
/// yet installed.
fn server(root: &Path) -> (Server, util::Client) {
    let server = Server::new(root, "srv.git", util::Hooks::None);
    let client = util::Client::new(root, "work", &server.url());
    client.commit("Initial commit\n");
    assert!(client.push(&["main"]).success);
    (server, client)
}

/// An AI-assisted commit is refused, then accepted once reviewed.
fn refused_then_accepted(client: &util::Client) {
    client.commit(&ai_message("Add parser", &[]));
    let p = client.push(&["main"]);
    assert!(!p.success, "{}", p.stderr);
    p.says("ai-unreviewed");
    client.amend_trailer(REVIEW_ANN);
    let p = client.push(&["main"]);
    assert!(p.success, "{}", p.stderr);
}

/// Every binary in the tarball is static (`ldd` says so), names its
/// version and commit, and `SHA256SUMS` checks.
#[test]
fn the_binaries_are_static_and_the_sums_check() {
    let Some(dist) = needs_dist("the_binaries_are_static_and_the_sums_check") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let top = unpack(&dist, tmp.path());
    for b in ["reviewgate", "reviewgate-pre-receive", "reviewgate-update"] {
        let out = util::run({
            let mut c = Command::new("ldd");
            c.arg(top.join(b));
            c
        });
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains("statically linked") || said.contains("not a dynamic executable"),
            "{b}: {said}"
        );
        let version = util::ok({
            let mut c = Command::new(top.join(b));
            c.arg("--version");
            c
        });
        assert!(
            version.contains(env!("CARGO_PKG_VERSION")) && version.contains("(commit "),
            "{b}: {version}"
        );
    }
    for f in [
        "install.sh",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "examples/reviewgate.toml",
        "examples/default-policy.toml",
        "docs/policy.md",
    ] {
        assert!(top.join(f).is_file(), "the tarball holds {f}");
    }
    let mut c = Command::new("sha256sum");
    c.args(["--check", "SHA256SUMS"]).current_dir(&dist);
    util::ok(c);
}

/// The unpacked tarball installs with no cargo on the PATH (install.sh
/// finds its binaries beside itself), and the hooks judge a real push.
#[test]
fn the_tarball_installs_without_cargo() {
    let Some(dist) = needs_dist("the_tarball_installs_without_cargo") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let top = unpack(&dist, tmp.path());
    let (server, client) = server(tmp.path());
    let bin_dir = tmp.path().join("libexec");
    let out = util::run({
        let mut c = Command::new(top.join("install.sh"));
        util::hermetic(&mut c, tmp.path());
        c.env("PATH", "/usr/bin:/bin")
            .arg(&server.dir)
            .arg("--bin-dir")
            .arg(&bin_dir);
        c
    });
    let (code, text) = util::code_and_text(&out);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("cargo build"), "nothing was built: {text}");
    assert!(bin_dir.join("reviewgate-pre-receive").is_file(), "{text}");
    refused_then_accepted(&client);
}

fn dpkg(args: &[&str]) -> String {
    let mut c = Command::new("dpkg");
    c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    util::ok(c)
}

/// `dpkg -i` puts `reviewgate` on the PATH and `reviewgate install REPO`
/// works right after; `dpkg -r` removes the package and the installed
/// hooks keep enforcing (they call their own copies); with the copies gone
/// too, a push is refused with the missing path named: never accepted.
#[test]
fn the_deb_installs_protects_and_removes_failing_closed() {
    let test = "the_deb_installs_protects_and_removes_failing_closed";
    let Some(dist) = needs_dist(test) else { return };
    if !needs_root(test) {
        return;
    }
    let deb = artifact(&dist, "_amd64.deb");
    dpkg(&["-i", deb.to_str().expect("utf-8")]);
    let version = util::ok({
        let mut c = Command::new("/usr/bin/reviewgate");
        c.arg("--version");
        c
    });
    assert!(version.contains(env!("CARGO_PKG_VERSION")), "{version}");
    assert!(Path::new("/usr/lib/reviewgate/reviewgate-pre-receive").is_file());
    assert!(Path::new("/usr/share/doc/reviewgate/README.md").is_file());
    let verify = util::ok({
        let mut c = Command::new("dpkg");
        c.args(["--verify", "reviewgate"]);
        c
    });
    assert_eq!(verify, "", "dpkg --verify: the files are as packaged");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (server, client) = server(tmp.path());
    let bin_dir = tmp.path().join("libexec");
    let out = util::run({
        let mut c = Command::new("reviewgate");
        util::hermetic(&mut c, tmp.path());
        c.env("PATH", "/usr/bin:/bin")
            .arg("install")
            .arg(&server.dir)
            .arg("--bin-dir")
            .arg(&bin_dir);
        c
    });
    let (code, text) = util::code_and_text(&out);
    dpkg_remove_on_failure(code == 0, &text);
    refused_then_accepted(&client);
    dpkg(&["-r", "reviewgate"]);
    assert!(!Path::new("/usr/bin/reviewgate").exists());
    client.commit(&ai_message("After removal", &[]));
    let p = client.push(&["main"]);
    assert!(!p.success, "still judged after dpkg -r: {}", p.stderr);
    p.says("ai-unreviewed");
    std::fs::remove_dir_all(&bin_dir).expect("remove the copies");
    let p = client.push(&["main"]);
    assert!(
        !p.success,
        "fails closed without its binaries: {}",
        p.stderr
    );
    p.says(&bin_dir.join("reviewgate-pre-receive").display().to_string());
}

fn dpkg_remove_on_failure(ok: bool, text: &str) {
    if !ok {
        let _ = Command::new("dpkg").args(["-r", "reviewgate"]).status();
        panic!("reviewgate install failed: {text}");
    }
}

/// A server with a push's objects on other refs: main, an unreviewed
/// AI-assisted commit on it, and the same commit reviewed (their ids).
fn pushed_objects(root: &Path) -> (Server, String, String, String) {
    let (server, client) = server(root);
    let main = server.rev("refs/heads/main").expect("main");
    let unreviewed = client.commit(&ai_message("Add parser", &[]));
    client.amend_trailer(REVIEW_ANN);
    let reviewed = client.head();
    // The objects reach the server, as a push's would, on other refs.
    let other = format!("{unreviewed}:refs/heads/other");
    assert!(client.push(&["HEAD:refs/heads/incoming", &other]).success);
    (server, main, unreviewed, reviewed)
}

/// A root holding only `files` (source, path inside), the repository at
/// `/repo.git` and `/dev/null`.
fn jail(root: &Path, repo: &Path, files: &[(PathBuf, &str)]) -> PathBuf {
    let jail = root.join("jail");
    std::fs::create_dir_all(jail.join("dev")).expect("mkdir");
    for (from, to) in files {
        let to = jail.join(to);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from, &to).expect("copy");
    }
    util::ok({
        let mut c = Command::new("cp");
        c.arg("-a").arg(repo).arg(jail.join("repo.git"));
        c
    });
    util::ok({
        let mut c = Command::new("mknod");
        c.args(["-m", "666"])
            .arg(jail.join("dev/null"))
            .args(["c", "1", "3"]);
        c
    });
    jail
}

/// Run `argv` in `jail` (chroot, an empty environment but `GIT_DIR`) with
/// a push line for main: exit code and output.
fn in_jail(jail: &Path, argv: &[&str], line: &str) -> (i32, String) {
    let mut c = Command::new("/usr/sbin/chroot");
    c.arg(jail)
        .args(argv)
        .env_clear()
        .env("GIT_DIR", "/repo.git");
    util::code_and_text(&util::feed(c, line.as_bytes()))
}

/// The static pre-receive hook alone in an empty root (the binary, the
/// repository, /dev/null): it refuses an unreviewed AI-assisted commit and
/// accepts a reviewed one, on a real push's input.
#[test]
fn the_static_hook_runs_in_an_empty_chroot() {
    let test = "the_static_hook_runs_in_an_empty_chroot";
    let Some(dist) = needs_dist(test) else { return };
    if !needs_root(test) {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let top = unpack(&dist, tmp.path());
    let (server, main, unreviewed, reviewed) = pushed_objects(tmp.path());
    let hook = (top.join("reviewgate-pre-receive"), "reviewgate-pre-receive");
    let jail = jail(tmp.path(), &server.dir, &[hook]);
    let argv = ["/reviewgate-pre-receive"];
    let (code, text) = in_jail(
        &jail,
        &argv,
        &format!("{main} {unreviewed} refs/heads/main\n"),
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("ai-unreviewed"), "{text}");
    let (code, text) = in_jail(
        &jail,
        &argv,
        &format!("{main} {reviewed} refs/heads/main\n"),
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        jail.join("repo.git/reviewgate/audit.jsonl").is_file(),
        "the audit log is written inside"
    );
}

/// The GitHub Enterprise Server hook environment the README builds: a
/// static busybox as /bin/sh, the binary in /usr/local/bin, the hook script
/// that calls it.
#[test]
fn the_ghes_hook_environment_of_the_readme_works() {
    let test = "the_ghes_hook_environment_of_the_readme_works";
    let Some(dist) = needs_dist(test) else { return };
    if !needs_root(test) {
        return;
    }
    let busybox = Path::new("/bin/busybox");
    if !busybox.is_file() {
        util::skip_or_fail(test, "no /bin/busybox (Debian's busybox-static)");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let top = unpack(&dist, tmp.path());
    let (server, main, unreviewed, _) = pushed_objects(tmp.path());
    let script = tmp.path().join("reviewgate.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nexec /usr/local/bin/reviewgate-pre-receive\n",
    )
    .expect("script");
    let files = [
        (busybox.to_path_buf(), "bin/busybox"),
        (
            top.join("reviewgate-pre-receive"),
            "usr/local/bin/reviewgate-pre-receive",
        ),
        (script, "reviewgate.sh"),
    ];
    let jail = jail(tmp.path(), &server.dir, &files);
    std::os::unix::fs::symlink("busybox", jail.join("bin/sh")).expect("sh");
    let line = format!("{main} {unreviewed} refs/heads/main\n");
    let (code, text) = in_jail(&jail, &["/bin/sh", "/reviewgate.sh"], &line);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("ai-unreviewed"), "{text}");
}
