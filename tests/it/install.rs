//! install.sh into every layout, then real pushes through what it installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

fn install_sh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh")
}

fn bin_src() -> PathBuf {
    Path::new(PRE_RECEIVE)
        .parent()
        .expect("bin dir")
        .to_path_buf()
}

/// Run install.sh with the test binaries (no build) into `bin_dir`.
fn install(root: &Path, args: &[&str]) -> (bool, String) {
    install_env(root, root, &[], args)
}

/// [`install`] with `HOME` at `home` and extra environment.
fn install_env(root: &Path, home: &Path, env: &[(&str, &Path)], args: &[&str]) -> (bool, String) {
    let mut c = Command::new("bash");
    hermetic(&mut c, home);
    for (k, v) in env {
        c.env(k, v);
    }
    c.arg(install_sh())
        .arg("--from")
        .arg(bin_src())
        .arg("--bin-dir")
        .arg(root.join("bin"))
        .args(args);
    let (code, text) = code_and_text(&run(c));
    (code == 0, text)
}

fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("rel").display().to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

fn push_ai_and_human(root: &Path, srv: &Path) {
    let client = Client::new(root, "work", &srv.display().to_string());
    client.commit("Initial\n");
    let p = client.push(&["main"]);
    assert!(p.success, "{}", p.stderr);
    client.commit(&ai_message("AI work", &[]));
    let p = client.push(&["main"]);
    assert!(!p.success, "{}", p.stderr);
    p.says("error[ai-unreviewed]");
}

#[test]
fn plain_install_is_idempotent_and_uninstalls() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let before = tree(&srv.dir);
    let (ok1, out) = install(root.path(), &[srv.dir.to_str().expect("utf8")]);
    assert!(ok1, "{out}");
    assert!(out.contains("layout plain"), "{out}");
    assert!(out.contains("receive.advertisePushOptions"), "{out}");
    let once = tree(&srv.dir);
    let (ok2, out2) = install(root.path(), &[srv.dir.to_str().expect("utf8")]);
    assert!(ok2, "{out2}");
    assert!(out2.contains("unchanged"), "{out2}");
    assert_eq!(tree(&srv.dir), once, "second run changes nothing");
    let hook = std::fs::read_to_string(srv.dir.join("hooks/pre-receive")).expect("hook");
    assert!(hook.contains(
        &root
            .path()
            .join("bin/reviewgate-pre-receive")
            .display()
            .to_string()
    ));
    push_ai_and_human(root.path(), &srv.dir);
    // Uninstall restores the repository's hooks and config as they were.
    let (ok3, out3) = install(
        root.path(),
        &["--uninstall", srv.dir.to_str().expect("utf8")],
    );
    assert!(ok3, "{out3}");
    // What it kept, it says.
    assert!(out3.contains("kept: the audit log "), "{out3}");
    assert!(out3.contains("kept: the binaries"), "{out3}");
    let mut after = tree(&srv.dir);
    let mut before_cfg = before.clone();
    // Pushes changed refs/objects/logs; compare hooks and config only.
    let keep =
        |v: &mut Vec<(String, String)>| v.retain(|(p, _)| p.starts_with("hooks/") || p == "config");
    keep(&mut after);
    keep(&mut before_cfg);
    assert_eq!(after, before_cfg);
}

#[test]
fn foreign_hook_refused_without_chain_and_chained_with_it() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let foreign = "#!/bin/sh\n# site policy\nwhile read old new ref; do\n  case \"$ref\" in refs/heads/blocked) echo 'site: blocked branch' >&2; exit 1;; esac\ndone\nexit 0\n";
    let hook = srv.dir.join("hooks/pre-receive");
    std::fs::write(&hook, foreign).expect("write");
    let mut perms = std::fs::metadata(&hook).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&hook, perms).expect("chmod");

    let (ok1, out) = install(root.path(), &[srv.dir.to_str().expect("utf8")]);
    assert!(!ok1, "must refuse: {out}");
    assert!(out.contains("--chain"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&hook).expect("hook"),
        foreign,
        "untouched"
    );

    let (ok2, out2) = install(root.path(), &["--chain", srv.dir.to_str().expect("utf8")]);
    assert!(ok2, "{out2}");
    // Both run: theirs rejects its branch, ours rejects unreviewed AI work.
    let client = Client::new(root.path(), "work", &srv.url());
    client.commit("Initial\n");
    assert!(client.push(&["main"]).success);
    let p = client.push(&["main:refs/heads/blocked"]);
    assert!(
        !p.success && p.stderr.contains("site: blocked branch"),
        "{}",
        p.stderr
    );
    client.commit(&ai_message("AI work", &[]));
    let p = client.push(&["main"]);
    assert!(
        !p.success && p.stderr.contains("error[ai-unreviewed]"),
        "{}",
        p.stderr
    );
    // Idempotent with the chain in place.
    let (ok3, out3) = install(root.path(), &["--chain", srv.dir.to_str().expect("utf8")]);
    assert!(ok3 && out3.contains("unchanged"), "{out3}");
    // Uninstall restores the foreign hook.
    let (ok4, out4) = install(
        root.path(),
        &["--uninstall", srv.dir.to_str().expect("utf8")],
    );
    assert!(ok4, "{out4}");
    assert_eq!(std::fs::read_to_string(&hook).expect("hook"), foreign);
}

