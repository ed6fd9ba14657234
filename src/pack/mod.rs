//! Commits read straight from pack files, for long walks: the same bytes
//! libgit2 gives, found with fewer index probes and inflated whole by
//! libdeflate.
//!
//! A walk over 100,000 commits spends most of its reading thread in
//! libgit2's object read: a binary search of the pack index (about 17
//! probes for a million objects, most of them cache misses), a zlib stream
//! set up and torn down per object, a window map lookup under a lock, and
//! two allocations. Here the index is searched by interpolation (object
//! ids are uniform), and each commit is inflated in one call into a buffer
//! of its declared size by libdeflate (whole-buffer inflation, about 12%
//! faster than zlib's streaming on commits of 500 bytes, by hand).
//!
//! Most index searches are not made at all: git writes a pack's commits in
//! the order a walk visits them, so a commit's first parent is usually the
//! object stored right after it. With the reverse index git writes beside
//! the pack (`pack-*.rev`: each pack position's index position), that
//! object's id is one read away ([`Index::after`]); it is compared with
//! the parent's, and only a mismatch searches.
//!
//! Trees, which git stores as deltas of each other, are read with their
//! delta chains resolved by [`Objects`] (the `objects` module), for the
//! sign-off rules' diffs.
//!
//! Only what is simple is read here: a commit stored whole (not as a
//! delta) in a version 2 index and pack of SHA-1 objects. Anything else
//! (a delta, a loose object, another kind, a pack or index that does not
//! hold together, an object not in these packs) is left to libgit2, which
//! then reads it as it always did. Nothing is trusted that libgit2 would
//! not: the inflated size must be the size the entry declares and zlib's
//! checksum must match.
//!
//! A walk also names commits by their [`Place`] in these packs: its table
//! of seen commits is then a byte per object of a pack, not a 20-byte id
//! per commit.
//!
//! Resident memory stays bounded: the pack pages a long walk has touched
//! are handed back to the page cache by 1 MiB chunks, once 8 chunks were
//! touched or 4,096 commits read (`MADV_DONTNEED` on a read-only file
//! mapping only drops our mapping of them), as libgit2's small mapping
//! windows do. Not more often: each release interrupts the other core to
//! flush its address translations (every 256 commits, that was 3 % of a
//! long walk's samples and a thousand more context switches per 100,000
//! commits).

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use git2::Oid;

mod delta;
mod objects;

pub use objects::Objects;

/// Pack pages are handed back by chunks of this size (a read faults in up
/// to 64 KiB around it)...
const CHUNK: usize = 1 << 20;
/// ...once this many chunks were touched, or this many commits were read.
const CHUNKS: usize = 8;
const RELEASE_EVERY: u32 = 4096;
/// The largest commit read here (larger ones are left to libgit2).
const MAX_COMMIT: usize = 16 << 20;
/// Interpolation steps before the search falls back to halving.
const GUESSES: u32 = 4;
/// The least a commit's buffer holds: one size for the usual commit lets
/// malloc serve it from its per-size lists (variable sizes cost 5,000
/// instructions a commit in a long walk's fragmented heap, by cachegrind;
/// keeping buffers for reuse instead grew peak memory by 1.5 MiB).
const BUFFER: usize = 1000;

/// The packs of a repository's object directories, mapped: where each
/// object is ([`Index::find`]), and the mapped data [`Reader`] inflates.
pub struct Index {
    packs: Vec<Pack>,
}

/// Where an object is: the pack (in [`Index`] order) and its position in
/// that pack's index. An object in several packs has one place, the first
/// (packs are searched in one fixed order), so a place names an object as
/// its id does: a walk keys its table by it (a byte per object of a pack
/// instead of a 20-byte id per commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    /// The pack, in [`Index`] order.
    pub pack: u32,
    /// The object's position in that pack's index (ids sorted).
    pub pos: u32,
}

/// Reads commits out of an [`Index`]'s packs: one inflater for all of them,
/// and the touched pack pages handed back as it goes.
#[derive(Default)]
pub struct Reader {
    inflate: Inflater,
    /// Commits inflated ahead by another thread, when a walk has one.
    ahead: Option<Arc<Ahead>>,
    pages: Pages,
}

/// The pack pages a reader touched, handed back to the page cache as it
/// goes.
struct Pages {
    /// Entries read since the pages were last handed back...
    read: u32,
    /// ...and the chunks they touched: (pack, chunk).
    touched: Vec<(usize, usize)>,
}

