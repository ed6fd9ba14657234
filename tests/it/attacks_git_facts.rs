//! The numbered catalogue of attacks on what git shows (g01...): each a class
//! of bypass an adversarial review found, as real pushes (over a local path and over `git daemon`) that assert the
//! rejection and that no ref moved. The principle: every fact a decision
//! rests on is what git itself shows, or the push is refused.

use crate::util::*;

const TRANSPORTS: [Transport; 2] = [Transport::Path, Transport::Daemon];

/// A raw commit on top of the client's HEAD with `headers` (after `tree`),
/// `parents` placed right after `tree`, and `message`.
fn raw_on_head(s: &Setup, parents: &[String], headers: &str, message: &[u8]) -> String {
    let tree = s.client.tree_of("HEAD");
    let mut raw = format!("tree {tree}\n");
    for p in parents {
        raw.push_str(&format!("parent {p}\n"));
    }
    raw.push_str(headers);
    raw.push('\n');
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(message);
    s.client.raw_commit(&raw)
}

const AUTHOR: &str = "author Dev Eloper <dev@example.com> 1767268800 +0000\n";
const COMMITTER: &str = "committer Dev Eloper <dev@example.com> 1767268800 +0000\n";

fn set_main(s: &Setup, id: &str) {
    s.client.git_ok(&["update-ref", "refs/heads/main", id]);
}

// --- 1. Commit headers as git parses them -----------------------------------

#[test]
fn g01_misplaced_parent_does_not_make_a_rewrite_a_fast_forward() {
    for t in TRANSPORTS {
        let s = Setup::with_main(t, Hooks::PreReceive);
        let old = s.client.head();
        // A root commit that names main's tip in a `parent` line after
        // `author`: git reads no parent, so this rewrites main.
        let id = raw_on_head(
            &s,
            &[],
            &format!("{AUTHOR}parent {old}\n{COMMITTER}"),
            b"Rewrite history\n",
        );
        let mut c = s.client.git();
        c.args(["log", "-1", "--format=%P", &id]);
        assert_eq!(ok(c), "", "git reads no parent");
        set_main(&s, &id);
        let p = refused(&s, &["--force", "main"], "force-push");
        p.says("error[malformed-commit]");
    }
}

#[test]
fn g02_duplicate_author_lines_are_refused() {
    for t in TRANSPORTS {
        let s = Setup::with_main(t, Hooks::PreReceive);
        let head = s.client.head();
        // git log's %an takes the last author line: Claude. A parser taking
        // the first would see a human and no AI marker.
        let id = raw_on_head(
            &s,
            &[head],
            &format!("{AUTHOR}author Claude <noreply@anthropic.com> 1767268800 +0000\n{COMMITTER}"),
            b"Add parser\n",
        );
        let mut c = s.client.git();
        c.args(["log", "-1", "--format=%an", &id]);
        assert_eq!(ok(c), "Claude");
        set_main(&s, &id);
        refused(&s, &["main"], "malformed-commit");
    }
}

#[test]
fn g03_well_formed_extra_headers_are_judged_normally() {
    // gpgsig/mergetag continuations and unknown headers after the committer
    // are normal: a continuation line that looks like `author` is not one.
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let head = s.client.head();
    let msg = format!("Add parser\n\nBody.\n\n{CLAUDE}\n{REVIEW_ANN}\n");
    let id = raw_on_head(
        &s,
        &[head],
        &format!("{AUTHOR}{COMMITTER}x-custom-header value\ngpgsig -----BEGIN PGP SIGNATURE-----\n author Claude <noreply@anthropic.com> 1 +0000\n -----END PGP SIGNATURE-----\n"),
        msg.as_bytes(),
    );
    set_main(&s, &id);
    accepted(&s.client.push(&["main"]));
}

// --- 2. Trailers as git log shows them --------------------------------------