/// Gitea's wrapper: it runs every executable in `pre-receive.d/`.
const GITEA_WRAPPER: &str = "#!/usr/bin/env bash\n# gitea hook wrapper\ndata=$(cat)\nexitcodes=\"\"\nhookname=$(basename $0)\nGIT_DIR=${GIT_DIR:-$(dirname $0)/..}\nfor hook in ${GIT_DIR}/hooks/${hookname}.d/*; do\n  test -x \"${hook}\" && test -f \"${hook}\" || continue\n  echo \"${data}\" | \"${hook}\"\n  exitcodes=\"${exitcodes} $?\"\ndone\nfor i in ${exitcodes}; do\n  [ ${i} -eq 0 ] || exit ${i}\ndone\n";

/// A repository as Gitea creates it: its wrapper and its own check.
fn gitea_repository(parent: &Path, name: &str) -> Server {
    std::fs::create_dir_all(parent).expect("mkdir");
    let srv = Server::new(parent, name, Hooks::None);
    let hooks = srv.dir.join("hooks");
    std::fs::create_dir_all(hooks.join("pre-receive.d")).expect("mkdir");
    write_exec(&hooks.join("pre-receive"), GITEA_WRAPPER);
    write_exec(&hooks.join("pre-receive.d/gitea"), "#!/bin/sh\nexit 0\n");
    srv
}

#[test]
fn gitea_layout_installs_beside_the_wrapper() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = gitea_repository(root.path(), "srv.git");
    let hooks = srv.dir.join("hooks");
    let wrapper = GITEA_WRAPPER;
    let (ok1, out) = install(root.path(), &[srv.dir.to_str().expect("utf8")]);
    assert!(ok1, "{out}");
    assert!(out.contains("layout gitea"), "{out}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-receive")).expect("w"),
        wrapper,
        "wrapper untouched"
    );
    assert!(hooks.join("pre-receive.d/reviewgate").exists());
    push_ai_and_human(root.path(), &srv.dir);
    let (ok2, _) = install(
        root.path(),
        &["--uninstall", srv.dir.to_str().expect("utf8")],
    );
    assert!(ok2);
    assert!(!hooks.join("pre-receive.d/reviewgate").exists());
    assert!(hooks.join("pre-receive.d/gitea").exists());
}

#[test]
fn gitlab_layout_uses_custom_hooks() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let (ok1, out) = install(
        root.path(),
        &["--layout", "gitlab", srv.dir.to_str().expect("utf8")],
    );
    assert!(ok1, "{out}");
    let ours = srv.dir.join("custom_hooks/pre-receive.d/reviewgate");
    assert!(ours.exists(), "{out}");
    assert!(
        !srv.dir.join("hooks/pre-receive").exists(),
        "GitLab owns hooks/"
    );
    // Detected on a second run from the custom_hooks folder.
    let (ok2, out2) = install(root.path(), &[srv.dir.to_str().expect("utf8")]);
    assert!(
        ok2 && out2.contains("layout gitlab") && out2.contains("unchanged"),
        "{out2}"
    );
    // Gitaly runs custom_hooks/pre-receive.d/* with the push on stdin; do the same.
    let client = Client::new(root.path(), "work", &srv.url());
    client.commit("Initial\n");
    let head = client.head();
    let mut c = Command::new(&ours);
    hermetic(&mut c, root.path());
    c.current_dir(&srv.dir)
        .env("GIT_DIR", ".")
        .env("GL_USERNAME", "ann")
        .stdin(std::process::Stdio::piped());
    // The commit is not on the server yet: push objects without hooks first.
    srv.install(Hooks::None);
    assert!(client.push(&["main:refs/heads/incoming"]).success);
    let mut child = c.spawn().expect("spawn");
    use std::io::Write;
    writeln!(
        child.stdin.take().expect("stdin"),
        "{} {head} refs/heads/main",
        "0".repeat(40)
    )
    .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok3, _) = install(
        root.path(),
        &["--uninstall", srv.dir.to_str().expect("utf8")],
    );
    assert!(ok3 && !ours.exists());
}

#[test]
fn gitolite_layout_leaves_update_alone() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let update = srv.dir.join("hooks/update");
    std::fs::write(&update, "#!/bin/sh\n# gitolite update hook\nexit 0\n").expect("write");
    let mut perms = std::fs::metadata(&update).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&update, perms).expect("chmod");
    let (ok1, out) = install(
        root.path(),
        &["--with-update", srv.dir.to_str().expect("utf8")],
    );
    assert!(ok1, "{out}");
    assert!(out.contains("layout gitolite"), "{out}");
    assert!(
        std::fs::read_to_string(&update)
            .expect("u")
            .contains("gitolite"),
        "update untouched"
    );
    push_ai_and_human(root.path(), &srv.dir);
}

#[test]
fn dry_run_changes_nothing() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let before = tree(&srv.dir);
    let (ok1, out) = install(root.path(), &["--dry-run", srv.dir.to_str().expect("utf8")]);
    assert!(ok1, "{out}");
    assert!(out.contains("would write"), "{out}");
    assert_eq!(tree(&srv.dir), before);
    assert!(!root.path().join("bin").exists());
}

#[test]
fn demo_runs_non_interactively() {
    let root = tempfile::tempdir().expect("tmp");
    let mut c = Command::new("bash");
    hermetic(&mut c, root.path());
    c.arg(install_sh())
        .arg("--demo")
        .arg("--from")
        .arg(bin_src())
        .env("TMPDIR", root.path())
        .stdin(std::process::Stdio::null());
    let out = run(c);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("error[ai-unreviewed]"), "{text}");
    assert!(text.contains("pre-receive hook declined"), "{text}");
    assert!(text.contains("error[force-push]"), "{text}");
    assert!(text.matches("main -> main").count() >= 3, "{text}");
    assert!(text.contains("Sandbox: "), "{text}");
    // Commands are printed as they can be pasted.
    assert!(
        text.contains(
            "$ git commit -q --amend --no-edit --trailer 'Reviewed-by: Ann Lee <ann@example.com>'"
        ),
        "{text}"
    );
}

