//! The commit-graph reader against git: every commit's position, id,
//! committer time and first parent as `git log` shows them, in a single
//! file and in a split chain; files that do not hold together, and
//! repositories where git would not use a graph, give no graph; and the
//! report's window found through a graph is the window found by reading
//! the commits.

use std::collections::HashMap;
use std::path::Path;

use git2::Oid;
use reviewgate::graph::CommitGraph;

use crate::util::*;
use crate::walk_oracle::random_history;

/// Every commit git knows: id -> (committer time, first parent).
fn git_view(dir: &Path) -> HashMap<Oid, (i64, Option<Oid>)> {
    let mut c = git_cmd(dir);
    c.args(["log", "--all", "--format=%H %ct %P"]);
    ok(c)
        .lines()
        .map(|l| {
            let mut f = l.split(' ');
            let id = Oid::from_str(f.next().expect("id")).expect("oid");
            let time = f.next().expect("time").parse().expect("a time");
            let parent = f
                .next()
                .filter(|p| !p.is_empty())
                .map(|p| Oid::from_str(p).expect("oid"));
            (id, (time, parent))
        })
        .collect()
}

fn open(dir: &Path) -> Option<CommitGraph> {
    let repo = git2::Repository::open_bare(dir).expect("open");
    CommitGraph::open(repo.commondir(), &repo.config().expect("config"))
}

/// The graph says of each commit it holds what git says; `missing` are
/// the commits it must not hold.
fn agrees(graph: &CommitGraph, git: &HashMap<Oid, (i64, Option<Oid>)>, missing: &[Oid]) {
    let mut held = 0;
    for (id, (time, parent)) in git {
        let Some(p) = graph.position(*id) else {
            assert!(missing.contains(id), "{id} is not in the graph");
            continue;
        };
        assert!(!missing.contains(id), "{id} was written after the graph");
        held += 1;
        assert_eq!(graph.id(p), Some(*id));
        assert_eq!(graph.time(p), Some(*time), "time of {id}");
        let first = graph
            .first_parent(p)
            .expect("a first parent field")
            .map(|q| graph.id(q).expect("parent id"));
        assert_eq!(first, *parent, "first parent of {id}");
    }
    assert_eq!(held, git.len() - missing.len());
}

/// A history with merges, an octopus and a root commit besides the first.
fn history(root: &Path) -> std::path::PathBuf {
    let (dir, ids) = random_history(root, 300, (11, 40), true);
    let tree = {
        let mut c = git_cmd(&dir);
        c.args(["rev-parse", &format!("{}^{{tree}}", ids[5])]);
        ok(c)
    };
    let mut c = git_cmd(&dir);
    c.args(["commit-tree", &tree, "-m", "octopus"]);
    for p in [&ids[299], &ids[150], &ids[42], &ids[7]] {
        c.args(["-p", p]);
    }
    let octopus = ok(c);
    let mut c = git_cmd(&dir);
    c.args(["commit-tree", &tree, "-m", "another root"]);
    let lone = ok(c);
    for (name, id) in [("refs/heads/octopus", &octopus), ("refs/heads/lone", &lone)] {
        let mut c = git_cmd(&dir);
        c.args(["update-ref", name, id]);
        ok(c);
    }
    dir
}

fn git_ok_in(dir: &Path, args: &[&str]) -> String {
    let mut c = git_cmd(dir);
    c.args(args);
    ok(c)
}

#[test]
fn a_single_commit_graph_reads_as_git_log_shows() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = history(root.path());
    assert!(open(&dir).is_none(), "no graph written yet");
    git_ok_in(&dir, &["commit-graph", "write", "--reachable"]);
    let git = git_view(&dir);
    assert!(git.len() > 300);
    agrees(&open(&dir).expect("a graph"), &git, &[]);
    // A commit written after the graph is not in it.
    let tree = git_ok_in(&dir, &["rev-parse", "refs/heads/octopus^{tree}"]);
    let newer = git_ok_in(
        &dir,
        &[
            "commit-tree",
            &tree,
            "-p",
            "refs/heads/octopus",
            "-m",
            "new",
        ],
    );
    git_ok_in(&dir, &["update-ref", "refs/heads/newer", &newer]);
    let git = git_view(&dir);
    agrees(
        &open(&dir).expect("a graph"),
        &git,
        &[Oid::from_str(&newer).expect("oid")],
    );
}

