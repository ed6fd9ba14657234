//! Commits read straight from packs against git: every commit the reader
//! returns is byte for byte what `git cat-file commit` prints; what it does
//! not read whole (deltas, loose objects, other kinds, a broken pack) it
//! leaves to libgit2; and walks that read packs visit what walks through
//! libgit2 visit, with the same objects.

use std::path::Path;

use git2::Oid;
use reviewgate::pack::{Ahead, Index, Packs, Reader, LEAD};

use crate::util::*;
use crate::walk_oracle::random_history;

fn git_ok_in(dir: &Path, args: &[&str]) -> String {
    let mut c = git_cmd(dir);
    c.args(args);
    ok(c)
}

/// Every object of the repository with its type, as git lists them.
fn objects(dir: &Path) -> Vec<(Oid, String)> {
    git_ok_in(
        dir,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname) %(objecttype)",
        ],
    )
    .lines()
    .map(|l| {
        let (id, kind) = l.split_once(' ').expect("id and type");
        (Oid::from_str(id).expect("oid"), kind.to_string())
    })
    .collect()
}

/// Whether each commit is stored as a delta, by `git verify-pack`.
fn deltas(dir: &Path) -> std::collections::HashSet<Oid> {
    let mut out = std::collections::HashSet::new();
    for e in std::fs::read_dir(dir.join("objects/pack")).expect("packs") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "idx") {
            let listing = git_ok_in(dir, &["verify-pack", "-v", p.to_str().expect("utf-8")]);
            for line in listing.lines() {
                let f: Vec<&str> = line.split_whitespace().collect();
                // id type size size-in-pack offset [depth base]
                if f.len() == 7 && f[1] == "commit" {
                    out.insert(Oid::from_str(f[0]).expect("oid"));
                }
            }
        }
    }
    out
}

/// Read every object with the pack reader; each commit it returns must be
/// git's; returns how many it read and how many it left to libgit2.
fn read_all(dir: &Path) -> (usize, usize) {
    let repo = git2::Repository::open_bare(dir).expect("open");
    let dirs = reviewgate::repo::HookRepo::from_repository(
        git2::Repository::open_bare(dir).expect("open"),
    )
    .object_dirs();
    let mut packs = Packs::open(&dirs);
    let odb = repo.odb().expect("odb");
    let delta = deltas(dir);
    let (mut read, mut left) = (0, 0);
    for (id, kind) in objects(dir) {
        match packs.commit(id) {
            Some(data) => {
                assert_eq!(kind, "commit", "{id} read as a commit");
                assert!(!delta.contains(&id), "{id} is a delta");
                let theirs = odb.read(id).expect("libgit2 reads it");
                assert_eq!(data, theirs.data(), "{id}");
                let mut c = git_cmd(dir);
                c.args(["cat-file", "commit", &id.to_string()]);
                let git = run(c).stdout;
                assert_eq!(data, git, "{id} as git prints it");
                read += 1;
            }
            None => {
                if kind == "commit" {
                    left += 1;
                }
            }
        }
    }
    (read, left)
}

#[test]
fn commits_read_from_packs_are_what_git_prints_and_the_rest_is_left_to_libgit2() {
    let root = tempfile::tempdir().expect("tmp");
    let (dir, ids) = random_history(root.path(), 300, (21, 30), true);
    // fast-import's pack, then one pack with commits stored as deltas of
    // each other, a second pack, loose commits, and an index with 64-bit
    // offsets for every object.
    let (read, left) = read_all(&dir);
    assert!(read > 250, "read {read}, left {left}");
    git_ok_in(
        &dir,
        &["repack", "-adf", "-q", "--window=250", "--depth=50"],
    );
    let (read, left) = read_all(&dir);
    assert!(
        !deltas(&dir).is_empty(),
        "repack stored no commit as a delta"
    );
    assert_eq!(left, deltas(&dir).len(), "read {read}");
    assert!(read > 0);
    let tree = git_ok_in(&dir, &["rev-parse", &format!("{}^{{tree}}", ids[0])]);
    let mut loose = Vec::new();
    for i in 0..5 {
        loose.push(git_ok_in(
            &dir,
            &[
                "commit-tree",
                &tree,
                "-p",
                &ids[299],
                "-m",
                &format!("loose {i}"),
            ],
        ));
    }
    let (read2, left2) = read_all(&dir);
    assert_eq!(
        (read2, left2),
        (read, left + 5),
        "loose commits are libgit2's"
    );
    // The loose ones packed on their own, whole: a second pack.
    let list: String = loose.iter().map(|l| format!("{l}\n")).collect();
    let mut c = git_cmd(&dir);
    c.args(["pack-objects", "-q", "--window=0", "objects/pack/pack"]);
    feed_ok(c, list.as_bytes());
    let (read3, _) = read_all(&dir);
    assert_eq!(read3, read + 5);
    // Rewrite every index with 64-bit offsets for all objects but the
    // first (git refuses an index with more).
    for e in std::fs::read_dir(dir.join("objects/pack")).expect("packs") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "pack") {
            let idx = p.with_extension("idx");
            std::fs::remove_file(&idx).expect("rm idx");
            git_ok_in(
                &dir,
                &[
                    "index-pack",
                    "--index-version=2,0x20",
                    "-o",
                    idx.to_str().expect("utf-8"),
                    p.to_str().expect("utf-8"),
                ],
            );
        }
    }
    assert_eq!(read_all(&dir).0, read3, "64-bit offsets");
}

