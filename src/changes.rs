//! The paths a commit changes against its first parent (a root commit: all
//! its files), as `git diff --name-only --no-renames` lists them: added,
//! modified (content or mode) and deleted files, a rename as its two paths,
//! a file that became a folder (or the reverse) as both.
//!
//! Cheap by construction, for sign-off rules that ask about a few paths:
//! equal tree ids are skipped without reading them, and a folder is entered
//! only when the caller's [`Filter`] says a path under it may matter. Trees
//! are read through a capability ([`Trees`]), so the diff is tested on
//! in-memory trees; [`OdbTrees`] reads them from the object database with a
//! bounded cache (a walk from child to parent reads each root tree once).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use git2::Oid;

use crate::pack::{Index, Objects};

/// The most changed files and folders one commit's diff visits; past it the
/// diff is cut short (and says so), so a commit touching a million files
/// costs a bounded amount. Callers treat a cut diff as touching every path
/// (the safe side).
pub const MAX_CHANGED_PATHS: usize = 10_000;

/// Why a tree could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object database has no such tree (or it is not a tree).
    #[error("tree {0} is missing or not a tree")]
    Missing(Oid),
    /// The tree object does not parse as git writes trees.
    #[error("tree {0} is malformed")]
    Malformed(Oid),
}

/// Reads raw tree objects by id.
pub trait Trees {
    /// The raw bytes of tree `id` (`<mode> SP <name> NUL <20-byte id>`...).
    fn tree(&mut self, id: Oid) -> Result<Rc<[u8]>, Error>;
}

/// Which paths the caller asks about.
pub trait Filter {
    /// Whether a file somewhere under the folder `dir` (no trailing `/`) may
    /// matter: the diff enters a changed folder only then.
    fn may_matter_under(&self, dir: &str) -> bool;
    /// Whether the changed file `path` matters (it is then listed).
    fn matters(&self, path: &str) -> bool;
}

/// The changed paths that matter, in git's tree order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Repository-relative paths (names that are not UTF-8 are read lossily:
    /// their folders and extensions stay as they are).
    pub paths: Vec<String>,
    /// Whether the commit changes more than [`MAX_CHANGED_PATHS`] files and
    /// folders (the visit stopped there).
    pub truncated: bool,
}

/// One tree entry.
#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    mode: &'a [u8],
    name: &'a [u8],
    id: &'a [u8],
}

impl Entry<'_> {
    fn is_tree(&self) -> bool {
        self.mode == b"40000"
    }
}

/// The entries of a raw tree, in order, read as they are asked for.
struct Entries<'a> {
    rest: &'a [u8],
    id: Oid,
}

impl<'a> Entries<'a> {
    fn of(raw: Option<&'a [u8]>, id: Option<Oid>) -> Self {
        Self {
            rest: raw.unwrap_or_default(),
            id: id.unwrap_or_else(Oid::zero),
        }
    }

    /// The next entry; an error when the tree does not parse.
    fn next_entry(&mut self) -> Result<Option<Entry<'a>>, Error> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let parse = |rest: &'a [u8]| -> Option<(Entry<'a>, &'a [u8])> {
            // A mode is at most 6 digits: no need for a vectorised scan.
            let space = rest.iter().take(8).position(|&c| c == b' ')?;
            let (mode, after) = rest.split_at(space);
            let after = after.get(1..)?;
            let nul = memchr::memchr(0, after)?;
            let (name, after) = after.split_at(nul);
            let id = after.get(1..21)?;
            if mode.is_empty() || name.is_empty() {
                return None;
            }
            Some((Entry { mode, name, id }, after.get(21..)?))
        };
        let (e, rest) = parse(self.rest).ok_or(Error::Malformed(self.id))?;
        self.rest = rest;
        Ok(Some(e))
    }
}

/// git's order of tree entries: by name, a folder's name as if followed by
/// `/`.
fn order(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    let n = a.name.len().min(b.name.len());
    let (ha, hb) = (a.name.get(..n), b.name.get(..n));
    match ha.cmp(&hb) {
        Ordering::Equal => {}
        o => return o,
    }
    let next = |e: &Entry<'_>| {
        e.name
            .get(n)
            .copied()
            .unwrap_or(if e.is_tree() { b'/' } else { 0 })
    };
    next(a).cmp(&next(b))
}

/// The diff in progress.
struct Diff<'f, T: Trees, F: Filter> {
    trees: &'f mut T,
    filter: &'f F,
    out: Changes,
    /// The path being visited (a folder while its entries are compared).
    path: String,
    /// Changed files and folders visited, listed or not.
    seen: usize,
}

