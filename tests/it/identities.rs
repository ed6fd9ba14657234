//! Whose identity a push carries, and the review bound to it
//! (`require-pusher`). Real signed pushes
//! (`git push --signed` with SSH keys, the server verifying against its
//! allowed signers), a certificate's signer as an email identity mapped
//! through `[identities]`, the server's own identity above a certificate, and
//! logins matched exactly. Each asserts the decision, that no ref moved where
//! it must not, and the audit record.

use crate::util::*;

/// Turn on signed pushes on the server: a nonce seed (so nonces are fresh)
/// and allowed signers `(principal, key)`.
fn accept_signed_pushes(s: &Setup, signers: &[(&str, &Key)]) {
    let file = s.server.dir.join("allowed_signers");
    let text: String = signers
        .iter()
        .map(|(who, k)| format!("{who} {}\n", k.public))
        .collect();
    std::fs::write(&file, text).expect("write");
    for (k, v) in [
        ("receive.certNonceSeed", "a server secret"),
        ("gpg.ssh.allowedSignersFile", &file.display().to_string()),
        ("receive.advertisePushOptions", "true"),
    ] {
        s.server.config(k, v);
    }
}

/// `git push --signed origin ARGS` signing with `key`, from `client`.
fn signed_push(client: &Client, key: &Key, args: &[&str]) -> Push {
    let mut c = client.git();
    c.args(["-c", "gpg.format=ssh", "-c"])
        .arg(format!("user.signingKey={}", key.private.display()))
        .args(["push", "--signed", "origin"])
        .args(args);
    let out = run(c);
    Push {
        success: out.status.success(),
        stderr: clean(&String::from_utf8_lossy(&out.stderr)),
    }
}

const BOUND: &str = "[review]\nrequire-pusher = true\n\n[identities]\nann = [\"ann@example.com\"]\nbo = [\"bo@example.com\"]\n\n[bypass]\npushers = [\"ann\"]\n\n[[protect]]\nrefs = [\"@default\"]\n";

#[test]
fn a_good_fresh_certificate_is_an_email_identity() {
    for t in [Transport::Path, Transport::Daemon] {
        let s = Setup::with_policy(t, BOUND);
        let keys = tempfile::tempdir().expect("tmp");
        let ann = ssh_key(keys.path(), "ann");
        let stranger = ssh_key(keys.path(), "stranger");
        accept_signed_pushes(&s, &[("ann@example.com", &ann)]);
        let before = s.server.rev("refs/heads/main");
        s.client.commit(&ai_message("AI work", &[REVIEW_ANN]));
        // Unsigned: nobody vouched for the pusher.
        refused(&s, &["main"], "pusher-unauthenticated");
        // Signed with a key the server does not list: not an identity.
        let p = signed_push(&s.client, &stranger, &["main"]);
        assert!(
            !p.success && p.stderr.contains("error[pusher-unauthenticated]"),
            "{}",
            p.stderr
        );
        assert_eq!(s.server.rev("refs/heads/main"), before);
        // Signed by Ann's listed key: the reviewer pushed.
        let p = signed_push(&s.client, &ann, &["main"]);
        accepted(&p);
        let rec = s.server.last_audit();
        assert_eq!(rec["pusher"]["source"], "push-certificate", "{rec}");
        assert_eq!(rec["pusher"]["email"], "ann@example.com", "{rec}");
        assert!(
            rec["pusher"]["login"].is_null(),
            "a signer is not a login: {rec}"
        );
    }
}

#[test]
fn the_servers_own_identity_ranks_above_a_certificate() {
    let s = Setup::with_policy(Transport::Path, BOUND);
    let keys = tempfile::tempdir().expect("tmp");
    let ann = ssh_key(keys.path(), "ann");
    accept_signed_pushes(&s, &[("ann@example.com", &ann)]);
    s.client.commit(&ai_message("AI work", &[REVIEW_ANN]));
    // Bo is logged in to the web server, and signs with Ann's key: the server's
    // authentication says Bo.
    let bo = s.client.with_env(&[("REMOTE_USER", "bo")]);
    let before = refs(&s);
    let p = signed_push(&bo, &ann, &["main"]);
    assert!(
        !p.success && p.stderr.contains("error[pusher-not-reviewer]"),
        "{}",
        p.stderr
    );
    p.says("pusher `bo` (REMOTE_USER)");
    assert_eq!(refs(&s), before);
    assert_eq!(s.server.last_audit()["pusher"]["login"], "bo");
}