#[test]
fn g04_review_after_leading_blank_lines_is_the_subject() {
    for t in TRANSPORTS {
        let s = Setup::with_main(t, Hooks::PreReceive);
        let head = s.client.head();
        // git log skips the leading blank lines: both lines are the subject,
        // and the commit has no trailers at all.
        let msg = format!("\n\n{REVIEW_ANN}\n{CLAUDE}\n");
        let id = raw_on_head(&s, &[head], &format!("{AUTHOR}{COMMITTER}"), msg.as_bytes());
        let mut c = s.client.git();
        c.args(["log", "-1", "--format=%(trailers:only)", &id]);
        assert_eq!(ok(c), "");
        set_main(&s, &id);
        refused(&s, &["main"], "ai-unreviewed");
    }
}

#[test]
fn g05_a_crlf_scissors_line_does_not_cut_what_git_shows() {
    // git only cuts at a scissors line ending in "\n": after a CRLF one, the
    // review is still in the trailer block git shows, and it counts.
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let head = s.client.head();
    let msg = format!(
        "Add parser\r\n\r\n{CLAUDE}\r\n# ------------------------ >8 ------------------------\r\n{REVIEW_ANN}\r\n"
    );
    let id = raw_on_head(&s, &[head], &format!("{AUTHOR}{COMMITTER}"), msg.as_bytes());
    let mut c = s.client.git();
    c.args([
        "log",
        "-1",
        "--format=%(trailers:key=Reviewed-by,valueonly)",
        &id,
    ]);
    assert_eq!(ok(c), "Ann Lee <ann@example.com>");
    set_main(&s, &id);
    accepted(&s.client.push(&["main"]));
}

#[test]
fn g06_lines_after_a_nul_are_refused() {
    for t in TRANSPORTS {
        let s = Setup::with_main(t, Hooks::PreReceive);
        let head = s.client.head();
        let mut msg = format!("Add parser\n\n{REVIEW_ANN}\n").into_bytes();
        msg.push(0);
        msg.extend_from_slice(format!("\n{CLAUDE}\n").as_bytes());
        let id = raw_on_head(&s, &[head], &format!("{AUTHOR}{COMMITTER}"), &msg);
        set_main(&s, &id);
        refused(&s, &["main"], "malformed-commit");
    }
}

// --- 3. Encodings ------------------------------------------------------------

#[test]
fn g07_a_message_git_shows_re_encoded_is_not_judged_by_its_raw_bytes() {
    for t in TRANSPORTS {
        let s = Setup::with_main(t, Hooks::PreReceive);
        let head = s.client.head();
        // UTF-7: the raw bytes hold no AI marker; git shows the Claude trailer
        // (where its iconv knows UTF-7). Either way, reviewgate cannot read it
        // exactly as git shows it: refused on a ref that requires review.
        let msg = b"Add parser\n\nCo-Authored-By: Claude +ADw-noreply+AEA-anthropic.com+AD4-\n";
        let id = raw_on_head(
            &s,
            &[head],
            &format!("{AUTHOR}{COMMITTER}encoding UTF-7\n"),
            msg,
        );
        set_main(&s, &id);
        let p = refused(&s, &["main"], "undecodable-message");
        p.says("`UTF-7`");
    }
}

#[test]
fn g08_latin1_messages_are_decoded_as_git_shows_them() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let head = s.client.head();
    // The author's email is non-ASCII in ISO-8859-1: a review by the same
    // address in the (same-encoded) message is a self-review.
    let tree = s.client.tree_of("HEAD");
    let raw = [
        format!("tree {tree}\nparent {head}\n").as_bytes(),
        b"author J\xf6rg <j\xf6rg@example.com> 1767268800 +0000\n",
        b"committer J\xf6rg <j\xf6rg@example.com> 1767268800 +0000\n",
        b"encoding ISO-8859-1\n\n",
        b"Caf\xe9\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nReviewed-by: J\xf6rg <J\xf6rg@example.com>\n",
    ]
    .concat();
    let id = s.client.raw_commit(&raw);
    let mut c = s.client.git();
    c.args(["log", "-1", "--format=%ae", &id]);
    assert_eq!(
        ok(c),
        "j\u{f6}rg@example.com",
        "git shows the address decoded"
    );
    set_main(&s, &id);
    refused(&s, &["main"], "self-review");
    // A review by someone else counts.
    let msg = b"Caf\xe9\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nReviewed-by: Ann Lee <ann@example.com>\n";
    let id = raw_on_head(
        &s,
        &[head],
        &format!("{AUTHOR}{COMMITTER}encoding ISO-8859-1\n"),
        msg,
    );
    set_main(&s, &id);
    accepted(&s.client.push(&["main"]));
}

