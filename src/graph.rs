//! The commit-graph file, as git reads it: each commit's first parent and
//! committer time without inflating the commit.
//!
//! `git gc` writes `objects/info/commit-graph` (and `git maintenance`, as
//! GitLab's housekeeping, a chain under `objects/info/commit-graphs/`); git
//! itself then takes parents and dates from it instead of the objects. We
//! read it only where a walk follows a first-parent chain to find where a
//! window starts (`reviewgate report --since`), so the commits are inflated
//! once, by the walk that judges them.
//!
//! Used only as git would use it: not when `core.commitGraph` is false, not
//! in a shallow repository, with grafts, or with replace refs (git's
//! `commit_graph_compatible`), and not at all when a file does not hold
//! together (wrong signature, version or hash, a chunk out of the file, a
//! fanout that is not sorted, a chain whose layers do not name each other):
//! then, as when a commit is not in the graph (newer than the last `gc`),
//! the commit is read from the object database. Nothing a pusher sends is
//! in these files: they are written on the server by git.
//!
//! The format: git's `Documentation/gitformat-commit-graph.txt`.

use std::fs::File;
use std::path::Path;

use git2::Oid;

/// "No parent" in a parent field.
const NO_PARENT: u32 = 0x7000_0000;
/// A second-parent field with this bit points into the extra edges (an
/// octopus merge); the first parent is always in its own field.
const OCTOPUS: u32 = 0x8000_0000;
/// A commit's entry in the commit data chunk: tree id, two parent fields,
/// generation and time.
const CDAT_WIDTH: usize = 20 + 16;

/// The commit-graph of a repository (one file, or a chain of layers).
pub struct CommitGraph {
    /// Base layer first; a commit's position counts the layers before its own.
    layers: Vec<Layer>,
}

/// One commit-graph file, mapped.
struct Layer {
    map: memmap2::Mmap,
    /// Commits in the layers below this one.
    before: u32,
    /// Commits in this layer.
    len: u32,
    fanout: usize,
    lookup: usize,
    data: usize,
}

/// A position in the commit-graph (all layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position(u32);

impl CommitGraph {
    /// The repository's commit-graph, where git would use one. `git_dir` is
    /// the repository's common directory; `config` its configuration.
    pub fn open(git_dir: &Path, config: &git2::Config) -> Option<Self> {
        if !config.get_bool("core.commitGraph").unwrap_or(true) || !compatible(git_dir) {
            return None;
        }
        let info = git_dir.join("objects/info");
        // As git: the single file when there is one, else the chain.
        if let Some(layer) = Layer::open(&info.join("commit-graph"), 0, &[]) {
            return Some(Self {
                layers: vec![layer],
            });
        }
        let dir = info.join("commit-graphs");
        let chain = std::fs::read_to_string(dir.join("commit-graph-chain")).ok()?;
        let mut layers: Vec<Layer> = Vec::new();
        let mut names: Vec<Oid> = Vec::new();
        for line in chain.lines() {
            let name = Oid::from_str(line.trim()).ok()?;
            let before = layers
                .last()
                .map_or(Some(0), |l| l.before.checked_add(l.len))?;
            let layer = Layer::open(&dir.join(format!("graph-{name}.graph")), before, &names)?;
            layers.push(layer);
            names.push(name);
        }
        (!layers.is_empty()).then_some(Self { layers })
    }

    /// Where commit `id` is, if the graph has it.
    pub fn position(&self, id: Oid) -> Option<Position> {
        self.layers.iter().rev().find_map(|l| l.find(id.as_bytes()))
    }

    /// The commit at `p`.
    pub fn id(&self, p: Position) -> Option<Oid> {
        let (layer, i) = self.layer(p)?;
        let at = layer.lookup + i * 20;
        Oid::from_bytes(layer.map.get(at..at + 20)?).ok()
    }

    /// The committer time of the commit at `p` (seconds since the epoch).
    pub fn time(&self, p: Position) -> Option<i64> {
        let (layer, i) = self.layer(p)?;
        let at = layer.data + i * CDAT_WIDTH + 28;
        let high = u64::from(be32(&layer.map, at)? & 0x3);
        let low = u64::from(be32(&layer.map, at + 4)?);
        i64::try_from(high << 32 | low).ok()
    }

    /// The first parent of the commit at `p`: `Some(None)` for a root
    /// commit, `None` when the entry does not hold together.
    pub fn first_parent(&self, p: Position) -> Option<Option<Position>> {
        let (layer, i) = self.layer(p)?;
        let field = be32(&layer.map, layer.data + i * CDAT_WIDTH + 20)?;
        if field == NO_PARENT {
            return Some(None);
        }
        // A parent is in this layer or one below it, never above.
        if field & OCTOPUS != 0 || field >= layer.before + layer.len {
            return None;
        }
        Some(Some(Position(field)))
    }

