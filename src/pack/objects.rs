//! Trees read straight from packs, deltas resolved: the objects the
//! sign-off rules' diffs compare, two root trees a commit.
//!
//! git stores nearly every tree as a delta of another (a commit's root
//! tree differs from its parent's in an entry or two), in chains up to 50
//! deep. Read through libgit2, each tree costs an index search by halving,
//! a lock per mapped window, a zlib stream per entry of its chain and the
//! delta cache's lock; on a push of 10,000 commits under sign-off rules
//! that was a third of the thread judging commits. Here the chain is
//! followed to a base at hand ([`Bases`]: the objects rebuilt recently, by
//! their place in the pack; a walk from child to parent asks next for the
//! tree one delta away from the last), each delta inflated by libdeflate
//! and applied as git applies it ([`super::delta`]).
//!
//! What is not simple is left to libgit2, which then reads the object as
//! it always did: a base outside these packs (a loose object), a chain
//! deeper than [`MAX_DEPTH`], an object larger than 64 MiB, anything that
//! does not inflate to its declared size or a delta git would refuse.

use std::collections::HashMap;
use std::rc::Rc;

use super::{delta, header, Index, Inflater, Pages, Place};
use super::{BLOB, COMMIT, OFS_DELTA, REF_DELTA, TAG, TREE};

/// The longest delta chain followed (git writes at most 4,095; a chain of
/// REF_DELTA entries that loops ends here too).
pub const MAX_DEPTH: usize = 10_000;

/// Objects rebuilt recently, by place, in two generations: an object is
/// kept in the young one; once that holds half of [`BASE_BYTES`], it
/// becomes the old one (the old one is dropped), and an object found in
/// the old one moves back to the young. What was used lately stays, in at
/// most [`BASE_BYTES`] (an object over [`BASE_MAX`] is not kept).
///
/// A walk from child to parent reads each folder's trees newest first, and
/// git's delta chains run one way or the other through a folder's
/// versions: either each version is a delta of the next older one (the
/// first read rebuilds the chain, and the versions read next are among
/// the objects rebuilt on the way), or of the next newer one (the one read
/// last is the base of the next). Either way a folder's next version is
/// one delta away from what is kept, for as many folders as fit.
#[derive(Default)]
struct Bases {
    young: HashMap<(usize, usize), Base>,
    old: HashMap<(usize, usize), Base>,
    young_bytes: usize,
}

struct Base {
    kind: u8,
    data: Rc<[u8]>,
}

const BASE_MAX: usize = 1 << 20;
const BASE_BYTES: usize = 16 << 20;

impl Bases {
    fn get(&mut self, pack: usize, offset: usize) -> Option<(u8, Rc<[u8]>)> {
        if let Some(b) = self.young.get(&(pack, offset)) {
            return Some((b.kind, Rc::clone(&b.data)));
        }
        let b = self.old.remove(&(pack, offset))?;
        let found = (b.kind, Rc::clone(&b.data));
        self.keep(pack, offset, b);
        Some(found)
    }

    fn put(&mut self, pack: usize, offset: usize, kind: u8, data: &Rc<[u8]>) {
        if data.len() <= BASE_MAX {
            let data = Rc::clone(data);
            self.keep(pack, offset, Base { kind, data });
        }
    }

    fn keep(&mut self, pack: usize, offset: usize, b: Base) {
        self.young_bytes += b.data.len();
        if let Some(was) = self.young.insert((pack, offset), b) {
            self.young_bytes -= was.data.len();
        }
        if self.young_bytes > BASE_BYTES / 2 {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
    }

    /// The bytes kept, in both generations.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.young
            .values()
            .chain(self.old.values())
            .map(|b| b.data.len())
            .sum()
    }
}

/// A delta entry on the way from an object to a base at hand.
struct Link {
    pack: usize,
    offset: usize,
    /// Where its zlib stream starts in the entry, and the delta's size.
    data: usize,
    size: usize,
}

/// Reads objects of any kind out of an [`Index`]'s packs, deltas
/// resolved; one thread's (its cache is not shared).
#[derive(Default)]
pub struct Objects {
    inflate: Inflater,
    bases: Bases,
    pages: Pages,
    /// Scratch space for an inflated delta, and for an object before it
    /// is shared (one allocation of its own size).
    delta: Vec<u8>,
    scratch: Vec<u8>,
}

