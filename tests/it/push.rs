//! Real pushes to real bare repositories, over a local path and over
//! `git daemon` on loopback: each asserts the client's output and whether the
//! ref moved.

use crate::util::*;

/// Run a scenario over both transports.
macro_rules! both_transports {
    ($($name:ident),* $(,)?) => {
        mod over_path {
            $(#[test] fn $name() { super::$name(crate::util::Transport::Path) })*
        }
        mod over_daemon {
            $(#[test] fn $name() { super::$name(crate::util::Transport::Daemon) })*
        }
    };
}

both_transports!(
    create_main_and_human_commit,
    ai_commit_without_review_rejected,
    ai_commit_with_review_accepted,
    self_review_rejected,
    ai_reviewer_rejected,
    review_in_prose_rejected,
    review_in_subject_rejected,
    lowercase_review_key_counts_as_git_does,
    laundering_via_feature_branch_fast_forward,
    new_protected_branch_and_tag_from_unreviewed,
    merge_bringing_unreviewed_commit,
    force_push_and_deletion_of_main,
    policy_tighten_then_enforced,
    policy_loosening_push_judged_by_old_policy,
    broken_trusted_policy_fails_closed,
    non_utf8_message,
);

pub fn create_main_and_human_commit(t: Transport) {
    let s = Setup::new(t, Hooks::PreReceive);
    let c1 = s.client.commit("Initial commit\n");
    let p = s.client.push(&["main"]);
    accepted(&p);
    p.says("reviewgate: 1 commit(s) checked, 0 violation(s); policy: built-in default");
    assert_eq!(
        s.server.rev("refs/heads/main").as_deref(),
        Some(c1.as_str())
    );
    let c2 = s.client.commit("Human change\n\nNo AI here.\n");
    accepted(&s.client.push(&["main"]));
    assert_eq!(s.server.rev("refs/heads/main"), Some(c2));
}

pub fn ai_commit_without_review_rejected(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    s.client.commit(&ai_message("Add parser", &[]));
    let p = s.client.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    p.says("Claude Code");
    assert!(p.stderr.contains(
        "git commit --amend --no-edit --trailer \"Reviewed-by: REVIEWER-NAME <REVIEWER-EMAIL>\""
    ));
    assert_eq!(s.server.rev("refs/heads/main"), before, "ref must not move");
}

pub fn ai_commit_with_review_accepted(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let c = s.client.commit(&ai_message("Add parser", &[REVIEW_ANN]));
    accepted(&s.client.push(&["main"]));
    assert_eq!(s.server.rev("refs/heads/main"), Some(c));
}

pub fn self_review_rejected(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    // Same person as the author, different name and letter case.
    s.client.commit(&ai_message(
        "Add parser",
        &["Reviewed-by: D. Eloper <DEV@Example.COM>"],
    ));
    rejected(&s.client.push(&["main"]), "self-review");
    assert_eq!(s.server.rev("refs/heads/main"), before);
}

pub fn ai_reviewer_rejected(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    s.client.commit(&ai_message(
        "Add parser",
        &["Reviewed-by: Claude <noreply@anthropic.com>"],
    ));
    rejected(&s.client.push(&["main"]), "ai-reviewer");
    assert_eq!(s.server.rev("refs/heads/main"), before);
}

pub fn review_in_prose_rejected(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    let msg = format!(
        "Add parser\n\nThe change was {REVIEW_ANN} in a call,\nso we think it is fine and it reads well.\n\n{CLAUDE}\n"
    );
    s.client.commit(&msg);
    rejected(&s.client.push(&["main"]), "ai-unreviewed");
    // A trailer in a middle paragraph does not count either.
    let msg = format!("Add parser\n\n{REVIEW_ANN}\n\nMore text after it.\n\n{CLAUDE}\n");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.commit(&msg);
    rejected(&s.client.push(&["main"]), "ai-unreviewed");
    assert_eq!(s.server.rev("refs/heads/main"), before);
}

pub fn review_in_subject_rejected(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    s.client
        .commit(&format!("{REVIEW_ANN}\n\nBody.\n\n{CLAUDE}\n"));
    rejected(&s.client.push(&["main"]), "ai-unreviewed");
    assert_eq!(s.server.rev("refs/heads/main"), before);
}

pub fn lowercase_review_key_counts_as_git_does(t: Transport) {
    // git compares trailer keys case-insensitively, so does reviewgate.
    let s = Setup::with_main(t, Hooks::PreReceive);
    let c = s.client.commit(&ai_message(
        "Add parser",
        &["reviewed-by: Ann Lee <ann@example.com>"],
    ));
    accepted(&s.client.push(&["main"]));
    assert_eq!(s.server.rev("refs/heads/main"), Some(c));
    // ...but a lowercase signed-off-by does not "recognise" a mixed block (25% rule).
    let msg = "Tidy\n\none\ntwo\nthree\nreviewed-by: Ann Lee <ann@example.com>\nsigned-off-by: Dev <dev@example.com>\n\nAssisted-by: Claude:claude-opus-4\n";
    s.client.commit(msg);
    rejected(&s.client.push(&["main"]), "ai-unreviewed");
}

pub fn laundering_via_feature_branch_fast_forward(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let main_before = s.server.rev("refs/heads/main");
    s.client.git_ok(&["checkout", "-q", "-b", "feature"]);
    let ai = s.client.commit(&ai_message("AI work", &[]));
    let p = s.client.push(&["feature"]);
    accepted(&p);
    assert!(
        p.stderr.is_empty() || !p.stderr.contains("reviewgate"),
        "unprotected push is quiet: {}",
        p.stderr
    );
    assert_eq!(
        s.server.rev("refs/heads/feature").as_deref(),
        Some(ai.as_str())
    );
    // Fast-forwarding main to the already-pushed commit brings it to main.
    let p = s.client.push(&["feature:main"]);
    rejected(&p, "ai-unreviewed");
    p.says(&ai[..12]);
    assert_eq!(s.server.rev("refs/heads/main"), main_before);
}

pub fn new_protected_branch_and_tag_from_unreviewed(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    s.client.git_ok(&["checkout", "-q", "-b", "feature"]);
    s.client.commit(&ai_message("AI work", &[]));
    accepted(&s.client.push(&["feature"]));
    rejected(
        &s.client.push(&["feature:refs/heads/release/1.0"]),
        "ai-unreviewed",
    );
    assert_eq!(s.server.rev("refs/heads/release/1.0"), None);
    s.client.git_ok(&["tag", "v1.0"]);
    rejected(&s.client.push(&["v1.0"]), "ai-unreviewed");
    assert_eq!(s.server.rev("refs/tags/v1.0"), None);
    s.client.git_ok(&["tag", "-a", "-m", "Release 1.1", "v1.1"]);
    rejected(&s.client.push(&["v1.1"]), "ai-unreviewed");
    assert_eq!(s.server.rev("refs/tags/v1.1"), None);
    // A new protected branch at a reviewed point brings nothing new: accepted.
    let p = s.client.push(&["main:refs/heads/release/2.0"]);
    accepted(&p);
    p.says("0 commit(s) checked");
}

pub fn merge_bringing_unreviewed_commit(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    s.client.git_ok(&["checkout", "-q", "-b", "feature"]);
    let ai = s.client.commit(&ai_message("AI work", &[]));
    accepted(&s.client.push(&["feature"]));
    s.client.git_ok(&["checkout", "-q", "main"]);
    s.client.commit("Human work on main\n");
    s.client
        .git_ok(&["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]);
    let p = s.client.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    assert!(
        p.stderr.contains(&ai[..12]),
        "the second parent's commit is named: {}",
        p.stderr
    );
    assert_eq!(s.server.rev("refs/heads/main"), before);
}

pub fn force_push_and_deletion_of_main(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    s.client.commit("Second\n");
    accepted(&s.client.push(&["main"]));
    let before = s.server.rev("refs/heads/main");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.commit("Rewritten\n");
    rejected(&s.client.push(&["--force", "main"]), "force-push");
    assert_eq!(s.server.rev("refs/heads/main"), before);
    // Deleting the default branch needs the server to allow it; use another protected branch too.
    accepted(&s.client.push(&["HEAD~1:refs/heads/release/1"]));
    rejected(&s.client.push(&[":refs/heads/release/1"]), "deletion");
    assert!(s.server.rev("refs/heads/release/1").is_some());
    s.server.config("receive.denyDeleteCurrent", "false");
    rejected(&s.client.push(&[":main"]), "deletion");
    assert_eq!(s.server.rev("refs/heads/main"), before);
}

pub fn policy_tighten_then_enforced(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"all\"\nlinear-history = true\n",
    );
    // A policy change itself needs a human review (no owners listed yet).
    s.client.commit("Require review of every commit on main\n");
    rejected(&s.client.push(&["main"]), "policy-change-unreviewed");
    s.client.amend_trailer(REVIEW_ANN);
    let p_commit = s.client.head();
    accepted(&s.client.push(&["main"]));
    assert_eq!(s.server.rev("refs/heads/main"), Some(p_commit.clone()));
    // Now a human commit without review is refused on main...
    s.client.commit("Unreviewed human change\n");
    let p = s.client.push(&["main"]);
    rejected(&p, "unreviewed");
    p.says(".reviewgate.toml on refs/heads/main");
    assert_eq!(s.server.rev("refs/heads/main"), Some(p_commit.clone()));
    // ...and the tightened policy no longer protects master/release (it replaced the default).
    accepted(&s.client.push(&["HEAD:refs/heads/release/x"]));
}

pub fn policy_loosening_push_judged_by_old_policy(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"none\"\nallow-force-push = true\n",
    );
    s.client.commit("Relax the policy\n");
    s.client.commit(&ai_message("AI work", &[]));
    let p = s.client.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    p.says("policy: built-in default");
    assert_eq!(s.server.rev("refs/heads/main"), before);
}

pub fn broken_trusted_policy_fails_closed(t: Transport) {
    let s = Setup::new(t, Hooks::None);
    s.client.write_file(
        ".reviewgate.toml",
        "mode = \"enforce\"\n[[protect]]\nrefs = [\"refs/heads/main\"]\nreveiw = \"ai\"\n",
    );
    s.client.commit("Add a broken policy\n");
    let p = s.client.push(&["main"]);
    assert!(p.success, "{}", p.stderr);
    s.server.install(Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    s.client.commit("Human change\n");
    let p = s.client.push(&["main"]);
    rejected(&p, "policy-invalid");
    p.says(".reviewgate.toml:4:1: unknown key `reveiw`");
    p.says("did you mean `review`");
    p.says("policy read from refs/heads/main at commit");
    assert_eq!(s.server.rev("refs/heads/main"), before);
    // Unprotected refs are refused too: with a broken policy nothing is known to be unprotected.
    rejected(
        &s.client.push(&["HEAD:refs/heads/feature"]),
        "policy-invalid",
    );
}

pub fn non_utf8_message(t: Transport) {
    let s = Setup::with_main(t, Hooks::PreReceive);
    let before = s.server.rev("refs/heads/main");
    let mut msg = b"Caf\xe9 \x1b[31mred\x1b[0m fix\n\nLatin-1 body \xe9\xe8.\n\n".to_vec();
    msg.extend_from_slice(CLAUDE.as_bytes());
    msg.push(b'\n');
    s.client.commit_bytes(&msg, None);
    let p = s.client.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    assert!(
        !p.stderr.contains('\x1b'),
        "no raw ESC may reach the client"
    );
    p.says("\\x1b[31mred");
    assert_eq!(s.server.rev("refs/heads/main"), before);
    msg.extend_from_slice(REVIEW_ANN.as_bytes());
    msg.push(b'\n');
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    let c = s.client.commit_bytes(&msg, None);
    accepted(&s.client.push(&["main"]));
    assert_eq!(s.server.rev("refs/heads/main"), Some(c));
}

// ---- scenarios that need one transport only ----

#[test]
fn namespaced_push() {
    let s = Setup::new(Transport::Path, Hooks::PreReceive);
    let mut client_env = s.client.env.clone();
    client_env.push(("GIT_NAMESPACE".into(), "team".into()));
    let client = Client {
        dir: s.client.dir.clone(),
        remote: s.client.remote.clone(),
        env: client_env,
    };
    let c1 = client.commit("Initial\n");
    accepted(&client.push(&["main"]));
    assert_eq!(
        s.server.rev("refs/namespaces/team/refs/heads/main"),
        Some(c1.clone())
    );
    assert_eq!(s.server.rev("refs/heads/main"), None);
    client.commit(&ai_message("AI in a namespace", &[]));
    rejected(&client.push(&["main"]), "ai-unreviewed");
    assert_eq!(
        s.server.rev("refs/namespaces/team/refs/heads/main"),
        Some(c1.clone())
    );
    // Creating the branch in the namespace when other namespaces have main is still judged.
    client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    let c2 = client.commit(&ai_message("AI reviewed", &[REVIEW_ANN]));
    accepted(&client.push(&["main"]));
    assert_eq!(
        s.server.rev("refs/namespaces/team/refs/heads/main"),
        Some(c2)
    );
}

#[test]
fn two_thousand_commit_push() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    // Build 2,000 commits with fast-import; one in the middle is AI-tagged.
    let parent = s.client.head();
    let mut stream = String::new();
    for i in 0..2000 {
        let msg = if i == 1234 {
            ai_message(&format!("Commit {i}"), &[])
        } else {
            format!("Commit {i}\n\nSigned-off-by: Dev Eloper <dev@example.com>\n")
        };
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{}\ncommitter Dev Eloper <dev@example.com> 1767268800 +0000\ndata {}\n{}\n",
            i + 1,
            msg.len(),
            msg
        ));
        if i == 0 {
            stream.push_str(&format!("from {parent}\n"));
        }
        stream.push_str(&format!(
            "M 644 inline file.txt\ndata {}\n{}\n\n",
            format!("{i}\n").len(),
            i
        ));
    }
    let mut c = s.client.git();
    c.args(["fast-import", "--quiet", "--force"]);
    feed_ok(c, stream.as_bytes());
    let before = s.server.rev("refs/heads/main");
    let p = s.client.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    p.says("\"Commit 1234\"");
    p.says("2000 commit(s) checked, 1 violation(s)");
    assert_eq!(s.server.rev("refs/heads/main"), before);
}

