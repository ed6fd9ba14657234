//! Forge merges. Each test reproduces a forge's push faithfully: the
//! merge or squash message as the forge writes it, the environment it sets
//! (shared/reference/forges.md), and the pull request's head ref on the
//! server. A reviewed pull-request merge passes; an unreviewed squash cannot
//! hide its AI commits.

use crate::util::*;

/// A server with `main` (one human commit) and a client on `main`.
fn forge_setup(policy: Option<&str>) -> Setup {
    match policy {
        Some(p) => Setup::with_policy(Transport::Path, p),
        None => Setup::with_main(Transport::Path, Hooks::PreReceive),
    }
}

/// Two AI-assisted commits on a pull-request branch, pushed to the server the
/// way the forge keeps them (`refs/pull/<n>/head`); the client is left on
/// `main`. Returns the branch tip.
fn pull_request(s: &Setup, n: u64) -> String {
    s.client.git_ok(&["checkout", "-q", "-b", "feature/parser"]);
    s.client.commit(&ai_message("Add parser", &[]));
    s.client
        .commit(&ai_message("Handle errors in the parser", &[]));
    let head = s.client.head();
    let p = s.client.push(&[&format!("HEAD:refs/pull/{n}/head")]);
    assert!(p.success, "{}", p.stderr);
    s.client.git_ok(&["checkout", "-q", "main"]);
    head
}

/// Commit a merge of `head` into `main` with `message`, as `author`.
fn merge_as(s: &Setup, head: &str, message: &str, author: (&str, &str)) -> String {
    let mut c = s.client.git();
    c.args(["merge", "-q", "--no-ff", "--no-edit", head]);
    ok(c);
    let msg = s.client.dir.join(".git/MERGE_TEXT");
    std::fs::write(&msg, message).expect("write");
    let mut c = s.client.git();
    c.args(["commit", "-q", "--amend", "--cleanup=verbatim", "-F"])
        .arg(&msg)
        .env("GIT_AUTHOR_NAME", author.0)
        .env("GIT_AUTHOR_EMAIL", author.1)
        .env("GIT_COMMITTER_NAME", author.0)
        .env("GIT_COMMITTER_EMAIL", author.1);
    ok(c);
    s.client.head()
}

/// Squash `head` onto `main` with `message`, as `author`.
fn squash_as(s: &Setup, head: &str, message: &str, author: (&str, &str)) -> String {
    let tree = s.client.tree_of(head);
    let main = s.client.head();
    let mut c = s.client.git();
    c.args(["commit-tree", &tree, "-p", &main, "-m", message])
        .env("GIT_AUTHOR_NAME", author.0)
        .env("GIT_AUTHOR_EMAIL", author.1)
        .env("GIT_COMMITTER_NAME", author.0)
        .env("GIT_COMMITTER_EMAIL", author.1);
    let id = ok(c);
    s.client.git_ok(&["reset", "-q", "--hard", &id]);
    id
}

const BO: (&str, &str) = ("Bo Merger", "bo@example.com");
const GITEA_MERGE: &[(&str, &str)] = &[
    ("GITEA_PUSHER_NAME", "bo"),
    ("GITEA_PUSHER_ID", "2"),
    ("GITEA_PUSHER_EMAIL", "bo@example.com"),
    ("GITEA_PUSH_TRIGGER", "pr-merge-to-base"),
    ("GITEA_PR_ID", "42"),
    ("GITEA_PR_INDEX", "7"),
    ("GITEA_REPO_USER_NAME", "acme"),
    ("GITEA_REPO_NAME", "app"),
    ("SSH_ORIGINAL_COMMAND", "gitea-internal"),
];
const GITEA_MERGE_MESSAGE: &str = "Merge pull request 'Add parser' (#7) from feature/parser into main\n\nReviewed-on: https://git.example.com/acme/app/pulls/7\nReviewed-by: Ann Lee <ann@example.com>\n";

