//! Signed approvals: the payload a reviewer signs (canonical, versioned),
//! how approvals sit in the git note of a commit under
//! `refs/notes/reviewgate`, their JSON form, and what a verified one says.
//!
//! The payload, exactly (each line ends with a newline; the email as the
//! reviewer's `git config user.email` gives it):
//!
//! ```text
//! reviewgate-approval v1
//! commit <the commit's 40-hex id>
//! reviewer <the reviewer's email>
//! ```
//!
//! signed with `ssh-keygen -Y sign -n reviewgate-review`. A note holds one
//! approval per paragraph: the payload's three lines, then the armored
//! signature. Anyone can check one with OpenSSH alone: write the three
//! lines to a file and the armor to another, then
//! `ssh-keygen -Y verify -f ALLOWED_SIGNERS -I EMAIL -n reviewgate-review -s SIG < PAYLOAD`.
//!
//! ```
//! use reviewgate::approval::{parse_note, Approval, Block};
//! let id = "0123456789abcdef0123456789abcdef01234567";
//! let a = Approval {
//!     commit: id.into(),
//!     reviewer: "ann@example.com".into(),
//!     signature: "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n".into(),
//! };
//! assert!(a.payload().starts_with("reviewgate-approval v1\ncommit 0123"));
//! let note = format!("{}\n{}", a.block(), a.block());
//! assert!(matches!(parse_note(&note)[..], [Block::Approval(_), Block::Approval(_)]));
//! ```

/// The SSH signature namespace of approvals.
pub const NAMESPACE: &str = "reviewgate-review";

/// Where approvals are kept: one git note per approved commit.
pub const NOTES_REF: &str = "refs/notes/reviewgate";

/// The first line of a version-1 approval.
pub const VERSION_LINE: &str = "reviewgate-approval v1";

/// The most bytes of one approvals note that are read (a hundred approvals
/// are some 60 KiB).
pub const MAX_NOTE_BYTES: u64 = 1 << 20;

/// One signed approval, as a note holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The approved commit's id, as the payload writes it.
    pub commit: String,
    /// The reviewer's email, as the payload writes it.
    pub reviewer: String,
    /// The armored SSH signature over [`Approval::payload`].
    pub signature: String,
}

impl Approval {
    /// The bytes the signature covers.
    pub fn payload(&self) -> String {
        payload(&self.commit, &self.reviewer)
    }

    /// The approval as a paragraph of a note (ends with a newline).
    pub fn block(&self) -> String {
        let mut b = self.payload();
        b.push_str(self.signature.trim_end());
        b.push('\n');
        b
    }

    /// Its JSON form (what `reviewgate approve --print` prints).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "version": 1,
            "namespace": NAMESPACE,
            "commit": self.commit,
            "reviewer": self.reviewer,
            "payload": self.payload(),
            "signature": self.signature,
        })
    }
}

/// The payload for `commit` (hex) approved by `reviewer`.
pub fn payload(commit: &str, reviewer: &str) -> String {
    format!("{VERSION_LINE}\ncommit {commit}\nreviewer {reviewer}\n")
}

/// One paragraph of an approvals note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A version-1 approval, well formed.
    Approval(Approval),
    /// Anything else: another version, a broken approval, stray text (its
    /// first line, for messages).
    Unknown(String),
}

/// The paragraphs of an approvals note, in order.
pub fn parse_note(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push(parse_block(para).map_or_else(
            || {
                Block::Unknown(
                    para.lines()
                        .next()
                        .unwrap_or_default()
                        .chars()
                        .take(80)
                        .collect(),
                )
            },
            Block::Approval,
        ));
    }
    out
}

fn parse_block(para: &str) -> Option<Approval> {
    let mut lines = para.lines();
    if lines.next()? != VERSION_LINE {
        return None;
    }
    let commit = lines.next()?.strip_prefix("commit ")?;
    let reviewer = lines.next()?.strip_prefix("reviewer ")?;
    if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if reviewer.is_empty() || reviewer.contains(char::is_whitespace) {
        return None;
    }
    let signature: Vec<&str> = lines.collect();
    let (first, last) = (signature.first()?, signature.last()?);
    if *first != "-----BEGIN SSH SIGNATURE-----" || *last != "-----END SSH SIGNATURE-----" {
        return None;
    }
    Some(Approval {
        commit: commit.to_string(),
        reviewer: reviewer.to_string(),
        signature: format!("{}\n", signature.join("\n")),
    })
}

/// What checking one approval of a commit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The reviewer it names (lowercase), or the block's first line when it
    /// does not parse.
    pub reviewer: String,
    /// `Ok`: signed by a key the allowed signers list for that reviewer,
    /// for this commit; `Err`: why it does not count.
    pub outcome: Result<(), String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef01234567";
    const SIG: &str =
        "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\nAAAA\n-----END SSH SIGNATURE-----\n";

    fn a(reviewer: &str) -> Approval {
        Approval {
            commit: ID.into(),
            reviewer: reviewer.into(),
            signature: SIG.into(),
        }
    }

    #[test]
    fn notes_hold_approvals_paragraph_by_paragraph() {
        let note = format!(
            "{}\n{}",
            a("ann@example.com").block(),
            a("bo@example.com").block()
        );
        assert_eq!(
            parse_note(&note),
            [
                Block::Approval(a("ann@example.com")),
                Block::Approval(a("bo@example.com"))
            ]
        );
        // What is not a version-1 approval is kept apart, not guessed at.
        let odd = [
            "reviewgate-approval v2\ncommit x\n",
            "reviewgate-approval v1\ncommit 0123\nreviewer a@b\n-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----",
            "reviewgate-approval v1\nreviewer a@b\ncommit 0123456789abcdef0123456789abcdef01234567\n-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----",
            "LGTM",
        ];
        for text in odd {
            assert!(
                matches!(parse_note(text)[..], [Block::Unknown(_)]),
                "{text}"
            );
        }
    }

    #[test]
    fn the_payload_is_canonical() {
        assert_eq!(
            payload(ID, "ann@example.com"),
            "reviewgate-approval v1\ncommit 0123456789abcdef0123456789abcdef01234567\nreviewer ann@example.com\n"
        );
        let j = a("ann@example.com").json();
        assert_eq!(j["payload"], payload(ID, "ann@example.com"));
        assert_eq!(j["namespace"], "reviewgate-review");
    }
}
