//! git-ai authorship notes (`refs/notes/ai`, `authorship/3.0.0`) as AI
//! evidence, over real pushes: notes written by `git notes`, pushed with the
//! commits they annotate or before them.

use crate::util::*;

/// A note in the Git AI Standard's sessions format: `agent_lines` lines of
/// `file` by `tool`, and two lines by a known human.
fn note(base: &str, tool: &str, agent_lines: &str) -> String {
    format!(
        "src/lib.rs\n  s_4f1e9d2c3b7a60::t_2b8c4d6e0f1a93 {agent_lines}\n  h_9c7e5a3b1d2f04 20-21\n---\n{{\n  \"schema_version\": \"authorship/3.0.0\",\n  \"git_ai_version\": \"1.4.5\",\n  \"base_commit_sha\": \"{base}\",\n  \"prompts\": {{}},\n  \"humans\": {{ \"h_9c7e5a3b1d2f04\": {{ \"author\": \"Ann Lee <ann@example.com>\" }} }},\n  \"sessions\": {{ \"s_4f1e9d2c3b7a60\": {{ \"agent_id\": {{ \"tool\": \"{tool}\", \"id\": \"conv_1\", \"model\": \"claude-opus-4-7\" }}, \"human_author\": \"ann@example.com\" }} }}\n}}\n"
    )
}

/// Attach `text` to `commit` in the client's `refs/notes/ai`, as git-ai does.
fn add_note(s: &Setup, commit: &str, text: &str) {
    let path = s.client.dir.join(".git/NOTE_TEXT");
    std::fs::write(&path, text).expect("write note");
    let mut c = s.client.git();
    c.args(["notes", "--ref=ai", "add", "-f", "-F"])
        .arg(&path)
        .arg(commit);
    ok(c);
}

/// A commit whose message says nothing about AI.
fn plain_commit(s: &Setup, subject: &str) -> String {
    s.client
        .write_file("src/lib.rs", &format!("// {subject}\n"));
    s.client.git_ok(&["add", "-A"]);
    s.client.commit(&format!("{subject}\n\nPlain body.\n"))
}

#[test]
fn a_note_pushed_with_its_commit_marks_it() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let c = plain_commit(&s, "Add cache");
    add_note(&s, &c, &note(&c, "claude", "1-12,15"));
    let p = refused(&s, &["main", "refs/notes/ai"], "ai-unreviewed");
    assert!(
        p.stderr
            .contains("AI-assisted commit (claude: refs/notes/ai records 13 agent-written lines)"),
        "{}",
        p.stderr
    );
    // Reviewed, the same commit passes (the note is carried along).
    s.client
        .amend_trailer("Reviewed-by: Bo Roe <bo@example.com>");
    let c = s.client.head();
    add_note(&s, &c, &note(&c, "claude", "1-12,15"));
    accepted(&s.client.push(&["main", "refs/notes/ai"]));
    assert_eq!(s.server.rev("refs/heads/main"), Some(c));
}

#[test]
fn notes_already_on_the_server_count() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let c = plain_commit(&s, "Add cache");
    add_note(&s, &c, &note(&c, "cursor", "3"));
    // The notes ref is not protected: it lands on its own.
    accepted(&s.client.push(&["refs/notes/ai"]));
    let p = refused(&s, &["main"], "ai-unreviewed");
    assert!(
        p.stderr
            .contains("(cursor: refs/notes/ai records 1 agent-written line)"),
        "{}",
        p.stderr
    );
}

#[test]
fn a_note_is_evidence_only_when_valid_and_agent_written() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    // Only a person's lines: nothing to review.
    let c = plain_commit(&s, "Human lines");
    let human = "src/lib.rs\n  h_9c7e5a3b1d2f04 1-3\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\"humans\":{\"h_9c7e5a3b1d2f04\":{\"author\":\"Ann Lee <ann@example.com>\"}}}\n";
    add_note(&s, &c, human);
    accepted(&s.client.push(&["main", "refs/notes/ai"]));
    // Malformed notes are not evidence either way: an unknown schema, a key
    // that resolves to nothing, a note past the size bound.
    for (i, bad) in [
        note("x", "claude", "1-3").replace("authorship/3.0.0", "authorship/9.0.0"),
        note("x", "claude", "1-3").replace("s_4f1e9d2c3b7a60::", "s_0000000000aaaa::"),
        note("x", "claude", "3-1"),
        format!("{}{}", "a.rs\n".repeat(900_000), note("x", "claude", "1-3")),
    ]
    .iter()
    .enumerate()
    {
        let c = plain_commit(&s, &format!("Change {i}"));
        add_note(&s, &c, bad);
        accepted(&s.client.push(&["main", "refs/notes/ai"]));
    }
    // A note never clears a marker the message carries.
    let c = s.client.commit(&ai_message("AI change", &[]));
    add_note(&s, &c, human);
    refused(&s, &["main", "refs/notes/ai"], "ai-unreviewed");
}