#[test]
fn a_pack_that_does_not_hold_together_is_left_to_libgit2() {
    let root = tempfile::tempdir().expect("tmp");
    let (dir, ids) = random_history(root.path(), 50, (22, 5), false);
    git_ok_in(&dir, &["repack", "-adf", "-q", "--window=0"]);
    let pack = std::fs::read_dir(dir.join("objects/pack"))
        .expect("packs")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .expect("a pack");
    let idx = pack.with_extension("idx");
    let (good_pack, good_idx) = (
        std::fs::read(&pack).expect("read"),
        std::fs::read(&idx).expect("read"),
    );
    let open = || Packs::open(&[dir.join("objects")]);
    let id = Oid::from_str(&ids[10]).expect("oid");
    assert!(open().commit(id).is_some());
    let put = |p: &Path, bytes: &[u8]| {
        let _ = std::fs::remove_file(p);
        std::fs::write(p, bytes).expect("write");
    };
    let mut cases: Vec<(&str, Vec<u8>, Vec<u8>)> = Vec::new();
    let mut b = good_idx.clone();
    b[7] = 1;
    cases.push(("index version 1", good_pack.clone(), b));
    cases.push((
        "index cut short",
        good_pack.clone(),
        good_idx[..good_idx.len() / 2].to_vec(),
    ));
    let mut b = good_pack.clone();
    b[11] ^= 1;
    cases.push(("object count differs", b, good_idx.clone()));
    let mut b = good_pack.clone();
    b[0] = b'X';
    cases.push(("not a pack", b, good_idx.clone()));
    for (what, p, i) in &cases {
        put(&pack, p);
        put(&idx, i);
        assert!(open().index().is_empty(), "{what}: mapped anyway");
    }
    // A commit whose compressed bytes are damaged: zlib's checksum (or the
    // declared size) says so, and it is left to libgit2.
    put(&idx, &good_idx);
    put(&pack, &good_pack);
    let offset = {
        let listing = git_ok_in(&dir, &["verify-pack", "-v", idx.to_str().expect("utf-8")]);
        let line = listing
            .lines()
            .find(|l| l.starts_with(&ids[10]))
            .expect("listed")
            .to_string();
        line.split_whitespace()
            .nth(4)
            .expect("offset")
            .parse::<usize>()
            .expect("a number")
    };
    let mut b = good_pack.clone();
    b[offset + 8] ^= 0x55;
    put(&pack, &b);
    let mut packs = open();
    assert_eq!(packs.index().len(), 1);
    assert_eq!(packs.commit(id), None, "damaged: left to libgit2");
    assert!(packs
        .commit(Oid::from_str(&ids[11]).expect("oid"))
        .is_some());
    // An entry that declares one byte more, or one less, than its stream
    // holds (the size's low bits are in the entry's first byte).
    for (what, adjust) in [("declared one more", 1i8), ("declared one less", -1)] {
        let mut b = good_pack.clone();
        let low = b[offset] & 15;
        let moved = low.checked_add_signed(adjust).filter(|l| *l < 16);
        let Some(moved) = moved else {
            panic!("the size's low bits ({low}) cannot move by {adjust}: pick another commit");
        };
        b[offset] = (b[offset] & !15) | moved;
        put(&pack, &b);
        let mut packs = open();
        assert_eq!(packs.commit(id), None, "{what}: left to libgit2");
    }
}