#[test]
fn a_split_commit_graph_chain_reads_as_git_log_shows() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = history(root.path());
    // Three layers: each write adds the commits reachable from more refs.
    for refs in ["refs/heads/b0\n", "refs/heads/b1\nrefs/heads/b2\n", ""] {
        let mut c = git_cmd(&dir);
        if refs.is_empty() {
            c.args(["commit-graph", "write", "--reachable", "--split=no-merge"]);
            ok(c);
        } else {
            c.args([
                "commit-graph",
                "write",
                "--stdin-commits",
                "--split=no-merge",
            ]);
            let tips = refs
                .lines()
                .map(|r| git_ok_in(&dir, &["rev-parse", r]) + "\n")
                .collect::<String>();
            feed_ok(c, tips.as_bytes());
        }
    }
    let chain = std::fs::read_to_string(dir.join("objects/info/commit-graphs/commit-graph-chain"))
        .expect("a chain");
    assert_eq!(chain.lines().count(), 3, "{chain}");
    assert!(!dir.join("objects/info/commit-graph").exists());
    agrees(&open(&dir).expect("a graph"), &git_view(&dir), &[]);

    // A layer missing from the chain: no graph (the commits are read).
    let first = chain.lines().nth(1).expect("a layer");
    let layer = dir.join(format!("objects/info/commit-graphs/graph-{first}.graph"));
    let kept = std::fs::read(&layer).expect("read");
    std::fs::remove_file(&layer).expect("rm");
    assert!(open(&dir).is_none());
    std::fs::write(&layer, &kept).expect("write");
    assert!(open(&dir).is_some());
    // Layers out of order: each names the ones below it, so no graph.
    let swapped: Vec<&str> = chain.lines().collect();
    let out_of_order = format!("{}\n{}\n{}\n", swapped[1], swapped[0], swapped[2]);
    let chain_file = dir.join("objects/info/commit-graphs/commit-graph-chain");
    std::fs::write(&chain_file, out_of_order).expect("write");
    assert!(open(&dir).is_none());
}

#[test]
fn a_graph_that_does_not_hold_together_or_that_git_would_not_use_is_not_read() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = history(root.path());
    git_ok_in(&dir, &["commit-graph", "write", "--reachable"]);
    let file = dir.join("objects/info/commit-graph");
    let good = std::fs::read(&file).expect("read");
    let set = |bytes: &[u8]| {
        let _ = std::fs::remove_file(&file);
        std::fs::write(&file, bytes).expect("write");
    };
    let be64 = |b: &[u8], at: usize| u64::from_be_bytes(b[at..at + 8].try_into().expect("8"));
    let chunk = |b: &[u8], name: &[u8]| {
        let n = usize::from(b[6]);
        (0..n)
            .find(|c| &b[8 + c * 12..8 + c * 12 + 4] == name)
            .map(|c| be64(b, 8 + c * 12 + 4) as usize)
            .expect("chunk")
    };
    let mut broken: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut b = good.clone();
    b[0] = b'X';
    broken.push(("signature", b));
    let mut b = good.clone();
    b[4] = 2;
    broken.push(("version", b));
    let mut b = good.clone();
    b[5] = 2;
    broken.push(("hash version (SHA-256)", b));
    broken.push(("truncated", good[..good.len() / 2].to_vec()));
    broken.push(("header only", good[..8].to_vec()));
    let mut b = good.clone();
    let fanout = chunk(&good, b"OIDF");
    b[fanout + 200 * 4..fanout + 200 * 4 + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    broken.push(("fanout not sorted", b));
    let mut b = good.clone();
    b[8 + 4..8 + 12].copy_from_slice(&(good.len() as u64 * 2).to_be_bytes());
    broken.push(("chunk past the end", b));
    let mut b = good.clone();
    b[7] = 1;
    broken.push(("a base without a chain", b));
    for (what, bytes) in &broken {
        set(bytes);
        assert!(open(&dir).is_none(), "{what}: read anyway");
    }
    // A parent field out of range: that entry is not trusted.
    let mut b = good.clone();
    let data = chunk(&good, b"CDAT");
    b[data + 20..data + 24].copy_from_slice(&0x6fff_ffffu32.to_be_bytes());
    set(&b);
    let g = open(&dir).expect("the file holds together");
    let first = g
        .position(Oid::from_bytes(&b[chunk(&b, b"OIDL")..chunk(&b, b"OIDL") + 20]).expect("oid"))
        .expect("the first commit");
    assert_eq!(g.first_parent(first), None);

    set(&good);
    assert!(open(&dir).is_some());
    git_ok_in(&dir, &["config", "core.commitGraph", "false"]);
    assert!(open(&dir).is_none(), "core.commitGraph=false");
    git_ok_in(&dir, &["config", "--unset", "core.commitGraph"]);
    let head = git_ok_in(&dir, &["rev-parse", "refs/heads/b0"]);
    let other = git_ok_in(&dir, &["rev-parse", "refs/heads/b1"]);
    git_ok_in(&dir, &["replace", &head, &other]);
    assert!(open(&dir).is_none(), "replace refs");
    git_ok_in(&dir, &["pack-refs", "--all", "--prune"]);
    assert!(open(&dir).is_none(), "packed replace refs");
    git_ok_in(&dir, &["replace", "-d", &head]);
    assert!(open(&dir).is_some());
    std::fs::write(dir.join("shallow"), format!("{head}\n")).expect("write");
    assert!(open(&dir).is_none(), "a shallow repository");
}