impl Default for Pages {
    fn default() -> Self {
        Self {
            read: 0,
            touched: Vec::with_capacity(CHUNKS + 2),
        }
    }
}

impl Pages {
    /// An entry of pack `i` was read, its bytes `from..to`: hand back the
    /// pages touched so far if they are many (or many entries were read).
    fn note(&mut self, index: &Index, i: usize, from: usize, to: usize) {
        for chunk in from / CHUNK..=to / CHUNK {
            if !self.touched.contains(&(i, chunk)) {
                self.touched.push((i, chunk));
            }
        }
        self.read += 1;
        if self.read >= RELEASE_EVERY || self.touched.len() >= CHUNKS {
            self.read = 0;
            for (p, chunk) in self.touched.drain(..) {
                if let Some(pack) = index.packs.get(p) {
                    pack.release(chunk * CHUNK, (chunk + 1) * CHUNK);
                }
            }
        }
    }
}

/// An [`Index`] and a [`Reader`]: commits read by id.
pub struct Packs {
    index: Index,
    reader: Reader,
}

struct Pack {
    idx: memmap2::Mmap,
    data: memmap2::Mmap,
    /// The reverse index git writes beside the pack (`pack-*.rev`, git
    /// 2.41 and later by default): each pack position's index position.
    rev: Option<memmap2::Mmap>,
    /// Objects in the pack.
    count: u32,
}

/// A reverse index's header: "RIDX", version 1, SHA-1.
const RIDX: &[u8; 12] = b"RIDX\x00\x00\x00\x01\x00\x00\x00\x01";

/// Ask the processor to bring in the cache line of `map[at]`, if there is
/// one; a hint, nothing else.
fn prefetch(map: &[u8], at: usize) {
    if let Some(byte) = map.get(at) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint that reads nothing the program sees
        // and cannot fault; the address is inside the mapping.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = byte;
    }
}

/// Offsets into a version 2 index.
const FANOUT: usize = 8;
const NAMES: usize = FANOUT + 256 * 4;

impl Index {
    /// Map the packs under `dirs` (object directories), newest first as git
    /// orders them. Directories or packs that cannot be read are skipped
    /// (libgit2 reads those objects).
    pub fn open(dirs: &[PathBuf]) -> Self {
        let mut found: Vec<(std::time::SystemTime, Pack)> = Vec::new();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir.join("pack")) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.extension().is_some_and(|x| x == "idx") {
                    if let Some(p) = Pack::open(&path) {
                        let when = e
                            .metadata()
                            .and_then(|m| m.modified())
                            .unwrap_or(std::time::UNIX_EPOCH);
                        found.push((when, p));
                    }
                }
            }
        }
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        Self {
            packs: found.into_iter().map(|(_, p)| p).collect(),
        }
    }

    /// How many packs are mapped.
    pub fn len(&self) -> usize {
        self.packs.len()
    }

    /// Whether no pack is mapped.
    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    /// How many objects pack `pack` holds (0 for no such pack).
    pub fn objects(&self, pack: u32) -> u32 {
        self.packs.get(pack as usize).map_or(0, |p| p.count)
    }

    /// Where `id` is: the first pack, in this index's fixed order, that
    /// holds it.
    pub fn find(&self, id: &[u8]) -> Option<Place> {
        self.packs.iter().enumerate().find_map(|(i, p)| {
            Some(Place {
                pack: u32::try_from(i).ok()?,
                pos: p.position(id)?,
            })
        })
    }

    /// Ask the processor to bring in the index entry that says where the
    /// object at `at` is in its pack (a cache miss, for a pack index of a
    /// million objects) while the caller does other work before reading it.
    pub fn prefetch(&self, at: Place) {
        let Some(pack) = self.packs.get(at.pack as usize) else {
            return;
        };
        prefetch(
            &pack.idx,
            NAMES + pack.count as usize * 24 + at.pos as usize * 4,
        );
    }

    /// Ask the processor to bring in the id [`Index::after`] would compare
    /// for the commit at pack position `packpos` (its first parent's likely
    /// id, a cache miss), while the walk reads that commit and yields it.
    pub fn prefetch_after(&self, pack: u32, packpos: u32) {
        let Some(p) = self.packs.get(pack as usize) else {
            return;
        };
        if let Some(pos) = packpos.checked_add(1).and_then(|n| p.at_pack_position(n)) {
            let id = NAMES + pos as usize * 20;
            prefetch(&p.idx, id);
            prefetch(&p.idx, id + 19);
        }
    }

    /// Where object `id` is, if it is the object stored right after pack
    /// position `packpos` of pack `pack` (git writes a pack's commits in
    /// walk order, so a commit's first parent is usually the next object):
    /// one id compared instead of an index search. `None` when it is not
    /// (or the pack has no reverse index, or an earlier pack holds `id`,
    /// whose place is then there).
    pub fn after(&self, pack: u32, packpos: u32, id: &[u8]) -> Option<Place> {
        let p = self.packs.get(pack as usize)?;
        let pos = p.at_pack_position(packpos.checked_add(1)?)?;
        let at = NAMES + pos as usize * 20;
        if p.idx.get(at..at + 20)? != id {
            return None;
        }
        let earlier = self.packs.get(..pack as usize)?;
        earlier
            .iter()
            .all(|q| q.position(id).is_none())
            .then_some(Place { pack, pos })
    }

    /// The pack position of the object at `at` (its rank by offset in its
    /// pack), if the pack has a reverse index: a search, several cache
    /// misses, for a walk to make [`Index::after`] guesses from.
    pub fn pack_position(&self, at: Place) -> Option<u32> {
        self.packs.get(at.pack as usize)?.pack_position(at.pos)
    }

    /// The id of the object at `at`.
    pub fn id(&self, at: Place) -> Option<Oid> {
        let pack = self.packs.get(at.pack as usize)?;
        if at.pos >= pack.count {
            return None;
        }
        let from = NAMES + at.pos as usize * 20;
        Oid::from_bytes(pack.idx.get(from..from + 20)?).ok()
    }
}

