//! Issue 12: an administrator's and a developer's first hour, done as they
//! would do it: real commands, real output. Hints are pasted verbatim.

use crate::util::*;

/// The commands a rejection prints (`git commit --amend …`, `git rebase …`),
/// as printed.
fn hint_commands(stderr: &str) -> Vec<String> {
    remote_lines(stderr)
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("git commit --amend") || l.starts_with("git rebase"))
        .map(String::from)
        .collect()
}

/// Run `command` with `sh` in the client's work tree, as a developer pastes it.
fn paste(s: &Setup, command: &str) {
    let mut sh = std::process::Command::new("sh");
    hermetic(&mut sh, &s.client.dir);
    sh.current_dir(&s.client.dir).arg("-c").arg(command);
    ok(sh);
}

const REAL_REVIEWER: &str = "Bo Roe <bo@example.com>";

#[test]
fn a_single_commit_hint_pasted_verbatim_is_refused_and_works_once_filled_in() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("Add parser", &[]));
    let p = refused(&s, &["main"], "ai-unreviewed");
    let commands = hint_commands(&p.stderr);
    assert_eq!(
        commands,
        ["git commit --amend --no-edit --trailer \"Reviewed-by: REVIEWER-NAME <REVIEWER-EMAIL>\""],
        "{}",
        p.stderr
    );
    // Pasted as printed: the placeholder is no review.
    paste(&s, &commands[0]);
    let p = refused(&s, &["main"], "reviewer-without-email");
    p.says("REVIEWER-NAME <REVIEWER-EMAIL>");
    // With a real reviewer in its place, the same command passes (the
    // commit still carries the pasted placeholder: git keeps both).
    paste(
        &s,
        &commands[0].replace("REVIEWER-NAME <REVIEWER-EMAIL>", REAL_REVIEWER),
    );
    accepted(&s.client.push(&["main"]));
}

#[test]
fn the_rebase_hint_is_printed_once_and_names_the_real_base() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let base = s.client.head();
    for subject in ["Add lexer", "Add parser", "Add printer"] {
        s.client.commit(&ai_message(subject, &[]));
    }
    let p = refused(&s, &["main"], "ai-unreviewed");
    let commands = hint_commands(&p.stderr);
    assert_eq!(
        commands.len(),
        1,
        "one command after the list:\n{}",
        p.stderr
    );
    assert!(
        commands[0].ends_with(&format!("' {}", &base[..12])),
        "{}",
        commands[0]
    );
    p.says("to the 3 commits");
    paste(&s, &commands[0]);
    refused(&s, &["main"], "reviewer-without-email");
    paste(
        &s,
        &commands[0].replace("REVIEWER-NAME <REVIEWER-EMAIL>", REAL_REVIEWER),
    );
    accepted(&s.client.push(&["main"]));
}

#[test]
fn a_new_branch_whose_commits_reach_the_root_gets_rebase_root() {
    // An empty server; the first push brings two AI commits, the first a root.
    let s = Setup::new(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("Initial import", &[]));
    s.client.commit(&ai_message("Add parser", &[]));
    let p = refused(&s, &["main"], "ai-unreviewed");
    let commands = hint_commands(&p.stderr);
    assert_eq!(commands.len(), 1, "{}", p.stderr);
    assert!(commands[0].ends_with("' --root"), "{}", commands[0]);
    paste(&s, &commands[0]);
    refused(&s, &["main"], "reviewer-without-email");
    paste(
        &s,
        &commands[0].replace("REVIEWER-NAME <REVIEWER-EMAIL>", REAL_REVIEWER),
    );
    accepted(&s.client.push(&["main"]));
}