// --- The installer fails closed ----------------------------

fn write_exec(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
    let mut perms = std::fs::metadata(path).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(path, perms).expect("chmod");
}

/// A foreign pre-receive that records what it was given, chained by install.sh.
fn chained_server(root: &Path) -> (Server, PathBuf) {
    let srv = Server::new(root, "srv.git", Hooks::None);
    let saw = root.join("foreign-saw");
    write_exec(
        &srv.dir.join("hooks/pre-receive"),
        &format!(
            "#!/bin/sh\necho ran >> '{0}'\ncat >> '{0}'\nexit 0\n",
            saw.display()
        ),
    );
    let (ok_, out) = install(root, &["--chain", srv.dir.to_str().expect("utf8")]);
    assert!(ok_, "{out}");
    (srv, saw)
}

#[test]
fn the_chain_wrapper_refuses_when_it_cannot_keep_the_ref_list() {
    let root = tempfile::tempdir().expect("tmp");
    let (srv, saw) = chained_server(root.path());
    let mut client = Client::new(root.path(), "work", &srv.url());
    client.commit("Initial\n");
    // A $TMPDIR the wrapper cannot use (missing; as root, also a full one).
    let mut tmpdirs = vec![root.path().join("no-such-dir")];
    let full = root.path().join("full-tmp");
    // SAFETY: geteuid has no preconditions.
    let mounted = unsafe { libc::geteuid() } == 0 && {
        std::fs::create_dir_all(&full).expect("mkdir");
        let ok_ = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4k", "tmpfs"])
            .arg(&full)
            .status()
            .is_ok_and(|s| s.success());
        if ok_ {
            // Fill it: the temporary file can be created, the refs not written.
            let _ = std::fs::write(full.join("filler"), vec![0u8; 8192]);
        }
        ok_
    };
    if mounted {
        tmpdirs.push(full.clone());
    } else {
        skip_or_fail(
            "install::the_chain_wrapper_refuses_when_it_cannot_keep_the_ref_list (full $TMPDIR)",
            "needs root to mount a full tmpfs",
        );
    }
    for dir in &tmpdirs {
        client.env = vec![("TMPDIR".into(), dir.display().to_string())];
        let p = client.push(&["main"]);
        assert!(!p.success, "{}", p.stderr);
        p.says("push refused");
        assert!(
            !saw.exists(),
            "the chained hook ran on a ref list it should never see"
        );
        assert_eq!(srv.rev("refs/heads/main"), None);
    }
    if mounted {
        let _ = std::process::Command::new("umount").arg(&full).status();
    }
    client.env.clear();
    assert!(client.push(&["main"]).success);
    let saw_text = std::fs::read_to_string(&saw).expect("saw");
    assert_eq!(saw_text.lines().count(), 2, "{saw_text}");
    assert!(saw_text.ends_with(" refs/heads/main\n"), "{saw_text}");
}

#[test]
fn bin_dir_paths_with_any_safe_character_work_and_quotes_are_refused() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let odd = root.path().join("bin dir $HOME `id` \"q\" ;&|*");
    let mut c = Command::new("bash");
    hermetic(&mut c, root.path());
    c.arg(install_sh())
        .arg("--from")
        .arg(bin_src())
        .arg("--bin-dir")
        .arg(&odd)
        .arg(&srv.dir);
    let out = run(c);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The hook runs our binary through that path: an AI commit is judged.
    push_ai_and_human(root.path(), &srv.dir);
    for bad in ["with'quote", "with\nnewline"] {
        let (ok_, out) = {
            let mut c = Command::new("bash");
            hermetic(&mut c, root.path());
            c.arg(install_sh())
                .arg("--from")
                .arg(bin_src())
                .arg("--bin-dir")
                .arg(root.path().join(bad))
                .arg(&srv.dir);
            let o = run(c);
            (
                o.status.success(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        };
        assert!(!ok_, "{bad:?} must be refused");
        assert!(out.contains("a path must not contain"), "{out}");
    }
}

#[test]
fn uninstall_keeps_an_edited_wrapper_as_found() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let repo = srv.dir.to_str().expect("utf8");
    let (ok_, out) = install(root.path(), &[repo]);
    assert!(ok_, "{out}");
    let hook = srv.dir.join("hooks/pre-receive");
    let edited = std::fs::read_to_string(&hook).expect("hook") + "# a local tweak\n";
    std::fs::write(&hook, &edited).expect("edit");
    let (ok_, out) = install(root.path(), &["--uninstall", repo]);
    assert!(ok_, "{out}");
    assert!(out.contains("was edited after install"), "{out}");
    assert!(!hook.exists());
    assert_eq!(
        std::fs::read_to_string(srv.dir.join("hooks/pre-receive.reviewgate-edited")).expect("kept"),
        edited
    );
    // An unedited one is simply removed.
    let (ok_, _) = install(root.path(), &[repo]);
    assert!(ok_);
    let (ok_, out) = install(root.path(), &["--uninstall", repo]);
    assert!(ok_ && out.contains("removed"), "{out}");
    assert!(!hook.exists());
}