/// Walks that read packs visit the same commits in the same order, see
/// the same table, and hand the visitor the same bytes as walks through
/// libgit2, sequential and reading ahead, with and without clock skew. The
/// table is keyed by pack places once the packs are mapped: the history has
/// commits stored as deltas, 200 commits in two packs (one place each),
/// loose commits on top (keyed by id), and up to 11 hidden tips (read
/// before the packs are mapped, their keys moved when they are); at each
/// visit, `Visited` answers for every seventh commit of the history as the
/// walk through libgit2 does.
#[test]
fn walks_reading_packs_visit_what_walks_through_libgit2_visit() {
    let root = tempfile::tempdir().expect("tmp");
    for (seed, skew) in [(41, false), (42, true)] {
        let (dir, mut ids) = random_history(root.path(), 600, (seed, 4), skew);
        git_ok_in(&dir, &["repack", "-adf", "-q", "--window=50", "--depth=10"]);
        // A second pack holding 200 of the commits again.
        let mut c = git_cmd(&dir);
        c.args(["pack-objects", "-q", "objects/pack/pack"]);
        feed_ok(c, ids[200..400].join("\n").as_bytes());
        assert_eq!(
            std::fs::read_dir(dir.join("objects/pack"))
                .expect("packs")
                .filter(|e| e
                    .as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "idx")))
                .count(),
            2
        );
        // Loose commits on top, a merge among them.
        let tree = git_ok_in(&dir, &["rev-parse", &format!("{}^{{tree}}", ids[599])]);
        for i in 0..30 {
            let mut args = vec!["commit-tree", "-m", "loose", "-p"];
            let parent = ids.last().expect("ids").clone();
            args.push(&parent);
            let other = ids[500 + i].clone();
            if i % 10 == 5 {
                args.extend(["-p", &other]);
            }
            args.push(&tree);
            let id = git_ok_in(&dir, &args);
            ids.push(id);
        }
        let repo = git2::Repository::open_bare(&dir).expect("open");
        let odb = repo.odb().expect("odb");
        let dirs = vec![dir.join("objects")];
        let all: Vec<Oid> = ids
            .iter()
            .step_by(7)
            .map(|i| Oid::from_str(i).expect("oid"))
            .collect();
        let mut rng = Rng(seed);
        let mut opened_late = 0;
        for round in 0..8 {
            let new = Oid::from_str(&ids[ids.len() - 1 - rng.below(50)]).expect("oid");
            let hidden = [0, 1, 2, 11][round % 4];
            let hide: Vec<Oid> = (0..hidden)
                .map(|_| Oid::from_str(&ids[rng.below(ids.len() / 2)]).expect("oid"))
                .collect();
            opened_late += usize::from(hidden > 8);
            // `reads_objects` at visit 100, as a sign-off diff says: a walk
            // reading packs goes on reading ahead, one through libgit2
            // goes back to one thread; the visits are the same.
            let run = |packs: bool, ahead: bool| {
                let mut walk = reviewgate::walk::Walk::new(&odb, &hide)
                    .expect("walk")
                    .read_ahead(ahead);
                if packs {
                    walk = walk.read_packs(dirs.clone());
                }
                let mut out = Vec::new();
                walk.from_with(new, |c, visited| {
                    let table: Vec<(bool, bool)> = all
                        .iter()
                        .map(|&id| (visited.contains(id), visited.is_hidden(id)))
                        .collect();
                    // Everything the visitor reads of the commit.
                    out.push((format!("{c:?}"), c.raw_message().to_vec(), table));
                    if out.len() == 100 {
                        visited.reads_objects();
                    }
                    Ok::<_, reviewgate::walk::Error>(true)
                })
                .expect("walk");
                out
            };
            let plain = run(false, false);
            assert!(plain.len() > 64 || round > 0, "{}", plain.len());
            for ahead in [false, true] {
                let packed = run(true, ahead);
                assert_eq!(packed.len(), plain.len(), "seed {seed} round {round}");
                for (i, (a, b)) in plain.iter().zip(&packed).enumerate() {
                    assert!(a == b, "seed {seed} round {round} ahead {ahead}: visit {i}");
                }
            }
        }
        assert_eq!(opened_late, 2);
    }
}

