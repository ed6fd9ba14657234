//! The numbered catalogue of attacks on review (b01...): every way a hurried developer or an agent
//! might get unreviewed AI work onto a protected ref. Each attempt is a real
//! push; each asserts the rejection *and* that no ref moved. Attempts already
//! covered elsewhere are listed at the bottom of this file.

use crate::util::*;

fn main_with(msg: &str) -> Setup {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(msg);
    s
}

/// git's own answer for a commit's trailers, to show the test agrees with git.
fn git_trailers(s: &Setup) -> String {
    s.client
        .git_ok(&["log", "-1", "--format=%(trailers:only,unfold)"])
}

#[test]
fn b01_trailer_after_a_dashes_line_in_the_same_paragraph() {
    let s = main_with(&format!("Add parser\n\nBody.\n---\n{REVIEW_ANN}\n\n{CLAUDE}\nSigned-off-by: Dev Eloper <dev@example.com>\n"));
    // git: the review is in a middle paragraph, not the trailer block.
    assert!(!git_trailers(&s).contains("Reviewed-by"));
    refused(&s, &["main"], "ai-unreviewed");
}

#[test]
fn b02_dashes_do_not_cut_a_commit_message() {
    // For commits git does not honour `---`: a review in the final paragraph
    // after it counts, exactly as git log shows it.
    let s = main_with(&format!(
        "Add parser\n\nBody.\n---\nnot a patch\n\n{CLAUDE}\n{REVIEW_ANN}\n"
    ));
    assert!(git_trailers(&s).contains("Reviewed-by: Ann Lee"));
    assert!(s.client.push(&["main"]).success);
}

#[test]
fn b03_block_spoiled_by_the_25_percent_rule() {
    // Five prose lines and one trailer, no git-generated line: not a block.
    let s = main_with(&format!(
        "Add parser\n\nDetails.\n\none\ntwo\nthree\nfour\nfive\n{REVIEW_ANN}\n{CLAUDE}\n"
    ));
    assert_eq!(git_trailers(&s), "");
    refused(&s, &["main"], "ai-unreviewed");
}

#[test]
fn b04_continuation_line_hiding_a_review() {
    // An indented "Reviewed-by:" continues the trailer above it.
    let s = main_with(&format!("Add parser\n\nBody.\n\n{CLAUDE}\n {REVIEW_ANN}\n"));
    assert!(!git_trailers(&s)
        .lines()
        .any(|l| l.starts_with("Reviewed-by")));
    refused(&s, &["main"], "ai-unreviewed");
}

#[test]
fn b05_reviewer_is_the_committer() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let mut c = s.client.git();
    let msg = ai_message(
        "Add parser",
        &["Reviewed-by: Cy Committer <cy@example.com>"],
    );
    c.args(["commit", "-q", "--allow-empty", "-m", &msg])
        .env("GIT_COMMITTER_NAME", "Cy Committer")
        .env("GIT_COMMITTER_EMAIL", "CY@example.com");
    ok(c);
    refused(&s, &["main"], "self-review");
}

#[test]
fn b06_reviewer_is_a_bot_account() {
    let s = main_with(&ai_message(
        "Add parser",
        &["Reviewed-by: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"],
    ));
    refused(&s, &["main"], "bot-reviewer");
    let s = main_with(&ai_message(
        "Add parser",
        &["Reviewed-by: dependabot[bot] <support@github.com>"],
    ));
    refused(&s, &["main"], "bot-reviewer");
}

#[test]
fn b07_reviewer_is_an_ai_with_a_model_name() {
    let s = main_with(&ai_message(
        "Add parser",
        &["Reviewed-by: Claude Opus 5 <noreply@anthropic.com>"],
    ));
    refused(&s, &["main"], "ai-reviewer");
}