#[test]
fn a_gitea_merge_with_reviewed_by_covers_the_pull_requests_commits() {
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    let merge = merge_as(&s, &head, GITEA_MERGE_MESSAGE, BO);
    let p = s.client.with_env(GITEA_MERGE).push(&["main"]);
    accepted(&p);
    let short = &merge[..12];
    p.says(&format!(
        "the review on merge {short} covers 2 commit(s) it merges"
    ));
    let rec = s.server.last_audit();
    assert_eq!(rec["covered_count"], 2, "{rec}");
    for c in rec["covered"].as_array().expect("covered") {
        assert_eq!(c["merge"], merge.as_str(), "{rec}");
        assert_eq!(c["ref"], "refs/heads/main", "{rec}");
    }
}

#[test]
fn a_gitea_squash_without_review_cannot_hide_its_ai_commits() {
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    // Gitea's squash: the PR title and number, the description, the other
    // authors as Co-authored-by; the commits' own trailers are gone.
    squash_as(
        &s,
        &head,
        "Add parser (#7)\n\nParses the input format.\n\n---------\n\nCo-authored-by: Dev Eloper <dev@example.com>\n",
        BO,
    );
    let p = refused_by(
        &s,
        &s.client.with_env(GITEA_MERGE),
        &["main"],
        "ai-unreviewed",
    );
    p.says("pull request #7 commit");
    assert!(
        p.stderr.contains("approve pull request #7"),
        "the fix speaks Gitea: {}",
        p.stderr
    );
    p.never_says("git commit --amend");
    insta::assert_snapshot!("gitea_squash_rejected", remote_lines(&p.stderr));
}

#[test]
fn a_gitea_squash_with_the_approval_passes() {
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    squash_as(
        &s,
        &head,
        "Add parser (#7)\n\nParses the input format.\n\n---------\n\nCo-authored-by: Dev Eloper <dev@example.com>\n\nReviewed-on: https://git.example.com/acme/app/pulls/7\nReviewed-by: Ann Lee <ann@example.com>\n",
        BO,
    );
    accepted(&s.client.with_env(GITEA_MERGE).push(&["main"]));
}

#[test]
fn a_squash_that_keeps_the_markers_in_its_body_is_ai_assisted() {
    // A squash made outside a forge's pull request, whose body lists the
    // commits with their trailers: the markers still count.
    let s = forge_setup(None);
    s.client.commit("Add parser\n\n* Add parser\n\n  Co-Authored-By: Claude <noreply@anthropic.com>\n\n* Handle errors\n");
    refused(&s, &["main"], "ai-unreviewed");
}

const GITLAB_WEB: &[(&str, &str)] = &[
    ("GL_USERNAME", "bo"),
    ("GL_ID", "user-2"),
    ("GL_PROTOCOL", "web"),
    ("GL_PROJECT_PATH", "acme/app"),
    ("GL_REPOSITORY", "project-1"),
];

#[test]
fn a_gitlab_web_merge_with_approved_by_passes() {
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    merge_as(
        &s,
        &head,
        "Merge branch 'feature/parser' into 'main'\n\nAdd parser\n\nSee merge request acme/app!7\n\nApproved-by: Ann Lee <ann@example.com>\n",
        BO,
    );
    let p = s.client.with_env(GITLAB_WEB).push(&["main"]);
    accepted(&p);
    p.says("covers 2 commit(s)");
}

#[test]
fn a_gitlab_web_rejection_speaks_to_the_web_ui() {
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    // GitLab's default merge template: no review lines.
    merge_as(
        &s,
        &head,
        "Merge branch 'feature/parser' into 'main'\n\nAdd parser\n\nSee merge request acme/app!7\n",
        BO,
    );
    let p = refused_by(
        &s,
        &s.client.with_env(GITLAB_WEB),
        &["main"],
        "ai-unreviewed",
    );
    let remote = remote_lines(&p.stderr);
    assert!(remote.lines().count() > 5);
    for line in remote.lines() {
        // (Trailing spaces are trimmed by the test's reading of stderr.)
        assert!(line.starts_with("GL-HOOK-ERR:"), "{line:?}");
    }
    assert!(remote.contains("%{approved_by}"), "{remote}");
    assert!(
        remote.starts_with(
            "GL-HOOK-ERR: reviewgate: push rejected: ai-unreviewed (2) on refs/heads/main"
        ),
        "one summary line first: {remote}"
    );
    insta::assert_snapshot!("gitlab_web_rejected", remote);
}

