//! Snapshots of what people read: the pusher's `remote:` lines and the CLI.
//! Temp paths are filtered; commit ids are stable (fixed identities and dates).

use crate::util::*;

fn remote(p: &Push) -> String {
    remote_lines(&p.stderr)
}

#[test]
fn rejection_of_one_unreviewed_ai_commit() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("Add parser", &[]));
    insta::assert_snapshot!(remote(&s.client.push(&["main"])));
}

#[test]
fn rejection_of_several_commits_and_reasons() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message("First AI change", &[]));
    s.client.commit(&ai_message(
        "Self-reviewed",
        &["Reviewed-by: Dev Eloper <dev@example.com>"],
    ));
    s.client.commit(&ai_message(
        "Bot-reviewed",
        &["Reviewed-by: Copilot <copilot@github.com>"],
    ));
    s.client
        .commit(&ai_message("No email", &["Reviewed-by: Ann Lee"]));
    s.client.commit_bytes(
        b"Evil \x1b]0;pwned\x07 subject\n\nAssisted-by: Claude:claude-opus-4\n",
        None,
    );
    insta::assert_snapshot!(remote(&s.client.push(&["main"])));
}

#[test]
fn rejection_for_a_broken_policy() {
    let s = Setup::new(Transport::Path, Hooks::None);
    s.client.write_file(
        ".reviewgate.toml",
        "mode = \"strict\"\n[review]\nmin-reviewers = 0\n[[protect]]\nrefs = [\"main\"]\nallow-force = true\n",
    );
    s.client.commit("Broken policy\n");
    assert!(s.client.push(&["main"]).success);
    s.server.install(Hooks::PreReceive);
    s.client.commit("Next\n");
    insta::assert_snapshot!(remote(&s.client.push(&["main"])));
}

#[test]
fn warn_mode_accepts_with_warnings() {
    let s = Setup::new(Transport::Path, Hooks::None);
    s.client.write_file(
        ".reviewgate.toml",
        "mode = \"warn\"\n[[protect]]\nrefs = [\"@default\"]\n",
    );
    s.client.commit("Roll out in warn mode\n");
    assert!(s.client.push(&["main"]).success);
    s.server.install(Hooks::PreReceive);
    let c = s.client.commit(&ai_message("AI change", &[]));
    let p = s.client.push(&["main"]);
    assert!(p.success, "{}", p.stderr);
    assert_eq!(s.server.rev("refs/heads/main"), Some(c));
    insta::assert_snapshot!(remote(&p));
}

