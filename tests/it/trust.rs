//! Trust features, by real pushes: pusher-bound review, the policy-change
//! gate, warn mode, break-glass, the audit log and freeze windows.

use crate::util::*;

/// A server whose main already carries `policy` (pushed before the hooks).
fn with_policy(policy: &str) -> Setup {
    let s = Setup::new(Transport::Path, Hooks::None);
    s.client.write_file(".reviewgate.toml", policy);
    s.client.commit("Add policy\n");
    assert!(s.client.push(&["main"]).success);
    s.server.install(Hooks::PreReceive);
    s
}

const PUSHER_BOUND: &str = "[review]\nrequire-pusher = true\n\n[identities]\nann = [\"ann@example.com\", \"ann.lee@example.com\"]\n\n[[protect]]\nrefs = [\"@default\"]\n";

#[test]
fn pusher_bound_review_accepts_the_reviewer_and_rejects_a_forged_trailer() {
    let s = with_policy(PUSHER_BOUND);
    let before = s.server.rev("refs/heads/main");
    let commit = s.client.commit(&ai_message("AI work", &[REVIEW_ANN]));
    // The author pushes with Ann's trailer typed in: forged, rejected.
    let dev = s.client.with_env(&[("GL_USERNAME", "dev")]);
    let p = dev.push(&["main"]);
    rejected(&p, "pusher-not-reviewer");
    p.says("pusher `dev` (GL_USERNAME)");
    assert_eq!(s.server.rev("refs/heads/main"), before);
    // No identity at all: rejected, naming the variables looked for.
    let p = s.client.push(&["main"]);
    rejected(&p, "pusher-unauthenticated");
    p.says("GITEA_PUSHER_NAME, GL_USERNAME, GL_USER, GITHUB_USER_LOGIN");
    // Ann, the reviewer, pushes it: accepted.
    let ann = s.client.with_env(&[("GL_USERNAME", "ann")]);
    accepted(&ann.push(&["main"]));
    assert_eq!(s.server.rev("refs/heads/main"), Some(commit));
    // Gitea, with the pusher's email (signed pushes: tests/it/identities.rs).
    s.client
        .commit(&ai_message("More", &["Reviewed-by: Bo <bo@example.com>"]));
    let gitea = s.client.with_env(&[
        ("GITEA_PUSHER_NAME", "bo"),
        ("GITEA_PUSHER_EMAIL", "Bo@Example.com"),
    ]);
    accepted(&gitea.push(&["main"]));
}

const OWNED: &str = "[policy]\nowners = [\"owner@example.com\"]\n\n[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n";