#[test]
fn a_ghes_merge_button_push_without_review_is_refused_in_its_words() {
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    merge_as(
        &s,
        &head,
        "Merge pull request #7 from acme/feature-parser\n\nAdd parser\n",
        BO,
    );
    let ghes = s.client.with_env(&[
        ("GITHUB_USER_LOGIN", "bo"),
        ("GITHUB_VIA", "pull request merge button"),
        ("GITHUB_PULL_REQUEST_AUTHOR_LOGIN", "dev"),
        ("GITHUB_PULL_REQUEST_HEAD", "acme:feature-parser"),
        ("GITHUB_PULL_REQUEST_BASE", "acme:main"),
    ]);
    let p = refused_by(&s, &ghes, &["main"], "ai-unreviewed");
    p.says("GitHub Enterprise Server writes no review trailers");
    insta::assert_snapshot!("ghes_merge_rejected", remote_lines(&p.stderr));
}

#[test]
fn a_covered_commit_written_by_the_approver_is_not_covered() {
    let s = forge_setup(None);
    s.client.git_ok(&["checkout", "-q", "-b", "feature/parser"]);
    s.client.commit_as(
        &ai_message("Add parser", &[]),
        Some(("Ann Lee", "ann@example.com")),
    );
    let head = s.client.head();
    assert!(s.client.push(&["HEAD:refs/pull/7/head"]).success);
    s.client.git_ok(&["checkout", "-q", "main"]);
    merge_as(&s, &head, GITEA_MERGE_MESSAGE, BO);
    let p = refused_by(
        &s,
        &s.client.with_env(GITEA_MERGE),
        &["main"],
        "ai-unreviewed",
    );
    p.says("its reviewer(s) (ann@example.com) wrote this commit");
}

#[test]
fn an_ai_commit_on_the_first_parent_side_is_not_covered() {
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    // Straight onto main, then the reviewed merge on top, in one push.
    s.client.commit(&ai_message("Hotfix straight on main", &[]));
    merge_as(&s, &head, GITEA_MERGE_MESSAGE, BO);
    let p = refused(&s, &["main"], "ai-unreviewed");
    p.says("\"Hotfix straight on main\"");
    p.says("first-parent side of the reviewed merge");
    assert!(
        !p.stderr.contains("\"Add parser\""),
        "the merged commits are covered: {}",
        p.stderr
    );
}

#[test]
fn an_ai_identity_as_approver_covers_nothing() {
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    merge_as(
        &s,
        &head,
        "Merge pull request 'Add parser' (#7) from feature/parser into main\n\nReviewed-on: https://git.example.com/acme/app/pulls/7\nReviewed-by: Claude <noreply@anthropic.com>\n",
        BO,
    );
    let p = refused_by(
        &s,
        &s.client.with_env(GITEA_MERGE),
        &["main"],
        "ai-unreviewed",
    );
    assert_eq!(
        p.stderr.matches("error[ai-unreviewed]").count(),
        2,
        "{}",
        p.stderr
    );
}