impl Reader {
    /// The content of the commit at `at`, if it is stored whole there;
    /// `None` leaves it to libgit2. Taken from what [`Ahead`] inflated when
    /// it has it.
    pub fn commit(&mut self, index: &Index, at: Place) -> Option<Vec<u8>> {
        self.commit_at(index, at, None)
    }

    /// [`Reader::commit`], for a commit whose pack position the caller
    /// knows (`packpos`): a thread sent ahead of this reader starts from
    /// it without searching for it.
    pub fn commit_at(&mut self, index: &Index, at: Place, packpos: Option<u32>) -> Option<Vec<u8>> {
        let i = at.pack as usize;
        let pack = index.packs.get(i)?;
        let offset = pack.offset(at.pos)?;
        let Some(ahead) = self.ahead.clone() else {
            return self.entry(index, i, offset).map(|(data, _)| data);
        };
        // With a reverse index, the thread can be sent ahead of this reader
        // rather than waited for.
        let lead = pack.rev.is_some();
        if let Some(data) = ahead.take(i, offset, !lead) {
            return Some(data);
        }
        let read = self.entry(index, i, offset);
        let end = read.as_ref().map(|(_, used)| offset + used);
        ahead.missed(i, offset, end, || {
            let p = match packpos {
                Some(p) => p,
                None => pack.pack_position(at.pos)?,
            };
            let p = p.checked_add(LEAD)?;
            pack.offset(pack.at_pack_position(p)?)
        });
        read.map(|(data, _)| data)
    }

    /// Let `ahead` inflate the commits after the ones read here (`None`:
    /// read each here).
    pub fn read_ahead_with(&mut self, ahead: Option<Arc<Ahead>>) {
        self.ahead = ahead;
    }

    /// The commit whose entry is at `offset` in pack `i`, and the entry's
    /// length; `None` when it is not a commit stored whole.
    fn entry(&mut self, index: &Index, i: usize, offset: usize) -> Option<(Vec<u8>, usize)> {
        let pack = index.packs.get(i)?;
        let mut out = Vec::new();
        let used = pack.commit_at(offset, &mut self.inflate, &mut out);
        self.pages
            .note(index, i, offset, offset + used.unwrap_or(1));
        used.map(|used| (out, used))
    }
}