#[test]
fn a_policy_change_hint_pasted_verbatim_is_refused() {
    let s = Setup::with_policy(
        Transport::Path,
        "[[protect]]\nrefs = [\"refs/heads/main\"]\nreview = \"ai\"\n",
    );
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"refs/heads/main\"]\nreview = \"none\"\n",
    );
    s.client.git_ok(&["add", "-A"]);
    s.client.commit("Relax the policy\n");
    let p = refused(&s, &["main"], "policy-change-unreviewed");
    assert!(
        p.stderr.contains("ask another person to review it"),
        "no owners listed:\n{}",
        p.stderr
    );
    let commands = hint_commands(&p.stderr);
    assert_eq!(commands.len(), 1, "{}", p.stderr);
    paste(&s, &commands[0]);
    refused(&s, &["main"], "policy-change-unreviewed");
    paste(
        &s,
        &commands[0].replace("REVIEWER-NAME <REVIEWER-EMAIL>", REAL_REVIEWER),
    );
    accepted(&s.client.push(&["main"]));
}

#[test]
fn a_reviewer_who_amends_becomes_the_committer_and_the_words_say_so() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("Add parser", &[]));
    // Bo reviews and amends the trailer in himself: he is now the committer.
    let mut c = s.client.git();
    c.args([
        "commit",
        "-q",
        "--amend",
        "--no-edit",
        "--trailer",
        &format!("Reviewed-by: {REAL_REVIEWER}"),
    ])
    .env("GIT_COMMITTER_NAME", "Bo Roe")
    .env("GIT_COMMITTER_EMAIL", "bo@example.com");
    ok(c);
    let p = refused(&s, &["main"], "self-review");
    p.says("is the commit's author or committer");
    p.says("neither the commit's author nor its committer");
    let (_, explain) = cli(&s.client.dir, &["explain", "self-review"]);
    assert!(explain.contains("they become its committer"), "{explain}");
}

#[test]
fn reviewer_not_allowed_names_who_may_review() {
    let s = Setup::with_policy(
        Transport::Path,
        "[review]\nreviewers = [\"*@seniors.example.com\", \"lead@example.com\"]\n\n[[protect]]\nrefs = [\"refs/heads/main\"]\nreview = \"ai\"\n",
    );
    s.client.commit(&ai_message(
        "Add parser",
        &["Reviewed-by: Bo Roe <bo@example.com>"],
    ));
    let p = refused(&s, &["main"], "reviewer-not-allowed");
    p.says("who may review: *@seniors.example.com, lead@example.com ([review] reviewers)");
}

#[test]
fn a_broken_pinned_policy_says_to_fix_that_file() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let pinned = s.server.dir.join("pinned.toml");
    std::fs::write(&pinned, "[[protect]\n").expect("write");
    let mut c = s.server.git();
    c.args(["config", "reviewgate.policy"]).arg(&pinned);
    ok(c);
    s.client.commit("Human change\n");
    let p = refused(&s, &["main"], "policy-invalid");
    p.says("an administrator fixes that file there");
    p.never_says("can pin a known-good policy");
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

/// A bare server made as the README's reader makes it: `git init --bare`,
/// whose HEAD names master.
fn server_with_master_head() -> Setup {
    let s = Setup::new(Transport::Path, Hooks::PreReceive);
    s.server
        .git_ok(&["symbolic-ref", "HEAD", "refs/heads/master"]);
    s
}

const TEAM_POLICY: &str =
    "[[protect]]\nrefs = [\"@default\", \"refs/heads/main\"]\nreview = \"all\"\n";

#[test]
fn a_head_that_names_a_missing_branch_is_said_on_every_push_until_fixed() {
    let s = server_with_master_head();
    s.client.write_file(".reviewgate.toml", TEAM_POLICY);
    s.client.git_ok(&["add", "-A"]);
    s.client
        .commit("Add the team's policy\n\nReviewed-by: Bo Roe <bo@example.com>\n");
    let p = s.client.push(&["main"]);
    accepted(&p);
    for expected in [
        "warning[default-branch-missing]: HEAD",
        "HEAD names refs/heads/master, which does not exist",
        "git symbolic-ref HEAD refs/heads/main",
        "warning[policy-not-read]: refs/heads/main",
        "the policy is read from refs/heads/master, which has no policy file",
    ] {
        assert!(p.stderr.contains(expected), "{expected}:\n{}", p.stderr);
    }
    // The trap: the team's review = "all" is not in effect.
    s.client.commit("Unreviewed human change\n");
    let p = s.client.push(&["main"]);
    accepted(&p);
    p.says("warning[default-branch-missing]");
    // The fix, as printed.
    s.server
        .git_ok(&["symbolic-ref", "HEAD", "refs/heads/main"]);
    s.client.commit("Another unreviewed change\n");
    let p = refused(&s, &["main"], "unreviewed");
    p.never_says("warning[");
}

