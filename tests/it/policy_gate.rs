//! The policy-change gate: a change to `.reviewgate.toml` on a protected
//! branch needs a valid file and an owner's review, decided as every other
//! review (pusher binding, minimum, reviewer list and keys, no self or AI
//! review, merge coverage), on every protected branch.

use crate::policy_source::WEAK;
use crate::util::*;

const OWNED: &str = "[policy]\nowners = [\"owner@example.com\"]\n\n[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n";

#[test]
fn policy_changes_need_an_owner_and_a_valid_file() {
    let s = Setup::with_policy(Transport::Path, OWNED);
    let before = s.server.rev("refs/heads/main");
    // Loosening, reviewed by a non-owner: rejected, judged by the old policy.
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"none\"\n",
    );
    s.client.commit(&format!("Relax review\n\n{REVIEW_ANN}\n"));
    let p = s.client.push(&["main"]);
    rejected(&p, "policy-change-unreviewed");
    p.says("policy owner (owner@example.com)");
    assert_eq!(s.server.rev("refs/heads/main"), before);
    // Invalid new policy, even with an owner's review: rejected with line and column.
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"sometimes\"\n",
    );
    s.client
        .commit("Broken policy\n\nReviewed-by: Olga Owner <owner@example.com>\n");
    let p = s.client.push(&["main"]);
    rejected(&p, "policy-change-invalid");
    p.says(".reviewgate.toml:3:10: `protect[0].review` must be");
    assert_eq!(s.server.rev("refs/heads/main"), before);
    // Deleting the policy file is a change too.
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.git_ok(&["rm", "-q", ".reviewgate.toml"]);
    s.client.git_ok(&["commit", "-q", "-m", "Drop the policy"]);
    rejected(&s.client.push(&["main"]), "policy-change-unreviewed");
    // A valid change reviewed by an owner: accepted, and in force for the next push.
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.write_file(".reviewgate.toml", "[policy]\nowners = [\"owner@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\nreview = \"none\"\n");
    s.client
        .commit("Relax review\n\nReviewed-by: Olga Owner <owner@example.com>\n");
    accepted(&s.client.push(&["main"]));
    let ai = s.client.commit(&ai_message("AI, unreviewed", &[]));
    let p = s.client.push(&["main"]);
    accepted(&p);
    assert_eq!(s.server.rev("refs/heads/main"), Some(ai));
}

/// Append a line to the policy file and commit it with `trailers`.
fn change_policy(s: &Setup, trailers: &str) -> String {
    let path = s.client.dir.join(".reviewgate.toml");
    let text = std::fs::read_to_string(&path).expect("policy");
    s.client
        .write_file(".reviewgate.toml", &format!("{text}\n# edited\n"));
    s.client.commit(&format!("Tune the policy\n\n{trailers}\n"))
}

const OLGA: &str = "Reviewed-by: Olga Owner <owner@example.com>";

/// The policy gate decides with the same function as every
/// other review, so each review setting applies to a change of the policy
/// (these tests and the next: the pusher binding, the minimum, the reviewer
/// list, the trailer keys, merge coverage). Here: with `require-pusher`, a
/// typed owner review counts only when the owner pushes.
#[test]
fn the_policy_gate_binds_an_owner_review_to_the_pusher() {
    let bound = "[review]\nrequire-pusher = true\n[identities]\nolga = [\"owner@example.com\"]\n[policy]\nowners = [\"owner@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\n";
    let s = Setup::with_policy(Transport::Path, bound);
    let c = change_policy(&s, OLGA);
    let dev = s.client.with_env(&[("GL_USERNAME", "dev")]);
    let p = refused_by(&s, &dev, &["main"], "policy-change-unreviewed");
    p.says("requires that a reviewer, a policy owner (owner@example.com), pushes it; the pusher `dev` (GL_USERNAME) is not one of its valid reviewers (owner@example.com)");
    let p = refused(&s, &["main"], "policy-change-unreviewed");
    p.says("the server gave no authenticated identity");
    accepted(
        &s.client
            .with_env(&[("GL_USERNAME", "olga")])
            .push(&["main"]),
    );
    assert_eq!(s.server.rev("refs/heads/main"), Some(c));
}

/// The gate applies `min-reviewers`: two distinct owners.
#[test]
fn the_policy_gate_applies_the_minimum() {
    let two = "[review]\nmin-reviewers = 2\n[policy]\nowners = [\"*@owners.example.com\"]\n[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n";
    let s = Setup::with_policy(Transport::Path, two);
    change_policy(
        &s,
        "Reviewed-by: Olga <olga@owners.example.com>\nReviewed-by: Ann Lee <ann@example.com>",
    );
    let p = refused(&s, &["main"], "policy-change-unreviewed");
    p.says("has 1 distinct valid review(s) by a policy owner (*@owners.example.com); the policy requires 2");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    change_policy(
        &s,
        "Reviewed-by: Olga <olga@owners.example.com>\nReviewed-by: Pat <pat@owners.example.com>",
    );
    accepted(&s.client.push(&["main"]));
}

/// With no owners listed, the reviewer list decides, not "any human"; and
/// the gate reads only the policy's trailer keys.
#[test]
fn the_policy_gate_applies_the_reviewer_list_and_the_trailer_keys() {
    let listed =
        "[review]\nreviewers = [\"lead@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\n";
    let s = Setup::with_policy(Transport::Path, listed);
    change_policy(&s, REVIEW_ANN);
    let p = refused(&s, &["main"], "policy-change-unreviewed");
    p.says("no valid review by a listed reviewer (lead@example.com; the policy in effect, .reviewgate.toml on refs/heads/main at ");
    p.says(", lists no [policy] owners)");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    change_policy(&s, "Reviewed-by: Lee Lead <lead@example.com>");
    accepted(&s.client.push(&["main"]));

    let keys = "[review]\ntrailer = \"Approved-by\"\n[policy]\nowners = [\"owner@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\n";
    let s = Setup::with_policy(Transport::Path, keys);
    change_policy(&s, OLGA);
    refused(&s, &["main"], "policy-change-unreviewed");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    change_policy(&s, "Approved-by: Olga Owner <owner@example.com>");
    accepted(&s.client.push(&["main"]));
}