#[test]
fn merges_cover_false_and_forge() {
    // false: each commit needs its own review.
    let s = forge_setup(Some(
        "[review]\nmerges-cover = false\n\n[[protect]]\nrefs = [\"@default\"]\n",
    ));
    let head = pull_request(&s, 7);
    merge_as(&s, &head, GITEA_MERGE_MESSAGE, BO);
    refused_by(
        &s,
        &s.client.with_env(GITEA_MERGE),
        &["main"],
        "ai-unreviewed",
    );
    // "forge": the same merge pushed from a laptop covers nothing...
    let s = forge_setup(Some(
        "[review]\nmerges-cover = \"forge\"\n\n[[protect]]\nrefs = [\"@default\"]\n",
    ));
    let head = pull_request(&s, 7);
    merge_as(&s, &head, GITEA_MERGE_MESSAGE, BO);
    let p = refused(&s, &["main"], "ai-unreviewed");
    p.says("merges-cover = \"forge\" and the forge did not make this merge");
    // ...and made by the forge, it covers.
    accepted(&s.client.with_env(GITEA_MERGE).push(&["main"]));
}

#[test]
fn gitea_hidden_emails_review_and_push() {
    // Users who hide their email review as login@<no-reply host>; Gitea may
    // pass no GITEA_PUSHER_EMAIL. Allow-lists and [identities] name them.
    let policy = "[review]\nreviewers = [\"*@noreply.example.org\"]\nrequire-pusher = true\n\n[identities]\nann = [\"ann@noreply.example.org\"]\n\n[[protect]]\nrefs = [\"@default\"]\n";
    let s = forge_setup(Some(policy));
    let head = pull_request(&s, 7);
    merge_as(
        &s,
        &head,
        "Merge pull request 'Add parser' (#7) from feature/parser into main\n\nReviewed-on: https://git.example.com/acme/app/pulls/7\nReviewed-by: Ann Lee <ann@noreply.example.org>\n",
        ("Ann Lee", "ann@noreply.example.org"),
    );
    // Bo merges: the reviewer is not the pusher.
    let mut env: Vec<(&str, &str)> = GITEA_MERGE
        .iter()
        .filter(|(k, _)| *k != "GITEA_PUSHER_EMAIL")
        .copied()
        .collect();
    refused_by(
        &s,
        &s.client.with_env(&env),
        &["main"],
        "pusher-not-reviewer",
    );
    // Ann merges her approval herself.
    for (k, v) in env.iter_mut() {
        if *k == "GITEA_PUSHER_NAME" {
            *v = "ann";
        }
    }
    accepted(&s.client.with_env(&env).push(&["main"]));
}

#[test]
fn a_rebase_merge_keeps_each_commit_and_needs_their_reviews() {
    // Rebase-merge fast-forwards main to the PR's commits as they are: each
    // needs its own review (docs/forges.md says so).
    let s = forge_setup(None);
    let head = pull_request(&s, 7);
    s.client.git_ok(&["merge", "-q", "--ff-only", &head]);
    let p = refused_by(
        &s,
        &s.client.with_env(GITEA_MERGE),
        &["main"],
        "ai-unreviewed",
    );
    assert_eq!(
        p.stderr.matches("error[ai-unreviewed]").count(),
        2,
        "{}",
        p.stderr
    );
}