#[test]
fn policy_changes_need_an_owner_and_a_valid_file() {
    let s = with_policy(OWNED);
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

#[test]
fn pinned_policy_overrides_the_repository() {
    let s = with_policy("[[protect]]\nrefs = [\"@default\"]\nreview = \"none\"\n");
    let pinned = s.server.dir.join("pinned.toml");
    std::fs::write(
        &pinned,
        "[[protect]]\nrefs = [\"refs/heads/*\"]\nreview = \"all\"\n",
    )
    .expect("write");
    s.server
        .config("reviewgate.policy", pinned.to_str().expect("utf8"));
    s.client.commit("Human change\n");
    let p = s.client.push(&["main"]);
    rejected(&p, "unreviewed");
    p.says("pinned.toml");
}

#[test]
fn warn_mode_globally_and_per_rule_accepts_and_logs() {
    let s = with_policy("[modes]\nforce-push = \"warn\"\n[[protect]]\nrefs = [\"@default\"]\n");
    // force-push is only warned...
    s.client.commit("Second\n");
    accepted(&s.client.push(&["main"]));
    s.client
        .git_ok(&["commit", "-q", "--amend", "-m", "Second, reworded"]);
    let p = s.client.push(&["--force", "main"]);
    accepted(&p);
    p.says("warning[force-push]");
    // ...while unreviewed AI work is still enforced.
    s.client.commit(&ai_message("AI", &[]));
    rejected(&s.client.push(&["main"]), "ai-unreviewed");
    let records = s.server.audit_records();
    let last = records.last().expect("records");
    assert_eq!(last["decision"], "rejected");
    assert_eq!(last["violations"][0]["rule"], "ai-unreviewed");
    let warned = &records[records.len() - 2];
    assert_eq!(warned["decision"], "accepted-with-warnings");
    assert_eq!(warned["violations"][0]["severity"], "warning");

    // Global warn mode.
    let s = with_policy("mode = \"warn\"\n[[protect]]\nrefs = [\"@default\"]\n");
    let c = s.client.commit(&ai_message("AI", &[]));
    let p = s.client.push(&["main"]);
    accepted(&p);
    assert!(p.stderr.contains("warning[ai-unreviewed]"));
    assert_eq!(s.server.rev("refs/heads/main"), Some(c.clone()));
    let last = s.server.last_audit();
    assert_eq!(last["decision"], "accepted-with-warnings");
    assert_eq!(
        last["violations"][0]["commit"],
        serde_json::Value::String(c)
    );
}

const BYPASS: &str = "[bypass]\npushers = [\"oncall-*\"]\n[[protect]]\nrefs = [\"@default\"]\n";

#[test]
fn break_glass_for_listed_pushers_only_and_always_audited() {
    let s = with_policy(BYPASS);
    s.server.config("receive.advertisePushOptions", "true");
    let before = s.server.rev("refs/heads/main");
    let ai = s.client.commit(&ai_message("Hotfix", &[]));
    // Not listed: refused, and the push is judged normally.
    let dev = s.client.with_env(&[("GL_USERNAME", "dev")]);
    let p = dev.push(&["-o", "reviewgate.bypass=prod down", "main"]);
    rejected(&p, "bypass-denied");
    p.says("error[ai-unreviewed]");
    assert_eq!(s.server.rev("refs/heads/main"), before);
    // Listed, no reason: refused.
    let oncall = s.client.with_env(&[("GL_USERNAME", "oncall-ann")]);
    rejected(
        &oncall.push(&["-o", "reviewgate.bypass=", "main"]),
        "bypass-denied",
    );
    rejected(
        &oncall.push(&["-o", "reviewgate.bypass", "main"]),
        "bypass-denied",
    );
    // Without the option, the rejection says how to break glass.
    let p = oncall.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    p.says("git push -o reviewgate.bypass=");
    // Listed, with a reason: accepted, loudly, and recorded.
    let p = oncall.push(&["-o", "reviewgate.bypass=prod down, INC-42", "main"]);
    accepted(&p);
    p.says("*** BREAK-GLASS ***");
    p.says("oncall-ann (GL_USERNAME) bypassed the policy: \"prod down, INC-42\"");
    p.says("warning[ai-unreviewed]");
    assert_eq!(s.server.rev("refs/heads/main"), Some(ai));
    let last = s.server.last_audit();
    assert_eq!(last["decision"], "accepted-by-bypass");
    assert_eq!(last["bypass"]["reason"], "prod down, INC-42");
    assert_eq!(last["pusher"]["login"], "oncall-ann");
    let (code, shown) = cli(&s.server.dir, &["audit", "show", "--last", "1"]);
    assert_eq!(code, 0);
    assert!(
        shown.contains("BYPASS by oncall-ann (GL_USERNAME): \"prod down, INC-42\""),
        "{shown}"
    );
}

#[test]
fn concurrent_pushes_leave_one_record_each_and_a_chain_that_verifies() {
    let s = with_policy("[[protect]]\nrefs = [\"@default\", \"refs/heads/release/*\"]\n");
    let records_before = s.server.audit_records().len();
    let root = s.client.dir.parent().expect("root").to_path_buf();
    // 20 clones, each with its own commit: 10 to protected release branches (half
    // AI-unreviewed, rejected; half reviewed, accepted) and 10 to feature branches.
    let clients: Vec<(Client, String, bool)> = (0..20)
        .map(|i| {
            let dir = root.join(format!("c{i}"));
            let mut c = git_cmd(&root);
            c.args(["clone", "-q", &s.server.url()]).arg(&dir);
            ok(c);
            let client = Client {
                dir,
                remote: s.server.url(),
                env: Vec::new(),
            };
            let (target, reviewed) = if i < 10 {
                (format!("refs/heads/release/{i}"), i % 2 == 0)
            } else {
                (format!("refs/heads/feature/{i}"), false)
            };
            let trailers: Vec<&str> = if reviewed { vec![REVIEW_ANN] } else { vec![] };
            client.commit(&ai_message(&format!("Work {i}"), &trailers));
            let expect_ok = i >= 10 || reviewed;
            (client, target, expect_ok)
        })
        .collect();
    let handles: Vec<_> = clients
        .into_iter()
        .map(|(client, target, expect_ok)| {
            std::thread::spawn(move || {
                let p = client.push(&[&format!("HEAD:{target}")]);
                (target, expect_ok, p)
            })
        })
        .collect();
    for h in handles {
        let (target, expect_ok, p) = h.join().expect("thread");
        assert_eq!(p.success, expect_ok, "{target}: {}", p.stderr);
    }
    let records = s.server.audit_records();
    assert_eq!(
        records.len() - records_before,
        20,
        "exactly one record per push"
    );
    for i in 0..20 {
        let name = if i < 10 {
            format!("refs/heads/release/{i}")
        } else {
            format!("refs/heads/feature/{i}")
        };
        let n = records
            .iter()
            .filter(|r| r["refs"][0]["name"] == name.as_str())
            .count();
        assert_eq!(n, 1, "{name}");
    }
    let (code, out) = cli(&s.server.dir, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("ok, {} record(s), chain intact", records.len())),
        "{out}"
    );
}

