//! Listing refs by prefix (protected branch and tag patterns) against
//! `git for-each-ref`: loose and packed refs, peeled lines, a ref both loose
//! and packed, nested names, a symbolic ref, and files git ignores (a broken
//! ref, a lock file, a name git rejects).

use crate::util::*;

#[test]
fn refs_under_a_prefix_are_what_git_for_each_ref_lists() {
    let root = tempfile::tempdir().expect("tmp");
    let server = Server::new(root.path(), "srv.git", Hooks::None);
    let client = Client::new(root.path(), "work", &server.url());
    let mut tips = Vec::new();
    for i in 0..6 {
        tips.push(client.commit(&format!("c{i}\n")));
    }
    client.git_ok(&["push", "-q", "origin", "main"]);
    let git = |args: &[&str]| server.git_ok(args);
    for (i, t) in tips.iter().enumerate() {
        git(&["update-ref", &format!("refs/tags/v{i}"), t]);
        git(&["update-ref", &format!("refs/tags/vsub/s{i}"), t]);
        git(&["update-ref", &format!("refs/heads/release/{i}"), t]);
    }
    // Annotated tags: pack-refs writes their peeled `^` lines.
    let tip = tips.last().expect("a tip").clone();
    git(&["tag", "-a", "-m", "annotated", "va", &tip]);
    git(&["update-ref", "refs/heads/relay", &tip]);
    git(&["pack-refs", "--all", "--prune"]);
    // After packing: loose ones, one of them also packed (moved since).
    git(&["update-ref", "refs/tags/v0", &tips[1]]);
    git(&["update-ref", "refs/tags/w/loose", &tip]);
    git(&["update-ref", "refs/heads/release/new", &tip]);
    git(&["symbolic-ref", "refs/heads/alias", "refs/heads/main"]);
    let dir = &server.dir;
    std::fs::write(dir.join("refs/tags/broken"), "not an id\n").expect("write");
    std::fs::write(dir.join("refs/tags/v7.lock"), format!("{tip}\n")).expect("write");
    std::fs::create_dir_all(dir.join("refs/tags/empty-dir")).expect("mkdir");
    let listed: Vec<String> = {
        let mut c = server.git();
        c.args(["for-each-ref", "--format=%(refname)"]);
        ok(c).lines().map(String::from).collect()
    };
    assert!(
        listed.iter().any(|r| r == "refs/tags/va") && listed.len() > 20,
        "{listed:?}"
    );
    let repo = reviewgate::repo::HookRepo::open_bare(dir).expect("open");
    for prefix in [
        "refs/tags/",
        "refs/tags/v",
        "refs/tags/v1",
        "refs/tags/vsub/",
        "refs/tags/vsub/s",
        "refs/tags/w",
        "refs/heads/release/",
        "refs/heads/rel",
        "refs/heads/",
        "refs/",
        "refs/nothing/",
    ] {
        let mut want: Vec<String> = listed
            .iter()
            .filter(|r| r.starts_with(prefix))
            .cloned()
            .collect();
        want.sort();
        let got = repo.refs_under(prefix).expect("refs_under");
        assert_eq!(got, want, "prefix {prefix}");
    }
}