#[test]
fn coverage_is_exact_when_branches_cross_and_clocks_lie() {
    // main: M0 - Y - Z - A, and the merge M(A, F3) reviewed by Ann. The PR branch
    // F1 - F2 - F3 merged Z into itself (F2 = merge(F1, Z)), so Z is reachable
    // from both of M's parents: M covers neither Z nor Y. Z's committer date
    // is in the future, so the date-ordered walk meets it (and hands what
    // reached it to Y) before the first-parent side reaches it: the answer
    // must not depend on that.
    let s = forge_setup(None);
    let m0 = s.client.head();
    let tree = s.client.tree_of("HEAD");
    let commit = |parents: &[&str], msg: &str, date: &str| {
        let mut c = s.client.git();
        c.args(["commit-tree", &tree]);
        for p in parents {
            c.args(["-p", p]);
        }
        c.args(["-m", msg])
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_AUTHOR_DATE", date);
        ok(c)
    };
    let ai = |subject: &str| format!("{subject}\n\nBody.\n\n{CLAUDE}");
    let y = commit(&[&m0], &ai("Y straight on main"), "2026-01-15T00:00:00Z");
    let z = commit(&[&y], &ai("Z straight on main"), "2030-01-01T00:00:00Z");
    let a = commit(&[&z], "A human change on main", "2026-02-01T00:00:00Z");
    let f1 = commit(&[&m0], &ai("F1 on the branch"), "2026-02-02T00:00:00Z");
    let f2 = commit(
        &[&f1, &z],
        "Merge main into the branch",
        "2026-02-03T00:00:00Z",
    );
    let f3 = commit(&[&f2], &ai("F3 on the branch"), "2026-02-04T00:00:00Z");
    let m = commit(
        &[&a, &f3],
        "Merge pull request 'Parser' (#7) from feature into main\n\nReviewed-by: Ann Lee <ann@example.com>",
        "2026-02-05T00:00:00Z",
    );
    s.client.git_ok(&["reset", "-q", "--hard", &m]);
    let p = refused(&s, &["main"], "ai-unreviewed");
    assert_eq!(
        p.stderr.matches("error[ai-unreviewed]").count(),
        2,
        "{}",
        p.stderr
    );
    p.says("\"Z straight on main\"");
    p.says("\"Y straight on main\"");
    // Covered: F1 and F3 (F2 is a human merge, A a human commit).
    assert!(
        !p.stderr.contains("\"F1 on the branch\"") && !p.stderr.contains("\"F3 on the branch\""),
        "{}",
        p.stderr
    );
    p.says("covers 2 commit(s)");
}

/// A pull request of one reviewed AI-assisted commit and one human commit,
/// opened after main moved on (so a rebase merge writes copies). Returns
/// (head, the AI commit, the human commit).
fn mixed_pull_request(s: &Setup, ai_trailers: &[&str]) -> (String, String, String) {
    s.client.git_ok(&["checkout", "-q", "-b", "feature/mixed"]);
    let ai = s.client.commit(&ai_message("Add parser", ai_trailers));
    s.client.write_file("docs/parser.md", "# Parser\n");
    s.client.git_ok(&["add", "-A"]);
    let human = s.client.commit("Document the parser\n\nWritten by hand.\n");
    let head = s.client.head();
    assert!(s.client.push(&["HEAD:refs/pull/7/head"]).success);
    meanwhile_on_main(s);
    (head, ai, human)
}

/// Back on main, a human commit of its own lands (a file no pull request
/// touches, so a rebase replays every commit).
fn meanwhile_on_main(s: &Setup) {
    s.client.git_ok(&["checkout", "-q", "main"]);
    s.client.write_file("MEANWHILE.md", "main moved on\n");
    s.client.git_ok(&["add", "-A"]);
    s.client.commit("Meanwhile on main\n");
    accepted(&s.client.push(&["main"]));
}

/// What Gitea's "Rebase then fast-forward" writes: the pull request's
/// commits replayed onto main, same authors, dates and messages, Gitea's
/// merger as committer.
fn rebase_as_gitea(s: &Setup, head: &str) {
    s.client
        .git_ok(&["checkout", "-q", "-b", "gitea-rebase", head]);
    let mut c = s.client.git();
    c.args(["rebase", "-q", "main"])
        .env("GIT_COMMITTER_NAME", BO.0)
        .env("GIT_COMMITTER_EMAIL", BO.1)
        .env("GIT_COMMITTER_DATE", "2026-01-02T09:00:00Z");
    ok(c);
    let rebased = s.client.head();
    s.client.git_ok(&["checkout", "-q", "main"]);
    s.client.git_ok(&["merge", "-q", "--ff-only", &rebased]);
}

