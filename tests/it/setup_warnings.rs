//! What the hook says about the server's own setup on every push until it is
//! fixed: a HEAD naming a missing branch, a broken pinned policy, another
//! policy file on another protected branch, an unknown push option.

use crate::util::*;

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