/// Commits inflated ahead of a [`Reader`] by another thread ([`Ahead::run_once`]),
/// in the order the pack stores them. git writes a pack's commits in the
/// order of a date-ordered walk, newest first, so the commit a walk asks
/// for next is usually the one stored after the last it read: the walk then
/// takes it inflated, and its own thread only searches the index and
/// follows parents. Where the guess is wrong (another pack, a jump, an
/// entry that is not a commit stored whole) the reader inflates the commit
/// itself, as without this, and the thread goes on from there. The bytes
/// are the same either way: the same entry, read by the same code.
///
/// The work is shared, not handed over: a reader that catches up with the
/// thread (the commit it wants is not inflated yet) does not wait for it.
/// It inflates that commit and the next [`LEAD`] itself while the thread,
/// sent on to the commit stored [`LEAD`] entries later (found by the pack's
/// reverse index, without inflating the ones between), inflates from there.
/// A reader faster than the thread so takes on more of the inflating, a
/// slower one less. Without a reverse index the reader waits for a run
/// that will reach its commit, as the thread cannot skip ahead.
pub struct Ahead {
    state: Mutex<AheadState>,
    /// Wakes the reader waiting for the commits being inflated.
    changed: Condvar,
    /// `restarts`, for a run to look at between two commits: one begun
    /// before a restart stops there (the reader has gone elsewhere).
    generation: AtomicU64,
}

#[derive(Default)]
struct AheadState {
    /// The pack read ahead in...
    pack: usize,
    /// ...the commits inflated, by offset, in pack order, and their bytes...
    ready: VecDeque<(usize, Vec<u8>)>,
    bytes: usize,
    /// ...where the thread goes on from (`None`: nothing to do)...
    next: Option<usize>,
    /// ...where the run being inflated started, if one is...
    busy: Option<usize>,
    /// ...and a count of restarts: a run begun before one is dropped.
    restarts: u64,
    /// Commits taken inflated by the reader.
    served: u64,
    stop: bool,
    /// Whether the reader waits on `changed` (notified only then).
    reader_waits: bool,
}

/// Commits inflated in one run, between two looks at the shared state.
const RUN: usize = 16;
/// Commits kept inflated ahead at most (about 500 bytes each), and bytes:
/// a run stops past `RUN_BYTES`, and none starts past `READY_BYTES` (a push
/// of large commits cannot make this hold more than a few MiB).
const READY: usize = 256;
const RUN_BYTES: usize = 1 << 20;
const READY_BYTES: usize = 4 << 20;
/// How far past a run's start a reader waits for the run rather than
/// inflate the commit itself (a run of commits spans a few KiB).
const REACH: usize = 64 << 10;
/// How many commits a reader that caught up with the thread inflates
/// itself before it finds the thread's again (100,000 commits, two threads:
/// 8 was slower than 16, 32 and 64, which measured alike).
pub const LEAD: u32 = 32;

impl Ahead {
    /// Nothing inflated yet; [`Ahead::run_once`] has work once a reader
    /// misses.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(AheadState::default()),
            changed: Condvar::new(),
            generation: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, AheadState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Inflate the next few commits in pack order, where the reader's
    /// misses direct, with `reader` (the caller's own, not the reader's):
    /// `false` when there was nothing to do.
    pub fn run_once(&self, index: &Index, reader: &mut Reader) -> bool {
        let (pack, start, restarts) = {
            let mut st = self.lock();
            if st.stop || st.ready.len() >= READY || st.bytes >= READY_BYTES {
                return false;
            }
            let Some(next) = st.next.take() else {
                return false;
            };
            st.busy = Some(next);
            (st.pack, next, st.restarts)
        };
        let mut run = Vec::with_capacity(RUN);
        let mut bytes = 0;
        let mut at = Some(start);
        while run.len() < RUN && bytes < RUN_BYTES {
            if self.generation.load(Ordering::Relaxed) != restarts {
                break;
            }
            let Some(offset) = at else { break };
            at = reader.entry(index, pack, offset).map(|(data, used)| {
                bytes += data.len();
                run.push((offset, data));
                offset + used
            });
        }
        let mut st = self.lock();
        st.busy = None;
        if st.restarts == restarts {
            st.ready.extend(run);
            st.bytes += bytes;
            st.next = at;
        }
        if st.reader_waits {
            self.changed.notify_all();
        }
        true
    }

    /// How many commits the reader took inflated.
    pub fn served(&self) -> u64 {
        self.lock().served
    }

    /// The bytes of the commits inflated and not yet taken.
    pub fn held(&self) -> usize {
        self.lock().bytes
    }

    /// End the reading ahead: a reader waiting for a run stops waiting.
    pub fn stop(&self) {
        self.lock().stop = true;
        self.changed.notify_all();
    }

