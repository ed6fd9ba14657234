//! Signed reviews and signed commits, by real pushes: keys made by
//! ssh-keygen, approvals made by `reviewgate approve`, commits signed by
//! `git commit -S` with `gpg.format = ssh`, the server verifying against the
//! allowed_signers file its administrator pins.

use std::path::Path;

use crate::util::*;

const SIGNED: &str = "[review]\nsigned = true\n\n[[protect]]\nrefs = [\"@default\"]\n";

/// A server with `policy` on main, the allowed signers pinned, and the keys.
struct Signed {
    s: Setup,
    keys: tempfile::TempDir,
    ann: Key,
    bo: Key,
    dev: Key,
}

impl Signed {
    fn new(t: Transport, policy: &str) -> Self {
        let s = Setup::with_policy(t, policy);
        let keys = tempfile::tempdir().expect("tmp");
        let ann = ssh_key(keys.path(), "ann");
        let bo = ssh_key(keys.path(), "bo");
        let dev = ssh_key(keys.path(), "dev");
        let old = ssh_key(keys.path(), "old");
        let part = |k: &Key| {
            k.public
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let file = keys.path().join("allowed_signers");
        std::fs::write(
            &file,
            format!(
                "# the team's keys\nann@example.com {}\nbo@example.com {}\ndev@example.com {}\nold@example.com valid-before=20200101Z {}\n",
                part(&ann),
                part(&bo),
                part(&dev),
                part(&old)
            ),
        )
        .expect("write");
        s.server
            .config("reviewgate.allowedSigners", &file.display().to_string());
        Self {
            s,
            keys,
            ann,
            bo,
            dev,
        }
    }

    fn key(&self, name: &str) -> std::path::PathBuf {
        self.keys.path().join(name)
    }

    /// `reviewgate approve` in the client as `email`, signing with `key`.
    fn approve(&self, email: &str, key: &Path, revs: &[&str]) -> (i32, String) {
        self.s.client.git_ok(&["config", "user.email", email]);
        self.s.client.git_ok(&["config", "user.name", "Reviewer"]);
        let mut args = vec!["approve", "--key", key.to_str().expect("utf8")];
        args.extend_from_slice(revs);
        cli(&self.s.client.dir, &args)
    }

    /// Push main with the approvals.
    fn push(&self) -> Push {
        self.s.client.push(&["main", "refs/notes/reviewgate"])
    }
}

#[test]
fn a_signed_approval_is_a_review_and_a_typed_trailer_is_not() {
    for t in [Transport::Path, Transport::Daemon] {
        let k = Signed::new(t, SIGNED);
        // A typed trailer only: refused, in its own words.
        k.s.client.commit(&ai_message("Add parser", &[REVIEW_ANN]));
        let p = refused(&k.s, &["main"], "review-not-signed");
        p.says("1 typed review trailer(s) and no signed approval");
        p.says("reviewgate approve");
        // Ann approves with her key: accepted, the note travels with main.
        let (code, out) = k.approve("ann@example.com", &k.ann.private, &["HEAD"]);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("approved ") && out.contains("git push origin refs/notes/reviewgate"),
            "{out}"
        );
        // Approving twice changes nothing.
        let note =
            k.s.client
                .git_ok(&["notes", "--ref", "reviewgate", "show", "HEAD"]);
        let (_, again) = k.approve("ann@example.com", &k.ann.private, &["HEAD"]);
        assert!(again.contains("already approved"), "{again}");
        assert_eq!(
            k.s.client
                .git_ok(&["notes", "--ref", "reviewgate", "show", "HEAD"]),
            note
        );
        accepted(&k.push());
    }
}