#[test]
fn b08_same_reviewer_twice_toward_a_minimum_of_two() {
    let s = Setup::new(Transport::Path, Hooks::None);
    s.client.write_file(
        ".reviewgate.toml",
        "[review]\nmin-reviewers = 2\n[[protect]]\nrefs = [\"@default\"]\n",
    );
    s.client.commit("Policy\n");
    assert!(s.client.push(&["main"]).success);
    s.server.install(Hooks::PreReceive);
    s.client.commit(&ai_message(
        "Add parser",
        &[REVIEW_ANN, "Reviewed-by: A. Lee <ANN@example.com>"],
    ));
    refused(&s, &["main"], "too-few-reviewers");
    s.client
        .amend_trailer("Reviewed-by: Bo Smith <bo@example.com>");
    assert!(s.client.push(&["main"]).success);
}

#[test]
fn b09_ai_tag_only_in_the_author_name() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit_as(
        "Refactor config\n",
        Some(("Dev Eloper (aider)", "dev@example.com")),
    );
    let p = refused(&s, &["main"], "ai-unreviewed");
    p.says("Aider: author Dev Eloper (aider)");
}

#[test]
fn b10_ai_tag_only_in_a_bot_co_author_with_odd_key_case() {
    let s = main_with("Fix flaky test\n\nDetails.\n\ncO-aUtHoReD-bY: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n");
    refused(&s, &["main"], "ai-unreviewed");
}

#[test]
fn b11_delete_and_recreate_main_in_one_push() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("AI", &[]));
    let before = refs(&s);
    // git itself refuses two updates of one ref in a push.
    let p = s.client.push(&[":main", "HEAD:main"]);
    assert!(!p.success, "{}", p.stderr);
    assert_eq!(refs(&s), before);
    // And with --force, the update is judged as a force-push with unreviewed AI work.
    let p = refused(&s, &["--force", "HEAD:refs/heads/main"], "ai-unreviewed");
    let _ = p;
}

#[test]
fn b12_push_from_a_detached_head() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.git_ok(&["checkout", "-q", "--detach"]);
    s.client.commit(&ai_message("AI on a detached head", &[]));
    refused(&s, &["HEAD:main"], "ai-unreviewed");
    refused(&s, &["HEAD:refs/heads/release/9"], "ai-unreviewed");
}

#[test]
fn b13_atomic_push_mixing_good_and_bad_refs() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.git_ok(&["checkout", "-q", "-b", "ok"]);
    s.client.commit(&ai_message("Reviewed", &[REVIEW_ANN]));
    s.client.git_ok(&["checkout", "-q", "-b", "bad"]);
    s.client.commit(&ai_message("Unreviewed", &[]));
    refused(
        &s,
        &[
            "--atomic",
            "ok:main",
            "bad:refs/heads/release/1",
            "bad:refs/heads/feature",
        ],
        "ai-unreviewed",
    );
    // Without --atomic, pre-receive still rejects the whole push.
    refused(
        &s,
        &["ok:main", "bad:refs/heads/release/1"],
        "ai-unreviewed",
    );
}

#[test]
fn b14_laundering_through_a_tag_then_a_branch() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("AI", &[]));
    // An unprotected tag first (accepted), then main fast-forwarded to it.
    s.client.git_ok(&["tag", "-a", "-m", "snapshot", "snap-1"]);
    assert!(s.client.push(&["snap-1"]).success);
    refused(&s, &["snap-1^{commit}:refs/heads/main"], "ai-unreviewed");
    refused(&s, &["HEAD:main"], "ai-unreviewed");
}

#[test]
fn b15_control_characters_in_author_name_and_reviewer() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit_as(
        "Fix \u{1b}]8;;http://evil\u{7}link\u{1b}]8;;\u{7}\n\nReviewed-by: \u{1b}[2J <dev@example.com>\n",
        Some(("Mal \u{1b}[31mlory\u{7} (aider)", "mal@example.com")),
    );
    // The "reviewer" is the committer (dev@example.com): self-review.
    let p = refused(&s, &["main"], "self-review");
    assert!(
        !p.stderr.contains('\u{1b}') && !p.stderr.contains('\u{7}'),
        "raw control character reached the client"
    );
    p.says("\\x1b[31mlory");
}