// --- 4. Reviewer identity by meaning, not by text ----------------------------

#[test]
fn g09_ai_and_bot_reviewers_with_text_around_them() {
    let cases = [
        (
            "Reviewed-by: Claude <noreply@anthropic.com> via CLI",
            "ai-reviewer",
        ),
        (
            "Reviewed-by: Claude <noreply@anthropic.com> (automated)",
            "ai-reviewer",
        ),
        ("Reviewed-by: <noreply@anthropic.com> Claude", "ai-reviewer"),
        (
            "Reviewed-by: Claude <noreply@anthropic.com>,",
            "ai-reviewer",
        ),
        ("Reviewed-by: GitHub <noreply@github.com>,", "bot-reviewer"),
        (
            "Reviewed-by: Ann Lee <ann@example.com> <noreply@anthropic.com>",
            "reviewer-without-email",
        ),
        (
            "Reviewed-by: Ann Lee <ann.example.com>",
            "reviewer-without-email",
        ),
        (
            "Reviewed-by: Ann Lee <ann@example.com",
            "reviewer-without-email",
        ),
    ];
    for (i, (trailer, code)) in cases.iter().enumerate() {
        let t = TRANSPORTS[i % 2];
        let s = Setup::with_main(t, Hooks::PreReceive);
        s.client.commit(&ai_message("Add parser", &[trailer]));
        refused(&s, &["main"], code);
    }
}

// --- 5. Refs that change what a protected ref shows or where a push lands ----

#[test]
fn g10_replace_refs_are_refused_by_default() {
    for t in TRANSPORTS {
        let s = Setup::with_main(t, Hooks::PreReceive);
        let main = s.client.head();
        let ai = s.client.commit(&ai_message("Replacement", &[]));
        s.client.git_ok(&["reset", "-q", "--hard", &main]);
        // refs/replace/<main> would make main *show* the unreviewed commit.
        refused(&s, &[&format!("{ai}:refs/replace/{main}")], "replace-ref");
    }
}

#[test]
fn g11_replace_refs_allowed_by_policy_are_judged() {
    let s = Setup::with_policy(
        Transport::Path,
        "[[protect]]\nrefs = [\"@default\"]\n\n[[protect]]\nrefs = [\"refs/replace/*\"]\nallow-replace = true\n",
    );
    let main = s.client.head();
    let ai = s.client.commit(&ai_message("Replacement", &[]));
    s.client.git_ok(&["reset", "-q", "--hard", &main]);
    refused(&s, &[&format!("{ai}:refs/replace/{main}")], "ai-unreviewed");
    let good = s.client.commit(&ai_message("Replacement", &[REVIEW_ANN]));
    s.client.git_ok(&["reset", "-q", "--hard", &main]);
    accepted(&s.client.push(&[&format!("{good}:refs/replace/{main}")]));
}

#[test]
fn g12_a_symbolic_ref_is_judged_as_the_ref_it_writes() {
    for t in TRANSPORTS {
        let s = Setup::with_main(t, Hooks::PreReceive);
        s.server
            .git_ok(&["symbolic-ref", "refs/heads/trunk", "refs/heads/main"]);
        s.client.commit(&ai_message("Add parser", &[]));
        let p = refused(&s, &["HEAD:refs/heads/trunk"], "ai-unreviewed");
        p.says("refs/heads/trunk (-> refs/heads/main)");
        // A rewrite through the symbolic ref is a force-push of main.
        s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
        s.client
            .git_ok(&["commit", "-q", "--amend", "-m", "Rewritten"]);
        refused(&s, &["--force", "HEAD:refs/heads/trunk"], "force-push");
    }
}

