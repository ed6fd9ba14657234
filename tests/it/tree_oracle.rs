//! Trees read straight from packs, deltas resolved, against git: every
//! tree [`Objects`] returns is byte for byte what `git cat-file --batch`
//! prints, in the packs git writes every way it writes them (fast-import's,
//! a deep repack with offset deltas, a repack with deltas by id, a push's
//! thin pack completed by `index-pack --fix-thin`), read in pack order,
//! backwards and shuffled; nothing else is returned as a tree. And the
//! sign-off rules' diffs read through the packs list what libgit2's reads
//! list.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::Oid;
use reviewgate::changes::{changed_paths, OdbTrees};
use reviewgate::pack::{Index, Objects};

use crate::changes_oracle::Everything;
use crate::util::*;

fn git_ok_in(dir: &Path, args: &[&str]) -> String {
    let mut c = git_cmd(dir);
    c.args(args);
    ok(c)
}

/// A bare repository of `n` commits, each editing one to three files of a
/// three-level tree (`d0/e0/f0.txt`...), now and then deleting a folder.
fn history(root: &Path, n: usize, seed: u64) -> PathBuf {
    let dir = root.join(format!("t{seed}.git"));
    let mut c = git_cmd(root);
    c.args(["init", "-q", "--bare"]).arg(&dir);
    ok(c);
    let mut rng = Rng(seed);
    let mut stream = String::new();
    for i in 1..=n {
        let msg = format!("c{i}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{i}\ncommitter D <d@x> {} +0000\ndata {}\n{msg}",
            1_700_000_000 + i * 60,
            msg.len()
        ));
        for _ in 0..1 + rng.below(3) {
            let (d, e, f) = (rng.below(6), rng.below(6), rng.below(8));
            if rng.below(40) == 0 {
                stream.push_str(&format!("D d{d}/e{e}\n"));
            } else {
                let body = format!("{i} {}\n", rng.next());
                stream.push_str(&format!(
                    "M 100644 inline d{d}/e{e}/f{f}.txt\ndata {}\n{body}\n",
                    body.len()
                ));
            }
        }
        stream.push('\n');
    }
    let mut c = git_cmd(&dir);
    c.args(["fast-import", "--quiet"]);
    feed_ok(c, stream.as_bytes());
    dir
}

/// One object of a pack, as `git verify-pack -v` lists it.
struct Listed {
    id: Oid,
    kind: String,
    /// The entry's own type (6: a delta by offset, 7: by id).
    entry: u8,
    depth: usize,
}

/// Every object of every pack of `dir`, in pack order, pack by pack.
fn listing(dir: &Path) -> Vec<Listed> {
    let mut out = Vec::new();
    let mut idxs: Vec<PathBuf> = std::fs::read_dir(dir.join("objects/pack"))
        .expect("packs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    idxs.sort();
    for idx in idxs {
        let pack = std::fs::read(idx.with_extension("pack")).expect("pack");
        let text = git_ok_in(dir, &["verify-pack", "-v", idx.to_str().expect("utf-8")]);
        for line in text.lines() {
            // id type size size-in-pack offset [depth base]
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 5 || Oid::from_str(f[0]).is_err() {
                continue;
            }
            let offset: usize = f[4].parse().expect("offset");
            out.push(Listed {
                id: Oid::from_str(f[0]).expect("id"),
                kind: f[1].to_string(),
                entry: (pack[offset] >> 4) & 7,
                depth: f.get(5).map_or(0, |d| d.parse().expect("depth")),
            });
        }
    }
    out
}

/// Each tree of `ids` as `git cat-file --batch` prints it.
fn as_git_prints(dir: &Path, ids: &[Oid]) -> HashMap<Oid, Vec<u8>> {
    let input: String = ids.iter().map(|id| format!("{id}\n")).collect();
    let mut c = git_cmd(dir);
    c.args(["cat-file", "--batch"]);
    let out = feed_ok(c, input.as_bytes());
    let mut rest = &out[..];
    let mut trees = HashMap::new();
    while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
        let head = String::from_utf8(rest[..nl].to_vec()).expect("header");
        let f: Vec<&str> = head.split(' ').collect();
        let size: usize = f[2].parse().expect("size");
        let body = rest[nl + 1..nl + 1 + size].to_vec();
        rest = &rest[nl + 2 + size..];
        if f[1] == "tree" {
            trees.insert(Oid::from_str(f[0]).expect("id"), body);
        }
    }
    trees
}

fn object_dirs(dir: &Path) -> Vec<PathBuf> {
    reviewgate::repo::HookRepo::from_repository(git2::Repository::open_bare(dir).expect("open"))
        .object_dirs()
}

/// What reading every object of `dir` through [`Objects`] found.
#[derive(Debug, Default)]
struct Read {
    trees: usize,
    deltas: usize,
    deepest: usize,
    by_offset: usize,
    by_id: usize,
}

