//! The ways past a rule, each on the record: warn mode (globally and per
//! rule), break-glass for listed pushers only, and what break-glass never
//! allows (deleting or moving a release tag).

use crate::util::*;

#[test]
fn warn_mode_globally_and_per_rule_accepts_and_logs() {
    let s = Setup::with_policy(
        Transport::Path,
        "[modes]\nforce-push = \"warn\"\n[[protect]]\nrefs = [\"@default\"]\n",
    );
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
    let s = Setup::with_policy(
        Transport::Path,
        "mode = \"warn\"\n[[protect]]\nrefs = [\"@default\"]\n",
    );
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
    let s = Setup::with_policy(Transport::Path, BYPASS);
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
fn break_glass_never_deletes_or_moves_a_release_tag() {
    // An emergency does not restore history. (Over a local
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

/// Break-glass on a push that needs none is an ordinary push: no banner,
/// recorded `accepted`; the offer to break glass is made only where it
/// could work (the server names the pusher) and never right after a denial.
#[test]
fn break_glass_says_only_what_is_true() {
    let s = Setup::with_policy(Transport::Path, BYPASS);
    s.server.config("receive.advertisePushOptions", "true");
    let oncall = s.client.with_env(&[("GL_USERNAME", "oncall-ann")]);
    s.client.commit("Human change\n");
    let p = oncall.push(&["-o", "reviewgate.bypass=just in case", "main"]);
    accepted(&p);
    p.never_says("BREAK-GLASS");
    p.says("break-glass not needed: nothing in this push needed bypassing (asked for by oncall-ann (GL_USERNAME): \"just in case\"); judged as usual");
    assert_eq!(s.server.last_audit()["decision"], "accepted");
    // Refused with no identity: no offer (nobody could be listed).
    s.client.commit(&ai_message("AI change", &[]));
    let p = s.client.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    p.never_says("emergency?");
    // With an identity: offered.
    let dev = s.client.with_env(&[("GL_USERNAME", "dev")]);
    let p = dev.push(&["main"]);
    rejected(&p, "ai-unreviewed");
    p.says("emergency? a pusher listed in [bypass] can break glass");
    // Just denied: the denial says why; no offer beside it.
    let p = dev.push(&["-o", "reviewgate.bypass=prod down", "main"]);
    rejected(&p, "bypass-denied");
    p.never_says("emergency?");
}