#[test]
fn tampering_with_the_log_is_detected() {
    let s = with_policy("[[protect]]\nrefs = [\"@default\"]\n");
    for i in 0..4 {
        s.client.commit(&format!("Change {i}\n"));
        accepted(&s.client.push(&["main"]));
    }
    let log = s.server.audit_log();
    let (code, _) = cli(&s.server.dir, &["audit", "verify"]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&log).expect("log");
    // Edit the second record: the third one's `prev` no longer matches.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[1] = lines[1].replace("\"commits_checked\":1", "\"commits_checked\":0");
    std::fs::write(&log, lines.join("\n") + "\n").expect("w");
    let (code, out) = cli(
        &s.server.dir,
        &["audit", "verify", log.to_str().expect("utf8")],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("audit.jsonl:3: chain broken"), "{out}");
}

#[test]
fn unwritable_audit_log_fails_closed_for_protected_refs_only() {
    let s = with_policy("[[protect]]\nrefs = [\"@default\"]\n");
    s.server.config(
        "reviewgate.auditLog",
        "/proc/reviewgate-cannot-write-here/audit.jsonl",
    );
    s.client.commit("Human\n");
    let p = s.client.push(&["main"]);
    rejected(&p, "audit-unavailable");
    accepted(&s.client.push(&["HEAD:refs/heads/feature"]));
}

const FROZEN: &str = "[[protect]]\nrefs = [\"@default\"]\n\n[[protect.freeze]]\nfrom = 2026-12-20T00:00:00Z\nuntil = 2027-01-04T08:00:00Z\nreason = \"Holiday freeze\"\n\n[[protect.freeze]]\nfrom = \"Fri 16:00\"\nuntil = \"Mon 08:00\"\ntimezone = \"Europe/Berlin\"\nreason = \"No deploys over the weekend\"\n\n[bypass]\npushers = [\"oncall\"]\n";

