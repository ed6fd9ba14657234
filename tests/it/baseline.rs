//! `reviewgate.baseline`: an imported history goes in once, nothing else
//! does, and the setting names a commit no pusher can move.

use crate::util::*;

#[test]
fn a_baseline_lets_an_existing_history_in_and_nothing_else() {
    // The server already has the hooks (a server-wide install); the team
    // imports a history with unreviewed AI-assisted commits.
    let s = Setup::new(Transport::Path, Hooks::PreReceive);
    s.client.commit("Initial import\n");
    s.client.commit(&ai_message("Old AI change", &[]));
    s.client.write_file(
        ".reviewgate.toml",
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n",
    );
    s.client.git_ok(&["add", "-A"]);
    s.client
        .commit(&ai_message("Old AI change with a policy", &[]));
    let imported = s.client.head();
    let p = refused(&s, &["main"], "ai-unreviewed");
    // The refusal offers the baseline beside the rewrite, with the tip's
    // full id; the administrator runs it as printed on the server, outside
    // the repository's content.
    let printed = format!("git config --add reviewgate.baseline {imported}");
    p.says("importing a history written before reviewgate?");
    p.says(&printed);
    let args: Vec<&str> = printed.split(' ').skip(1).collect();
    s.server.git_ok(&args);
    let p = s.client.push(&["main"]);
    accepted(&p);
    p.says("3 commit(s) exempt from review as baseline history");
    let record = s.server.last_audit();
    assert_eq!(record["baseline_exempt"], 3, "{record}");
    // New work is judged as ever.
    s.client.commit(&ai_message("New AI change", &[]));
    refused(&s, &["main"], "ai-unreviewed");
    // Ref protections are never exempt: rewriting the baseline is a force-push.
    s.client
        .git_ok(&["reset", "-q", "--hard", &format!("{imported}~1")]);
    s.client.commit("Rewritten history\n");
    refused(&s, &["+main"], "force-push");
}

#[test]
fn a_baseline_that_names_no_commit_refuses_the_push() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.server.config("reviewgate.baseline", "v0.0-never-tagged");
    s.client.commit("Human change\n");
    let p = refused(&s, &["main"], "internal-error");
    p.says(
        "git config reviewgate.baseline names \"v0.0-never-tagged\", which is not a full object id",
    );
    p.says("it names nothing here");
}

/// An exemption resolves to an object, never through a ref a
/// pusher can create or move. A baseline written as a branch name would let
/// anyone exempt their own commits by moving that branch; it is refused,
/// with the full id to write instead. So is an abbreviation.
#[test]
fn a_baseline_is_a_full_id_never_a_ref_a_pusher_can_move() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    // The administrator means "what `import` holds now", and writes the name.
    accepted(&s.client.push(&["HEAD:refs/heads/import"]));
    let imported = s.client.head();
    s.server
        .git_ok(&["config", "--add", "reviewgate.baseline", "import"]);
    // A pusher moves the unprotected branch over an unreviewed AI commit...
    s.client.commit(&ai_message("AI change", &[]));
    let ai = s.client.head();
    let p = s.client.push(&["HEAD:refs/heads/import"]);
    // (refused too: every push fails while the baseline is unusable)
    rejected(&p, "internal-error");
    // ...and it never exempts anything on main.
    let p = refused(&s, &["HEAD:refs/heads/main"], "internal-error");
    p.says("git config reviewgate.baseline names \"import\", which is not a full object id");
    p.says(&format!(
            "it names commit {imported} today: git config --fixed-value --replace-all reviewgate.baseline {imported} 'import'"
        ));
    // An abbreviation is refused the same way.
    s.server.git_ok(&[
        "config",
        "--replace-all",
        "reviewgate.baseline",
        &imported[..10],
    ]);
    let p = refused(&s, &["HEAD:refs/heads/main"], "internal-error");
    p.says("not a full object id");
    // The printed command, run as printed (with the full id), fixes it: the
    // baseline is what `import` held then, and the AI commit is judged.
    s.server
        .git_ok(&["config", "--replace-all", "reviewgate.baseline", "import"]);
    s.server.git_ok(&[
        "config",
        "--fixed-value",
        "--replace-all",
        "reviewgate.baseline",
        &imported,
        "import",
    ]);
    let p = refused(&s, &["HEAD:refs/heads/main"], "ai-unreviewed");
    p.says(&ai[..12]);
}

/// A push that brings a hundred commits or more needing review looks like an
/// import onto an existing branch: the baseline is offered there too, and a
/// few commits get only the rewrite.
#[test]
fn a_large_push_is_offered_the_baseline() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    for i in 0..3 {
        s.client.commit(&ai_message(&format!("Change {i}"), &[]));
    }
    let p = refused(&s, &["main"], "ai-unreviewed");
    p.never_says("reviewgate.baseline");
    for i in 3..100 {
        s.client.git_ok(&[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &ai_message(&format!("Change {i}"), &[]),
        ]);
    }
    let p = refused(&s, &["main"], "ai-unreviewed");
    p.says("to the 100 commits");
    p.says(&format!(
        "git config --add reviewgate.baseline {}",
        s.client.head()
    ));
}