#[test]
fn another_layout_replaces_our_hook_instead_of_adding_a_copy() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let repo = srv.dir.to_str().expect("utf8");
    let (ok_, out) = install(root.path(), &["--layout", "plain", repo]);
    assert!(ok_, "{out}");
    // Later, the administrator learns this is a Gitea repository.
    let (ok_, out) = install(root.path(), &["--layout", "gitea", repo]);
    assert!(ok_, "{out}");
    assert!(out.contains("moving our hook out of"), "{out}");
    assert!(!srv.dir.join("hooks/pre-receive").exists());
    assert!(srv.dir.join("hooks/pre-receive.d/reviewgate").exists());
    // Gitea's wrapper runs pre-receive.d/*; stand one in for it.
    write_exec(
        &srv.dir.join("hooks/pre-receive"),
        "#!/bin/sh\n# gitea\ndata=$(cat)\nfor h in \"$(dirname \"$0\")\"/pre-receive.d/*; do printf '%s\\n' \"$data\" | \"$h\" || exit $?; done\n",
    );
    let client = Client::new(root.path(), "work", &srv.url());
    client.commit("Initial\n");
    assert!(client.push(&["main"]).success);
    client.commit(&ai_message("AI work", &[]));
    let p = client.push(&["main"]);
    assert!(!p.success, "{}", p.stderr);
    assert_eq!(
        p.stderr.matches("error[ai-unreviewed]").count(),
        1,
        "judged once:\n{}",
        p.stderr
    );
}

#[test]
fn a_custom_hooks_file_is_a_clear_error() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    std::fs::write(srv.dir.join("custom_hooks"), "not a directory").expect("write");
    let (ok_, out) = install(
        root.path(),
        &["--layout", "gitlab", srv.dir.to_str().expect("utf8")],
    );
    assert!(!ok_);
    assert!(
        out.contains("custom_hooks exists and is not a directory"),
        "{out}"
    );
    assert!(
        !out.contains("Not a directory"),
        "no raw shell error: {out}"
    );
}

// --- An administrator's first hour ---------------------------------

#[test]
fn every_repository_is_checked_first_and_a_failure_does_not_stop_the_others() {
    let root = tempfile::tempdir().expect("tmp");
    let good = Server::new(root.path(), "good.git", Hooks::None);
    let foreign = Server::new(root.path(), "foreign.git", Hooks::None);
    write_exec(
        &foreign.dir.join("hooks/pre-receive"),
        "#!/bin/sh\nexit 0\n",
    );
    let not_git = root.path().join("not-git");
    std::fs::create_dir_all(&not_git).expect("mkdir");
    let missing = root.path().join("missing.git");
    let args: Vec<&str> = [&good.dir, &foreign.dir, &not_git, &missing]
        .iter()
        .map(|p| p.to_str().expect("utf8"))
        .collect();
    let (ok_, out) = install(root.path(), &args);
    assert!(!ok_, "a failed repository fails the run:\n{out}");
    for expected in [
        &format!("done: {}", good.dir.display()),
        &format!(
            "FAILED: {}: {}/hooks/pre-receive exists and is not reviewgate's",
            foreign.dir.display(),
            foreign.dir.display()
        ),
        &format!("FAILED: {}: not a git repository", not_git.display()),
        &format!("FAILED: {}: no such directory", missing.display()),
    ] {
        assert!(out.contains(expected.as_str()), "{expected}\n{out}");
    }
    assert!(
        !out.contains("No such file") && !out.contains("line "),
        "no raw shell errors:\n{out}"
    );
    assert!(good.dir.join("hooks/pre-receive").exists());
    assert!(
        !std::fs::read_to_string(foreign.dir.join("hooks/pre-receive"))
            .expect("theirs")
            .contains("reviewgate")
    );
    push_ai_and_human(root.path(), &good.dir);
    // Nothing to install into: nothing is built or copied.
    let root2 = tempfile::tempdir().expect("tmp");
    let (ok_, out) = install(root2.path(), &[missing.to_str().expect("utf8")]);
    assert!(!ok_, "{out}");
    assert!(!root2.path().join("bin").exists(), "{out}");
    // The exit codes the README gives: 1 some failed (the others were
    // done), 2 nothing was done.
    let missing = missing.to_str().expect("utf8");
    let (code, out) = reviewgate_install(root2.path(), &[missing]);
    assert_eq!(code, 2, "{out}");
    let (code, out) =
        reviewgate_install(root2.path(), &[good.dir.to_str().expect("utf8"), missing]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn a_dry_run_prints_the_real_commands_in_the_future_tense() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let repo = srv.dir.to_str().expect("utf8");
    let (ok_, out) = install(
        root.path(),
        &["--dry-run", "--default-branch", "trunk", repo],
    );
    assert!(ok_, "{out}");
    assert!(
        out.contains(&format!(
            "would run: git -C {repo} config receive.advertisePushOptions true"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "would run: git -C {repo} symbolic-ref HEAD refs/heads/trunk"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("would write {repo}/hooks/pre-receive")),
        "{out}"
    );
    for past in [
        "wrote ",
        "removed ",
        "restored ",
        "\ninstall.sh: set ",
        "installed ",
    ] {
        assert!(!out.contains(past), "{past:?} in a dry run:\n{out}");
    }
    assert!(out.contains("dry run: nothing was changed"), "{out}");
    // Uninstall in a dry run says what it would remove.
    let (ok_, _) = install(root.path(), &[repo]);
    assert!(ok_);
    let (ok_, out) = install(root.path(), &["--dry-run", "--uninstall", repo]);
    assert!(ok_, "{out}");
    assert!(
        out.contains(&format!("would remove {repo}/hooks/pre-receive")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "would run: git -C {repo} config --unset receive.advertisePushOptions"
        )),
        "{out}"
    );
}

#[test]
fn uninstall_says_when_there_is_nothing_and_removes_folders_it_emptied() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let repo = srv.dir.to_str().expect("utf8");
    let (ok_, out) = install(root.path(), &["--uninstall", repo]);
    assert!(ok_, "{out}");
    assert!(out.contains("nothing to remove"), "{out}");
    let (ok_, out) = install(root.path(), &["--layout", "gitlab", "--with-update", repo]);
    assert!(ok_, "{out}");
    assert!(
        out.contains(&format!(
            "layout gitlab: hooks go in {repo}/custom_hooks/pre-receive.d"
        )),
        "{out}"
    );
    assert!(
        srv.dir.join("custom_hooks/update.d/reviewgate").exists(),
        "{out}"
    );
    let (ok_, out) = install(root.path(), &["--uninstall", repo]);
    assert!(ok_, "{out}");
    assert!(
        !srv.dir.join("custom_hooks").exists(),
        "emptied folders go:\n{out}"
    );
}