#[test]
fn approvals_that_do_not_verify_do_not_count() {
    let k = Signed::new(Transport::Path, SIGNED);
    let stranger = ssh_key(k.keys.path(), "stranger");
    k.s.client.commit(&ai_message("Add parser", &[]));
    // A key nobody listed, a listed key claiming another reviewer, a key
    // past its valid-before, the author's own key for their own commit.
    let cases: [(&str, &Path, &str, &str); 4] = [
        (
            "ann@example.com",
            &stranger.private,
            "bad-review-signature",
            "is not in the allowed signers",
        ),
        (
            "ann@example.com",
            &k.bo.private,
            "bad-review-signature",
            "is listed for bo@example.com, not for ann@example.com",
        ),
        (
            "old@example.com",
            &k.key("old"),
            "bad-review-signature",
            "is valid until 2020-01-01T00:00:00Z",
        ),
        (
            "dev@example.com",
            &k.dev.private,
            "self-review",
            "is the commit's author or committer",
        ),
    ];
    for (email, key, code, says) in cases {
        k.s.client.git_ok(&[
            "notes",
            "--ref",
            "reviewgate",
            "remove",
            "--ignore-missing",
            "HEAD",
        ]);
        let (status, out) = k.approve(email, key, &["HEAD"]);
        assert_eq!(status, 0, "{out}");
        let p = refused(&k.s, &["main", "+refs/notes/reviewgate"], code);
        p.says(says);
    }
    // A valid approval beside a bad one: counted.
    let (status, out) = k.approve("ann@example.com", &k.ann.private, &["HEAD"]);
    assert_eq!(status, 0, "{out}");
    accepted(&k.s.client.push(&["main", "+refs/notes/reviewgate"]));
}

#[test]
fn an_approval_is_valid_only_for_its_commit_its_namespace_and_its_bytes() {
    let k = Signed::new(Transport::Path, SIGNED);
    let first = k.s.client.commit(&ai_message("First", &[]));
    k.approve("ann@example.com", &k.ann.private, &["HEAD"]);
    let second = k.s.client.commit(&ai_message("Second", &[]));
    // The first commit's note copied onto the second.
    k.s.client
        .git_ok(&["notes", "--ref", "reviewgate", "copy", &first, &second]);
    let p = refused(
        &k.s,
        &["main", "refs/notes/reviewgate"],
        "bad-review-signature",
    );
    p.says(&format!(
        "it approves commit {}, not this one",
        &first[..12]
    ));
    // Signed in git's namespace rather than the approvals'.
    k.s.client
        .git_ok(&["notes", "--ref", "reviewgate", "remove", &second]);
    let payload = format!("reviewgate-approval v1\ncommit {second}\nreviewer ann@example.com\n");
    let sig = ssh_sign(&k.ann.private, "git", payload.as_bytes());
    k.s.client.git_ok(&[
        "notes",
        "--ref",
        "reviewgate",
        "add",
        "-m",
        &format!("{payload}{sig}"),
        &second,
    ]);
    refused(
        &k.s,
        &["main", "refs/notes/reviewgate"],
        "bad-review-signature",
    )
    .says("made for namespace \"git\", not \"reviewgate-review\"");
    // A tampered signature.
    k.s.client
        .git_ok(&["notes", "--ref", "reviewgate", "remove", &second]);
    let sig = ssh_sign(&k.ann.private, "reviewgate-review", payload.as_bytes());
    let tampered = format!("{payload}{sig}")
        .replace("reviewer ann@example.com", "reviewer ann@example.com")
        .replacen("AAAA", "AAAB", 1);
    k.s.client.git_ok(&[
        "notes",
        "--ref",
        "reviewgate",
        "add",
        "-m",
        &tampered,
        &second,
    ]);
    refused(
        &k.s,
        &["main", "refs/notes/reviewgate"],
        "bad-review-signature",
    );
}