impl<T: Trees, F: Filter> Diff<'_, T, F> {
    fn read(&mut self, id: Option<Oid>) -> Result<Option<Rc<[u8]>>, Error> {
        id.map(|id| self.trees.tree(id)).transpose()
    }

    /// Compare the trees `old` and `new` (either may be absent) under the
    /// current path; false once the visit is cut short.
    fn trees(&mut self, old: Option<Oid>, new: Option<Oid>) -> Result<bool, Error> {
        if old == new {
            return Ok(true);
        }
        let (old_raw, new_raw) = (self.read(old)?, self.read(new)?);
        let mut a = Entries::of(old_raw.as_deref(), old);
        let mut b = Entries::of(new_raw.as_deref(), new);
        let (mut x, mut y) = (a.next_entry()?, b.next_entry()?);
        loop {
            let (take_a, take_b) = match (&x, &y) {
                (None, None) => return Ok(true),
                (Some(_), None) => (true, false),
                (None, Some(_)) => (false, true),
                (Some(p), Some(q)) => match order(p, q) {
                    Ordering::Less => (true, false),
                    Ordering::Greater => (false, true),
                    Ordering::Equal => (true, true),
                },
            };
            let step = (x.filter(|_| take_a), y.filter(|_| take_b));
            if take_a {
                x = a.next_entry()?;
            }
            if take_b {
                y = b.next_entry()?;
            }
            if !self.entry(step.0, step.1)? {
                return Ok(false);
            }
        }
    }

    /// One name present in `old`, `new` or both (same kind); false once the
    /// visit is cut short.
    fn entry(&mut self, old: Option<Entry<'_>>, new: Option<Entry<'_>>) -> Result<bool, Error> {
        if let (Some(o), Some(n)) = (old, new) {
            if o.id == n.id && o.mode == n.mode {
                return Ok(true);
            }
        }
        let Some(e) = new.or(old) else {
            return Ok(true);
        };
        self.seen += 1;
        if self.seen > MAX_CHANGED_PATHS {
            self.out.truncated = true;
            return Ok(false);
        }
        let len = self.path.len();
        if len > 0 {
            self.path.push('/');
        }
        self.path.push_str(&String::from_utf8_lossy(e.name));
        let more = if e.is_tree() {
            if self.filter.may_matter_under(&self.path) {
                let id = |e: Option<Entry<'_>>| e.and_then(|e| Oid::from_bytes(e.id).ok());
                self.trees(id(old), id(new))?
            } else {
                true
            }
        } else {
            if self.filter.matters(&self.path) {
                self.out.paths.push(self.path.clone());
            }
            true
        };
        self.path.truncate(len);
        Ok(more)
    }
}

/// The paths that changed from the tree `old` (`None`: the empty tree of a
/// root commit's missing parent) to the tree `new`, among those `filter`
/// asks about.
pub fn changed_paths(
    trees: &mut impl Trees,
    old: Option<Oid>,
    new: Oid,
    filter: &impl Filter,
) -> Result<Changes, Error> {
    let mut d = Diff {
        trees,
        filter,
        out: Changes::default(),
        path: String::new(),
        seen: 0,
    };
    d.trees(old, Some(new))?;
    Ok(d.out)
}

/// How many bytes of tree objects [`OdbTrees`] keeps (then it starts over).
const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Hashes an object id by its first eight bytes: ids are SHA-1, so they
/// are spread already, and one colliding pair costs a comparison, never a
/// wrong answer.
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut head = [0u8; 8];
        for (h, b) in head.iter_mut().zip(bytes) {
            *h = *b;
        }
        self.0 ^= u64::from_le_bytes(head);
    }
    fn write_usize(&mut self, _: usize) {}
}

type IdMap<V> = HashMap<Oid, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Trees read from an object database, cached by id: from its packs
/// directly once a walk has mapped them ([`OdbTrees::read_packs`]),
/// through libgit2 otherwise (and for what the packs do not hold simply).
pub struct OdbTrees<'r> {
    odb: &'r git2::Odb<'r>,
    packs: Option<(Arc<Index>, Objects)>,
    cache: IdMap<Rc<[u8]>>,
    bytes: usize,
    /// Objects read from the database so far.
    reads: std::cell::Cell<u64>,
}

impl<'r> OdbTrees<'r> {
    /// Trees from `odb`.
    pub fn new(odb: &'r git2::Odb<'r>) -> Self {
        Self {
            odb,
            packs: None,
            cache: IdMap::default(),
            bytes: 0,
            reads: std::cell::Cell::new(0),
        }
    }

    /// Read trees from the packs `index` maps, where they are simple
    /// enough (see [`crate::pack::Objects`]).
    pub fn read_packs(&mut self, index: Arc<Index>) {
        self.packs = Some((index, Objects::default()));
    }

    /// Whether trees are read from packs ([`OdbTrees::read_packs`]).
    pub fn reads_packs(&self) -> bool {
        self.packs.is_some()
    }