#[test]
fn with_update_on_gitolite_says_it_is_ignored() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let (ok_, out) = install(
        root.path(),
        &[
            "--layout",
            "gitolite",
            "--with-update",
            srv.dir.to_str().expect("utf8"),
        ],
    );
    assert!(ok_, "{out}");
    assert!(
        out.contains("--with-update ignored: gitolite owns the update hook"),
        "{out}"
    );
    assert!(!srv.dir.join("hooks/update").exists());
}

#[test]
fn a_head_naming_a_missing_branch_is_said_and_default_branch_fixes_it() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let client = Client::new(root.path(), "work", &srv.url());
    client.commit("Initial\n");
    assert!(client.push(&["main"]).success);
    let mut c = srv.git();
    c.args(["symbolic-ref", "HEAD", "refs/heads/master"]);
    ok(c);
    let repo = srv.dir.to_str().expect("utf8");
    let (ok_, out) = install(root.path(), &[repo]);
    assert!(ok_, "{out}");
    assert!(
        out.contains("HEAD names refs/heads/master, which does not exist (branches: main )")
            && out.contains("pass --default-branch NAME"),
        "{out}"
    );
    let (ok_, out) = install(root.path(), &["--default-branch", "main", repo]);
    assert!(ok_, "{out}");
    assert!(out.contains("HEAD now names refs/heads/main"), "{out}");
    assert_eq!(
        ok({
            let mut c = srv.git();
            c.args(["symbolic-ref", "HEAD"]);
            c
        }),
        "refs/heads/main"
    );
}

#[test]
fn the_audit_folder_belongs_to_the_repository_owner() {
    use std::os::unix::fs::MetadataExt;
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let repo = srv.dir.to_str().expect("utf8");
    let as_root = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
        == 0;
    if as_root {
        let mut c = Command::new("chown");
        c.args(["-R", "65534:65534", repo]);
        ok(c);
    }
    let (ok_, out) = install(root.path(), &[repo]);
    assert!(ok_, "{out}");
    let m = std::fs::metadata(srv.dir.join("reviewgate")).expect("created");
    let owner = std::fs::metadata(&srv.dir).expect("repo").uid();
    assert_eq!(m.uid(), owner, "{out}");
}

/// A machine-wide install (`flag DIR --system`), git's system config kept in
/// a file of the test's own: the root, DIR, that file, and the output.
fn system_wide(flag: &str) -> (tempfile::TempDir, PathBuf, PathBuf, String) {
    let root = tempfile::tempdir().expect("tmp");
    let dir = root.path().join("hooks-or-template");
    let system = root.path().join("system-gitconfig");
    let (ok_, text) = install_env(
        root.path(),
        root.path(),
        &[("GIT_CONFIG_SYSTEM", &system)],
        &[flag, dir.to_str().expect("utf8"), "--system"],
    );
    assert!(ok_, "{text}");
    (root, dir, system, text)
}

/// Break-glass through a server-wide install: a policy pinned in `repo`
/// lists `oncall-*`; an on-call push with a reason goes in, on the record
/// (push options reach the hook: the install turned them on system-wide).
fn break_glass_works(root: &Path, repo: &Path, system: &Path) {
    let policy = root.join("bypass.toml");
    std::fs::write(
        &policy,
        "[bypass]\npushers = [\"oncall-*\"]\n[[protect]]\nrefs = [\"@default\"]\n",
    )
    .expect("policy");
    let mut c = git_cmd(repo);
    c.args(["config", "reviewgate.policy"]).arg(&policy);
    ok(c);
    let mut client = Client::new(root, "oncall", repo.to_str().expect("utf8"));
    client.env = vec![
        ("GIT_CONFIG_NOSYSTEM".into(), "0".into()),
        ("GIT_CONFIG_SYSTEM".into(), system.display().to_string()),
        ("GL_USERNAME".into(), "oncall-ann".into()),
    ];
    client.commit("Initial\n");
    assert!(client.push(&["main"]).success);
    client.commit(&ai_message("Hotfix", &[]));
    let p = client.push(&["-o", "reviewgate.bypass=prod down, INC-7", "main"]);
    assert!(p.success, "{}", p.stderr);
    assert!(p.stderr.contains("*** BREAK-GLASS ***"), "{}", p.stderr);
    assert!(
        !p.stderr.contains("does not support push options"),
        "{}",
        p.stderr
    );
}