#[test]
fn a_different_policy_file_on_another_protected_branch_is_said() {
    let s = Setup::with_policy(
        Transport::Path,
        "[[protect]]\nrefs = [\"@default\", \"refs/heads/release/*\"]\nreview = \"ai\"\n",
    );
    // A release branch cut from main carries the same file: nothing to say.
    let p = s.client.push(&["main:refs/heads/release/1"]);
    accepted(&p);
    p.never_says("policy-not-read");
    // Another file on a protected branch has no effect: said.
    s.client.git_ok(&["checkout", "-q", "-b", "release-2"]);
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"@default\", \"refs/heads/release/*\"]\nreview = \"all\"\n",
    );
    s.client.git_ok(&["add", "-A"]);
    s.client
        .commit("Stricter policy for release 2\n\nReviewed-by: Bo Roe <bo@example.com>\n");
    let p = s.client.push(&["release-2:refs/heads/release/2"]);
    accepted(&p);
    p.says("warning[policy-not-read]: refs/heads/release/2");
    p.says("the policy is read from refs/heads/main");
}

#[test]
fn the_local_check_is_never_more_lenient_than_the_server_for_a_new_branch() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.git_ok(&["fetch", "-q", "origin"]);
    // An AI commit on local main, never pushed; release/2 cut from it.
    s.client.commit(&ai_message("Add parser", &[]));
    s.client.git_ok(&["branch", "release/2"]);
    let (code, out) = cli(
        &s.client.dir,
        &["check", "--remote-ref", "refs/heads/release/2", "release/2"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[ai-unreviewed]"), "{out}");
    // The server agrees.
    refused(&s, &["release/2"], "ai-unreviewed");
}

#[test]
fn a_check_against_a_url_says_which_policy_it_used_and_why() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit("Human change\n");
    let url = s.server.url();
    let (code, out) = cli(
        &s.client.dir,
        &[
            "check",
            "--remote",
            &url,
            "--remote-ref",
            "refs/heads/main",
            "HEAD",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("is not a remote of this clone (a push by URL?)")
            && out.contains("used the built-in default policy"),
        "{out}"
    );
}

#[test]
fn a_baseline_lets_an_existing_history_in_and_nothing_else() {
    // The server already has the hooks (a server-wide install); the team
    // imports a history with unreviewed AI-assisted commits.
    let s = Setup::new(Transport::Path, Hooks::PreReceive);
    s.client.commit("Initial import\n");
    s.client.commit(&ai_message("Old AI change", &[]));
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n",
    );
    s.client.git_ok(&["add", "-A"]);
    s.client
        .commit(&ai_message("Old AI change with a policy", &[]));
    let imported = s.client.head();
    refused(&s, &["main"], "ai-unreviewed");
    // The administrator declares the imported tip a baseline, outside the
    // repository's content.
    s.server
        .git_ok(&["config", "--add", "reviewgate.baseline", &imported]);
    let p = s.client.push(&["main"]);
    accepted(&p);
    p.says("3 commit(s) exempt from review as baseline history");
    let record = s.server.last_audit();
    assert_eq!(record["baseline_exempt"], 3, "{record}");
    // New work is judged as ever.
    s.client.commit(&ai_message("New AI change", &[]));
    refused(&s, &["main"], "ai-unreviewed");
    // Ref protections are never exempt: rewriting the baseline is a force-push.
    s.client
        .git_ok(&["reset", "-q", "--hard", &format!("{imported}~1")]);
    s.client.commit("Rewritten history\n");
    refused(&s, &["+main"], "force-push");
}

#[test]
fn a_baseline_that_names_no_commit_refuses_the_push() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.server.config("reviewgate.baseline", "v0.0-never-tagged");
    s.client.commit("Human change\n");
    let p = refused(&s, &["main"], "internal-error");
    p.says(
        "git config reviewgate.baseline names \"v0.0-never-tagged\", which is not a full object id",
    );
    p.says("it names nothing here");
}