    /// The commit at `offset` in pack `pack`, if it was inflated ahead (the
    /// ones before it are dropped: the walk went past them). With `wait`,
    /// waits for a run being inflated that will reach it.
    fn take(&self, pack: usize, offset: usize, wait: bool) -> Option<Vec<u8>> {
        let mut st = self.lock();
        if st.pack != pack {
            return None;
        }
        loop {
            if let Some(k) = st.ready.iter().position(|(o, _)| *o == offset) {
                let dropped: usize = st.ready.drain(..k).map(|(_, d)| d.len()).sum();
                let data = st.ready.pop_front().map(|(_, data)| data);
                st.bytes -= dropped + data.as_ref().map_or(0, Vec::len);
                st.served += 1;
                return data;
            }
            // Being inflated (only then: the thread that inflates may be
            // waiting for this reader's commits).
            let coming = st.busy.is_some_and(|b| b <= offset && offset - b < REACH);
            if !coming || !wait || st.stop {
                return None;
            }
            st.reader_waits = true;
            st = self
                .changed
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner);
            st.reader_waits = false;
        }
    }

    /// The reader inflated the commit at `offset` itself (its entry ends at
    /// `end`, if it was a commit stored whole): when that is past where the
    /// thread is, or in another pack, the thread drops what it had and goes
    /// on from where `lead` says (the commit [`LEAD`] entries on), else from
    /// `end`.
    fn missed(
        &self,
        pack: usize,
        offset: usize,
        end: Option<usize>,
        lead: impl FnOnce() -> Option<usize>,
    ) {
        let behind = |st: &AheadState| {
            let reach = [st.ready.back().map(|(o, _)| *o), st.busy, st.next]
                .into_iter()
                .flatten()
                .max();
            st.pack != pack || reach.is_none_or(|r| offset >= r)
        };
        if !behind(&self.lock()) {
            return;
        }
        // A search of the reverse index: not under the lock.
        let next = match end {
            Some(end) => lead().filter(|&l| l > end).or(Some(end)),
            None => None,
        };
        let mut st = self.lock();
        st.pack = pack;
        st.ready.clear();
        st.bytes = 0;
        st.next = next;
        st.restarts += 1;
        self.generation.store(st.restarts, Ordering::Relaxed);
    }
}

impl Packs {
    /// Map the packs under `dirs` ([`Index::open`]).
    pub fn open(dirs: &[PathBuf]) -> Self {
        Self {
            index: Index::open(dirs),
            reader: Reader::default(),
        }
    }

    /// The packs' index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Commit `id`'s content, if it is stored whole in one of these packs;
    /// `None` leaves it to libgit2.
    pub fn commit(&mut self, id: Oid) -> Option<Vec<u8>> {
        let at = self.index.find(id.as_bytes())?;
        self.reader.commit(&self.index, at)
    }
}

impl Pack {
    /// Map `idx` and its pack; `None` unless both hold together.
    fn open(idx_path: &Path) -> Option<Self> {
        let map = |path: &Path| -> Option<memmap2::Mmap> {
            let file = File::open(path).ok()?;
            // SAFETY: pack and index files are written once under a
            // temporary name and renamed into place; git never writes to
            // them again (a repack writes new files and deletes these,
            // which leaves our mappings intact). Every read below is
            // bounds-checked against the mapping's length.
            unsafe { memmap2::Mmap::map(&file) }.ok()
        };
        let idx = map(idx_path)?;
        let data = map(&idx_path.with_extension("pack"))?;
        // Version 2 index: "\377tOc", version 2.
        if idx.get(..8)? != b"\xfftOc\x00\x00\x00\x02" {
            return None;
        }
        let count = be32(&idx, FANOUT + 255 * 4)?;
        let mut last = 0;
        for b in 0..256 {
            let n = be32(&idx, FANOUT + b * 4)?;
            if n < last {
                return None;
            }
            last = n;
        }
        let n = count as usize;
        // 20-byte names, CRCs and offsets, at most one 64-bit offset per
        // object, and the two checksums: a SHA-256 index does not fit.
        let large = idx.len().checked_sub(NAMES + n.checked_mul(28)? + 40)?;
        if large % 8 != 0 || large / 8 > n {
            return None;
        }
        // "PACK", version 2 or 3, the same number of objects.
        let header = data.get(..12)?;
        if header.get(..4)? != b"PACK"
            || !matches!(be32(header, 4)?, 2 | 3)
            || be32(header, 8)? != count
        {
            return None;
        }
        let _ = data.advise(memmap2::Advice::Random);
        // The reverse index, if it is this pack's: its trailer names the
        // pack by the pack's own checksum.
        let rev = map(&idx_path.with_extension("rev")).filter(|rev| {
            let entries = RIDX.len() + n * 4;
            rev.len() == entries + 40
                && rev.get(..RIDX.len()) == Some(RIDX.as_slice())
                && rev.get(entries..entries + 20)
                    == data.len().checked_sub(20).and_then(|t| data.get(t..))
        });
        Some(Self {
            idx,
            data,
            rev,
            count,
        })
    }

