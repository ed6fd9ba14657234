//! Where the policy comes from: only from a branch it gates (or the pinned
//! file or branch an administrator names), whatever HEAD names; its cost is
//! bounded; windows that can never be active are located errors; the last
//! policy is read from the server's own state.

use crate::util::*;

#[test]
fn pinned_policy_overrides_the_repository() {
    let s = Setup::with_policy(
        Transport::Path,
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"none\"\n",
    );
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

/// Review for every commit; ann owns the policy.
pub const STRICT: &str = "[policy]\nowners = [\"ann@example.com\"]\n\n[[protect]]\nrefs = [\"@default\"]\nreview = \"all\"\n";

/// No review at all.
pub const WEAK: &str = "[[protect]]\nrefs = [\"@default\"]\nreview = \"none\"\n";

#[test]
fn switching_head_to_an_ungated_branch_does_not_install_its_policy() {
    for t in [Transport::Path, Transport::Daemon] {
        let s = Setup::with_policy(t, STRICT);
        // A weak policy on an unprotected branch: never gated.
        s.client.git_ok(&["checkout", "-q", "-b", "weak"]);
        s.client.write_file(".reviewgate.toml", WEAK);
        s.client.commit(&format!("Weaker\n\n{REVIEW_ANN}\n"));
        accepted(&s.client.push(&["weak"]));
        s.client.commit("Unreviewed work\n");
        // The strict policy judged the last push: its record names the source.
        let rec = s.server.last_audit();
        assert_eq!(rec["policy"]["ref"], "refs/heads/main", "{rec}");
        assert!(rec["policy"]["blob"].is_string(), "{rec}");
        // A maintainer switches the default branch in the forge's settings.
        s.server
            .git_ok(&["symbolic-ref", "HEAD", "refs/heads/weak"]);
        let p = refused(&s, &["weak"], "policy-invalid");
        p.says("the policy moved from refs/heads/main to refs/heads/weak");
        p.says("git config reviewgate.policyBranch refs/heads/weak");
        // Moving HEAD back restores the strict policy.
        s.server
            .git_ok(&["symbolic-ref", "HEAD", "refs/heads/main"]);
        s.client.git_ok(&["checkout", "-q", "main"]);
        s.client.commit("More work\n");
        refused(&s, &["main"], "unreviewed");
        // An administrator who means it pins the branch: then it governs.
        s.server
            .git_ok(&["symbolic-ref", "HEAD", "refs/heads/weak"]);
        s.server
            .git_ok(&["config", "reviewgate.policyBranch", "refs/heads/weak"]);
        s.client.git_ok(&["checkout", "-q", "weak"]);
        accepted(&s.client.push(&["weak"]));
        assert_eq!(s.server.last_audit()["policy"]["ref"], "refs/heads/weak");
    }
}

#[test]
fn switching_head_to_a_gated_branch_is_fine() {
    // release/* is protected, so its policy changes were gated: moving HEAD
    // there needs no administrator.
    let policy = "[policy]\nowners = [\"ann@example.com\"]\n\n[[protect]]\nrefs = [\"@default\", \"refs/heads/release/*\"]\n";
    let s = Setup::with_policy(Transport::Path, policy);
    accepted(&s.client.push(&["HEAD:refs/heads/release/2"]));
    s.server
        .git_ok(&["symbolic-ref", "HEAD", "refs/heads/release/2"]);
    s.client.commit("Human work\n");
    accepted(&s.client.push(&["HEAD:refs/heads/release/2"]));
    assert_eq!(
        s.server.last_audit()["policy"]["ref"],
        "refs/heads/release/2"
    );
}

#[test]
fn a_policy_is_trusted_only_from_a_branch_it_protects() {
    let s = Setup::with_policy(
        Transport::Path,
        "[[protect]]\nrefs = [\"refs/heads/release/*\"]\n",
    );
    s.client.commit("Work\n");
    let p = refused(&s, &["main"], "policy-invalid");
    // A trust failure names where the file was found, not a made-up line.
    p.says(": this policy is read from refs/heads/main, which it does not protect");
    p.never_says(".reviewgate.toml:1:1");
}

#[test]
fn a_pinned_policy_branch_is_read_whatever_head_names() {
    // `git init --bare` names master; the team pushes main.
    let s = Setup::new(Transport::Path, Hooks::None);
    s.server
        .git_ok(&["symbolic-ref", "HEAD", "refs/heads/master"]);
    s.client.write_file(
        ".reviewgate.toml",
        STRICT.replace("@default", "refs/heads/main").as_str(),
    );
    s.client.commit("Policy\n");
    accepted(&s.client.push(&["main"]));
    s.server.install(Hooks::PreReceive);
    s.server
        .git_ok(&["config", "reviewgate.policyBranch", "refs/heads/main"]);
    s.client.commit("Human work\n");
    // review = "all" from main's file: an unreviewed human commit is refused.
    refused(&s, &["main"], "unreviewed");
    s.server
        .git_ok(&["config", "reviewgate.policyBranch", "main"]);
    let p = refused(&s, &["main"], "policy-invalid");
    p.says("must name a branch as a full ref");
}

fn big_policy() -> String {
    let mut p = String::from("[[protect]]\nrefs = [\"@default\"]\n\n[review]\nreviewers = [\n");
    while p.len() < 5 * 1024 * 1024 {
        p.push_str("  \"someone-with-a-long-address@reviewers.example.com\",\n");
    }
    p.push_str("]\n");
    p
}

#[test]
fn oversized_policies_are_refused_before_parsing() {
    // Pushed: the new file is refused with a located error.
    let s = Setup::with_policy(Transport::Path, "[[protect]]\nrefs = [\"@default\"]\n");
    s.client.write_file(".reviewgate.toml", &big_policy());
    s.client.commit(&format!("Huge policy\n\n{REVIEW_ANN}\n"));
    let p = refused(&s, &["main"], "policy-change-invalid");
    p.says(".reviewgate.toml:1:1: the policy file is larger than 256 KiB");
    // Pinned on the server: every protected update fails closed (exit 78).
    let file = s.server.dir.join("pinned.toml");
    std::fs::write(&file, big_policy()).expect("write");
    s.server
        .git_ok(&["config", "reviewgate.policy", &file.display().to_string()]);
    let p = refused(&s, &["main"], "policy-invalid");
    p.says("pinned.toml:1:1: the policy file is larger than 256 KiB");
}

#[test]
fn too_many_patterns_and_empty_windows_are_located_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut many = String::from("[[protect]]\nrefs = [\"@default\"]\n\n[review]\nreviewers = [\n");
    for i in 0..2100 {
        many.push_str(&format!("  \"r{i}@example.com\",\n"));
    }
    many.push_str("]\n");
    std::fs::write(dir.path().join("many.toml"), &many).expect("write");
    let (code, out) = cli(dir.path(), &["policy", "check", "many.toml"]);
    assert_eq!(code, 78, "{out}");
    assert!(
        out.contains("many.toml:2006:3: too many patterns: a policy may hold at most 2000"),
        "{out}"
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("too many patterns"))
            .count(),
        1,
        "{out}"
    );

    let empty = "[[protect]]\nrefs = [\"@default\"]\n\n[[protect.freeze]]\nfrom = \"Fri 16:00\"\nuntil = \"Fri 16:00\"\ntimezone = \"UTC\"\nreason = \"never\"\n";
    std::fs::write(dir.path().join("empty.toml"), empty).expect("write");
    let (code, out) = cli(dir.path(), &["policy", "check", "empty.toml"]);
    assert_eq!(code, 78, "{out}");
    assert!(
        out.contains("empty.toml:6:9:") && out.contains("never active"),
        "{out}"
    );
    // Pushed, the same file is refused by the gate.
    let s = Setup::with_policy(Transport::Path, "[[protect]]\nrefs = [\"@default\"]\n");
    s.client.write_file(".reviewgate.toml", empty);
    s.client.commit(&format!("Freeze\n\n{REVIEW_ANN}\n"));
    let p = refused(&s, &["main"], "policy-change-invalid");
    p.says("never active");
}