/// The commits of `dir`'s one pack, in the order the pack stores them
/// (`git verify-pack -v`: `<id> commit <size> <packed> <offset>`).
fn commits_in_pack_order(dir: &Path) -> Vec<Oid> {
    let idx = std::fs::read_dir(dir.join("objects/pack"))
        .expect("packs")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .expect("an index");
    let listing = git_ok_in(dir, &["verify-pack", "-v", idx.to_str().expect("utf-8")]);
    let mut stored: Vec<(usize, Oid)> = listing
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("commit"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[4].parse().expect("offset"),
                Oid::from_str(f[0]).expect("id"),
            )
        })
        .collect();
    stored.sort_unstable();
    stored.into_iter().map(|(_, id)| id).collect()
}

/// Each of `ids` as `git cat-file commit` prints it.
fn as_git_prints(dir: &Path, ids: &[Oid]) -> std::collections::HashMap<Oid, Vec<u8>> {
    ids.iter()
        .map(|id| {
            let mut c = git_cmd(dir);
            c.args(["cat-file", "commit", &id.to_string()]);
            (*id, run(c).stdout)
        })
        .collect()
}

/// A random history of `n` commits (`seed`) repacked without deltas, with
/// or without the reverse index; its commits in pack order, each as git
/// prints it.
fn repacked(
    root: &Path,
    n: usize,
    seed: (u64, usize),
    reverse_index: bool,
) -> (
    std::path::PathBuf,
    Vec<Oid>,
    std::collections::HashMap<Oid, Vec<u8>>,
) {
    let (dir, _) = random_history(root, n, seed, false);
    let rev = format!("pack.writeReverseIndex={reverse_index}");
    git_ok_in(&dir, &["-c", &rev, "repack", "-adf", "-q", "--window=0"]);
    for rev in files_with(&dir, "rev")
        .into_iter()
        .filter(|_| !reverse_index)
    {
        std::fs::remove_file(rev).expect("rm rev");
    }
    let forward = commits_in_pack_order(&dir);
    let git = as_git_prints(&dir, &forward);
    (dir, forward, git)
}

/// A reader whose commits a new [`Ahead`] inflates ahead, and the [`Ahead`].
fn reader_ahead() -> (std::sync::Arc<Ahead>, Reader) {
    let ahead = Ahead::new();
    let mut reader = Reader::default();
    reader.read_ahead_with(Some(std::sync::Arc::clone(&ahead)));
    (ahead, reader)
}

/// Commits taken from what another thread inflated ahead are git's bytes,
/// in pack order (where most are taken inflated), backwards and shuffled
/// (where the guesses are wrong and the reader inflates them itself), with
/// the thread running beside the reader all along.
#[test]
fn commits_inflated_ahead_by_another_thread_are_the_same_bytes() {
    let root = tempfile::tempdir().expect("tmp");
    let (dir, forward, git) = repacked(root.path(), 300, (23, 5), true);
    assert_eq!(forward.len(), 300);
    let backward: Vec<Oid> = forward.iter().rev().copied().collect();
    let mut shuffled = forward.clone();
    let mut seed = 7u64;
    for i in (1..shuffled.len()).rev() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        shuffled.swap(i, (seed >> 33) as usize % (i + 1));
    }
    let repo = git2::Repository::open_bare(&dir).expect("open");
    let odb = repo.odb().expect("odb");
    let index = Index::open(&[dir.join("objects")]);
    let (ahead, mut reader) = reader_ahead();
    let read = |reader: &mut Reader, what: &str, id: &Oid| {
        let at = index.find(id.as_bytes()).expect("in the pack");
        let data = reader.commit(&index, at).expect("read whole");
        assert_eq!(data, git[id], "{what}: {id}, as git prints it");
        assert_eq!(data, odb.read(*id).expect("libgit2").data(), "{what}: {id}");
    };
    // In turn, on this thread: a run of inflation after each read. In pack
    // order, the first read misses and sends the thread LEAD commits on;
    // the reader inflates those itself and takes every later one inflated.
    let mut own = Reader::default();
    for id in &forward {
        read(&mut reader, "in turn", id);
        ahead.run_once(&index, &mut own);
    }
    let n = forward.len() as u64;
    assert_eq!(ahead.served(), n - u64::from(LEAD), "taken inflated");
    // At once: a thread inflating beside the reader, whatever the order.
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut own = Reader::default();
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                if !ahead.run_once(&index, &mut own) {
                    std::thread::yield_now();
                }
            }
        });
        for _ in 0..3 {
            for (what, order) in [
                ("forward", &forward),
                ("backward", &backward),
                ("shuffled", &shuffled),
            ] {
                for id in order {
                    read(&mut reader, what, id);
                }
            }
        }
        done.store(true, std::sync::atomic::Ordering::Release);
        ahead.stop();
    });
}

