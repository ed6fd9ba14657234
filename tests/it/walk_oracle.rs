//! The revision walk against `git rev-list` on random histories with merges:
//! the commits a ref update brings must be exactly git's set (and, under clock
//! skew, never fewer), and the fast-forward test must agree with
//! `git merge-base --is-ancestor`.

use std::collections::BTreeSet;

use git2::Oid;

use crate::util::*;

/// A random history of `n` commits; returns the repository and the commit ids.
fn random_history(
    root: &std::path::Path,
    n: usize,
    seed: u64,
    skew: bool,
) -> (std::path::PathBuf, Vec<String>) {
    let dir = root.join(format!("h{seed}.git"));
    let mut c = git_cmd(root);
    c.args(["init", "-q", "--bare"]).arg(&dir);
    ok(c);
    let mut rng = Rng(seed);
    let mut stream = String::new();
    for i in 1..=n {
        // Dates increase with i, or jump around (clock skew) when `skew`.
        let when = if skew {
            1_700_000_000 + rng.below(n) as u64 * 60
        } else {
            1_700_000_000 + i as u64 * 60
        };
        let msg = format!("c{i}\n");
        stream.push_str(&format!(
            "commit refs/heads/b{}\nmark :{i}\ncommitter D <d@x> {when} +0000\ndata {}\n{msg}",
            i % 7,
            msg.len()
        ));
        if i > 1 {
            let back = 1 + rng.below(20.min(i - 1));
            stream.push_str(&format!("from :{}\n", i - back));
            if i > 3 && rng.below(5) == 0 {
                let other = 1 + rng.below(i - 1);
                if other != i - back {
                    stream.push_str(&format!("merge :{other}\n"));
                }
            }
        }
        stream.push('\n');
    }
    for i in 1..=n {
        stream.push_str(&format!("reset refs/tags/t{i}\nfrom :{i}\n\n"));
    }
    let mut c = git_cmd(&dir);
    c.args(["fast-import", "--quiet", "--force"]);
    feed_ok(c, stream.as_bytes());
    let ids = (1..=n)
        .map(|i| {
            let mut c = git_cmd(&dir);
            c.args(["rev-parse", &format!("refs/tags/t{i}")]);
            ok(c)
        })
        .collect::<Vec<_>>();
    (dir, ids)
}

fn ours(repo: &git2::Repository, new: &str, hide: &[String]) -> (BTreeSet<String>, Vec<Vec<Oid>>) {
    let odb = repo.odb().expect("odb");
    let hide: Vec<Oid> = hide
        .iter()
        .map(|h| Oid::from_str(h).expect("oid"))
        .collect();
    let mut seen = BTreeSet::new();
    let mut parents = Vec::new();
    reviewgate::walk::walk(&odb, Oid::from_str(new).expect("oid"), &hide, |c| {
        assert!(seen.insert(c.id().to_string()), "visited twice: {}", c.id());
        parents.push(c.parents().collect());
        Ok::<_, reviewgate::walk::Error>(true)
    })
    .expect("walk");
    (seen, parents)
}

fn git_set(dir: &std::path::Path, args: &[String]) -> BTreeSet<String> {
    let mut c = git_cmd(dir);
    c.arg("rev-list").args(args);
    ok(c).lines().map(String::from).collect()
}

fn check_history(seed: u64, skew: bool) {
    let root = tempfile::tempdir().expect("tmp");
    let (dir, ids) = random_history(root.path(), 300, seed, skew);
    let repo = git2::Repository::open_bare(&dir).expect("open");
    let mut rng = Rng(seed ^ 0xdead_beef);
    let mut nonempty = 0;
    for _ in 0..120 {
        let new = ids[rng.below(ids.len())].clone();
        let hide: Vec<String> = (0..rng.below(6))
            .map(|_| ids[rng.below(ids.len())].clone())
            .collect();
        let (mine, parents) = ours(&repo, &new, &hide);
        let mut args = vec![new.clone(), "--not".to_string()];
        args.extend(hide.iter().cloned());
        let git = git_set(&dir, &args);
        if skew {
            // Never fewer than git, never outside what `new` reaches.
            assert!(
                mine.is_superset(&git),
                "seed {seed}: missing {:?}",
                git.difference(&mine).collect::<Vec<_>>()
            );
            let reachable = git_set(&dir, std::slice::from_ref(&new));
            assert!(
                mine.is_subset(&reachable),
                "seed {seed}: visited unreachable commits"
            );
        } else {
            assert_eq!(mine, git, "seed {seed}: new {new} hide {hide:?}");
        }
        if !git.is_empty() {
            nonempty += 1;
        }
        // Fast-forward: old is an ancestor of new iff a visited commit has old as a parent.
        if let Some(old) = hide.first().filter(|_| hide.len() == 1) {
            let (_, par) = ours(&repo, &new, std::slice::from_ref(old));
            let old_oid = Oid::from_str(old).expect("oid");
            let ff_ours = *old == new || par.iter().any(|ps| ps.contains(&old_oid));
            let mut c = git_cmd(&dir);
            c.args(["merge-base", "--is-ancestor", old, &new]);
            let ff_git = run(c).status.success();
            assert_eq!(
                ff_ours, ff_git,
                "seed {seed}: is {old} an ancestor of {new}?"
            );
        }
        let _ = parents;
    }
    assert!(
        nonempty > 40,
        "queries should mostly bring commits ({nonempty})"
    );
}

#[test]
fn walk_matches_git_rev_list_on_random_histories() {
    for seed in [11, 12, 13] {
        check_history(seed, false);
    }
}

#[test]
fn walk_never_skips_a_commit_under_clock_skew() {
    for seed in [21, 22, 23] {
        check_history(seed, true);
    }
}