#[test]
fn a_signer_maps_to_logins_only_through_identities() {
    let s = Setup::with_policy(Transport::Path, BOUND);
    let keys = tempfile::tempdir().expect("tmp");
    let ann = ssh_key(keys.path(), "ann");
    let login_shaped = ssh_key(keys.path(), "loginshaped");
    let named = ssh_key(keys.path(), "named");
    accept_signed_pushes(
        &s,
        &[
            ("ann@example.com", &ann),
            // A principal that is a login's raw text, and one shaped like
            // `name <email>` for someone [identities] does not list.
            ("ann", &login_shaped),
            ("carol@example.com", &named),
        ],
    );
    s.client.commit(&ai_message("Hotfix", &[]));
    // Ann's certificate maps to the login `ann`, listed in [bypass] pushers.
    let p = signed_push(
        &s.client,
        &ann,
        &["-o", "reviewgate.bypass=prod down", "main"],
    );
    assert!(
        p.success && p.stderr.contains("BREAK-GLASS"),
        "{}",
        p.stderr
    );
    let rec = s.server.last_audit();
    assert_eq!(rec["decision"], "accepted-by-bypass", "{rec}");
    s.client.commit(&ai_message("Another", &[]));
    // A principal that merely reads `ann` is not the login ann.
    let before = refs(&s);
    let p = signed_push(
        &s.client,
        &login_shaped,
        &["-o", "reviewgate.bypass=prod down", "main"],
    );
    assert!(
        !p.success && p.stderr.contains("error[bypass-denied]"),
        "{}",
        p.stderr
    );
    // An email no [identities] entry lists maps to no login.
    let p = signed_push(
        &s.client,
        &named,
        &["-o", "reviewgate.bypass=prod down", "main"],
    );
    assert!(
        !p.success && p.stderr.contains("error[bypass-denied]"),
        "{}",
        p.stderr
    );
    p.says("carol@example.com");
    assert_eq!(refs(&s), before);
}

#[test]
fn stale_replayed_or_unsolicited_nonces_are_not_identities() {
    // git sets these for a certificate it received; the hook decides. Only
    // G with a fresh nonce (OK) is an identity.
    let s = Setup::with_policy(Transport::Path, BOUND);
    s.client.commit(&ai_message("AI work", &[REVIEW_ANN]));
    let old = s.server.rev("refs/heads/main").expect("main");
    let new = s.client.head();
    // Make the commit available to the server (as a push would, in quarantine).
    s.client
        .git_ok(&["push", "-q", "origin", "HEAD:refs/heads/scratch"]);
    let line = format!("{old} {new} refs/heads/main\n");
    for (status, nonce, ok_) in [
        ("G", "OK", true),
        ("G", "SLOP", false),
        ("G", "BAD", false),
        ("G", "MISSING", false),
        ("G", "UNSOLICITED", false),
        ("G", "", false),
        ("U", "OK", false),
        ("B", "OK", false),
    ] {
        let (code, out) = run_hook(
            PRE_RECEIVE,
            &s.server.dir,
            line.as_bytes(),
            &[],
            &[
                ("GIT_PUSH_CERT_SIGNER", "Ann Lee <ann@example.com>"),
                ("GIT_PUSH_CERT_STATUS", status),
                ("GIT_PUSH_CERT_NONCE_STATUS", nonce),
            ],
        );
        assert_eq!(code == 0, ok_, "status {status}, nonce {nonce:?}:\n{out}");
        if !ok_ {
            assert!(out.contains("error[pusher-unauthenticated]"), "{out}");
        }
    }
}

#[test]
fn logins_are_matched_exactly() {
    let policy = "[identities]\nann = [\"ann@example.com\"]\n\n[bypass]\npushers = [\"ann\", \"oncall-*\"]\n\n[[protect]]\nrefs = [\"@default\"]\n\n[[protect]]\nrefs = [\"refs/heads/release/*\"]\npushers = [\"release-*\"]\n";
    let s = Setup::with_policy(Transport::Path, policy);
    s.server.config("receive.advertisePushOptions", "true");
    s.client.commit(&ai_message("Hotfix", &[]));
    let bypass = ["-o", "reviewgate.bypass=prod down", "main"];
    for login in [
        "Ann",
        "ANN",
        "ann ",
        " ann",
        "oncall-eu bob",
        "oncall-x@example.com",
        "Ann <ann@example.com>",
    ] {
        let c = s.client.with_env(&[("GL_USERNAME", login)]);
        let p = refused_by(&s, &c, &bypass, "bypass-denied");
        assert!(
            p.stderr.contains("is not listed in [bypass] pushers"),
            "{login:?}: {}",
            p.stderr
        );
        assert_eq!(s.server.last_audit()["pusher"]["login"], login);
    }
    let c = s.client.with_env(&[("GL_USERNAME", "oncall-eu")]);
    let p = c.push(&bypass);
    assert!(
        p.success && p.stderr.contains("BREAK-GLASS"),
        "{}",
        p.stderr
    );
    // [[protect]] pushers, the same way.
    s.client.commit("Human work\n");
    for login in ["Release-bot", "release bot", "release-bot@example.com"] {
        let c = s.client.with_env(&[("GL_USERNAME", login)]);
        refused_by(&s, &c, &["HEAD:refs/heads/release/1"], "pusher-not-allowed");
    }
    let c = s.client.with_env(&[("GL_USERNAME", "release-bot")]);
    accepted(&c.push(&["HEAD:refs/heads/release/1"]));
}

const PUSHER_BOUND: &str = "[review]\nrequire-pusher = true\n\n[identities]\nann = [\"ann@example.com\", \"ann.lee@example.com\"]\n\n[[protect]]\nrefs = [\"@default\"]\n";

#[test]
fn pusher_bound_review_accepts_the_reviewer_and_rejects_a_forged_trailer() {
    let s = Setup::with_policy(Transport::Path, PUSHER_BOUND);
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