// --- 6. The policy-change gate sees every way the file changes --------------

const OWNED: &str =
    "[policy]\nowners = [\"ann@example.com\"]\n\n[[protect]]\nrefs = [\"@default\"]\n";

#[test]
fn g13_a_merge_whose_first_parent_lacks_the_policy_deletes_it() {
    for t in TRANSPORTS {
        let s = Setup::new(t, Hooks::None);
        s.client.commit("Start\n");
        let before_policy = s.client.head();
        s.client.write_file(".reviewgate.toml", OWNED);
        s.client.commit("Add policy\n");
        assert!(s.client.push(&["main"]).success);
        s.server.install(Hooks::PreReceive);
        let tip = s.client.head();
        // Merge with the old commit (no policy file) as *first* parent and
        // its tree: main loses its policy, and no commit differs from its
        // first parent.
        let tree = s.client.tree_of(&before_policy);
        let merge = s.client.git_ok(&[
            "commit-tree",
            &tree,
            "-p",
            &before_policy,
            "-p",
            &tip,
            "-m",
            "Merge",
        ]);
        set_main(&s, &merge);
        refused(&s, &["main"], "policy-change-unreviewed");
    }
}

#[test]
fn g14_a_merge_that_takes_the_other_sides_older_policy() {
    for t in TRANSPORTS {
        let s = Setup::new(t, Hooks::None);
        s.client.write_file(
            ".reviewgate.toml",
            "[[protect]]\nrefs = [\"@default\"]\nreview = \"none\"\n",
        );
        s.client.commit("Weak policy\n");
        let weak = s.client.head();
        s.client.write_file(".reviewgate.toml", OWNED);
        s.client.commit(&format!("Strict policy\n\n{REVIEW_ANN}\n"));
        assert!(s.client.push(&["main"]).success);
        s.server.install(Hooks::PreReceive);
        let strict = s.client.head();
        // A side commit on the weak policy (unchanged against its parent),
        // merged with *it* as first parent and its tree: the weak policy
        // returns, and no commit differs from its first parent.
        s.client.git_ok(&["checkout", "-q", "-b", "side", &weak]);
        s.client.commit("Side work\n");
        let side = s.client.head();
        let merge = s.client.git_ok(&[
            "commit-tree",
            &s.client.tree_of(&side),
            "-p",
            &side,
            "-p",
            &strict,
            "-m",
            "Merge",
        ]);
        s.client.git_ok(&["checkout", "-q", "main"]);
        set_main(&s, &merge);
        refused(&s, &["main"], "policy-change-unreviewed");
        // The owner's review on the merge commit covers the change.
        let reviewed = s.client.git_ok(&[
            "commit-tree",
            &s.client.tree_of(&side),
            "-p",
            &side,
            "-p",
            &strict,
            "-m",
            &format!("Merge\n\n{REVIEW_ANN}"),
        ]);
        set_main(&s, &reviewed);
        accepted(&s.client.push(&["main"]));
    }
}

// --- 7. The strictest setting wins for modes too ----------------------------

#[test]
fn g15_an_entry_inheriting_enforce_outweighs_a_warn_entry() {
    for t in TRANSPORTS {
        let s = Setup::with_policy(
            t,
            "mode = \"enforce\"\n\n[[protect]]\nrefs = [\"refs/heads/main\"]\nmode = \"warn\"\n\n[[protect]]\nrefs = [\"@default\"]\n",
        );
        s.client.commit(&ai_message("Add parser", &[]));
        refused(&s, &["main"], "ai-unreviewed");
    }
}

// --- 8. A new protected ref only trusts refs at least as strict -------------