/// Read every object of `dir`'s packs with one [`Objects`], in pack order,
/// backwards and shuffled: every tree must be returned, as git prints it,
/// and nothing else.
fn read_all(dir: &Path) -> Read {
    let listed = listing(dir);
    let ids: Vec<Oid> = listed.iter().map(|l| l.id).collect();
    let git = as_git_prints(dir, &ids);
    let index = Index::open(&object_dirs(dir));
    let mut objects = Objects::default();
    let mut order: Vec<usize> = (0..listed.len()).collect();
    let mut rng = Rng(0x5eed);
    let mut shuffled = order.clone();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    let mut read = Read::default();
    for pass in 0..3 {
        match pass {
            1 => order.reverse(),
            2 => order.clone_from(&shuffled),
            _ => {}
        }
        for &i in &order {
            let l = &listed[i];
            let at = index.find(l.id.as_bytes()).expect("in a pack");
            let got = objects.tree(&index, at);
            if l.kind == "tree" {
                let got = got.unwrap_or_else(|| panic!("tree {} read from the pack", l.id));
                assert_eq!(&got[..], &git[&l.id][..], "tree {} (pass {pass})", l.id);
                if pass == 0 {
                    read.trees += 1;
                    read.deltas += usize::from(l.depth > 0);
                    read.deepest = read.deepest.max(l.depth);
                    read.by_offset += usize::from(l.entry == 6);
                    read.by_id += usize::from(l.entry == 7);
                }
            } else {
                assert!(got.is_none(), "{} {} read as a tree", l.kind, l.id);
            }
        }
    }
    read
}

#[test]
fn trees_read_from_packs_are_what_git_prints() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = history(root.path(), 300, 0x7ee5);
    // fast-import's own pack.
    let r = read_all(&dir);
    assert!(r.trees > 1000 && r.deltas > r.trees / 2, "{r:?}");
    // A deep repack: long chains of offset deltas.
    git_ok_in(
        &dir,
        &["repack", "-adf", "-q", "--depth=250", "--window=250"],
    );
    let r = read_all(&dir);
    assert!(r.deepest >= 20 && r.by_offset > r.trees / 2, "{r:?}");
    assert_eq!(r.by_id, 0, "{r:?}");
    // Deltas naming their base by id.
    git_ok_in(
        &dir,
        &[
            "-c",
            "repack.useDeltaBaseOffset=false",
            "repack",
            "-adf",
            "-q",
        ],
    );
    let r = read_all(&dir);
    assert!(r.by_id > r.trees / 2 && r.by_offset == 0, "{r:?}");
}

/// A push's pack: thin (its deltas on objects the server has, by id),
/// completed by `index-pack --fix-thin` with those bases appended whole.
#[test]
fn trees_of_a_pushed_thin_pack_are_what_git_prints() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = history(root.path(), 200, 0xbeef);
    let server = root.path().join("server.git");
    let mut c = git_cmd(root.path());
    c.args(["init", "-q", "--bare"]).arg(&server);
    ok(c);
    git_ok_in(&server, &["config", "transfer.unpackLimit", "1"]);
    let url = server.to_str().expect("utf-8");
    git_ok_in(&dir, &["push", "-q", url, "main~100:refs/heads/main"]);
    git_ok_in(&dir, &["push", "-q", url, "main:refs/heads/main"]);
    let r = read_all(&server);
    assert!(r.by_id > 0 && r.trees > 500, "{r:?}");
}

/// The diffs of every commit, trees read through the packs and through
/// libgit2 alone, list the same paths.
#[test]
fn diffs_through_the_packs_list_what_diffs_through_libgit2_list() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = history(root.path(), 200, 0xd1ff);
    git_ok_in(&dir, &["repack", "-adf", "-q", "--depth=50", "--window=50"]);
    let repo = git2::Repository::open_bare(&dir).expect("open");
    let odb = repo.odb().expect("odb");
    let mut packed = OdbTrees::new(&odb);
    packed.read_packs(std::sync::Arc::new(Index::open(&object_dirs(&dir))));
    let mut plain = OdbTrees::new(&odb);
    let mut walk = repo.revwalk().expect("walk");
    walk.push_ref("refs/heads/main").expect("main");
    let mut listed = 0;
    for id in walk {
        let c = repo.find_commit(id.expect("id")).expect("commit");
        let parent = c.parent_ids().next();
        let old = parent.map(|p| packed.tree_of(p).expect("tree"));
        let ours = changed_paths(&mut packed, old, c.tree_id(), &Everything).expect("diff");
        let theirs = changed_paths(&mut plain, old, c.tree_id(), &Everything).expect("diff");
        assert_eq!(ours, theirs, "{}", c.id());
        listed += ours.paths.len();
    }
    assert!(listed > 400, "{listed} paths listed");
}