impl Objects {
    /// The content of the tree at `at`; `None` when it is not a tree or
    /// is not read here (see the module's documentation), and libgit2
    /// then reads it.
    pub fn tree(&mut self, index: &Index, at: Place) -> Option<Rc<[u8]>> {
        let (kind, data) = self.object(index, at)?;
        (kind == TREE).then_some(data)
    }

    /// The kind (1 commit, 2 tree, 3 blob, 4 tag) and content of the
    /// object at `at`.
    fn object(&mut self, index: &Index, at: Place) -> Option<(u8, Rc<[u8]>)> {
        let mut pack = at.pack as usize;
        let mut offset = index.packs.get(pack)?.offset(at.pos)?;
        // The deltas between the object and a base at hand, its own first.
        let mut chain: Vec<Link> = Vec::new();
        let (kind, mut data) = loop {
            if let Some(hit) = self.bases.get(pack, offset) {
                break hit;
            }
            let entry = index.packs.get(pack)?.entry(offset)?;
            let (kind, size, head) = header(entry)?;
            if size > delta::MAX_SIZE || chain.len() >= MAX_DEPTH {
                return None;
            }
            let link = move |data| Link {
                pack,
                offset,
                data,
                size,
            };
            match kind {
                COMMIT | TREE | BLOB | TAG => {
                    let used = self
                        .inflate
                        .exact(entry.get(head..)?, size, &mut self.scratch)?;
                    self.pages.note(index, pack, offset, offset + head + used);
                    let data: Rc<[u8]> = Rc::from(&self.scratch[..]);
                    self.bases.put(pack, offset, kind, &data);
                    break (kind, data);
                }
                OFS_DELTA => {
                    let (back, n) = base_distance(entry.get(head..)?)?;
                    chain.push(link(head + n));
                    // The base is stored before the delta (git refuses a
                    // distance of 0 or past the pack's start).
                    offset = offset.checked_sub(back).filter(|&o| back > 0 && o >= 12)?;
                }
                REF_DELTA => {
                    let id = entry.get(head..head + 20)?;
                    chain.push(link(head + 20));
                    let base = index.find(id)?;
                    pack = base.pack as usize;
                    offset = index.packs.get(pack)?.offset(base.pos)?;
                }
                _ => return None,
            }
        };
        while let Some(link) = chain.pop() {
            let entry = index.packs.get(link.pack)?.entry(link.offset)?;
            let used = self
                .inflate
                .exact(entry.get(link.data..)?, link.size, &mut self.delta)?;
            self.pages.note(
                index,
                link.pack,
                link.offset,
                link.offset + link.data + used,
            );
            delta::apply(&data, &self.delta, &mut self.scratch)?;
            data = Rc::from(&self.scratch[..]);
            self.bases.put(link.pack, link.offset, kind, &data);
        }
        Some((kind, data))
    }
}