#[test]
fn recorded_approvals_only_grow() {
    let k = Signed::new(Transport::Path, SIGNED);
    k.s.client.commit(&ai_message("Add parser", &[]));
    k.approve("ann@example.com", &k.ann.private, &["HEAD"]);
    accepted(&k.push());
    // Rewriting the note without Ann's approval, deleting the ref, and
    // rewinding it are all refused; adding to it is fine.
    let head = k.s.client.head();
    k.s.client.git_ok(&[
        "notes",
        "--ref",
        "reviewgate",
        "add",
        "-f",
        "-m",
        "nothing here",
        &head,
    ]);
    refused(&k.s, &["refs/notes/reviewgate"], "approvals-rewritten")
        .says("removes or changes 1 recorded approval(s)");
    k.s.client.git_ok(&[
        "update-ref",
        "refs/notes/reviewgate",
        "refs/notes/reviewgate~1",
    ]);
    k.approve("bo@example.com", &k.bo.private, &["HEAD"]);
    accepted(&k.s.client.push(&["refs/notes/reviewgate"]));
    let before = k.s.client.git_ok(&["rev-parse", "refs/notes/reviewgate"]);
    k.s.client.git_ok(&[
        "update-ref",
        "refs/notes/reviewgate",
        "refs/notes/reviewgate~1",
    ]);
    refused(&k.s, &["+refs/notes/reviewgate"], "approvals-rewritten").says("rewinds it");
    k.s.client
        .git_ok(&["update-ref", "refs/notes/reviewgate", &before]);
    refused(&k.s, &[":refs/notes/reviewgate"], "approvals-rewritten").says("deletes it");
}

#[test]
fn signed_commits_prove_their_authors() {
    let policy =
        "[review]\nsigned = true\nsigned-commits = true\n\n[[protect]]\nrefs = [\"@default\"]\n";
    let k = Signed::new(Transport::Path, policy);
    // Unsigned.
    k.s.client.commit("Fix a typo\n");
    refused(&k.s, &["main"], "unsigned-commit");
    // Signed by bo's key, but the author is dev.
    k.s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    signed_commit(&k.s.client, &k.bo.private, "Fix a typo\n");
    refused(&k.s, &["main"], "signer-not-author")
        .says("list for bo@example.com, not for its author dev@example.com");
    // Signed by dev: accepted (a human commit needs no review here).
    k.s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    signed_commit(&k.s.client, &k.dev.private, "Fix a typo\n");
    let p = k.s.client.push(&["main"]);
    accepted(&p);
    // git agrees the signature is good.
    let mut c = k.s.client.git();
    c.args(["-c"])
        .arg(format!(
            "gpg.ssh.allowedSignersFile={}",
            k.key("allowed_signers").display()
        ))
        .args(["log", "-1", "--format=%G?"]);
    assert_eq!(ok(c), "G");
    // A signed AI commit approved by dev himself: the proven author is the
    // proven approver.
    signed_commit(&k.s.client, &k.dev.private, &ai_message("Add parser", &[]));
    k.approve("dev@example.com", &k.dev.private, &["HEAD"]);
    refused(&k.s, &["main", "refs/notes/reviewgate"], "self-review");
}

#[test]
fn the_local_check_and_ssh_keygen_agree_with_the_server() {
    let k = Signed::new(Transport::Path, SIGNED);
    k.s.client.commit(&ai_message("Add parser", &[]));
    let signers = k.key("allowed_signers");
    let check = |k: &Signed| {
        let mut c = std::process::Command::new(CLI);
        hermetic(&mut c, &k.s.client.dir);
        c.current_dir(&k.s.client.dir)
            .args(["check", "--allowed-signers"])
            .arg(&signers);
        code_and_text(&run(c))
    };
    let (code, out) = check(&k);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[ai-unreviewed]") && out.contains("no signed approval"),
        "{out}"
    );
    // --print gives what ssh-keygen verifies alone.
    k.s.client
        .git_ok(&["config", "user.email", "ann@example.com"]);
    let key = k.ann.private.to_str().expect("utf8");
    let (status, out) = cli(
        &k.s.client.dir,
        &["approve", "--print", "--key", key, "HEAD"],
    );
    assert_eq!(status, 0, "{out}");
    let json: serde_json::Value = out
        .lines()
        .find(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("json"))
        .expect("a JSON line");
    let dir = k.keys.path();
    std::fs::write(
        dir.join("payload"),
        json["payload"].as_str().expect("payload"),
    )
    .expect("write");
    std::fs::write(
        dir.join("payload.sig"),
        json["signature"].as_str().expect("sig"),
    )
    .expect("write");
    let verify = std::process::Command::new("ssh-keygen")
        .args([
            "-Y",
            "verify",
            "-n",
            "reviewgate-review",
            "-I",
            "ann@example.com",
            "-f",
        ])
        .arg(&signers)
        .arg("-s")
        .arg(dir.join("payload.sig"))
        .stdin(std::fs::File::open(dir.join("payload")).expect("open"))
        .output()
        .expect("ssh-keygen");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let (code, out) = check(&k);
    assert_eq!(code, 0, "{out}");
    accepted(&k.push());
}