#[test]
fn freeze_windows_absolute_weekly_dst_and_break_glass() {
    let s = with_policy(FROZEN);
    s.server.config("receive.advertisePushOptions", "true");
    let push_at = |now: &str| {
        s.server.config("reviewgate.now", now);
        s.client.commit(&format!("Change at {now}\n"));
        s.client.push(&["main"])
    };
    // Inside the holiday window.
    let p = push_at("2026-12-24T10:00:00Z");
    rejected(&p, "freeze-window");
    p.says("Holiday freeze (until 2027-01-04T08:00:00Z)");
    // Break-glass still works inside a window.
    let oncall = s.client.with_env(&[("GL_USERNAME", "oncall")]);
    accepted(&oncall.push(&["-o", "reviewgate.bypass=security fix", "main"]));
    // Outside every window (a Wednesday).
    accepted(&push_at("2026-12-02T10:00:00Z"));
    // Weekly, Saturday just after midnight (Berlin): frozen until Monday 08:00 CET.
    let p = push_at("2026-11-28T23:30:00Z");
    rejected(&p, "freeze-window");
    p.says("No deploys over the weekend (until 2026-11-30T07:00:00Z)");
    // The weekend summer time starts (2026-03-29): Friday 15:30 UTC is 16:30 CET,
    // inside; the window ends Monday 08:00 CEST = 06:00 UTC.
    let p = push_at("2026-03-27T15:30:00Z");
    rejected(&p, "freeze-window");
    p.says("(until 2026-03-30T06:00:00Z)");
    // Monday 06:30 UTC is 08:30 CEST: open again.
    accepted(&push_at("2026-03-30T06:30:00Z"));
}

#[test]
fn bad_freeze_windows_are_reported_with_locations() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("p.toml"),
        "[[protect]]\nrefs = [\"@default\"]\n[[protect.freeze]]\nfrom = \"Fry 16:00\"\nuntil = \"Mon 08:00\"\ntimezone = \"Mars/Olympus\"\nreason = \"x\"\n[[protect.freeze]]\nfrom = 2027-01-04T00:00:00Z\nuntil = 2026-12-20T00:00:00Z\n",
    )
    .expect("write");
    let (code, out) = cli(dir.path(), &["policy", "check", "p.toml"]);
    assert_eq!(code, 78, "{out}");
    assert!(
        out.contains("p.toml:4:8: `protect[0].freeze[0].from`: \"Fry\" is not a day of the week"),
        "{out}"
    );
    assert!(
        out.contains("p.toml:6:12: `protect[0].freeze[0].timezone`: unknown time zone"),
        "{out}"
    );
    assert!(
        out.contains("p.toml:8:1: protect[0].freeze[1]: `reason` is required"),
        "{out}"
    );
}