#[test]
fn the_report_window_through_a_graph_is_the_window_read_from_commits() {
    let root = tempfile::tempdir().expect("tmp");
    let (dir, _) = random_history(root.path(), 400, (5, 12), false);
    git_ok_in(&dir, &["symbolic-ref", "HEAD", "refs/heads/b3"]);
    // The generator dates commit i at 1,700,000,000 + 60 i.
    let at = |i: i64| {
        chrono::DateTime::from_timestamp(1_700_000_000 + 60 * i, 0)
            .expect("a time")
            .to_rfc3339()
    };
    let windows: Vec<Vec<String>> = vec![
        vec!["--since".into(), at(150)],
        vec!["--since".into(), at(37), "--until".into(), at(290)],
        vec!["--until".into(), at(120)],
        vec!["--since".into(), at(10_000)],
        vec!["--since".into(), "2000-01-01".into()],
    ];
    let report = |w: &[String]| {
        let mut args = vec!["report", "--format", "csv", "--ref", "refs/heads/b3"];
        args.extend(w.iter().map(String::as_str));
        let (code, text) = cli(&dir, &args);
        assert_eq!(code, 0, "{text}");
        text
    };
    let read: Vec<String> = windows.iter().map(|w| report(w)).collect();
    assert!(read.iter().any(|r| r.lines().count() > 40), "{read:?}");
    git_ok_in(&dir, &["commit-graph", "write", "--reachable"]);
    let through_graph: Vec<String> = windows.iter().map(|w| report(w)).collect();
    assert_eq!(read, through_graph);
    // Newer commits than the graph on top of the branch.
    let tip = git_ok_in(&dir, &["rev-parse", "refs/heads/b3"]);
    let tree = git_ok_in(&dir, &["rev-parse", "refs/heads/b3^{tree}"]);
    let mut c = git_cmd(&dir);
    c.env("GIT_COMMITTER_DATE", "1700030000 +0000").args([
        "commit-tree",
        &tree,
        "-p",
        &tip,
        "-m",
        "after the graph",
    ]);
    let newer = ok(c);
    git_ok_in(&dir, &["update-ref", "refs/heads/b3", &newer]);
    let through_graph: Vec<String> = windows.iter().map(|w| report(w)).collect();
    std::fs::remove_file(dir.join("objects/info/commit-graph")).expect("rm");
    let read: Vec<String> = windows.iter().map(|w| report(w)).collect();
    assert_eq!(read, through_graph);
}
