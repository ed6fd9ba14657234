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
    p.says("AI-assisted commit (claude: refs/notes/ai records 13 agent-written lines)");
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
    p.says("(cursor: refs/notes/ai records 1 agent-written line)");
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

/// A client that shares the work tree's repository (the same notes), with
/// its own environment.
fn server_notes(s: &Setup) -> Option<String> {
    s.server.rev("refs/notes/ai")
}

/// AI evidence only grows. Every way a push could erase the
/// note of a commit that is not on a protected ref yet is refused, the
/// notes ref does not move, and the commit is still judged AI-assisted.
#[test]
fn no_push_erases_the_evidence_of_an_unlanded_commit() {
    for t in [Transport::Path, Transport::Daemon] {
        let s = Setup::with_main(t, Hooks::PreReceive);
        let c = plain_commit(&s, "Add cache");
        add_note(&s, &c, &note(&c, "claude", "1-12"));
        // The notes land on their own (the notes ref is not protected).
        accepted(&s.client.push(&["refs/notes/ai"]));
        let with_note = server_notes(&s).expect("notes");
        // 1. Deleting the notes ref.
        let p = refused(&s, &[":refs/notes/ai"], "ai-evidence-removed");
        p.says(&format!(
                "erases the git-ai evidence (a note attesting agent-written lines) of 1 commit(s) not yet on a protected ref: {}",
                &c[..12]
            ));
        p.says("git notes --ref=ai merge -s theirs");
        // 2. Fast-forwarding it to a `git notes remove`.
        s.client.git_ok(&["notes", "--ref=ai", "remove", &c]);
        refused(&s, &["refs/notes/ai"], "ai-evidence-removed");
        // 3. Rewinding it to before the note (here: a notes history of its
        //    own that never had it).
        s.client.git_ok(&["update-ref", "-d", "refs/notes/ai"]);
        let other = plain_commit(&s, "Other");
        s.client
            .git_ok(&["notes", "--ref=ai", "add", "-m", "unrelated", &other]);
        refused(&s, &["+refs/notes/ai"], "ai-evidence-removed");
        // 4. Replacing the note with one that attests only a person's lines.
        s.client
            .git_ok(&["update-ref", "refs/notes/ai", &with_note]);
        let human = "src/lib.rs\n  h_9c7e5a3b1d2f04 1-3\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\"humans\":{\"h_9c7e5a3b1d2f04\":{\"author\":\"Ann Lee <ann@example.com>\"}}}\n";
        add_note(&s, &c, human);
        refused(&s, &["refs/notes/ai"], "ai-evidence-removed");
        // 5. ...or with one that does not parse.
        add_note(&s, &c, "not a note\n");
        refused(&s, &["refs/notes/ai"], "ai-evidence-removed");
        // Nothing moved on the server.
        assert_eq!(server_notes(&s), Some(with_note.clone()));
        // The commit is still judged AI-assisted when it reaches main.
        s.client.git_ok(&["checkout", "-q", "main"]);
        s.client.git_ok(&["reset", "-q", "--hard", &c]);
        let p = refused(&s, &["main"], "ai-unreviewed");
        p.says("refs/notes/ai records 12 agent-written lines");
    }
}

/// Once a commit is on a protected ref, its evidence has served: its note
/// may go (a cleanup, `git notes prune`).
#[test]
fn the_note_of_a_landed_commit_may_be_removed() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let c = plain_commit(&s, "Add cache");
    s.client
        .amend_trailer("Reviewed-by: Bo Roe <bo@example.com>");
    let c2 = s.client.head();
    assert_ne!(c, c2);
    add_note(&s, &c2, &note(&c2, "claude", "1-12"));
    accepted(&s.client.push(&["main", "refs/notes/ai"]));
    s.client.git_ok(&["notes", "--ref=ai", "remove", &c2]);
    accepted(&s.client.push(&["refs/notes/ai"]));
}

/// git-ai's own push shapes are never refused: it creates the ref with a
/// `+` refspec, fetches the server's notes into a tracking ref, merges them
/// with `-s ours`, pushes the merge (a fast-forward), writes notes for
/// rewritten commits (`git notes copy`), and replaces a commit's note with
/// an updated one (its fast-import `D` + `M`).
#[test]
fn git_ai_push_shapes_are_accepted() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let a = plain_commit(&s, "First");
    add_note(&s, &a, &note(&a, "claude", "1-3"));
    // Creation with a forced refspec.
    accepted(&s.client.push(&["+refs/notes/ai:refs/notes/ai"]));
    // A second clone adds its own note, and the first one too.
    let root = s.client.dir.parent().expect("root").to_path_buf();
    let other = Client::new(&root, "other", &s.client.remote);
    other.git_ok(&[
        "fetch",
        "-q",
        "origin",
        "+refs/heads/main:refs/remotes/origin/main",
        "+refs/notes/ai:refs/notes/ai",
    ]);
    other.git_ok(&["checkout", "-q", "-B", "main", "origin/main"]);
    other.write_file("src/other.rs", "// other\n");
    other.git_ok(&["add", "-A"]);
    let b = other.commit("Second\n");
    let nb = other.dir.join(".git/NOTE_B");
    std::fs::write(&nb, note(&b, "cursor", "1-2")).expect("note");
    let mut c = other.git();
    c.args(["notes", "--ref=ai", "add", "-F"]).arg(&nb).arg(&b);
    ok(c);
    accepted(&other.push(&["refs/notes/ai"]));
    // The first clone wrote a note meanwhile: fetch, merge "ours", push.
    let d = plain_commit(&s, "Third");
    add_note(&s, &d, &note(&d, "codex", "4"));
    s.client.git_ok(&[
        "fetch",
        "-q",
        "origin",
        "+refs/notes/ai:refs/notes/ai-remote/origin",
    ]);
    s.client.git_ok(&[
        "notes",
        "--ref=ai",
        "merge",
        "-q",
        "-s",
        "ours",
        "refs/notes/ai-remote/origin",
    ]);
    accepted(&s.client.push(&["+refs/notes/ai:refs/notes/ai"]));
    // A rebased commit gets its note copied over.
    s.client
        .git_ok(&["commit", "-q", "--amend", "-m", "Third, reworded"]);
    let d2 = s.client.head();
    s.client.git_ok(&["notes", "--ref=ai", "copy", &d, &d2]);
    accepted(&s.client.push(&["refs/notes/ai"]));
    // An updated note for the same commit, still attesting agent lines.
    add_note(&s, &d2, &note(&d2, "codex", "4-9"));
    accepted(&s.client.push(&["refs/notes/ai"]));
    // And the commits are AI-assisted on main, by their notes.
    let p = refused(&s, &["main"], "ai-unreviewed");
    p.says("(codex: refs/notes/ai records 6 agent-written lines)");
}