    /// The layer holding `p`, and `p`'s index in it.
    fn layer(&self, p: Position) -> Option<(&Layer, usize)> {
        let layer = self
            .layers
            .iter()
            .rev()
            .find(|l| p.0 >= l.before && p.0 - l.before < l.len)?;
        Some((layer, (p.0 - layer.before) as usize))
    }
}

impl Layer {
    /// Map and check one file; `bases` are the layers below it, by name.
    fn open(path: &Path, before: u32, bases: &[Oid]) -> Option<Self> {
        let file = File::open(path).ok()?;
        // SAFETY: the file is git's, written once to a temporary name and
        // renamed into place, never modified after (git writes a new file to
        // change the graph); every read below is bounds-checked against the
        // mapping's length, so a file truncated under us gives wrong bytes at
        // worst (which the structure checks or the fallback to objects
        // catch), not a read outside the mapping.
        let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
        let header = map.get(..8)?;
        // "CGPH", version 1, SHA-1.
        if header.get(..6)? != b"CGPH\x01\x01" {
            return None;
        }
        let chunks = usize::from(*header.get(6)?);
        if usize::from(*header.get(7)?) != bases.len() {
            return None;
        }
        let mut found: [Option<(usize, usize)>; 4] = [None; 4];
        for c in 0..chunks {
            let at = 8 + c * 12;
            let id = map.get(at..at + 4)?;
            let start = usize::try_from(be64(&map, at + 4)?).ok()?;
            let end = usize::try_from(be64(&map, at + 16)?).ok()?;
            // The trailing checksum follows the last chunk.
            if start < 8 + (chunks + 1) * 12 || end < start || end > map.len().checked_sub(20)? {
                return None;
            }
            let slot = match id {
                b"OIDF" => 0,
                b"OIDL" => 1,
                b"CDAT" => 2,
                b"BASE" => 3,
                _ => continue,
            };
            if let Some(s) = found.get_mut(slot) {
                *s = Some((start, end - start));
            }
        }
        let [Some(fanout), Some(lookup), Some(data), base] = found else {
            return None;
        };
        if fanout.1 != 256 * 4 {
            return None;
        }
        let mut last = 0;
        for b in 0..256 {
            let n = be32(&map, fanout.0 + b * 4)?;
            if n < last {
                return None;
            }
            last = n;
        }
        let len = last;
        let n = len as usize;
        if lookup.1 != n.checked_mul(20)? || data.1 != n.checked_mul(CDAT_WIDTH)? {
            return None;
        }
        before.checked_add(len)?.checked_add(1)?;
        // Each layer names the layers below it, base first.
        match base {
            Some((at, size)) if size == bases.len() * 20 => {
                for (i, b) in bases.iter().enumerate() {
                    if map.get(at + i * 20..at + i * 20 + 20)? != b.as_bytes() {
                        return None;
                    }
                }
            }
            None if bases.is_empty() => {}
            _ => return None,
        }
        Some(Self {
            map,
            before,
            len,
            fanout: fanout.0,
            lookup: lookup.0,
            data: data.0,
        })
    }

    /// `id`'s position, by the fanout and a binary search.
    fn find(&self, id: &[u8]) -> Option<Position> {
        let first = usize::from(*id.first()?);
        let mut lo = match first {
            0 => 0,
            _ => be32(&self.map, self.fanout + (first - 1) * 4)?,
        };
        let mut hi = be32(&self.map, self.fanout + first * 4)?;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = self.lookup + mid as usize * 20;
            match self.map.get(at..at + 20)?.cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(Position(self.before + mid)),
            }
        }
        None
    }
}

/// Whether git would use a commit-graph here: not in a shallow repository,
/// with grafts, or with replace refs (they change what a commit's parents
/// are, and the graph does not know).
fn compatible(git_dir: &Path) -> bool {
    if git_dir.join("shallow").exists() || git_dir.join("info/grafts").exists() {
        return false;
    }
    if std::env::var_os("GIT_NO_REPLACE_OBJECTS").is_none() && has_replace_refs(git_dir) {
        return false;
    }
    true
}

/// Whether any ref is under `refs/replace/` (loose or packed).
fn has_replace_refs(git_dir: &Path) -> bool {
    let loose =
        std::fs::read_dir(git_dir.join("refs/replace")).is_ok_and(|mut d| d.next().is_some());
    // A server's packed-refs may hold 100,000 lines: find the name, then
    // check that it starts a ref line (`<id> refs/replace/...`).
    let packed = std::fs::read(git_dir.join("packed-refs")).is_ok_and(|p| {
        memchr::memmem::find_iter(&p, b" refs/replace/")
            .any(|at| at >= 40 && (at == 40 || p.get(at - 41) == Some(&b'\n')))
    });
    loose || packed
}

fn be32(map: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(map.get(at..at + 4)?.try_into().ok()?))
}

fn be64(map: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(map.get(at..at + 8)?.try_into().ok()?))
}
