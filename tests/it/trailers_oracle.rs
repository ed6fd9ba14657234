//! The trailer parser against git itself: generated messages are fed to
//! `git interpret-trailers --parse --no-divider` and, as commits, to
//! `git log --format=%(trailers:only,unfold)`; the answers must match byte for byte.

use std::process::Stdio;

use crate::util::*;

const SUBJECTS: &[&str] = &[
    "Fix the parser",
    "Reviewed-by: Ann Lee <ann@example.com>",
    "# not a comment in a commit",
    "Subject: with colon",
    "",
];

const PROSE: &[&str] = &[
    "This explains the change in some detail.",
    "Another line of prose, with a colon: here.",
    "Reviewed-by: someone in prose, mid-paragraph",
    "    indented prose line",
    "---",
    "--- a/file.c",
    "Conflicts:",
    "\tsrc/conflicted.c",
    "# a comment line",
];

const TRAILERS: &[&str] = &[
    "Signed-off-by: Dev Eloper <dev@example.com>",
    "signed-off-by: lower case <l@example.com>",
    "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
    "Reviewed-by: Ann Lee <ann@example.com>",
    "Co-Authored-By: Claude <noreply@anthropic.com>",
    "Key : spaced key",
    "Key\t: tab before colon",
    "Key:",
    "Key:no-space",
    "Empty-Value: ",
    "Ünïcode-Key: value",
    "Key x: not a token",
    "Assisted-by: Claude:claude-opus-4 coccinelle",
    "Multi: first",
    " continuation with space",
    "\tcontinuation with tab",
    "plain prose in the block",
    "# comment in the block",
    "Bug: https://example.com/bug/1",
    "Change-Id: I0123456789abcdef",
    "Fixes: 0123456789ab (\"Old subject\")",
    "Link: https://lore.kernel.org/r/1",
];

const BLANKS: &[&str] = &["\n", "\n", "\n", " \n", "\t\n", "  \t \n"];

const ENDINGS: &[&str] = &[
    "",
    "\n",
    "\n\n",
    "\n# Please enter the commit message\n# Lines starting with '#' are ignored\n",
    "\n# ------------------------ >8 ------------------------\nAfter-Scissors: x\n",
    "\nConflicts:\n\tsrc/a.c\n\tsrc/b.c\n",
    "\n---\nDiff-Like: after divider\n",
];

/// Generate one message.
fn message(rng: &mut Rng) -> String {
    let mut lines: Vec<String> = Vec::new();
    if rng.below(8) == 0 {
        lines.push("# leading comment".into());
    }
    lines.push(rng.pick(SUBJECTS).to_string());
    // Sometimes a second title line (no blank line before the "body").
    if rng.below(6) == 0 {
        lines.push(rng.pick(TRAILERS).to_string());
    }
    let paragraphs = rng.below(4);
    for _ in 0..paragraphs {
        lines.push(rng.pick(BLANKS).trim_end_matches('\n').to_string());
        for _ in 0..=rng.below(4) {
            lines.push(rng.pick(PROSE).to_string());
        }
    }
    // The final block: trailers mixed with other lines (for the 25% rule).
    if rng.below(10) != 0 {
        lines.push(rng.pick(BLANKS).trim_end_matches('\n').to_string());
        let n = 1 + rng.below(6);
        for _ in 0..n {
            let line = if rng.below(4) == 0 {
                rng.pick(PROSE)
            } else {
                rng.pick(TRAILERS)
            };
            lines.push(line.to_string());
        }
    }
    let eol = if rng.below(8) == 0 { "\r\n" } else { "\n" };
    let mut msg = lines.join(eol);
    if rng.below(5) != 0 {
        msg.push_str(eol);
    }
    msg.push_str(rng.pick(ENDINGS));
    msg
}

/// Our answer for a raw text (interpret-trailers), in git's `--parse` output format.
fn ours(msg: &[u8]) -> Vec<u8> {
    format(reviewgate::trailers::parse_text(msg))
}

/// Our answer for a commit message (`git log --format=%(trailers)`).
fn ours_commit(msg: &[u8]) -> Vec<u8> {
    format(reviewgate::trailers::parse(msg))
}

fn format(trailers: Vec<reviewgate::trailers::Trailer>) -> Vec<u8> {
    let mut out = Vec::new();
    for t in trailers {
        out.extend_from_slice(t.key.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(t.value.as_bytes());
        out.push(b'\n');
    }
    out
}

fn interpret_trailers(dir: &std::path::Path, msg: &[u8]) -> Vec<u8> {
    let mut c = git_cmd(dir);
    c.args(["interpret-trailers", "--parse", "--no-divider"]);
    feed_ok(c, msg)
}

/// Fixed examples from shared/reference/git-hooks.md and the issue.
const EXAMPLES: &[&str] = &[
    "Subject\n\nKey: first\n  second\n\tthird\nOther: x\n",
    "Subject\n\nKey:\nOther: x\n",
    "Subject\nFix: x\nSigned-off-by: A\n",
    "Subject\n\none\ntwo\nthree\nSigned-off-by: A <a@x>\n",
    "Subject\n\none\ntwo\nthree\nfour\nSigned-off-by: A <a@x>\n",
    "Subject\n\nBody\nReviewed-by: X <x@y>\nmore\n\nEnd.\n",
    "Subject\n\none\ntwo\nthree\nsigned-off-by: A <a@x>\n",
    "Subject\n\nprose\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n",
    "Subject\r\n\r\nReviewed-by: A <a@x>\r\nSigned-off-by: B <b@x>\r\n",
    "Subject\n\nReviewed-by: A <a@x>\n---\nNot-A-Trailer: x\n",
];

#[test]
fn parser_agrees_with_git_interpret_trailers() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut messages: Vec<String> = EXAMPLES.iter().map(|s| s.to_string()).collect();
    for _ in 0..600 {
        messages.push(message(&mut rng));
    }
    let mut with_trailers = 0;
    for (i, msg) in messages.iter().enumerate() {
        let git = interpret_trailers(dir.path(), msg.as_bytes());
        let mine = ours(msg.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&mine),
            String::from_utf8_lossy(&git),
            "message #{i} disagrees with git:\n{msg:?}"
        );
        if !git.is_empty() {
            with_trailers += 1;
        }
    }
    // The generator must exercise both outcomes substantially.
    assert!(
        with_trailers > 150,
        "only {with_trailers} messages had trailers"
    );
    assert!(messages.len() - with_trailers > 150);
}