/// `message` signed with `key` in `namespace` by ssh-keygen.
fn ssh_sign(key: &Path, namespace: &str, message: &[u8]) -> String {
    let mut c = std::process::Command::new("ssh-keygen");
    c.args(["-q", "-Y", "sign", "-n", namespace, "-f"]).arg(key);
    String::from_utf8(feed_ok(c, message)).expect("armor")
}

/// A commit of `message` signed with `key` (`git commit -S`, SSH format).
fn signed_commit(client: &Client, key: &Path, message: &str) {
    let n = std::fs::read_dir(&client.dir)
        .map(|d| d.count())
        .unwrap_or(0);
    client.write_file(&format!("s{n}.txt"), "x\n");
    client.git_ok(&["add", "-A"]);
    let mut c = client.git();
    c.args(["-c", "gpg.format=ssh", "-c"])
        .arg(format!("user.signingKey={}", key.display()))
        .args(["commit", "-q", "-S", "--cleanup=verbatim", "-m", message]);
    ok(c);
}

/// What git says of a commit's signature (`%G?`) against what reviewgate
/// reads: none, good, or bad (the signed bytes changed after signing).
#[test]
fn commit_signatures_are_read_as_git_reads_them() {
    let k = Signed::new(Transport::Path, SIGNED);
    let signers_file = k.key("allowed_signers");
    let signers = reviewgate::signers::AllowedSigners::load(signers_file.to_str().expect("utf8"))
        .expect("load");
    k.s.client.commit("Unsigned\n");
    let unsigned = k.s.client.head();
    signed_commit(&k.s.client, &k.dev.private, "Signed\n\nWith a body.\n");
    let good = k.s.client.head();
    // The same object with its message changed after signing, and with its
    // signature header moved below an extra header.
    let raw = k.s.client.git_ok(&["cat-file", "commit", &good]) + "\n";
    let edited =
        k.s.client
            .raw_commit(raw.replace("With a body.", "With another body.").as_bytes());
    let moved = {
        let (headers, body) = raw.split_once("\n\n").expect("headers");
        let mut lines: Vec<&str> = headers.lines().collect();
        lines.push("extra-header value");
        k.s.client
            .raw_commit(format!("{}\n\n{body}", lines.join("\n")).as_bytes())
    };
    let repo = git2::Repository::open(&k.s.client.dir).expect("open");
    let odb = repo.odb().expect("odb");
    for (id, want) in [
        (&unsigned, "N"),
        (&good, "G"),
        (&edited, "B"),
        (&moved, "B"),
    ] {
        let mut c = k.s.client.git();
        c.args(["-c"])
            .arg(format!(
                "gpg.ssh.allowedSignersFile={}",
                signers_file.display()
            ))
            .args(["log", "-1", "--format=%G?", id]);
        assert_eq!(ok(c), want, "git on {id}");
        let oid = git2::Oid::from_str(id).expect("oid");
        let object = odb.read(oid).expect("read");
        let view = reviewgate::commit::CommitView::parse(oid, object.data());
        let ours = match view.signature().expect("one header") {
            None => "N",
            Some((armor, payload)) => {
                let at = chrono::Utc::now();
                match signers.verify(&armor, &payload, "git", "dev@example.com", at) {
                    Ok(()) => "G",
                    Err(_) => "B",
                }
            }
        };
        assert_eq!(ours, want, "reviewgate on {id}");
    }
}
