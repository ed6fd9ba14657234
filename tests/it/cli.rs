//! The `reviewgate` command as a developer meets it: the local check (never
//! more lenient than the server), `policy check` on stdin, the client hook and
//! the pre-commit entry, and the README's first policy walked through.

use crate::util::*;

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
    // Nothing about the server's own setup: from a URL it is unknown here.
    for server_only in ["default-branch-missing", "policy-not-read"] {
        assert!(!out.contains(server_only), "{out}");
    }
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
    assert!(
        out.contains("review = \"all\", ai = \"allow\", mode = \"warn\""),
        "{out}"
    );
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

#[test]
fn a_codeowners_file_becomes_rules_that_check_once_filled_in() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join(".gitlab")).expect("mkdir");
    std::fs::write(
        dir.path().join(".gitlab/CODEOWNERS"),
        "* @general-approvers\n\n[Infrastructure][2] @sre\ninfra/\n*.tf\n\n^[Docs] @docs\ndocs/\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join(".reviewgate.toml"),
        "[identities]\ngeneral-approvers = [\"lead@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\n",
    )
    .expect("policy");
    let mut c = std::process::Command::new(CLI);
    hermetic(&mut c, dir.path());
    c.current_dir(dir.path())
        .args(["policy", "import", "codeowners"]);
    let out = run(c);
    assert!(out.status.success());
    let toml = String::from_utf8_lossy(&out.stdout).to_string();
    let warnings = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(toml.contains("name = \"CODEOWNERS [Infrastructure] line 4: infra/\"\nfiles = [\"**/infra/**\"]\ncommits = \"all\"\nreviewers = [\"@sre\"]\nmin-reviewers = 2"), "{toml}");
    assert!(
        toml.contains("reviewers = [\"lead@example.com\"]"),
        "mapped through [identities]: {toml}"
    );
    assert!(
        warnings.contains("warning: .gitlab/CODEOWNERS:7: optional section ^[Docs]"),
        "{warnings}"
    );
    assert!(warnings.contains("[groups] sre is empty"), "{warnings}");
    assert!(
        warnings.contains("3 rule(s) from GitLab CODEOWNERS"),
        "{warnings}"
    );
    // Added as is, the empty group is refused, located; filled in, it checks.
    let policy = dir.path().join(".reviewgate.toml");
    let base = std::fs::read_to_string(&policy).expect("read");
    std::fs::write(&policy, format!("{base}{toml}")).expect("write");
    let (code, text) = cli(dir.path(), &["policy", "check"]);
    assert_eq!(code, 78, "{text}");
    assert!(text.contains("group `sre` is empty"), "{text}");
    std::fs::write(
        &policy,
        format!(
            "{base}{}",
            toml.replace("sre = []", "sre = [\"*@sre.example.com\"]")
        ),
    )
    .expect("write");
    let (code, text) = cli(dir.path(), &["policy", "check"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("[[signoff]] \"CODEOWNERS [Infrastructure] line 5: *.tf\": commits by anyone, changing **/*.tf, on every protected ref, need 2 sign-offs from @sre"), "{text}");
}
