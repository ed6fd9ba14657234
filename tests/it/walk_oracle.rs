//! The revision walk against `git rev-list` on random histories with merges:
//! the commits a ref update brings must be exactly git's set (and, under clock
//! skew, never fewer), and the fast-forward test must agree with
//! `git merge-base --is-ancestor`.

use std::collections::BTreeSet;

use git2::Oid;

use crate::util::*;

/// A random history of `n` commits, each a child of one of the `reach`
/// commits before it; returns the repository and the commit ids.
pub(crate) fn random_history(
    root: &std::path::Path,
    n: usize,
    (seed, reach): (u64, usize),
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
            let back = 1 + rng.below(reach.min(i - 1));
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

/// The walk's commits and their parents; with `packs`, the walk reads the
/// pack files itself and keys its table by pack place.
fn ours(
    repo: &git2::Repository,
    new: &str,
    hide: &[String],
    packs: bool,
) -> (BTreeSet<String>, Vec<Vec<Oid>>) {
    let odb = repo.odb().expect("odb");
    let hide: Vec<Oid> = hide
        .iter()
        .map(|h| Oid::from_str(h).expect("oid"))
        .collect();
    let mut seen = BTreeSet::new();
    let mut parents = Vec::new();
    let mut walk = reviewgate::walk::Walk::new(&odb, &hide).expect("walk");
    if packs {
        walk = walk.read_packs(vec![repo.path().join("objects")]);
    }
    walk.from(Oid::from_str(new).expect("oid"), |c| {
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
    let (dir, ids) = random_history(root.path(), 300, (seed, 20), skew);
    let repo = git2::Repository::open_bare(&dir).expect("open");
    let mut rng = Rng(seed ^ 0xdead_beef);
    let mut nonempty = 0;
    for _ in 0..120 {
        let new = ids[rng.below(ids.len())].clone();
        let hide: Vec<String> = (0..rng.below(6))
            .map(|_| ids[rng.below(ids.len())].clone())
            .collect();
        let (mine, parents) = ours(&repo, &new, &hide, false);
        let mut args = vec![new.clone(), "--not".to_string()];
        args.extend(hide.iter().cloned());
        let git = git_set(&dir, &args);
        // Reading the packs itself (its table keyed by pack place), the
        // walk visits the same commits.
        let (packed, _) = ours(&repo, &new, &hide, true);
        assert_eq!(
            packed, mine,
            "seed {seed}: pack reads, new {new} hide {hide:?}"
        );
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
            let (_, par) = ours(&repo, &new, std::slice::from_ref(old), false);
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

/// What one walk shows: the commits in visit order, and at each visit what
/// `Visited` says of every commit of the history.
fn transcript(
    repo: &git2::Repository,
    new: &str,
    hide: &[String],
    all: &[Oid],
    (read_ahead, hand_back_at): (bool, Option<usize>),
) -> Vec<(Oid, Vec<(bool, bool)>)> {
    let odb = repo.odb().expect("odb");
    let hide: Vec<Oid> = hide
        .iter()
        .map(|h| Oid::from_str(h).expect("oid"))
        .collect();
    let mut out = Vec::new();
    let mut walk = reviewgate::walk::Walk::new(&odb, &hide)
        .expect("walk")
        .read_ahead(read_ahead);
    walk.from_with(Oid::from_str(new).expect("oid"), |c, visited| {
        let seen = all
            .iter()
            .map(|&id| (visited.contains(id), visited.is_hidden(id)))
            .collect();
        out.push((c.id(), seen));
        if hand_back_at == Some(out.len()) {
            // As a visit diffing trees says: the rest on one thread.
            visited.reads_objects();
        }
        Ok::<_, reviewgate::walk::Error>(true)
    })
    .expect("walk");
    out
}

/// Reading ahead on a second thread (the default past the first commits)
/// visits the same commits in the same order as the sequential walk, and at
/// each visit the walk's table answers exactly as it did sequentially, on
/// random merge histories with and without clock skew (where commits are
/// marked hidden after being queued, and visited ones later found hidden).
#[test]
fn reading_ahead_shows_exactly_what_the_sequential_walk_shows() {
    let root = tempfile::tempdir().expect("tmp");
    let mut compared = 0;
    for (seed, skew) in [(31, false), (32, true), (33, true)] {
        let (dir, ids) = random_history(root.path(), 400, (seed, 3), skew);
        let repo = git2::Repository::open_bare(&dir).expect("open");
        let all: Vec<Oid> = ids.iter().map(|i| Oid::from_str(i).expect("oid")).collect();
        let mut rng = Rng(seed);
        for round in 0..8 {
            let new = ids[ids.len() - 1 - rng.below(20)].clone();
            let hide: Vec<String> = (0..round % 4)
                .map(|_| ids[rng.below(ids.len() / 2)].clone())
                .collect();
            let one = transcript(&repo, &new, &hide, &all, (false, None));
            // Reading ahead throughout, and handing back to one thread at
            // visit 100 (the batches in flight visited first).
            for hand_back_at in [None, Some(100)] {
                let two = transcript(&repo, &new, &hide, &all, (true, hand_back_at));
                assert_eq!(one.len(), two.len(), "seed {seed} round {round}");
                for (i, (a, b)) in one.iter().zip(&two).enumerate() {
                    assert_eq!(a.0, b.0, "seed {seed} round {round}: visit {i}");
                    assert!(
                        a.1 == b.1,
                        "seed {seed} round {round}: table at visit {i} ({})",
                        a.0
                    );
                }
            }
            if one.len() > 100 {
                compared += 1;
            }
        }
    }
    // The second thread starts after 64 visits: most walks went past it.
    assert!(
        compared >= 12,
        "walks long enough to read ahead: {compared}"
    );
}

/// A history for the hooks on top of `main`: `n` commits on skewed dates,
/// merges, AI-assisted commits reviewed or not, reviewed merges covering
/// what they bring (as `merges-cover` counts them), self-reviews.
fn judged_history(client: &Client, n: usize, seed: u64, all_reviewed: bool) -> String {
    let mut rng = Rng(seed);
    let mut stream = String::new();
    for i in 1..=n {
        let when = 1_700_000_000 + rng.below(n) as u64 * 60;
        let (author, mut msg) = match rng.below(6) {
            0 | 1 => ("Dev <dev@example.com>", format!("human change {i}\n")),
            2 => (
                "Dev <dev@example.com>",
                ai_message(&format!("ai change {i}"), &[REVIEW_ANN]),
            ),
            3 if !all_reviewed => (
                "Ann Lee <ann@example.com>",
                ai_message(&format!("self-reviewed {i}"), &[REVIEW_ANN]),
            ),
            _ => (
                "Dev <dev@example.com>",
                ai_message(&format!("ai change {i}"), &[]),
            ),
        };
        if all_reviewed && !msg.contains(REVIEW_ANN) {
            msg.push_str("Reviewed-by: Bo Chen <bo@example.com>\n");
        }
        let from = if i == 1 {
            "refs/heads/main^0".to_string()
        } else {
            format!(":{}", i - 1 - rng.below(3.min(i - 1)))
        };
        stream.push_str(&format!(
            "commit refs/heads/side{}\nmark :{i}\nauthor {author} {when} +0000\ncommitter {author} {when} +0000\ndata {}\n{msg}from {from}\n",
            i % 5,
            msg.len()
        ));
        if i > 3 && rng.below(4) == 0 {
            stream.push_str(&format!("merge :{}\n", 1 + rng.below(i - 1)));
        }
        stream.push('\n');
    }
    stream.push_str(&format!("reset refs/heads/main\nfrom :{n}\n\n"));
    let mut c = client.git();
    c.args(["fast-import", "--quiet", "--force"]);
    feed_ok(c, stream.as_bytes());
    client.head()
}

/// The hooks give exactly the same verdict and output whether the walk
/// reads ahead on a second thread or not (`REVIEWGATE_THREADS=1`): real
/// pushes of long merge histories on skewed dates, refused (unreviewed and
/// self-reviewed AI-assisted commits, some covered by reviewed merges) and
/// accepted, to two servers with the same trusted policy.
#[test]
fn hooks_decide_the_same_with_and_without_a_second_thread() {
    let root = tempfile::tempdir().expect("tmp");
    let policy = "[[protect]]\nrefs = [\"refs/heads/main\"]\n\n[review]\nmerges-cover = true\n";
    for (seed, all_reviewed) in [(41, false), (42, false), (43, true)] {
        let dir = root.path().join(format!("s{seed}"));
        std::fs::create_dir(&dir).expect("mkdir");
        let one = Server::new(&dir, "one.git", Hooks::None);
        let two = Server::new(&dir, "two.git", Hooks::None);
        let client = Client::new(&dir, "work", &one.url());
        client.write_file(".reviewgate.toml", policy);
        client.commit("Add policy\n");
        for s in [&one, &two] {
            client.git_ok(&["push", "-q", &s.url(), "main"]);
            s.install(Hooks::Both);
        }
        let tip = judged_history(&client, 400, seed, all_reviewed);
        let pushes: Vec<(bool, String)> = [(&one, "1"), (&two, "2")]
            .into_iter()
            .map(|(s, threads)| {
                let mut c = client.git();
                c.env("REVIEWGATE_THREADS", threads)
                    .args(["push", &s.url(), "main"]);
                let out = run(c);
                let text = remote_lines(&clean(&String::from_utf8_lossy(&out.stderr)));
                (out.status.success(), text)
            })
            .collect();
        assert_eq!(pushes[0], pushes[1], "seed {seed}");
        let (accepted, text) = &pushes[0];
        assert_eq!(*accepted, all_reviewed, "seed {seed}:\n{text}");
        // Past the first 64 commits the walk reads ahead (by default).
        let checked: usize = text
            .split(" commit(s) checked")
            .next()
            .and_then(|t| t.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(checked > 150, "seed {seed}: {checked} checked:\n{text}");
        if !all_reviewed {
            assert!(
                text.contains("error[ai-unreviewed]"),
                "seed {seed}:\n{text}"
            );
            assert!(text.contains("self"), "seed {seed}:\n{text}");
        }
        for s in [&one, &two] {
            let moved = s.rev("refs/heads/main").as_deref() == Some(tip.as_str());
            assert_eq!(moved, all_reviewed, "seed {seed}");
        }
    }
}