#[test]
fn g16_commits_on_a_laxer_protected_ref_are_not_already_reviewed() {
    for t in TRANSPORTS {
        let s = Setup::with_policy(
            t,
            "[[protect]]\nrefs = [\"@default\", \"refs/heads/release/*\"]\n\n[[protect]]\nrefs = [\"refs/heads/scratch/*\"]\nreview = \"none\"\n\n[[protect]]\nrefs = [\"refs/heads/experiment\"]\nmode = \"warn\"\n",
        );
        s.client.commit(&ai_message("Add parser", &[]));
        // Accepted where review is not required, or only warned about...
        accepted(&s.client.push(&["HEAD:refs/heads/scratch/x"]));
        let p = s.client.push(&["HEAD:refs/heads/experiment"]);
        assert!(
            p.success && p.stderr.contains("warning[ai-unreviewed]"),
            "{}",
            p.stderr
        );
        // ...but a release branch created from it must review the commit.
        refused(&s, &["HEAD:refs/heads/release/1"], "ai-unreviewed");
    }
}

// --- 9. The update hook never stands down for a pre-receive that will not run

#[test]
fn g17_update_hook_judges_when_pre_receive_is_not_ours_or_cannot_run() {
    let texts: [(&str, u32); 3] = [
        // Mentions reviewgate but is not executable: git skips it.
        ("#!/bin/sh\nexec /usr/local/libexec/reviewgate/reviewgate-pre-receive\n", 0o644),
        // Executable and mentions reviewgate, but does not run it.
        ("#!/bin/sh\n# reviewgate is disabled for now\nexit 0\n", 0o755),
        // Our wrapper's shape, pointing at a binary that is gone.
        ("#!/bin/sh\n# reviewgate hook wrapper (pre-receive); installed by reviewgate install.sh, do not edit.\nexec '/nonexistent/reviewgate-pre-receive' \"$@\"\n", 0o755),
    ];
    for (i, (text, mode)) in texts.iter().enumerate() {
        let s = Setup::with_main(TRANSPORTS[i % 2], Hooks::Update);
        let hook = s.server.dir.join("hooks/pre-receive");
        std::fs::write(&hook, text).expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(*mode)).expect("chmod");
        if text.contains("nonexistent") {
            // git runs it and it fails: the push is refused either way. Make it
            // succeed instead, as a wrapper whose `exec` line is dead would not.
            std::fs::write(&hook, format!("{text}exit 0\n").replace("exec ", ": ")).expect("write");
        }
        s.client.commit(&ai_message("Add parser", &[]));
        refused(&s, &["main"], "ai-unreviewed");
    }
}

// --- 10. No work that grows faster than the input ---------------------------

#[test]
fn g18_eighty_thousand_distinct_reviewers_are_judged() {
    // 80,000 distinct Reviewed-by lines (about 3 MB), all by bot accounts: the
    // answer is right (the benchmark times it: `cargo bench --bench hooks`).
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let mut msg = format!("Add parser\n\nBody.\n\n{CLAUDE}\n");
    for i in 0..80_000 {
        msg.push_str(&format!(
            "Reviewed-by: bot{i}[bot] <bot{i}@bots.example.com>\n"
        ));
    }
    assert!(msg.len() > 3_000_000);
    s.client.commit(&msg);
    let p = refused(&s, &["main"], "bot-reviewer");
    p.says("and 79995 more");
    assert!(
        p.stderr.len() < 20_000,
        "the message is capped: {} bytes",
        p.stderr.len()
    );
}

// --- Namespaces cannot be bypassed by name ----------------

#[test]
fn g19_a_namespaced_ref_named_directly_is_refused() {
    for t in TRANSPORTS {
        let s = Setup::with_main(t, Hooks::PreReceive);
        s.client.commit(&ai_message("Add parser", &[]));
        // Would become another namespace's main, past its protections.
        let p = refused(
            &s,
            &["HEAD:refs/namespaces/team/refs/heads/main"],
            "namespaced-ref",
        );
        p.says("GIT_NAMESPACE");
        s.client.commit("Human work\n");
        refused(
            &s,
            &["HEAD:refs/namespaces/team/refs/heads/feature"],
            "namespaced-ref",
        );
    }
}