#[test]
fn a_shared_hooks_folder_protects_repositories_nobody_installed_into() {
    let (root, shared, system, text) = system_wide("--shared-hooks");
    let cfg = std::fs::read_to_string(&system).expect("system config written");
    assert!(
        cfg.contains(&format!("hooksPath = {}", shared.display())),
        "{cfg}"
    );
    assert!(text.contains("the reviewgate command: "), "{text}");
    // A repository created afterwards, with no install of its own.
    let srv = Server::new(root.path(), "new.git", Hooks::None);
    let mut client = Client::new(root.path(), "work", &srv.url());
    client.env = vec![
        ("GIT_CONFIG_NOSYSTEM".into(), "0".into()),
        ("GIT_CONFIG_SYSTEM".into(), system.display().to_string()),
    ];
    client.commit("Initial\n");
    assert!(client.push(&["main"]).success);
    client.commit(&ai_message("AI work", &[]));
    let p = client.push(&["main"]);
    assert!(
        !p.success && p.stderr.contains("error[ai-unreviewed]"),
        "{}",
        p.stderr
    );
    // Push options were turned on for every repository, so break-glass
    // works; a shared folder's repositories keep their own HEAD.
    assert!(
        text.contains("set receive.advertisePushOptions=true in git's system config"),
        "{text}"
    );
    assert!(!cfg.contains("defaultBranch"), "{cfg}");
    let other = Server::new(root.path(), "other.git", Hooks::None);
    break_glass_works(root.path(), &other.dir, &system);
    // Uninstalled, what the install set is unset.
    let (ok_, out) = install_env(
        root.path(),
        root.path(),
        &[("GIT_CONFIG_SYSTEM", &system)],
        &[
            "--uninstall",
            "--shared-hooks",
            shared.to_str().expect("utf8"),
            "--system",
        ],
    );
    assert!(ok_, "{out}");
    let cfg = std::fs::read_to_string(&system).expect("system config");
    assert!(!cfg.contains("advertisePushOptions"), "{cfg}");
}

#[test]
fn a_template_gives_every_new_repository_the_hook() {
    let (root, template, system, text) = system_wide("--template");
    assert!(template.join("hooks/pre-receive").exists());
    assert!(
        text.contains("set init.defaultBranch=main in git's system config"),
        "{text}"
    );
    // `git init --bare`, as the administrator makes a new repository (no
    // -b: the branch comes from the system config the install wrote).
    let init = |name: &str| {
        let repo = root.path().join(name);
        let mut c = git_cmd(root.path());
        c.env("GIT_CONFIG_NOSYSTEM", "0")
            .env("GIT_CONFIG_SYSTEM", &system)
            .args(["init", "-q", "--bare"])
            .arg(&repo);
        ok(c);
        repo
    };
    let repo = init("made-later.git");
    assert!(
        repo.join("hooks/pre-receive").exists(),
        "copied from the template"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("HEAD")).expect("HEAD"),
        "ref: refs/heads/main\n"
    );
    push_ai_and_human(root.path(), &repo);
    break_glass_works(root.path(), &init("another.git"), &system);
}

#[test]
fn client_puts_the_cli_on_path() {
    let root = tempfile::tempdir().expect("tmp");
    let cli_dir = root.path().join("cli-bin");
    let (ok_, out) = install(
        root.path(),
        &["--client", "--cli-dir", cli_dir.to_str().expect("utf8")],
    );
    assert!(ok_, "{out}");
    let link = cli_dir.join("reviewgate");
    assert_eq!(
        std::fs::read_link(&link).expect("a link"),
        root.path().join("bin/reviewgate")
    );
    assert!(out.contains("is not on your PATH: add it"), "{out}");
    let mut c = Command::new(&link);
    c.args(["explain", "ai-unreviewed"])
        .env("HOME", root.path());
    let out = run(c);
    assert!(out.status.success());
    let (ok_, out) = install(
        root.path(),
        &[
            "--client",
            "--uninstall",
            "--cli-dir",
            cli_dir.to_str().expect("utf8"),
        ],
    );
    assert!(ok_, "{out}");
    assert!(!link.exists(), "{out}");
}

/// gitolite at `home` (`gitolite setup` as the hosting user), reached by a
/// stand-in for ssh that hands the command to gitolite-shell as `user`, as
/// sshd's forced command does. Returns the ssh command for `GIT_SSH_COMMAND`.
fn gitolite_at(home: &Path, user: &str) -> Option<String> {
    let shell = Path::new("/usr/share/gitolite3/gitolite-shell");
    if Command::new("gitolite").arg("help").output().is_err() || !shell.exists() {
        skip_or_fail(
            "gitolite",
            "gitolite3 is not installed (.ci/run installs it)",
        );
        return None;
    }
    std::fs::create_dir_all(home).expect("home");
    let key = home.join("admin");
    let mut c = Command::new("ssh-keygen");
    c.args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&key);
    ok(c);
    let mut c = Command::new("gitolite");
    hermetic(&mut c, home);
    c.args(["setup", "-pk"]).arg(key.with_extension("pub"));
    ok(c);
    let ssh = home.join("fake-ssh");
    write_exec(
        &ssh,
        &format!(
            "#!/bin/sh\nwhile [ $# -gt 1 ]; do shift; done\nSSH_CONNECTION=\"127.0.0.1 40000 127.0.0.1 22\" SSH_ORIGINAL_COMMAND=\"$1\" HOME='{}' exec {} {user}\n",
            home.display(),
            shell.display()
        ),
    );
    Some(ssh.display().to_string())
}