/// Without the reverse index the thread cannot skip ahead of a reader that
/// caught up with it: it goes on from the reader's first read, and every
/// later commit (in pack order) is taken inflated.
#[test]
fn without_a_reverse_index_the_thread_goes_on_from_the_first_read() {
    let root = tempfile::tempdir().expect("tmp");
    let (dir, forward, git) = repacked(root.path(), 200, (24, 5), false);
    let index = Index::open(&[dir.join("objects")]);
    let (ahead, mut reader) = reader_ahead();
    let mut own = Reader::default();
    for id in &forward {
        let at = index.find(id.as_bytes()).expect("in the pack");
        let data = reader.commit(&index, at).expect("read whole");
        assert_eq!(data, git[id], "{id}");
        ahead.run_once(&index, &mut own);
    }
    assert_eq!(ahead.served(), forward.len() as u64 - 1, "taken inflated");
}

/// A reader told each commit's pack position (as a walk that guessed it
/// is) sends the thread on exactly as one that searched for it: the same
/// commits taken inflated, the same bytes.
#[test]
fn a_known_pack_position_sends_the_thread_where_a_search_would() {
    let root = tempfile::tempdir().expect("tmp");
    let (dir, forward, git) = repacked(root.path(), 150, (25, 5), true);
    let index = Index::open(&[dir.join("objects")]);
    for told in [false, true] {
        let (ahead, mut reader) = reader_ahead();
        let mut own = Reader::default();
        for id in &forward {
            let at = index.find(id.as_bytes()).expect("in the pack");
            let packpos = told.then(|| index.pack_position(at).expect("a reverse index"));
            let data = reader.commit_at(&index, at, packpos).expect("read whole");
            assert_eq!(data, git[id], "{id}");
            ahead.run_once(&index, &mut own);
        }
        assert_eq!(
            ahead.served(),
            forward.len() as u64 - u64::from(LEAD),
            "told the positions: {told}"
        );
    }
}

/// Large commits (600 KB messages) are inflated ahead a few MiB at most,
/// not a run or a queue's count of them; and what is held is accounted
/// exactly (nothing once every commit is taken).
#[test]
fn commits_inflated_ahead_are_held_a_few_mib_at_most() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = root.path().join("big.git");
    git_ok_in(
        root.path(),
        &["init", "-q", "--bare", dir.to_str().expect("utf-8")],
    );
    let mut stream = Vec::new();
    let mut seed = 11u64;
    for i in 0..30u64 {
        let mut msg = format!("large {i}\n\n");
        while msg.len() < 600_000 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1442695040888963407);
            msg.push_str(&format!("{seed:016x}\n"));
        }
        stream.extend_from_slice(
            format!(
                "commit refs/heads/main\ncommitter A U Thor <a@example.com> {} +0000\ndata {}\n{msg}\n",
                1_700_000_000 + i * 60,
                msg.len()
            )
            .as_bytes(),
        );
    }
    let mut c = git_cmd(&dir);
    c.args(["fast-import", "--quiet"]);
    let mut child = c
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("fast-import");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &stream).expect("write");
    assert!(child.wait().expect("wait").success());
    git_ok_in(&dir, &["repack", "-adf", "-q", "--window=0"]);
    let newest_first: Vec<Oid> = git_ok_in(&dir, &["rev-list", "main"])
        .lines()
        .map(|l| Oid::from_str(l).expect("id"))
        .collect();
    let index = Index::open(&[dir.join("objects")]);
    let ahead = Ahead::new();
    let mut reader = Reader::default();
    reader.read_ahead_with(Some(std::sync::Arc::clone(&ahead)));
    let mut own = Reader::default();
    let mut most = 0;
    for id in &newest_first {
        let at = index.find(id.as_bytes()).expect("in the pack");
        assert!(reader.commit(&index, at).expect("read whole").len() > 600_000);
        while ahead.run_once(&index, &mut own) {
            most = most.max(ahead.held());
        }
    }
    assert!(most > 3 << 20, "inflated ahead: {most} bytes at most");
    assert!(most <= 6 << 20, "held {most} bytes");
    assert_eq!(ahead.held(), 0, "every commit taken");
    assert!(ahead.served() > 20, "{} taken inflated", ahead.served());
}