#[test]
fn break_glass_never_deletes_or_moves_a_release_tag() {
    // Issue 11, item 9: an emergency does not restore history. (Over a local
    // path, where the test can play the server's authenticated login.)
    let s = Setup::with_policy(
        Transport::Path,
        "[bypass]\npushers = [\"oncall-*\"]\n\n[[protect]]\nrefs = [\"@default\"]\n\n[[protect]]\nrefs = [\"refs/tags/v*\"]\nallow-update = false\n",
    );
    s.server.config("receive.advertisePushOptions", "true");
    let oncall = s.client.with_env(&[("GL_USERNAME", "oncall-eu")]);
    assert!(s.client.push(&["HEAD:refs/tags/v1"]).success);
    let bypass = "reviewgate.bypass=prod down";
    // Deleting main: refused, break-glass or not.
    let p = refused_by(&s, &oncall, &["-o", bypass, ":refs/heads/main"], "deletion");
    assert!(
        p.stderr.contains("BREAK-GLASS"),
        "honoured for the rest: {}",
        p.stderr
    );
    // Moving and deleting a protected tag: refused.
    s.client.commit("Next\n");
    refused_by(
        &s,
        &oncall,
        &["-o", bypass, "--force", "HEAD:refs/tags/v1"],
        "immutable-ref",
    );
    refused_by(&s, &oncall, &["-o", bypass, ":refs/tags/v1"], "deletion");
    // A force-push of main is an emergency break-glass may allow (audited).
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client
        .git_ok(&["commit", "-q", "--amend", "-m", "Rewritten"]);
    let p = oncall.push(&["-o", bypass, "--force", "main"]);
    assert!(
        p.success && p.stderr.contains("warning[force-push]"),
        "{}",
        p.stderr
    );
    assert_eq!(
        s.server.audit_records().last().expect("record")["decision"],
        "accepted-by-bypass"
    );
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

/// Issue 18 (1): the policy gate decides with the same function as every
/// other review, so each review setting applies to a change of the policy
/// (these tests and the next: the pusher binding, the minimum, the reviewer
/// list, the trailer keys, merge coverage). Here: with `require-pusher`, a
/// typed owner review counts only when the owner pushes.
#[test]
fn the_policy_gate_binds_an_owner_review_to_the_pusher() {
    let bound = "[review]\nrequire-pusher = true\n[identities]\nolga = [\"owner@example.com\"]\n[policy]\nowners = [\"owner@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\n";
    let s = with_policy(bound);
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
    let s = with_policy(two);
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
    let s = with_policy(listed);
    change_policy(&s, REVIEW_ANN);
    let p = refused(&s, &["main"], "policy-change-unreviewed");
    p.says("no valid review by a listed reviewer (lead@example.com; the policy lists no owners)");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    change_policy(&s, "Reviewed-by: Lee Lead <lead@example.com>");
    accepted(&s.client.push(&["main"]));

    let keys = "[review]\ntrailer = \"Approved-by\"\n[policy]\nowners = [\"owner@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\n";
    let s = with_policy(keys);
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
    let s = with_policy(owned);
    change_policy(
        &s,
        "Reviewed-by: Dev Eloper <dev@example.com>\nReviewed-by: Claude <noreply@anthropic.com>",
    );
    let p = refused(&s, &["main"], "policy-change-unreviewed");
    p.says("no valid review by a policy owner");
}

/// Issue 18 (1): a reviewed merge covers a policy change it merges exactly
/// when merges cover commits (`merges-cover`), as for any commit.
#[test]
fn the_policy_gate_honours_merge_coverage() {
    for (cover, ok) in [("true", true), ("false", false), ("\"forge\"", false)] {
        let policy = format!("[review]\nmerges-cover = {cover}\n[policy]\nowners = [\"owner@example.com\"]\n[[protect]]\nrefs = [\"@default\"]\n");
        let s = with_policy(&policy);
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

/// Issue 18 (7): the audit log's fail-closed rule asks about the ref an
/// update really writes: a push through a symbolic ref to main, and a
/// change of the AI evidence in `refs/notes/ai`, are refused unrecorded
/// just like a push to main.
#[test]
fn an_unrecordable_decision_on_what_a_symref_writes_is_refused() {
    let s = with_policy("[[protect]]\nrefs = [\"@default\"]\n");
    s.server
        .git_ok(&["symbolic-ref", "refs/heads/trunk", "refs/heads/main"]);
    s.server.config(
        "reviewgate.auditLog",
        "/proc/reviewgate-cannot-write-here/audit.jsonl",
    );
    s.client.commit("Human\n");
    let p = refused(&s, &["HEAD:refs/heads/trunk"], "audit-unavailable");
    p.says("cannot write the audit log");
    s.client
        .git_ok(&["notes", "--ref=ai", "add", "-m", "note", "HEAD"]);
    refused(&s, &["refs/notes/ai"], "audit-unavailable");
    // An unprotected branch still goes through, as documented.
    accepted(&s.client.push(&["HEAD:refs/heads/feature"]));
}