    /// The index position of the object at pack position `p` (objects
    /// ordered by offset), by the reverse index.
    fn at_pack_position(&self, p: u32) -> Option<u32> {
        if p >= self.count {
            return None;
        }
        let pos = be32(self.rev.as_ref()?, RIDX.len() + p as usize * 4)?;
        (pos < self.count).then_some(pos)
    }

    /// The pack position of the object at index position `pos`: a search
    /// of the reverse index by offset, guessing by offset as the index
    /// search guesses by id, then halving.
    fn pack_position(&self, pos: u32) -> Option<u32> {
        let target = self.offset(pos)?;
        let (mut lo, mut hi) = (0, self.count);
        // Every object in lo..hi is at an offset within below..above.
        let (mut below, mut above) = (12, self.data.len().checked_sub(20)?);
        let mut guesses = 0;
        while lo < hi {
            let mid = if guesses < GUESSES && hi - lo > 4 {
                guesses += 1;
                if target < below || target >= above {
                    return None;
                }
                let at = u128::try_from(target - below).ok()? * u128::from(hi - lo)
                    / u128::try_from(above - below).ok()?;
                lo + u32::try_from(at).ok()?.min(hi - 1 - lo)
            } else {
                lo + (hi - lo) / 2
            };
            let probed = self.offset(self.at_pack_position(mid)?)?;
            match probed.cmp(&target) {
                std::cmp::Ordering::Less => (lo, below) = (mid + 1, probed + 1),
                std::cmp::Ordering::Greater => (hi, above) = (mid, probed),
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The index position of `id`: the fanout narrows to ids with its first
    /// byte, then the search guesses where `id` falls by its next 8 bytes
    /// (ids are uniform: the first guess needs no read, each probe narrows
    /// the bounds the next guess is made between), and halves once guessing
    /// stops paying (ids made to cluster cannot make it slow).
    fn position(&self, id: &[u8]) -> Option<u32> {
        let first = usize::from(*id.first()?);
        let mut lo = match first {
            0 => 0,
            _ => be32(&self.idx, FANOUT + (first - 1) * 4)?,
        };
        let mut hi = be32(&self.idx, FANOUT + first * 4)?;
        let key = be64(id, 1)?;
        // Every id in lo..hi has its key within below..=above.
        let (mut below, mut above) = (0u64, u64::MAX);
        let mut guesses = 0;
        while lo < hi {
            let mid = if guesses < GUESSES && hi - lo > 4 {
                guesses += 1;
                if key < below || key > above {
                    return None;
                }
                // (key - below) / (above - below + 1) of the way from lo to hi.
                let at =
                    u128::from(key - below) * u128::from(hi - lo) / (u128::from(above - below) + 1);
                lo + u32::try_from(at).ok()?.min(hi - 1 - lo)
            } else {
                lo + (hi - lo) / 2
            };
            // Ids in a fanout bucket share their first byte: the next 8
            // settle almost every probe without comparing all 20.
            let at = NAMES + mid as usize * 20;
            let probed = self.key(mid)?;
            let order = match probed.cmp(&key) {
                std::cmp::Ordering::Equal => self.idx.get(at..at + 20)?.cmp(id),
                other => other,
            };
            match order {
                std::cmp::Ordering::Less => (lo, below) = (mid + 1, probed),
                std::cmp::Ordering::Greater => (hi, above) = (mid, probed),
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Bytes 1..9 of the id at index `i`.
    fn key(&self, i: u32) -> Option<u64> {
        be64(&self.idx, NAMES + i as usize * 20 + 1)
    }

    /// The pack offset of the object at index `i`.
    fn offset(&self, i: u32) -> Option<usize> {
        let n = self.count as usize;
        if i >= self.count {
            return None;
        }
        let offsets = NAMES + n * 24;
        let small = be32(&self.idx, offsets + i as usize * 4)?;
        let offset = if small & 0x8000_0000 == 0 {
            u64::from(small)
        } else {
            let large = offsets + n * 4 + (small & 0x7fff_ffff) as usize * 8;
            be64(&self.idx, large)?
        };
        usize::try_from(offset).ok()
    }

    /// The entry at `offset`, to the end of the pack's data (its trailing
    /// checksum is not object data).
    fn entry(&self, offset: usize) -> Option<&[u8]> {
        self.data.get(offset..self.data.len().checked_sub(20)?)
    }

    /// Inflate the commit at `offset` into `out`: the packed bytes read, or
    /// `None` when it is not a whole commit (a delta, another kind) or does
    /// not inflate to its declared size.
    fn commit_at(&self, offset: usize, z: &mut Inflater, out: &mut Vec<u8>) -> Option<usize> {
        let entry = self.entry(offset)?;
        let (kind, size, at) = header(entry)?;
        if kind != COMMIT || size > MAX_COMMIT {
            return None;
        }
        let used = z.exact(entry.get(at..)?, size, out)?;
        Some(at + used)
    }

    /// Hand the pages of bytes `from..to` back to the page cache.
    fn release(&self, from: usize, to: usize) {
        const PAGE: usize = 4096;
        let start = from / PAGE * PAGE;
        let len = to.min(self.data.len()).saturating_sub(start);
        // SAFETY: the mapping is read-only and file-backed: dropping its
        // pages only means the next read faults them in again from the
        // file; no data is lost and no reference into it is held across
        // this call (reads copy out what they inflate).
        let _ = unsafe {
            self.data
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, len)
        };
    }
}

/// A libdeflate decompressor (about 10 KiB of tables, reused).
struct Inflater(Option<std::ptr::NonNull<libdeflate_sys::libdeflate_decompressor>>);

impl Default for Inflater {
    fn default() -> Self {
        // SAFETY: no arguments; a null return (out of memory) is kept as
        // `None`, and every commit is then left to libgit2.
        Self(std::ptr::NonNull::new(unsafe {
            libdeflate_sys::libdeflate_alloc_decompressor()
        }))
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        if let Some(d) = self.0 {
            // SAFETY: allocated by `libdeflate_alloc_decompressor`, freed
            // once, here.
            unsafe { libdeflate_sys::libdeflate_free_decompressor(d.as_ptr()) };
        }
    }
}

// SAFETY: a decompressor is plain memory that one call at a time uses
// (`&mut self`); libdeflate keeps no per-thread state.
unsafe impl Send for Inflater {}

impl Inflater {
    /// Inflate the zlib stream at the start of `input` into `out`, which it
    /// must fill exactly (a stream that would inflate to more or less is
    /// refused, as is one whose checksum does not match): the bytes of
    /// `input` the stream took, and the bytes written.
    fn zlib(
        &mut self,
        input: &[u8],
        out: &mut [std::mem::MaybeUninit<u8>],
    ) -> Option<(usize, usize)> {
        let d = self.0?;
        let (mut used, mut len) = (0, 0);
        // SAFETY: libdeflate reads at most `input.len()` bytes of `input`
        // and writes at most `out.len()` bytes to `out` (uninitialised
        // memory is fine: it is only written), and sets the two counts.
        let result = unsafe {
            libdeflate_sys::libdeflate_zlib_decompress_ex(
                d.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().cast(),
                out.len(),
                &raw mut used,
                &raw mut len,
            )
        };
        (result == libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS && len <= out.len())
            .then_some((used, len))
    }

    /// Inflate the zlib stream at the start of `input` into `out` (cleared
    /// first), which must come to exactly `size` bytes: the bytes of
    /// `input` it took.
    fn exact(&mut self, input: &[u8], size: usize, out: &mut Vec<u8>) -> Option<usize> {
        out.clear();
        out.reserve(size.max(BUFFER));
        let (used, len) = self.zlib(input, out.spare_capacity_mut().get_mut(..size)?)?;
        if len != size {
            return None;
        }
        // SAFETY: the inflater wrote `len` (== `size`) bytes at the start
        // of the spare capacity.
        unsafe { out.set_len(len) };
        Some(used)
    }
}

/// Object kinds, as an entry's header names them.
const COMMIT: u8 = 1;
const TREE: u8 = 2;
const BLOB: u8 = 3;
const TAG: u8 = 4;
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;

/// An entry's header: its kind, the size of its inflated data (an object,
/// or a delta), and the header's length (3 bits of kind and 4 of size,
/// then 7 bits of size a byte, low first, while the top bit is set).
fn header(entry: &[u8]) -> Option<(u8, usize, usize)> {
    let mut c = *entry.first()?;
    let kind = (c >> 4) & 7;
    let mut size = usize::from(c & 15);
    let mut shift = 4;
    let mut at = 1;
    while c & 0x80 != 0 {
        c = *entry.get(at)?;
        at += 1;
        if shift > 28 {
            return None;
        }
        size |= usize::from(c & 0x7f) << shift;
        shift += 7;
    }
    Some((kind, size, at))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-2 index of `ids` (sorted here) beside a pack that only has
    /// its header: enough for [`Pack::position`].
    fn index_of(dir: &Path, ids: &mut Vec<[u8; 20]>) -> Pack {
        ids.sort_unstable();
        ids.dedup();
        let n = ids.len();
        let mut idx = b"\xfftOc\x00\x00\x00\x02".to_vec();
        for b in 0..256usize {
            let below = ids.iter().filter(|id| usize::from(id[0]) <= b).count();
            idx.extend_from_slice(&u32::try_from(below).expect("small").to_be_bytes());
        }
        for id in ids.iter() {
            idx.extend_from_slice(id);
        }
        idx.extend(std::iter::repeat_n(0u8, n * 8 + 40));
        let path = dir.join("pack-test.idx");
        std::fs::write(&path, idx).expect("write idx");
        let mut pack = b"PACK\x00\x00\x00\x02".to_vec();
        pack.extend_from_slice(&u32::try_from(n).expect("small").to_be_bytes());
        pack.extend([0u8; 20]);
        std::fs::write(path.with_extension("pack"), pack).expect("write pack");
        Pack::open(&path).expect("the index holds together")
    }

    /// Ids crafted to defeat the guesses (clustered, equal in the 8 bytes
    /// the guess reads, at the ends of the key space) are found, each at
    /// its place, and ids beside them are not.
    #[test]
    fn crafted_ids_are_found_where_they_are() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ids = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for i in 0..3000u64 {
            let mut id = [0u8; 20];
            let r = next();
            id[0] = 0x42;
            match i % 5 {
                // Uniform.
                0 => id[1..9].copy_from_slice(&r.to_be_bytes()),
                // Packed into a sliver of the key space.
                1 => id[1..9].copy_from_slice(&(0x7000_0000_0000_0000 + (r >> 40)).to_be_bytes()),
                // Equal in the 8 bytes the guess reads, apart after them.
                2 => {
                    id[1..9].copy_from_slice(&0x1234_5678_9abc_def0u64.to_be_bytes());
                    id[9..17].copy_from_slice(&r.to_be_bytes());
                }
                // At the ends of the key space.
                3 => id[1..9].copy_from_slice(&(r >> 50).to_be_bytes()),
                _ => id[1..9].copy_from_slice(&(u64::MAX - (r >> 50)).to_be_bytes()),
            }
            id[19] = u8::try_from(i % 251).expect("small");
            ids.push(id);
        }
        // A bucket of ids all equal in the 8 bytes the guess reads.
        for i in 0..200u64 {
            let mut id = [0x50; 20];
            id[9..17].copy_from_slice(&(i * 0x0101_0101).to_be_bytes());
            ids.push(id);
        }
        // A few in other buckets, and one each in the first and last.
        for first in [0u8, 1, 0x41, 0x43, 0xff] {
            let mut id = [first; 20];
            id[5] = 7;
            ids.push(id);
        }
        let pack = index_of(dir.path(), &mut ids);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(pack.position(id), u32::try_from(i).ok(), "{id:02x?}");
            for delta in [1u8, 255] {
                let mut beside = *id;
                beside[19] = beside[19].wrapping_add(delta);
                if ids.binary_search(&beside).is_err() {
                    assert_eq!(pack.position(&beside), None, "{beside:02x?}");
                }
            }
        }
        assert_eq!(pack.position(&[0x42; 20]), None);
        assert_eq!(pack.position(&[0x80; 20]), None);
    }
}