#[test]
fn update_hook_alone_rejects_only_the_bad_ref() {
    let s = Setup::with_main(Transport::Path, Hooks::Update);
    let before = s.server.rev("refs/heads/main");
    s.client.commit(&ai_message("AI work", &[]));
    let p = s.client.push(&["main", "main:refs/heads/feature"]);
    assert!(!p.success);
    p.says("error[ai-unreviewed]");
    p.says("hook declined");
    assert_eq!(s.server.rev("refs/heads/main"), before, "main refused");
    assert!(
        s.server.rev("refs/heads/feature").is_some(),
        "feature accepted"
    );
}

#[test]
fn both_hooks_report_a_rejection_once() {
    let s = Setup::with_main(Transport::Path, Hooks::Both);
    s.client.commit(&ai_message("AI work", &[]));
    let p = s.client.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    assert_eq!(
        p.stderr.matches("error[ai-unreviewed]").count(),
        1,
        "{}",
        p.stderr
    );
    // An accepted push prints the summary once, not once per hook.
    s.client.amend_trailer(REVIEW_ANN);
    let p = s.client.push(&["main"]);
    accepted(&p);
    assert_eq!(
        p.stderr.matches("commit(s) checked").count(),
        1,
        "{}",
        p.stderr
    );
}

#[test]
fn sha256_repository_is_refused_clearly() {
    let root = tempfile::tempdir().expect("tmp");
    let srv = root.path().join("srv.git");
    let mut c = git_cmd(root.path());
    c.args([
        "init",
        "-q",
        "--bare",
        "--object-format=sha256",
        "-b",
        "main",
    ])
    .arg(&srv);
    ok(c);
    std::os::unix::fs::symlink(PRE_RECEIVE, srv.join("hooks/pre-receive")).expect("link");
    let mut c = git_cmd(root.path());
    c.args(["init", "-q", "--object-format=sha256", "-b", "main", "work"]);
    ok(c);
    let client = Client {
        dir: root.path().join("work"),
        remote: srv.display().to_string(),
        env: Vec::new(),
    };
    client.git_ok(&["remote", "add", "origin", &srv.display().to_string()]);
    client.commit("Initial\n");
    let p = client.push(&["main"]);
    assert!(!p.success);
    p.says("SHA-256");
    p.says("error[internal-error]");
}

#[test]
fn unprotected_refs_accept_anything() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.git_ok(&["checkout", "-q", "-b", "wip"]);
    s.client.commit(&ai_message("AI wip", &[]));
    accepted(&s.client.push(&["wip"]));
    s.client
        .git_ok(&["commit", "-q", "--amend", "-m", "rewritten"]);
    accepted(&s.client.push(&["--force", "wip"]));
    accepted(&s.client.push(&[":wip"]));
    assert_eq!(s.server.rev("refs/heads/wip"), None);
}

#[test]
fn tag_pointing_at_a_tree_is_handled() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let tree = s.client.git_ok(&["rev-parse", "HEAD^{tree}"]);
    s.client.git_ok(&["tag", "v9-tree", &tree]);
    let p = s.client.push(&["refs/tags/v9-tree"]);
    accepted(&p);
    assert!(s.server.rev("refs/tags/v9-tree").is_some());
    // Protected tags never move.
    s.client.commit("Next\n");
    s.client.git_ok(&["tag", "-f", "v9-tree"]);
    rejected(
        &s.client.push(&["--force", "refs/tags/v9-tree"]),
        "immutable-ref",
    );
    rejected(&s.client.push(&[":refs/tags/v9-tree"]), "deletion");
}
