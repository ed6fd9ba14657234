//! allowed_signers and SSHSIG verification against keys and signatures made
//! by ssh-keygen itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{TimeZone, Utc};

use super::*;

/// A key made by ssh-keygen: (private key path, public key line).
fn key(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen");
    assert!(ok.success());
    let public = std::fs::read_to_string(path.with_extension("pub")).expect("pub");
    (path, public.trim().to_string())
}

/// `message` signed with `key` in `namespace` by ssh-keygen.
fn sign(key: &Path, namespace: &str, message: &[u8]) -> String {
    use std::io::Write;
    let mut c = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ssh-keygen");
    c.stdin
        .take()
        .expect("stdin")
        .write_all(message)
        .expect("write");
    let out = c.wait_with_output().expect("wait");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("armor")
}

fn key_part(public: &str) -> String {
    public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn signatures_verify_as_ssh_keygen_checks_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ann, ann_pub) = key(dir.path(), "ann");
    let (bo, bo_pub) = key(dir.path(), "bo");
    let (_, eve_pub) = key(dir.path(), "eve");
    let (ann, bo) = (ann, bo);
    let text = format!(
        "# the team\nann@example.com,a.lee@example.com {}\n*@sre.example.com namespaces=\"git\" {}\nold@example.com valid-before=20200101 {}\n# a CA is parsed, never honoured\n*@example.com cert-authority {}\n",
        key_part(&ann_pub),
        key_part(&bo_pub),
        key_part(&bo_pub),
        key_part(&eve_pub)
    );
    let signers = AllowedSigners::parse(&text, "allowed_signers").expect("parses");
    assert_eq!(signers.signers.len(), 4);
    let now = Utc
        .with_ymd_and_hms(2026, 12, 2, 12, 0, 0)
        .single()
        .expect("time");
    let msg = b"reviewgate-approval v1\n";
    let good = sign(&ann, "reviewgate-review", msg);
    let verify = |sig: &str, m: &[u8], ns: &str, who: &str| signers.verify(sig, m, ns, who, now);
    assert_eq!(
        verify(&good, msg, "reviewgate-review", "ann@example.com"),
        Ok(())
    );
    assert_eq!(
        verify(&good, msg, "reviewgate-review", "A.Lee@example.com"),
        Ok(()),
        "emails ignore case"
    );
    assert!(matches!(
        verify(&good, msg, "git", "ann@example.com"),
        Err(Refused::Namespace { .. })
    ));
    assert!(matches!(
        verify(&good, msg, "reviewgate-review", "bo@example.com"),
        Err(Refused::OtherPrincipal { .. })
    ));
    assert_eq!(
        verify(&good, b"tampered\n", "reviewgate-review", "ann@example.com"),
        Err(Refused::BadSignature)
    );
    // bo's key: listed for the SRE domain in namespace git only, and for an
    // expired address.
    let bo_review = sign(&bo, "reviewgate-review", msg);
    assert!(matches!(
        verify(&bo_review, msg, "reviewgate-review", "sam@sre.example.com"),
        Err(Refused::NamespaceNotAllowed { .. })
    ));
    assert!(matches!(
        verify(&bo_review, msg, "reviewgate-review", "old@example.com"),
        Err(Refused::NotValidAt { .. })
    ));
    let bo_git = sign(&bo, "git", msg);
    assert_eq!(verify(&bo_git, msg, "git", "sam@sre.example.com"), Ok(()));
    // A key nobody listed, and a key listed only as a certificate authority.
    let (stranger, _) = key(dir.path(), "stranger");
    assert!(matches!(
        verify(
            &sign(&stranger, "reviewgate-review", msg),
            msg,
            "reviewgate-review",
            "ann@example.com"
        ),
        Err(Refused::UnknownKey(_))
    ));
    assert!(matches!(
        verify(
            "not a signature",
            msg,
            "reviewgate-review",
            "ann@example.com"
        ),
        Err(Refused::Malformed(_))
    ));
}

#[test]
fn allowed_signers_problems_are_located() {
    let table = [
        ("ann@example.com\n", "allowed_signers:1: no key"),
        (
            "ann@example.com ssh-ed25519\n",
            "allowed_signers:1: the key has no base64 part",
        ),
        (
            "ann@example.com ssh-ed25519 AAAA\n",
            "allowed_signers:1: the key does not parse",
        ),
        (
            "\n# c\nann@example.com valid-after=2026 ssh-ed25519 AAAA\n",
            "allowed_signers:3: valid-after=2026 is not YYYYMMDD",
        ),
        (
            "ann@example.com no-touch-required ssh-ed25519 AAAA\n",
            "allowed_signers:1: unknown option `no-touch-required`",
        ),
    ];
    for (text, want) in table {
        let err = AllowedSigners::parse(text, "allowed_signers")
            .expect_err(text)
            .to_string();
        assert!(err.starts_with(want), "{text}: {err}");
    }
}

#[test]
fn times_and_patterns_read_as_openssh_reads_them() {
    assert_eq!(
        time("20261202Z"),
        Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).single()
    );
    assert_eq!(
        time("202612021530Z"),
        Utc.with_ymd_and_hms(2026, 12, 2, 15, 30, 0).single()
    );
    assert_eq!(
        time("20261202153045Z"),
        Utc.with_ymd_and_hms(2026, 12, 2, 15, 30, 45).single()
    );
    for bad in ["2026120", "20261302Z", "2026-12-02", "20261202153Z"] {
        assert_eq!(time(bad), None, "{bad}");
    }
    assert!(matches("*@example.com", "Ann@Example.com"));
    assert!(matches("a?n@x", "ann@x"));
    assert!(!matches("*@example.com", "ann@example.com.evil"));
    assert!(!matches("ann@example.com", "bann@example.com"));
    assert_eq!(
        options("namespaces=\"git,reviewgate-review\",valid-after=20260101"),
        ["namespaces=git,reviewgate-review", "valid-after=20260101"]
    );
}