#[test]
fn gitolite_common_hooks_protect_every_repository_new_ones_included() {
    let root = tempfile::tempdir().expect("tmp");
    let home = root.path().join("gitolite-home");
    let Some(ssh) = gitolite_at(&home, "admin") else {
        return;
    };
    // The administrator enables LOCAL_CODE, as the installer asks.
    let rc = home.join(".gitolite.rc");
    let (ok_, out) = install_env(root.path(), &home, &[], &["--gitolite"]);
    assert!(!ok_ && out.contains("does not set LOCAL_CODE"), "{out}");
    let text = std::fs::read_to_string(&rc).expect("rc");
    std::fs::write(
        &rc,
        text.replacen(
            "# LOCAL_CODE                =>  \"$ENV{HOME}/local\",",
            "LOCAL_CODE => \"$ENV{HOME}/local\",",
            1,
        ),
    )
    .expect("rc");
    let (ok_, out) = install_env(root.path(), &home, &[], &["--gitolite"]);
    assert!(ok_, "{out}");
    assert!(out.contains("ran gitolite setup --hooks-only"), "{out}");
    // A repository gitolite already had: judged.
    let client = |name: &str| {
        let mut cl = Client::new(
            root.path(),
            name,
            &format!(
                "git@localhost:{}",
                if name == "admin-work" {
                    "gitolite-admin"
                } else {
                    name
                }
            ),
        );
        cl.env = vec![("GIT_SSH_COMMAND".into(), ssh.clone())];
        cl
    };
    let testing = client("testing");
    testing.commit("Initial\n");
    let p = testing.push(&["main"]);
    assert!(p.success, "{}", p.stderr);
    testing.commit(&ai_message("AI work", &[]));
    let p = testing.push(&["main"]);
    assert!(
        !p.success && p.stderr.contains("error[ai-unreviewed]"),
        "{}",
        p.stderr
    );
    // A repository the administrator adds later, with no installer run.
    let admin = client("admin-work");
    admin.git_ok(&["fetch", "-q", "origin"]);
    admin.git_ok(&["checkout", "-q", "-B", "master", "origin/master"]);
    let conf = admin.dir.join("conf/gitolite.conf");
    let mut text = std::fs::read_to_string(&conf).expect("conf");
    text.push_str("\nrepo newproj\n    RW+ = admin\n");
    std::fs::write(&conf, text).expect("conf");
    admin.git_ok(&["commit", "-q", "-am", "Add newproj"]);
    let p = admin.push(&["master"]);
    assert!(p.success, "{}", p.stderr);
    let newproj = client("newproj");
    newproj.commit("Initial\n");
    assert!(newproj.push(&["main"]).success);
    newproj.commit(&ai_message("AI work", &[]));
    let p = newproj.push(&["main"]);
    assert!(
        !p.success && p.stderr.contains("error[ai-unreviewed]"),
        "{}",
        p.stderr
    );
}

// --- The installer in Rust ---------------------------------------

/// `reviewgate install` itself, with the binaries beside it as the default
/// `--from`.
fn reviewgate_install(root: &Path, args: &[&str]) -> (i32, String) {
    let mut c = Command::new(CLI);
    hermetic(&mut c, root);
    c.current_dir(root)
        .arg("install")
        .arg("--bin-dir")
        .arg(root.join("bin"))
        .args(args);
    code_and_text(&run(c))
}

#[test]
fn reviewgate_install_and_uninstall_work_without_the_script() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let repo = srv.dir.to_str().expect("utf8");
    let (code, out) = reviewgate_install(root.path(), &[repo]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("layout plain"), "{out}");
    assert!(
        root.path().join("bin/reviewgate-pre-receive").exists(),
        "{out}"
    );
    push_ai_and_human(root.path(), &srv.dir);
    let mut c = Command::new(CLI);
    hermetic(&mut c, root.path());
    c.args(["uninstall", repo]);
    let out = run(c);
    assert!(out.status.success());
    assert!(!srv.dir.join("hooks/pre-receive").exists());
    // Usage errors do nothing and exit 2.
    for args in [
        vec![],
        vec!["--system", repo],
        vec!["--client", repo],
        vec!["--layout", "svn", repo],
    ] {
        let (code, out) = reviewgate_install(root.path(), &args);
        assert_eq!(code, 2, "{args:?}: {out}");
    }
}