#[test]
fn parser_agrees_with_git_log_trailers_on_commits() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = git_cmd(dir.path());
    c.args(["init", "-q", "-b", "main", "repo"]);
    ok(c);
    let repo = dir.path().join("repo");
    let empty_tree = ok({
        let mut c = git_cmd(&repo);
        c.args(["mktree"]).stdin(Stdio::null());
        c
    });
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut ids = Vec::new();
    let mut msgs = Vec::new();
    let examples = EXAMPLES.iter().map(|s| s.to_string());
    let generated = std::iter::repeat_with(|| message(&mut rng));
    for msg in examples.chain(generated).take(150) {
        let path = repo.join(".git/MSG");
        std::fs::write(&path, &msg).expect("write");
        let mut c = git_cmd(&repo);
        c.args(["commit-tree", &empty_tree, "-F"]).arg(&path);
        ids.push(ok(c));
        msgs.push(msg);
    }
    for (id, msg) in ids.iter().zip(&msgs) {
        let mut c = git_cmd(&repo);
        c.args(["log", "-1", "--format=%(trailers:only,unfold)", id]);
        let out = run(c);
        let mut git = out.stdout;
        // %(trailers) output is followed by log's own newline.
        if git.last() == Some(&b'\n') {
            git.pop();
        }
        let mine = ours_commit(msg.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&mine),
            String::from_utf8_lossy(&git),
            "commit {id} disagrees with git log:\n{msg:?}"
        );
    }
}

mod properties {
    //! The same agreement as a property: proptest generates messages from the
    //! same building blocks (and shrinks a failure to a minimal message). The
    //! case count is bounded so CI stays fast; raise PROPTEST_CASES to search more.
    use super::*;
    use proptest::prelude::*;

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(SUBJECTS).prop_map(String::from),
            proptest::sample::select(PROSE).prop_map(String::from),
            proptest::sample::select(TRAILERS).prop_map(String::from),
            proptest::sample::select(BLANKS).prop_map(|b| b.trim_end_matches('\n').to_string()),
            "[A-Za-z-]{1,12} ?: ?[ -~]{0,20}",
            "[ \t][ -~]{0,20}",
        ]
    }

    fn message() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(line(), 0..14),
            prop_oneof![Just("\n"), Just("\r\n")],
            proptest::sample::select(ENDINGS),
        )
            .prop_map(|(lines, eol, ending)| {
                let mut m = lines.join(eol);
                m.push_str(eol);
                m.push_str(ending);
                m
            })
    }

    /// Commit messages as raw objects can carry them: leading blank lines,
    /// CRLF on every line (comment and scissors lines included), a NUL.
    fn commit_message() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("\t")], 0..3),
            message(),
            any::<bool>(),
            proptest::option::of(0usize..400),
        )
            .prop_map(|(blanks, body, crlf, nul)| {
                let mut m = String::new();
                for b in blanks {
                    m.push_str(b);
                    m.push('\n');
                }
                m.push_str(&body);
                if crlf {
                    m = m.replace("\r\n", "\n").replace('\n', "\r\n");
                }
                let mut bytes = m.into_bytes();
                if let Some(at) = nul {
                    bytes.insert(at.min(bytes.len()), 0);
                }
                bytes
            })
    }

    /// `git log --format=%(trailers:only,unfold)` for a raw commit with `msg`.
    fn git_log_trailers(msg: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("tmp");
        let mut c = git_cmd(dir.path());
        c.args(["init", "-q", "--bare", "r.git"]);
        ok(c);
        let repo = dir.path().join("r.git");
        let raw = [
            &b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\n"[..],
            msg,
        ]
        .concat();
        let id = write_raw_commit(git_cmd(&repo), &raw);
        let mut c = git_cmd(&repo);
        c.args(["log", "-1", "--format=%(trailers:only,unfold)", &id]);
        let mut git = run(c).stdout;
        git.pop();
        git
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(128),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn commit_parser_agrees_with_git_log(msg in commit_message()) {
            let git = git_log_trailers(&msg);
            prop_assert_eq!(
                String::from_utf8_lossy(&ours_commit(&msg)).into_owned(),
                String::from_utf8_lossy(&git).into_owned(),
                "message {:?}", String::from_utf8_lossy(&msg)
            );
        }

        #[test]
        fn parser_agrees_with_git(msg in message()) {
            let dir = tempfile::tempdir().expect("tmp");
            let git = interpret_trailers(dir.path(), msg.as_bytes());
            prop_assert_eq!(
                String::from_utf8_lossy(&ours(msg.as_bytes())).into_owned(),
                String::from_utf8_lossy(&git).into_owned(),
                "message {:?}", msg
            );
        }
    }
}