/// The owner's own change, and an AI "owner": never a review.
#[test]
fn the_policy_gate_refuses_self_and_ai_reviews() {
    let owned = "[policy]\nowners = [\"*@example.com\", \"noreply@anthropic.com\"]\n[[protect]]\nrefs = [\"@default\"]\n";
    let s = Setup::with_policy(Transport::Path, owned);
    change_policy(
        &s,
        "Reviewed-by: Dev Eloper <dev@example.com>\nReviewed-by: Claude <noreply@anthropic.com>",
    );
    let p = refused(&s, &["main"], "policy-change-unreviewed");
    p.says("no valid review by a policy owner");
}

/// A reviewed merge covers a policy change it merges exactly
/// when merges cover commits (`merges-cover`), as for any commit.
#[test]
fn the_policy_gate_honours_merge_coverage() {
    for (cover, ok) in [("true", true), ("false", false), ("\"forge\"", false)] {
        let policy = format!("[review]\nmerges-cover = {cover}\n[policy]\nowners = [\"owner@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\n");
        let s = Setup::with_policy(Transport::Path, &policy);
        s.client.git_ok(&["checkout", "-q", "-b", "tune"]);
        s.client
            .write_file(".reviewgate.toml", &format!("{policy}# tuned\n"));
        s.client.commit("Tune the policy\n");
        s.client.git_ok(&["checkout", "-q", "main"]);
        s.client.git_ok(&[
            "merge",
            "-q",
            "--no-ff",
            "tune",
            "-m",
            "Merge tune\n\nReviewed-by: Olga Owner <owner@example.com>",
        ]);
        // The tip is not the reviewed merge: coverage decides.
        s.client.commit("Unrelated human work\n");
        let before = s.server.rev("refs/heads/main");
        let p = s.client.push(&["main"]);
        if ok {
            accepted(&p);
        } else {
            rejected(&p, "policy-change-unreviewed");
            assert_eq!(
                s.server.rev("refs/heads/main"),
                before,
                "merges-cover = {cover}"
            );
        }
    }
}

#[test]
fn policy_changes_are_gated_on_every_protected_branch() {
    for t in [Transport::Path, Transport::Daemon] {
        let s = Setup::with_policy(
            t,
            "[policy]\nowners = [\"ann@example.com\"]\n\n[[protect]]\nrefs = [\"@default\", \"refs/heads/release/*\"]\n",
        );
        // Cutting a release branch from main is not a policy change.
        accepted(&s.client.push(&["HEAD:refs/heads/release/1"]));
        // Changing the file there is, reviewed or not by an owner.
        s.client.write_file(".reviewgate.toml", WEAK);
        s.client.commit("Relax release policy\n");
        refused(
            &s,
            &["HEAD:refs/heads/release/1"],
            "policy-change-unreviewed",
        );
        // So is creating a new protected branch with a file nobody gated.
        refused(
            &s,
            &["HEAD:refs/heads/release/2"],
            "policy-change-unreviewed",
        );
        s.client.amend_trailer(REVIEW_ANN);
        accepted(&s.client.push(&["HEAD:refs/heads/release/1"]));
    }
}

/// A reviewed policy that does not protect the branch it is read from would
/// lock everyone out (every later push `policy-invalid`): the gate refuses
/// it, feature branches stay open, and `policy check` in the clone warns
/// before the push.
#[test]
fn a_policy_that_leaves_its_own_branch_unprotected_is_refused() {
    let s = Setup::with_policy(Transport::Path, OWNED);
    let before = s.server.rev("refs/heads/main");
    let releases_only = "[policy]\nowners = [\"owner@example.com\"]\n\n[[protect]]\nrefs = [\"refs/heads/release/*\"]\n";
    s.client.write_file(".reviewgate.toml", releases_only);
    let (code, out) = cli(&s.client.dir, &["policy", "check"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning: no [[protect]] entry protects @default: read from the default branch, this policy would not protect itself"),
        "{out}"
    );
    s.client
        .commit(&format!("Protect releases only\n\n{OLGA}\n"));
    let p = s.client.push(&["main"]);
    rejected(&p, "policy-change-invalid");
    p.says("the new policy does not protect refs/heads/main, the branch it is read from");
    p.says("add \"@default\" (or \"refs/heads/main\") to a [[protect]] entry's refs");
    assert_eq!(s.server.rev("refs/heads/main"), before);
    // Everyone can still push elsewhere: nothing was locked.
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.git_ok(&["checkout", "-q", "-b", "feature"]);
    s.client.commit("A feature");
    accepted(&s.client.push(&["feature"]));
    // With @default beside the releases: no warning, accepted.
    s.client.git_ok(&["checkout", "-q", "main"]);
    s.client.write_file(
        ".reviewgate.toml",
        "[policy]\nowners = [\"owner@example.com\"]\n\n[[protect]]\nrefs = [\"@default\", \"refs/heads/release/*\"]\n",
    );
    let (_, out) = cli(&s.client.dir, &["policy", "check"]);
    assert!(!out.contains("warning:"), "{out}");
    s.client
        .commit(&format!("Protect releases too\n\n{OLGA}\n"));
    accepted(&s.client.push(&["main"]));
}