/// Issue 18 (2): an exemption resolves to an object, never through a ref a
/// pusher can create or move. A baseline written as a branch name would let
/// anyone exempt their own commits by moving that branch; it is refused,
/// with the full id to write instead. So is an abbreviation.
#[test]
fn a_baseline_is_a_full_id_never_a_ref_a_pusher_can_move() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    // The administrator means "what `import` holds now", and writes the name.
    accepted(&s.client.push(&["HEAD:refs/heads/import"]));
    let imported = s.client.head();
    s.server
        .git_ok(&["config", "--add", "reviewgate.baseline", "import"]);
    // A pusher moves the unprotected branch over an unreviewed AI commit...
    s.client.commit(&ai_message("AI change", &[]));
    let ai = s.client.head();
    let p = s.client.push(&["HEAD:refs/heads/import"]);
    // (refused too: every push fails while the baseline is unusable)
    rejected(&p, "internal-error");
    // ...and it never exempts anything on main.
    let p = refused(&s, &["HEAD:refs/heads/main"], "internal-error");
    p.says("git config reviewgate.baseline names \"import\", which is not a full object id");
    p.says(&format!(
            "it names commit {imported} today: git config --fixed-value --replace-all reviewgate.baseline {imported} 'import'"
        ));
    // An abbreviation is refused the same way.
    s.server.git_ok(&[
        "config",
        "--replace-all",
        "reviewgate.baseline",
        &imported[..10],
    ]);
    let p = refused(&s, &["HEAD:refs/heads/main"], "internal-error");
    p.says("not a full object id");
    // The printed command, run as printed (with the full id), fixes it: the
    // baseline is what `import` held then, and the AI commit is judged.
    s.server
        .git_ok(&["config", "--replace-all", "reviewgate.baseline", "import"]);
    s.server.git_ok(&[
        "config",
        "--fixed-value",
        "--replace-all",
        "reviewgate.baseline",
        &imported,
        "import",
    ]);
    let p = refused(&s, &["HEAD:refs/heads/main"], "ai-unreviewed");
    p.says(&ai[..12]);
}

#[test]
fn an_unknown_reviewgate_push_option_is_reported() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.server.config("receive.advertisePushOptions", "true");
    s.client.commit("Human change\n");
    let p = s.client.push(&["-o", "reviewgate.bypas=outage 42", "main"]);
    accepted(&p);
    assert!(
        p.stderr.contains("warning[unknown-push-option]")
            && p.stderr
                .contains("\"reviewgate.bypas=outage 42\" is not one reviewgate knows"),
        "{}",
        p.stderr
    );
    // Other tools' options are theirs.
    s.client.commit("Another change\n");
    let p = s.client.push(&["-o", "ci.skip", "main"]);
    accepted(&p);
    p.never_says("unknown-push-option");
}