/// Every object of the pack `idx` describes, in the order it is stored, as
/// `git verify-pack` lists them.
fn pack_order(dir: &Path, idx: &Path) -> Vec<Oid> {
    let listing = git_ok_in(dir, &["verify-pack", "-v", idx.to_str().expect("utf-8")]);
    let mut stored: Vec<(usize, Oid)> = listing
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let kind = *f.get(1)?;
            let offset = f.get(4)?.parse().ok()?;
            ["commit", "tree", "blob", "tag"]
                .contains(&kind)
                .then(|| (offset, Oid::from_str(f[0]).expect("id")))
        })
        .collect();
    stored.sort_unstable();
    stored.into_iter().map(|(_, id)| id).collect()
}

fn files_with(dir: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir.join("objects/pack"))
        .expect("packs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

#[test]
fn guesses_by_the_reverse_index_are_the_order_git_stored() {
    let root = tempfile::tempdir().expect("tmp");
    let (dir, ids) = random_history(root.path(), 300, (51, 6), false);
    git_ok_in(
        &dir,
        &["-c", "pack.writeReverseIndex=true", "repack", "-adf", "-q"],
    );
    let idx = files_with(&dir, "idx").pop().expect("an index");
    assert_eq!(
        files_with(&dir, "rev").len(),
        1,
        "git wrote a reverse index"
    );
    let order = pack_order(&dir, &idx);
    assert!(order.len() > 300, "{} objects", order.len());
    let dirs = vec![dir.join("objects")];
    let check = |index: &Index, twice: &std::collections::HashSet<Oid>| {
        let mut right = 0;
        for (rank, id) in order.iter().enumerate() {
            let at = index.find(id.as_bytes()).expect("found");
            let Some(next) = order.get(rank + 1) else {
                continue;
            };
            let rank = u32::try_from(rank).expect("rank");
            let full = index.find(order[0].as_bytes()).expect("found").pack;
            if at.pack == full {
                assert_eq!(index.pack_position(at), Some(rank), "{id}");
            }
            let guess = index.after(full, rank, next.as_bytes());
            if twice.contains(next) {
                // Its place is in the newer pack: a guess in the older one
                // would name it twice.
                assert_eq!(guess, None, "{next} is in an earlier pack");
            } else {
                assert_eq!(guess, index.find(next.as_bytes()), "{next} after {id}");
                right += 1;
            }
            assert_eq!(
                index.after(full, rank, id.as_bytes()),
                None,
                "{id} is not after itself"
            );
        }
        right
    };
    let none = std::collections::HashSet::new();
    assert_eq!(check(&Index::open(&dirs), &none), order.len() - 1);

    // A newer pack holding 50 of the commits again (and their trees).
    let mut c = git_cmd(&dir);
    c.args([
        "-c",
        "pack.writeReverseIndex=true",
        "pack-objects",
        "-q",
        "objects/pack/pack",
    ]);
    feed_ok(c, ids[100..150].join("\n").as_bytes());
    assert_eq!(files_with(&dir, "rev").len(), 2);
    let index = Index::open(&dirs);
    let twice: std::collections::HashSet<Oid> = order
        .iter()
        .filter(|id| index.find(id.as_bytes()).is_some_and(|at| at.pack == 0))
        .copied()
        .collect();
    assert!(twice.len() >= 50, "{} in both packs", twice.len());
    let right = check(&index, &twice);
    assert!(right > 0 && right < order.len() - 1, "{right}");

    // A reverse index that belongs to another pack, or none: no guesses.
    let revs = files_with(&dir, "rev");
    let own = idx.with_extension("rev");
    let other = revs
        .iter()
        .find(|r| **r != own)
        .expect("the other reverse index");
    let first = index.find(order[0].as_bytes()).expect("found");
    std::fs::copy(other, &own).expect("copy");
    for index in [Index::open(&dirs), {
        std::fs::remove_file(&own).expect("rm");
        Index::open(&dirs)
    }] {
        let at = index.find(order[0].as_bytes()).expect("found");
        assert_eq!(at.pos, first.pos);
        assert_eq!(index.pack_position(at), None);
        assert_eq!(index.after(at.pack, 0, order[1].as_bytes()), None);
    }
}