/// A rebase merge is judged per commit. Each copy inherits the
/// evidence (and, with its message, the review) of the commit it copies, so
/// the human commit's copy needs no review and the reviewed AI commit's copy
/// is reviewed: accepted. The same pull request squashed without a review
/// is refused.
#[test]
fn a_rebase_merge_of_a_reviewed_ai_commit_and_a_human_commit_passes() {
    let s = forge_setup(None);
    let (head, _, _) = mixed_pull_request(&s, &[REVIEW_ANN]);
    rebase_as_gitea(&s, &head);
    let p = s.client.with_env(GITEA_MERGE).push(&["main"]);
    accepted(&p);
    p.says("2 commit(s) checked");
    assert_eq!(s.server.rev("refs/heads/main"), Some(s.client.head()));

    let s = forge_setup(None);
    let (head, _, _) = mixed_pull_request(&s, &[REVIEW_ANN]);
    squash_as(&s, &head, "Add parser (#7)\n\nSquashed.\n", BO);
    let p = refused_by(
        &s,
        &s.client.with_env(GITEA_MERGE),
        &["main"],
        "ai-unreviewed",
    );
    p.says("pull request #7 commit");
}

/// A squash dressed as the human commit's copy (its author, date and
/// message, the whole pull request's tree) launders nothing: the AI commit
/// reached main neither as itself nor as a copy, so its evidence goes to
/// every pushed commit.
#[test]
fn a_squash_dressed_as_a_copy_of_the_human_commit_is_refused() {
    let s = forge_setup(None);
    let (head, ai, human) = mixed_pull_request(&s, &[]);
    let mut c = s.client.git();
    c.args(["cat-file", "commit", &human]);
    let raw = ok(c);
    let author = raw
        .lines()
        .find_map(|l| l.strip_prefix("author "))
        .expect("author");
    let message = raw.split_once("\n\n").expect("message").1;
    let tree = s.client.tree_of(&head);
    let main = s.client.head();
    let forged = format!(
        "tree {tree}\nparent {main}\nauthor {author}\ncommitter Bo Merger <bo@example.com> 1767344400 +0000\n\n{message}\n"
    );
    let id = s.client.raw_commit(forged.as_bytes());
    s.client.git_ok(&["reset", "-q", "--hard", &id]);
    let p = refused_by(
        &s,
        &s.client.with_env(GITEA_MERGE),
        &["main"],
        "ai-unreviewed",
    );
    p.says(&format!("pull request #7 commit {}", &ai[..12]));
}

/// A copy inherits the git-ai note of the commit it copies (the copy has no
/// note of its own): unreviewed, it is refused, naming the original.
#[test]
fn a_rebased_copy_inherits_the_note_of_the_commit_it_copies() {
    let s = forge_setup(None);
    s.client.git_ok(&["checkout", "-q", "-b", "feature/noted"]);
    s.client.write_file("src/cache.rs", "// cache\n");
    s.client.git_ok(&["add", "-A"]);
    let a = s.client.commit("Add cache\n\nPlain body.\n");
    let text = format!("src/cache.rs\n  s_4f1e9d2c3b7a60::t_2b8c4d6e0f1a93 1-4\n---\n{{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"{a}\",\"prompts\":{{}},\"sessions\":{{\"s_4f1e9d2c3b7a60\":{{\"agent_id\":{{\"tool\":\"claude\",\"id\":\"c\",\"model\":\"m\"}}}}}}}}\n");
    let path = s.client.dir.join(".git/NOTE_TEXT");
    std::fs::write(&path, text).expect("note");
    let mut c = s.client.git();
    c.args(["notes", "--ref=ai", "add", "-F"])
        .arg(&path)
        .arg(&a);
    ok(c);
    let head = s.client.head();
    assert!(
        s.client
            .push(&["HEAD:refs/pull/7/head", "refs/notes/ai"])
            .success
    );
    meanwhile_on_main(&s);
    rebase_as_gitea(&s, &head);
    let p = refused_by(
        &s,
        &s.client.with_env(GITEA_MERGE),
        &["main"],
        "ai-unreviewed",
    );
    p.says(&format!(
        "(claude: pull request #7 commit {}: refs/notes/ai records 4 agent-written lines)",
        &a[..12]
    ));
}
