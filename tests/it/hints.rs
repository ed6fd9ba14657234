//! What a refused pusher reads and pastes: every hint pasted verbatim, as
//! a developer would, is refused until filled in and then works; the words
//! name who may review and what git did to the commit.

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
    p.says("\"REVIEWER-NAME <REVIEWER-EMAIL>\" is the hint's placeholder: put the reviewer's real name and email in its place");
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

/// A history with a `--no-ff` merge keeps its shape: the printed rebase
/// recreates the merge (`--rebase-merges`), where a plain `git rebase
/// --exec` would have linearised it and the server accepted the result.
#[test]
fn the_rebase_hint_keeps_merges() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let base = s.client.head();
    s.client.git_ok(&["checkout", "-q", "-b", "topic"]);
    s.client.commit(&ai_message("Add lexer", &[]));
    s.client.commit(&ai_message("Add parser", &[]));
    s.client.git_ok(&["checkout", "-q", "main"]);
    s.client.commit(&ai_message("Add printer", &[]));
    s.client
        .git_ok(&["merge", "-q", "--no-ff", "-m", "Merge topic", "topic"]);
    let merges = |s: &Setup| {
        s.client
            .git_ok(&["rev-list", "--merges", "--count", &format!("{base}..HEAD")])
            .trim()
            .to_string()
    };
    assert_eq!(merges(&s), "1");
    let p = refused(&s, &["main"], "ai-unreviewed");
    let commands = hint_commands(&p.stderr);
    assert_eq!(commands.len(), 1, "{}", p.stderr);
    assert!(
        commands[0].starts_with("git rebase --rebase-merges --exec ")
            && commands[0].ends_with(&format!("' {}", &base[..12])),
        "{}",
        commands[0]
    );
    paste(
        &s,
        &commands[0].replace("REVIEWER-NAME <REVIEWER-EMAIL>", REAL_REVIEWER),
    );
    assert_eq!(merges(&s), "1", "the merge is still a merge");
    let p = s.client.push(&["main"]);
    accepted(&p);
    assert_eq!(s.server.rev("refs/heads/main"), Some(s.client.head()));
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

/// `git commit -m SUBJECT -m "Reviewed-by: ..." -m "Co-Authored-By: ..."`
/// puts the review in the middle paragraph, where git's rules rightly ignore
/// it: still refused, and the message says where the line is and that only
/// the last paragraph counts; moved there, the push goes in.
#[test]
fn a_review_in_the_wrong_paragraph_is_located() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.git_ok(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Add parser",
        "-m",
        "Reviewed-by: Bo Roe <bo@example.com>",
        "-m",
        "Co-Authored-By: Claude <noreply@anthropic.com>",
    ]);
    let p = refused(&s, &["main"], "ai-unreviewed");
    p.says("has no Reviewed-by or Approved-by trailer from a human; the Reviewed-by: line (line 3 of the message) is in paragraph 2 of 3, and git reads trailers only in the last paragraph (the trailer block), so it is no review: move it into the last paragraph, beside the other trailers");
    s.client.git_ok(&[
        "commit",
        "-q",
        "--amend",
        "--allow-empty",
        "-m",
        "Add parser",
        "-m",
        "Reviewed-by: Bo Roe <bo@example.com>\nCo-Authored-By: Claude <noreply@anthropic.com>",
    ]);
    accepted(&s.client.push(&["main"]));
}