    /// How many objects were read from the database so far.
    pub fn reads(&self) -> u64 {
        self.reads.get()
    }

    /// The tree of commit `id`, as git reads its headers.
    pub fn tree_of(&self, id: Oid) -> Result<Oid, Error> {
        self.reads.set(self.reads.get() + 1);
        let object = self.odb.read(id).map_err(|_| Error::Missing(id))?;
        crate::commit::CommitView::parse(id, object.data())
            .tree()
            .ok_or(Error::Malformed(id))
    }
}

impl Trees for OdbTrees<'_> {
    fn tree(&mut self, id: Oid) -> Result<Rc<[u8]>, Error> {
        if let Some(t) = self.cache.get(&id) {
            return Ok(Rc::clone(t));
        }
        self.reads.set(self.reads.get() + 1);
        let packed = self.packs.as_mut().and_then(|(index, objects)| {
            let at = index.find(id.as_bytes())?;
            objects.tree(index, at)
        });
        let raw: Rc<[u8]> = match packed {
            Some(raw) => raw,
            None => {
                let object = self.odb.read(id).map_err(|_| Error::Missing(id))?;
                if object.kind() != git2::ObjectType::Tree {
                    return Err(Error::Missing(id));
                }
                Rc::from(object.data())
            }
        };
        if self.bytes + raw.len() > CACHE_BYTES {
            self.cache.clear();
            self.bytes = 0;
        }
        self.bytes += raw.len();
        self.cache.insert(id, Rc::clone(&raw));
        Ok(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trees in memory: built from `(path, content)` lists, ids made up.
    #[derive(Default)]
    struct Memory {
        trees: HashMap<Oid, Rc<[u8]>>,
        reads: usize,
        next: u32,
    }

    impl Memory {
        fn id(&mut self) -> Oid {
            self.next += 1;
            let mut b = [0u8; 20];
            b[..4].copy_from_slice(&self.next.to_be_bytes());
            Oid::from_bytes(&b).expect("oid")
        }

        /// A blob id standing for `content`.
        fn blob(content: &str) -> Oid {
            let mut b = [0xbbu8; 20];
            for (i, c) in content.bytes().enumerate() {
                b[i % 20] ^= c.wrapping_add(i as u8);
            }
            Oid::from_bytes(&b).expect("oid")
        }

        /// A tree of `files` (`a/b.txt` = content), subtrees shared by
        /// content (equal folders get equal ids, as in git).
        fn build(&mut self, files: &[(&str, &str)]) -> Oid {
            let mut here: Vec<(String, bool, Oid)> = Vec::new();
            let mut dirs: std::collections::BTreeMap<String, Vec<(String, String)>> =
                std::collections::BTreeMap::new();
            for (path, content) in files {
                match path.split_once('/') {
                    Some((d, rest)) => dirs
                        .entry(d.to_string())
                        .or_default()
                        .push((rest.to_string(), content.to_string())),
                    None => here.push((path.to_string(), false, Self::blob(content))),
                }
            }
            for (d, list) in dirs {
                let list: Vec<(&str, &str)> =
                    list.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
                let id = self.build(&list);
                here.push((d, true, id));
            }
            here.sort_by(|a, b| {
                let key = |e: &(String, bool, Oid)| {
                    let mut k = e.0.clone().into_bytes();
                    if e.1 {
                        k.push(b'/');
                    }
                    k
                };
                key(a).cmp(&key(b))
            });
            let mut raw = Vec::new();
            for (name, is_tree, id) in &here {
                raw.extend_from_slice(if *is_tree { b"40000 " } else { b"100644 " });
                raw.extend_from_slice(name.as_bytes());
                raw.push(0);
                raw.extend_from_slice(id.as_bytes());
            }
            let raw: Rc<[u8]> = Rc::from(raw);
            if let Some((id, _)) = self.trees.iter().find(|(_, t)| **t == raw) {
                return *id;
            }
            let id = self.id();
            self.trees.insert(id, raw);
            id
        }
    }

    impl Trees for Memory {
        fn tree(&mut self, id: Oid) -> Result<Rc<[u8]>, Error> {
            self.reads += 1;
            self.trees.get(&id).cloned().ok_or(Error::Missing(id))
        }
    }

    /// Everything, or the paths under one prefix.
    struct Under(&'static str);

    impl Filter for Under {
        fn may_matter_under(&self, dir: &str) -> bool {
            let d = format!("{dir}/");
            self.0.starts_with(&d) || d.starts_with(self.0)
        }
        fn matters(&self, path: &str) -> bool {
            path.starts_with(self.0)
        }
    }

    const BASE: &[(&str, &str)] = &[
        ("README.md", "hello"),
        ("docs/guide.md", "guide"),
        ("infra/main.tf", "tf"),
        ("infra/modules/net/vpc.tf", "vpc"),
        ("src/lib.rs", "lib"),
        ("src/a/b/c.rs", "c"),
    ];

    fn diff(
        old: &[(&str, &str)],
        new: &[(&str, &str)],
        filter: &impl Filter,
    ) -> (Vec<String>, usize) {
        let mut m = Memory::default();
        let (a, b) = (m.build(old), m.build(new));
        m.reads = 0;
        let c = changed_paths(&mut m, Some(a), b, filter).expect("diff");
        (c.paths, m.reads)
    }

    fn with(changes: &[(&str, Option<&str>)]) -> Vec<(&'static str, &'static str)> {
        let mut files: Vec<(&str, &str)> = BASE.to_vec();
        for (path, content) in changes {
            files.retain(|(p, _)| p != path);
            if let Some(c) = content {
                files.push((
                    Box::leak(path.to_string().into_boxed_str()),
                    Box::leak(c.to_string().into_boxed_str()),
                ));
            }
        }
        files
    }

    #[test]
    fn added_modified_deleted_and_renamed_paths_are_listed() {
        let all = Under("");
        type Case<'a> = (&'a [(&'a str, Option<&'a str>)], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (&[("src/lib.rs", Some("lib2"))], &["src/lib.rs"]),
            (&[("src/new.rs", Some("n"))], &["src/new.rs"]),
            (&[("docs/guide.md", None)], &["docs/guide.md"]),
            // A rename: both paths.
            (
                &[("infra/main.tf", None), ("old/main.tf", Some("tf"))],
                &["infra/main.tf", "old/main.tf"],
            ),
            // A folder deleted: every file under it.
            (
                &[("src/a/b/c.rs", None), ("src/lib.rs", None)],
                &["src/a/b/c.rs", "src/lib.rs"],
            ),
            // A file that becomes a folder.
            (
                &[("README.md", None), ("README.md/x", Some("x"))],
                &["README.md", "README.md/x"],
            ),
            (&[], &[]),
        ];
        for (change, want) in cases {
            let (mut got, _) = diff(BASE, &with(change), &all);
            got.sort();
            assert_eq!(got, *want, "{change:?}");
        }
    }

    #[test]
    fn a_root_commit_lists_every_file() {
        let mut m = Memory::default();
        let t = m.build(BASE);
        let c = changed_paths(&mut m, None, t, &Under("")).expect("diff");
        assert_eq!(c.paths.len(), BASE.len());
        assert!(!c.truncated);
    }

    #[test]
    fn unchanged_and_unasked_folders_are_never_read() {
        // One file changed deep under src/: only the root trees and the
        // changed path's folders are read.
        let (paths, reads) = diff(BASE, &with(&[("src/a/b/c.rs", Some("c2"))]), &Under(""));
        assert_eq!(paths, ["src/a/b/c.rs"]);
        assert_eq!(reads, 2 * 4, "root, src, src/a, src/a/b on both sides");
        // Asked only about infra/: src/ is not entered.
        let (paths, reads) = diff(
            BASE,
            &with(&[("src/a/b/c.rs", Some("c2")), ("infra/main.tf", Some("tf2"))]),
            &Under("infra/"),
        );
        assert_eq!(paths, ["infra/main.tf"]);
        assert_eq!(reads, 2 * 2, "root and infra on both sides");
    }

    #[test]
    fn a_huge_change_is_cut_and_says_so() {
        let files: Vec<(String, String)> = (0..MAX_CHANGED_PATHS + 5)
            .map(|i| (format!("d/f{i}"), "x".to_string()))
            .collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        let mut m = Memory::default();
        let (a, b) = (m.build(&[("keep", "k")]), m.build(&files));
        let c = changed_paths(&mut m, Some(a), b, &Under("")).expect("diff");
        assert!(c.truncated);
        // The folder d/ counts as visited too.
        assert_eq!(c.paths.len() + 1, MAX_CHANGED_PATHS);
        // The work is bounded whatever the filter lists: changes to paths
        // nobody asks about are visited, counted, and cut short too.
        let c = changed_paths(&mut m, Some(a), b, &Under("d/f1")).expect("diff");
        assert!(c.truncated);
    }

    #[test]
    fn malformed_and_missing_trees_are_errors() {
        let mut m = Memory::default();
        let good = m.build(BASE);
        let bad = m.id();
        m.trees
            .insert(bad, Rc::from(&b"100644 name-without-nul"[..]));
        assert!(matches!(
            changed_paths(&mut m, Some(good), bad, &Under("")),
            Err(Error::Malformed(_))
        ));
        let missing = m.id();
        assert!(matches!(
            changed_paths(&mut m, Some(good), missing, &Under("")),
            Err(Error::Missing(_))
        ));
    }
}