#[test]
fn cli_explain() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, out) = cli(dir.path(), &["explain", "ai-unreviewed"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
    let (code, list) = cli(dir.path(), &["explain"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("cli_explain_list", list);
    let (code, _) = cli(dir.path(), &["explain", "no-such-rule"]);
    assert_eq!(code, 2);
}

#[test]
fn cli_policy_check() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join(".reviewgate.toml"),
        "mode = \"enforce\"\n[detect]\nbuiltin = \"yes\"\nidentities = [\"[bad\"]\n[[protect]]\nrefs = [\"refs/heads/main\"]\nreview = \"some\"\npushers = [\"ann\"]\n",
    )
    .expect("write");
    let (code, out) = cli(dir.path(), &["policy", "check"]);
    assert_eq!(code, 78);
    insta::assert_snapshot!(out);
    let (code, template) = cli(dir.path(), &["policy", "template"]);
    assert_eq!(code, 0);
    assert_eq!(template, reviewgate::policy::DEFAULT_POLICY_TOML);
    std::fs::write(dir.path().join("ok.toml"), &template).expect("write");
    let (code, out) = cli(dir.path(), &["policy", "check", "ok.toml"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(
        "cli_policy_check_ok",
        out.replace(&dir.path().display().to_string(), "[TMP]")
    );
}

#[test]
fn cli_check_matches_the_server() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.git_ok(&["fetch", "-q", "origin"]);
    s.client.git_ok(&["remote", "set-head", "origin", "--auto"]);
    s.client.commit(&ai_message("Add parser", &[]));
    let (code, out) = cli(&s.client.dir, &["check"]);
    assert_eq!(code, 1, "{out}");
    let server = remote(&s.client.push(&["main"]));
    // The same engine, the same words, except the headline: a check
    // pushes nothing, so it never says "push rejected".
    assert!(
        out.starts_with(
            "reviewgate: would be rejected if pushed to refs/heads/main: ai-unreviewed (1)\n"
        ),
        "{out}"
    );
    assert!(!out.contains("push rejected"), "{out}");
    for line in out.lines().skip(1) {
        assert!(
            server.contains(line),
            "local line not in server output: {line}\n{server}"
        );
    }
    let (code, json) = cli(&s.client.dir, &["check", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["violations"][0]["rule"], "ai-unreviewed");
    assert_eq!(v["commits_checked"], 1);
    insta::assert_snapshot!(out);
}

#[test]
fn cli_install_client_hook_stops_the_push_before_the_server() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.git_ok(&["fetch", "-q", "origin"]);
    s.client.git_ok(&["remote", "set-head", "origin", "--auto"]);
    let (code, out) = cli(&s.client.dir, &["install-client-hook"]);
    assert_eq!(code, 0, "{out}");
    let shown = out.replace(&s.client.dir.display().to_string(), "[WORK]");
    insta::assert_snapshot!(shown);
    let (code, again) = cli(&s.client.dir, &["install-client-hook"]);
    assert_eq!(code, 0);
    assert!(again.contains("already installed"), "{again}");

    let before = s.server.rev("refs/heads/main");
    s.client.commit(&ai_message("Add parser", &[]));
    let p = s.client.push(&["main"]);
    assert!(!p.success, "{}", p.stderr);
    p.says("error[ai-unreviewed]");
    p.says("push stopped by the client-side check");
    assert!(
        !p.stderr.contains("remote:"),
        "the server never saw it: {}",
        p.stderr
    );
    assert_eq!(s.server.rev("refs/heads/main"), before);
    // Reviewed: the client check passes quietly and the server accepts.
    s.client.amend_trailer(REVIEW_ANN);
    let p = s.client.push(&["main"]);
    assert!(p.success, "{}", p.stderr);
    let local: Vec<&str> = p
        .stderr
        .lines()
        .filter(|l| l.starts_with("reviewgate:"))
        .collect();
    assert!(local.is_empty(), "quiet on success: {local:?}");
    // A foreign pre-push hook is not replaced without --force.
    std::fs::write(
        s.client.dir.join(".git/hooks/pre-push"),
        "#!/bin/sh\nexit 0\n",
    )
    .expect("write");
    let (code, out) = cli(&s.client.dir, &["install-client-hook"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--force"), "{out}");
}

/// Every pusher-bound message, each with its own advice (the generic
/// "add a Reviewed-by" hint must not overwrite theirs).
#[test]
fn pusher_bound_messages() {
    let policy = "[review]\nrequire-pusher = true\n\n[identities]\nann = [\"ann@example.com\"]\nbo = [\"bo@example.com\"]\n\n[[protect]]\nrefs = [\"@default\"]\n\n[[protect]]\nrefs = [\"refs/heads/release/*\"]\npushers = [\"ann\", \"release-*\"]\n";
    let s = Setup::with_policy(Transport::Path, policy);
    s.client.commit(&ai_message("AI work", &[REVIEW_ANN]));
    let as_login = |login: &str| Client {
        dir: s.client.dir.clone(),
        remote: s.client.remote.clone(),
        env: vec![("GL_USERNAME".into(), login.into())],
    };
    let mut out = String::new();
    out.push_str("## no identity: review bound to the pusher\n");
    out.push_str(&remote(&s.client.push(&["main"])));
    out.push_str("\n\n## pushed by someone who is not the reviewer (mapped and unmapped)\n");
    out.push_str(&remote(&as_login("bo").push(&["main"])));
    out.push('\n');
    out.push_str(&remote(&as_login("carol").push(&["main"])));
    out.push_str("\n\n## no identity: a ref with listed pushers\n");
    out.push_str(&remote(&s.client.push(&["HEAD:refs/heads/release/1"])));
    out.push_str("\n\n## a pusher who is not listed\n");
    out.push_str(&remote(
        &as_login("bo").push(&["HEAD:refs/heads/release/1"]),
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn rejection_for_a_missing_signoff() {
    let s = Setup::with_policy(Transport::Path, &crate::signoff::readme_policy(1));
    s.client
        .write_file("infra/net/vpc.tf", "cidr = \"10.0.0.0/16\"\n");
    s.client.commit_as(
        "Tune the VPC\n\nReviewed-by: Ann Senior <ann@example.com>\n",
        Some(("Jo Junior", "jo@example.com")),
    );
    insta::assert_snapshot!(remote(&s.client.push(&["main"])));
}