/// Where the policy was read last time is state read whole.
/// A push of 700 refs (an audit record over 100 KiB) no longer hides it,
/// neither from the state file nor, on a server upgraded from a version
/// without one, from the log's last record read whole; and a log that has
/// records but says nothing about the policy means "moved", never "first
/// use".
#[test]
fn the_last_policy_is_read_whole_whatever_the_last_record_holds() {
    let s = Setup::with_policy(Transport::Path, STRICT);
    s.client.git_ok(&["checkout", "-q", "-b", "weak"]);
    s.client.write_file(".reviewgate.toml", WEAK);
    s.client.commit(&format!("Weaker\n\n{REVIEW_ANN}\n"));
    // One push of 700 unprotected refs: a huge last audit record.
    let mut args: Vec<String> = vec!["weak".into()];
    args.extend((0..700).map(|i| format!("HEAD:refs/heads/topic/with-a-long-name-{i:04}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    accepted(&s.client.push(&args));
    let log = s.server.audit_log();
    let text = std::fs::read_to_string(&log).expect("log");
    let last = text.lines().last().expect("record");
    assert!(last.len() > 100 * 1024, "{} bytes", last.len());
    let state = s.server.dir.join("reviewgate/policy-state.json");
    assert!(std::fs::read_to_string(&state)
        .expect("state")
        .contains("refs/heads/main"));
    let remembered = std::fs::read(&state).expect("state");
    // A server upgraded from a version that kept no state file: the last
    // record of the log (the huge one) is read whole. HEAD moves to the
    // ungated branch: refused.
    std::fs::remove_file(&state).expect("remove state");
    s.server
        .git_ok(&["symbolic-ref", "HEAD", "refs/heads/weak"]);
    s.client.commit("Unreviewed work\n");
    let p = refused(&s, &["weak"], "policy-invalid");
    p.says("the policy moved from refs/heads/main to refs/heads/weak");
    // Now the log's last record is that refusal, which names no branch the
    // policy was read from: "unknown", refused, never "first use".
    let last = std::fs::read_to_string(&log).expect("log");
    assert!(last.lines().last().expect("r").contains("untrusted policy"));
    let p = refused(&s, &["weak"], "policy-invalid");
    p.says("where the policy was read for the previous push is not known");
    // With the state file, the same move is refused from it.
    std::fs::write(&state, &remembered).expect("restore state");
    let p = refused(&s, &["weak"], "policy-invalid");
    p.says("the policy moved from refs/heads/main to refs/heads/weak");
    // An unreadable state file is "unknown" too.
    std::fs::write(&state, "{not json").expect("write");
    let p = refused(&s, &["weak"], "policy-invalid");
    p.says("policy-state.json cannot be read");
    // The administrator who means it pins the branch.
    std::fs::remove_file(&state).expect("remove state");
    s.server
        .git_ok(&["config", "reviewgate.policyBranch", "refs/heads/weak"]);
    accepted(&s.client.push(&["weak"]));
    assert!(std::fs::read_to_string(&state)
        .expect("state")
        .contains("refs/heads/weak"));
}

/// A server whose log was rotated away (or never written) is a first use:
/// the policy is read where HEAD points, and remembered from then on.
#[test]
fn no_log_and_no_state_is_a_first_use() {
    let s = Setup::with_policy(Transport::Path, STRICT);
    s.client.commit(&format!("Work\n\n{REVIEW_ANN}\n"));
    accepted(&s.client.push(&["main"]));
    std::fs::remove_file(s.server.audit_log()).expect("rotate");
    std::fs::remove_file(s.server.dir.join("reviewgate/policy-state.json")).expect("state");
    s.client.commit(&format!("More\n\n{REVIEW_ANN}\n"));
    accepted(&s.client.push(&["main"]));
}