/// An OFS_DELTA's distance back to its base, as git reads it (7 bits a
/// byte, high first, each continuation adding one so that no distance has
/// two spellings), and the bytes it took.
fn base_distance(b: &[u8]) -> Option<(usize, usize)> {
    let mut c = *b.first()?;
    let mut back = usize::from(c & 0x7f);
    let mut at = 1;
    while c & 0x80 != 0 {
        c = *b.get(at)?;
        at += 1;
        back = back
            .checked_add(1)?
            .checked_mul(128)?
            .checked_add(usize::from(c & 0x7f))?;
    }
    Some((back, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// An OFS_DELTA's distance as git writes it: the low 7 bits last;
    /// each earlier byte holds (rest >> 7) - 1.
    fn encode(mut ofs: usize) -> Vec<u8> {
        let mut out = vec![(ofs & 0x7f) as u8];
        ofs >>= 7;
        while ofs > 0 {
            ofs -= 1;
            out.insert(0, 0x80 | (ofs & 0x7f) as u8);
            ofs >>= 7;
        }
        out
    }

    #[test]
    fn distances_read_as_git_writes_them() {
        for ofs in [
            1,
            127,
            128,
            129,
            16_383,
            16_384,
            16_511,
            1 << 30,
            usize::MAX >> 8,
        ] {
            let e = encode(ofs);
            assert_eq!(base_distance(&e), Some((ofs, e.len())), "{ofs}");
        }
        assert_eq!(base_distance(&[0x80]), None, "cut short");
        assert_eq!(base_distance(&[0xff; 12]), None, "overflows");
    }

    #[test]
    fn bases_keep_what_was_used_lately_in_bounded_bytes() {
        let mut b = Bases::default();
        let small: Rc<[u8]> = Rc::from(vec![1u8; 100]);
        b.put(0, 1000, TREE, &small);
        assert_eq!(b.get(0, 1000).map(|(k, d)| (k, d.len())), Some((TREE, 100)));
        assert!(b.get(1, 1000).is_none(), "another pack");
        assert!(b.get(0, 1001).is_none(), "another offset");
        let big: Rc<[u8]> = Rc::from(vec![0u8; BASE_MAX + 1]);
        b.put(0, 2000, BLOB, &big);
        assert!(b.get(0, 2000).is_none(), "too large to keep");
        // Objects of 64 KiB, one after another: at most BASE_BYTES kept,
        // the last ones among them; the small one, asked for all along,
        // stays.
        let piece: Rc<[u8]> = Rc::from(vec![0u8; 64 << 10]);
        let n = 4 * BASE_BYTES / piece.len();
        for i in 0..n {
            b.put(0, 10_000 + i, BLOB, &piece);
            assert!(b.bytes() <= BASE_BYTES + piece.len(), "{}", b.bytes());
            assert!(b.get(0, 1000).is_some(), "used lately, after {i}");
        }
        assert!(b.get(0, 10_000 + n - 1).is_some());
        assert!(b
            .get(0, 10_000 + n - BASE_BYTES / 2 / piece.len())
            .is_some());
        assert!(b.get(0, 10_000).is_none(), "long unused");
    }

    /// A zlib stream of `data` in stored blocks (no compression), with its
    /// Adler-32.
    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = if data.is_empty() {
            vec![&[]]
        } else {
            data.chunks(65_535).collect()
        };
        for (i, block) in blocks.iter().enumerate() {
            out.push(u8::from(i + 1 == blocks.len()));
            let len = u16::try_from(block.len()).expect("a block");
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(block);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &x in data {
            a = (a + u32::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        out.extend_from_slice(&((b << 16) | a).to_be_bytes());
        out
    }

    /// An entry's header: kind and size.
    fn head(kind: u8, mut size: usize) -> Vec<u8> {
        let mut out = vec![(kind << 4) | (size & 15) as u8];
        size >>= 4;
        while size > 0 {
            *out.last_mut().expect("a byte") |= 0x80;
            out.push((size & 0x7f) as u8);
            size >>= 7;
        }
        out
    }

    /// What an entry holds.
    enum Stored<'a> {
        Whole(u8, &'a [u8]),
        /// A delta on the entry this many entries back (`usize::MAX`:
        /// before the pack's start; 0: itself).
        Ofs(usize, Vec<u8>),
        Ref([u8; 20], Vec<u8>),
        /// A whole tree whose stream's checksum is wrong.
        BadSum(&'a [u8]),
    }

    /// A pack of `entries` (with their ids) and its version-2 index, in
    /// `dir`; the entries' offsets.
    fn pack_of(dir: &Path, entries: &[([u8; 20], Stored<'_>)]) -> (Index, Vec<usize>) {
        let mut pack = b"PACK\x00\x00\x00\x02".to_vec();
        pack.extend_from_slice(&u32::try_from(entries.len()).expect("few").to_be_bytes());
        let mut offsets = Vec::new();
        for (_, e) in entries {
            let at = pack.len();
            match e {
                Stored::Whole(kind, data) => {
                    pack.extend(head(*kind, data.len()));
                    pack.extend(zlib(data));
                }
                Stored::BadSum(data) => {
                    pack.extend(head(TREE, data.len()));
                    let mut z = zlib(data);
                    *z.last_mut().expect("checksum") ^= 1;
                    pack.extend(z);
                }
                Stored::Ofs(back, d) => {
                    pack.extend(head(OFS_DELTA, d.len()));
                    let distance = match *back {
                        usize::MAX => at + 1,
                        0 => 0,
                        n => at - offsets[offsets.len() - n],
                    };
                    pack.extend(encode(distance));
                    pack.extend(zlib(d));
                }
                Stored::Ref(base, d) => {
                    pack.extend(head(REF_DELTA, d.len()));
                    pack.extend_from_slice(base);
                    pack.extend(zlib(d));
                }
            }
            offsets.push(at);
        }
        pack.extend([0u8; 20]);
        let mut sorted: Vec<(usize, [u8; 20])> = entries
            .iter()
            .zip(&offsets)
            .map(|((id, _), &o)| (o, *id))
            .collect();
        sorted.sort_by_key(|(_, id)| *id);
        let mut idx = b"\xfftOc\x00\x00\x00\x02".to_vec();
        for b in 0..256usize {
            let below = sorted
                .iter()
                .filter(|(_, id)| usize::from(id[0]) <= b)
                .count();
            idx.extend_from_slice(&u32::try_from(below).expect("few").to_be_bytes());
        }
        for (_, id) in &sorted {
            idx.extend_from_slice(id);
        }
        idx.extend(std::iter::repeat_n(0u8, sorted.len() * 4));
        for (o, _) in &sorted {
            idx.extend_from_slice(&u32::try_from(*o).expect("small").to_be_bytes());
        }
        idx.extend([0u8; 40]);
        std::fs::create_dir_all(dir.join("pack")).expect("mkdir");
        std::fs::write(dir.join("pack/pack-t.idx"), idx).expect("idx");
        std::fs::write(dir.join("pack/pack-t.pack"), pack).expect("pack");
        let index = Index::open(&[dir.to_path_buf()]);
        assert_eq!(index.len(), 1, "the crafted pack holds together");
        (index, offsets)
    }

    /// A delta from a base of `base` bytes: the inserts and copies given.
    fn delta_of(base: usize, target: usize, ops: &[u8]) -> Vec<u8> {
        let mut d = Vec::new();
        for mut n in [base, target] {
            loop {
                let b = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    d.push(b);
                    break;
                }
                d.push(b | 0x80);
            }
        }
        d.extend_from_slice(ops);
        d
    }

    #[test]
    fn chains_are_followed_and_what_git_would_refuse_is_left_to_libgit2() {
        let dir = tempfile::tempdir().expect("tmp");
        let id = |n: u8| [n; 20];
        let tree_a = b"100644 a\0aaaaaaaaaaaaaaaaaaaa".to_vec();
        // Copy the mode, insert "b", copy the rest: "100644 b\0...".
        let to_b = delta_of(tree_a.len(), tree_a.len(), &[0x90, 7, 1, b'b', 0x91, 8, 21]);
        let mut tree_b = tree_a.clone();
        tree_b[7] = b'b';
        // On B, by id: the first 10 bytes only.
        let to_c = delta_of(tree_b.len(), 10, &[0x90, 10]);
        let wrong_base = delta_of(tree_a.len() + 1, 3, &[3, b'x', b'y', b'z']);
        let entries = vec![
            (id(0x10), Stored::Whole(TREE, &tree_a)),
            (id(0x20), Stored::Ofs(1, to_b)),
            (id(0x30), Stored::Ref(id(0x20), to_c)),
            // Two deltas on each other.
            (id(0x40), Stored::Ref(id(0x50), delta_of(1, 1, &[1, b'x']))),
            (id(0x50), Stored::Ref(id(0x40), delta_of(1, 1, &[1, b'y']))),
            (id(0x60), Stored::Ofs(0, delta_of(1, 1, &[1, b'x']))),
            (
                id(0x70),
                Stored::Ofs(usize::MAX, delta_of(1, 1, &[1, b'x'])),
            ),
            (id(0x80), Stored::Whole(BLOB, b"not a tree")),
            (id(0x90), Stored::BadSum(&tree_a)),
            (id(0xa0), Stored::Ofs(9, wrong_base)),
            (id(0xb0), Stored::Ref(id(0xee), delta_of(1, 1, &[1, b'x']))),
        ];
        let (index, _) = pack_of(dir.path(), &entries);
        let mut objects = Objects::default();
        let mut read = |n: u8| {
            let at = index.find(&id(n)).expect("listed");
            objects.tree(&index, at).map(|t| t.to_vec())
        };
        // Twice: read, then from the bases kept.
        for _ in 0..2 {
            assert_eq!(read(0x30).as_deref(), Some(&tree_b[..10]));
            assert_eq!(read(0x20), Some(tree_b.clone()));
            assert_eq!(read(0x10), Some(tree_a.clone()));
        }
        for (n, why) in [
            (0x40, "a loop of deltas"),
            (0x60, "a delta on itself"),
            (0x70, "a base before the pack"),
            (0x80, "a blob"),
            (0x90, "a wrong checksum"),
            (0xa0, "a base of another size"),
            (0xb0, "a base in no pack"),
        ] {
            assert_eq!(read(n), None, "{why}");
        }
        let at = index.find(&id(0x80)).expect("listed");
        let blob = objects.object(&index, at).map(|(k, d)| (k, d.to_vec()));
        assert_eq!(blob, Some((BLOB, b"not a tree".to_vec())));
    }
}