/// A wrapper exactly as the bash installer wrote it (before the installer
/// moved into `reviewgate install`), with its checksum line.
fn bash_era_wrapper(bin_dir: &Path) -> String {
    use sha2::Digest;
    let body = format!(
        "exec '{}' \"$@\"",
        bin_dir.join("reviewgate-pre-receive").display()
    );
    let sum: String = sha2::Sha256::digest(format!("{body}\n").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("#!/bin/sh\n# reviewgate hook wrapper (pre-receive); installed by reviewgate install.sh, do not edit.\n# reviewgate-sum: {sum}\n{body}\n")
}

#[test]
fn wrappers_the_bash_installer_wrote_are_upgraded_and_uninstalled() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let repo = srv.dir.to_str().expect("utf8");
    let hook = srv.dir.join("hooks/pre-receive");
    let (code, out) = reviewgate_install(root.path(), &["--dry-run", repo]);
    assert_eq!(code, 0, "{out}");
    // The old wrapper, calling binaries already in bin/.
    let (code, out) = reviewgate_install(root.path(), &[repo]);
    assert_eq!(code, 0, "{out}");
    write_exec(&hook, &bash_era_wrapper(&root.path().join("bin")));
    // The update hook recognises it as our pre-receive and stands down.
    srv.install(Hooks::Update);
    write_exec(&hook, &bash_era_wrapper(&root.path().join("bin")));
    let client = Client::new(root.path(), "work", &srv.url());
    client.commit(&ai_message("AI work", &[]));
    let p = client.push(&["main"]);
    assert_eq!(
        p.stderr.matches("error[ai-unreviewed]").count(),
        1,
        "{}",
        p.stderr
    );
    std::fs::remove_file(srv.dir.join("hooks/update")).expect("rm update");
    // Installing over it needs no --chain: it is ours, rewritten.
    let (code, out) = reviewgate_install(root.path(), &[repo]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("wrote {}", hook.display())), "{out}");
    assert!(!srv.dir.join("hooks/pre-receive.reviewgate-orig").exists());
    // An unedited old wrapper is removed on uninstall, not kept as edited.
    write_exec(&hook, &bash_era_wrapper(&root.path().join("bin")));
    let (code, out) = reviewgate_install(root.path(), &["--uninstall", repo]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("removed {}", hook.display())),
        "{out}"
    );
    assert!(!srv.dir.join("hooks/pre-receive.reviewgate-edited").exists());
}

/// Every shell script reviewgate writes passes shellcheck,
/// as the repository's own scripts do in CI: the wrapper in each form
/// (plain and chained, pre-receive and update) and the client pre-push hook.
#[test]
fn the_hook_scripts_we_write_pass_shellcheck() {
    use reviewgate::hookfile::{client_hook, HookKind, Wrapper};
    if Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_err()
    {
        skip_or_fail(
            "install::the_hook_scripts_we_write_pass_shellcheck",
            "shellcheck is not installed (.ci/run installs it)",
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let bin = Path::new("/opt/review gate/bin");
    let mut scripts = Vec::new();
    for kind in [HookKind::PreReceive, HookKind::Update] {
        for chained in [None, Some(format!("{}.reviewgate-orig", kind.name()))] {
            let w = Wrapper::new(kind, bin, chained).expect("path");
            scripts.push(w.text());
        }
    }
    scripts.push(client_hook("/opt/review gate/bin/reviewgate", false));
    scripts.push(client_hook("/opt/review gate/bin/reviewgate", true));
    for (i, text) in scripts.iter().enumerate() {
        let path = dir.path().join(format!("hook-{i}"));
        std::fs::write(&path, text).expect("write");
        let out = run({
            let mut c = Command::new("shellcheck");
            c.args(["-s", "sh"]).arg(&path);
            c
        });
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Installing into a developer's clone is allowed (a clone can be pushed
/// to) but warned about: it does not check the developer's own pushes.
#[test]
fn installing_into_a_clone_warns() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = Server::new(root.path(), "srv.git", Hooks::None);
    let work = Client::new(root.path(), "work", &srv.url());
    let (ok_, out) = install(root.path(), &[work.dir.to_str().expect("utf8")]);
    assert!(ok_, "{out}");
    assert!(
        out.contains("is a clone with a work tree, not a server repository"),
        "{out}"
    );
    assert!(out.contains("reviewgate install-client-hook"), "{out}");
    let (ok_, out) = install(root.path(), &[srv.dir.to_str().expect("utf8")]);
    assert!(ok_, "{out}");
    assert!(!out.contains("is a clone"), "{out}");
}

/// A Gitea (or Forgejo) server's repository root: `install --all` covers
/// every repository in Gitea's layout; one created later in the web UI is
/// listed by `status --all` until the same command, run again (as cron
/// would), covers it; then its pushes are judged through Gitea's wrapper.
#[test]
fn a_gitea_server_is_covered_by_install_all_and_watched_by_status_all() {
    let root = tempfile::tempdir().expect("tmp");
    let repos = root.path().join("gitea-repositories");
    let a = gitea_repository(&repos.join("ann"), "a.git");
    let b = gitea_repository(&repos.join("bo"), "b.git");
    let dir = repos.to_str().expect("utf8");
    let (code, out) = reviewgate_install(root.path(), &["--all", dir]);
    assert_eq!(code, 0, "{out}");
    for srv in [&a, &b] {
        assert!(
            srv.dir.join("hooks/pre-receive.d/reviewgate").exists(),
            "{out}"
        );
        assert_eq!(
            std::fs::read_to_string(srv.dir.join("hooks/pre-receive")).expect("wrapper"),
            GITEA_WRAPPER
        );
    }
    assert!(out.contains("layout gitea"), "{out}");
    // Created in the web UI afterwards: Gitea's hooks only.
    let c = gitea_repository(&repos.join("ann"), "c.git");
    let status = |root: &Path| {
        let mut cmd = Command::new(CLI);
        hermetic(&mut cmd, root);
        cmd.args(["status", "--all", dir]);
        code_and_text(&run(cmd))
    };
    let (code, out) = status(root.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("UNPROTECTED {} (gitea;", c.dir.display())),
        "{out}"
    );
    assert!(out.contains("3 repositories, 1 unprotected"), "{out}");
    // The same command again: the new one is covered, the others unchanged.
    let (code, out) = reviewgate_install(root.path(), &["--all", dir]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = status(root.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 repositories, 0 unprotected"), "{out}");
    push_ai_and_human(root.path(), &c.dir);
}