#[test]
fn policy_check_reads_stdin_speaks_plainly_outside_a_repository_and_is_quiet_on_a_closed_pipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run_with_stdin = |args: &[&str], input: &[u8]| {
        let mut c = std::process::Command::new(CLI);
        hermetic(&mut c, dir.path());
        c.current_dir(dir.path())
            .env(
                "GIT_CEILING_DIRECTORIES",
                dir.path().parent().expect("parent"),
            )
            .args(args);
        code_and_text(&feed(c, input))
    };
    let (code, out) = run_with_stdin(
        &["policy", "check", "-"],
        b"[[protect]]\nrefs = [\"@default\"]\nreview = \"all\"\nmode = \"warn\"\n",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("review = \"all\", mode = \"warn\""), "{out}");
    let (code, out) = run_with_stdin(&["policy", "check", "-"], b"[[protect]\n");
    assert_eq!(code, 78, "{out}");
    assert!(out.contains("<stdin>:1:") || out.contains("-:1:"), "{out}");
    // Outside any repository: plain words, not libgit2's.
    let (code, out) = run_with_stdin(&["check"], b"");
    assert_ne!(code, 0);
    assert!(out.contains("not inside a git repository"), "{out}");
    assert!(!out.contains("class="), "{out}");
    // A closed pipe (`| head -1`) is not an error.
    let mut c = std::process::Command::new("sh");
    hermetic(&mut c, dir.path());
    c.current_dir(dir.path()).arg("-c").arg(format!(
        "'{CLI}' explain | head -1; '{CLI}' policy template | head -1"
    ));
    let out = c.output().expect("sh");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "quiet on a closed pipe"
    );
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
fn the_client_hook_keeps_and_chains_an_existing_pre_push_hook() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let hooks = s.client.dir.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks");
    // Another tool's pre-push hook: it records what it was given.
    let theirs = "#!/bin/sh\ncat > \"$(dirname \"$0\")/../theirs-saw\"\nexit 0\n";
    std::fs::write(hooks.join("pre-push"), theirs).expect("write");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            hooks.join("pre-push"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
    }
    let (code, out) = cli(&s.client.dir, &["install-client-hook"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("rerun with --force to keep it"), "{out}");
    let (code, out) = cli(&s.client.dir, &["install-client-hook", "--force"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push.reviewgate-orig")).expect("kept"),
        theirs
    );
    // Both run: theirs sees the ref list, ours stops the unreviewed AI commit.
    s.client.commit(&ai_message("Add parser", &[]));
    let p = s.client.push(&["main"]);
    assert!(!p.success, "{}", p.stderr);
    p.says("push stopped by the client-side check");
    let saw = std::fs::read_to_string(s.client.dir.join(".git/theirs-saw")).expect("theirs ran");
    assert!(saw.contains("refs/heads/main"), "{saw}");
    // Installing again changes nothing.
    let (code, out) = cli(&s.client.dir, &["install-client-hook", "--force"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already installed"), "{out}");
}

#[test]
fn the_pre_commit_framework_entry_checks_what_the_push_brings() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.git_ok(&["fetch", "-q", "origin"]);
    let from = s.client.head();
    s.client.commit(&ai_message("Add parser", &[]));
    let to = s.client.head();
    // As pre-commit runs a pre-push hook: the entry, with its environment.
    let entry = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.pre-commit-hooks.yaml"
    ))
    .expect("hooks file");
    let args = entry
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry: reviewgate "))
        .expect("an entry running reviewgate");
    let mut c = std::process::Command::new(CLI);
    hermetic(&mut c, &s.client.dir);
    c.current_dir(&s.client.dir)
        .args(args.split_whitespace())
        .env("PRE_COMMIT_REMOTE_NAME", "origin")
        .env("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main")
        .env("PRE_COMMIT_FROM_REF", &from)
        .env("PRE_COMMIT_TO_REF", &to);
    let out = c.output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("error[ai-unreviewed]"));
    assert!(entry.contains("stages: [pre-push]"), "{entry}");
}

#[test]
fn your_first_policy_as_the_readme_walks_through_it() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let (code, template) = cli(&s.client.dir, &["policy", "template"]);
    assert_eq!(code, 0);
    // The team's edit: every commit on the default branch needs a review.
    let edited = template.replacen("review = \"ai\"", "review = \"all\"", 1);
    assert_ne!(edited, template);
    s.client.write_file(".reviewgate.toml", &edited);
    let (code, out) = cli(&s.client.dir, &["policy", "check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("review = \"all\""), "{out}");
    s.client.git_ok(&["add", ".reviewgate.toml"]);
    s.client
        .git_ok(&["commit", "-q", "-m", "Add the reviewgate policy"]);
    refused(&s, &["main"], "policy-change-unreviewed");
    s.client.git_ok(&[
        "commit",
        "-q",
        "--amend",
        "--no-edit",
        "--trailer",
        "Reviewed-by: Colleague Name <colleague@example.com>",
    ]);
    accepted(&s.client.push(&["main"]));
    // From then on, the file is the policy.
    s.client.commit("Unreviewed human change\n");
    refused(&s, &["main"], "unreviewed");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for step in [
        "reviewgate policy template > .reviewgate.toml",
        "git commit --amend --no-edit --trailer \"Reviewed-by: Colleague Name <colleague@example.com>\"",
    ] {
        assert!(readme.contains(step), "the README walks through {step}");
    }
}