#[test]
fn b16_huge_message_and_binary_junk() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let mut big = String::from("Huge\n\n");
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("Reviewed-by: nobody in particular, this is prose that goes on and on\n");
    }
    big.push_str(&format!("\n{CLAUDE}\n"));
    s.client.commit(&big);
    refused(&s, &["main"], "ai-unreviewed");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    let mut junk: Vec<u8> = b"Junk\n\n".to_vec();
    junk.extend(
        (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .filter(|&b| b != 0),
    );
    junk.extend_from_slice(format!("\n\n{CLAUDE}\n").as_bytes());
    s.client.commit_bytes(&junk, None);
    let p = refused(&s, &["main"], "ai-unreviewed");
    assert!(!p.stderr.contains('\u{1b}'));
}

#[test]
fn b17_unusual_ref_names_git_allows() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("AI", &[]));
    // git refuses `..` and control characters in ref names before any hook runs.
    let before = refs(&s);
    assert!(!s.client.push(&["HEAD:refs/heads/main/../x"]).success);
    assert!(!s.client.push(&["HEAD:refs/heads/evil\u{1b}[31m"]).success);
    assert_eq!(refs(&s), before);
    // The hook refuses such names too if a server ever passed one (see push::tests).
    // Names git allows that look like main are distinct refs, unprotected.
    assert!(s.client.push(&["HEAD:refs/heads/main-copy"]).success);
    assert!(
        s.client.push(&["HEAD:refs/heads/releases"]).success,
        "releases is not release/*"
    );
    // Nested release branches are release/* only one level deep; ** is needed for more.
    assert!(
        s.client
            .push(&["HEAD:refs/heads/release/1.x/hotfix"])
            .success
    );
    refused(&s, &["HEAD:refs/heads/release/1.x"], "ai-unreviewed");
}

#[test]
fn b18_default_branch_switched_on_the_server() {
    // HEAD is server state that a push cannot change; the policy follows it.
    let s = Setup::with_main(Transport::Path, Hooks::None);
    s.client.git_ok(&["checkout", "-q", "-b", "lax"]);
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"refs/heads/main\"]\nreview = \"none\"\n",
    );
    s.client.commit("Lax policy on another branch\n");
    assert!(s.client.push(&["lax"]).success);
    s.server.install(Hooks::PreReceive);
    s.client.git_ok(&["checkout", "-q", "main"]);
    s.client.commit(&ai_message("AI", &[]));
    // HEAD names main: main's (built-in) policy applies, the lax file is not read.
    refused(&s, &["main"], "ai-unreviewed");
    // Only an administrator can point HEAD elsewhere. The lax file does not
    // protect its own branch, so it is not trusted: fail closed.
    s.server.git_ok(&["symbolic-ref", "HEAD", "refs/heads/lax"]);
    let p = refused(&s, &["main"], "policy-invalid");
    p.says("read from refs/heads/lax, which it does not protect");
}

#[test]
fn b19_push_from_a_shallow_clone() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    for i in 0..5 {
        s.client.commit(&format!("History {i}\n"));
    }
    assert!(s.client.push(&["main"]).success);
    let root = s.client.dir.parent().expect("root").to_path_buf();
    let mut c = git_cmd(&root);
    c.args([
        "clone",
        "-q",
        "--depth",
        "1",
        &format!("file://{}", s.server.dir.display()),
        "shallow",
    ]);
    ok(c);
    let shallow = Client {
        dir: root.join("shallow"),
        remote: s.server.url(),
        env: Vec::new(),
    };
    shallow.commit(&ai_message("AI from a shallow clone", &[]));
    let before = refs(&s);
    let p = shallow.push(&["main"]);
    assert!(
        !p.success && p.stderr.contains("error[ai-unreviewed]"),
        "{}",
        p.stderr
    );
    assert_eq!(refs(&s), before);
    shallow.amend_trailer(REVIEW_ANN);
    assert!(shallow.push(&["main"]).success);
}
