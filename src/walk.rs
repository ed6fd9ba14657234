//! A revision walk built for hooks: `new` minus everything reachable from the
//! `hide` tips, reading each commit exactly once and keeping only what the walk
//! needs in memory.
//!
//! libgit2's revwalk was measured unfit here (`cargo bench --bench hooks`):
//! with hidden tips it reads the whole range before yielding anything (444 MiB
//! for a million commits), each commit is inflated twice, and hiding 1,000 tags
//! took 40 s because it rescans the queue to decide when to stop.
//!
//! What it remembers of each commit is a flag byte: at the commit's place in
//! its pack when the walk reads packs ([`Walk::read_packs`]), else in a
//! table of full ids.
//!
//! The algorithm is git's date-ordered walk: a max-heap by committer time,
//! `UNINTERESTING` propagated from the hidden tips to their parents, and a stop
//! when no interesting commit is left in the queue (an O(1) counter). The only
//! inexactness is git's own under clock skew: a commit may be visited before a
//! later-dated descendant of a hidden tip marks it uninteresting. That errs on
//! the safe side (a commit checked that did not need to be); a commit reachable
//! from `new` and not from `hide` is never skipped.

use std::collections::hash_map::RandomState;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use git2::{Odb, OdbObject, Oid};

use crate::commit::{CommitView, ParentsRead};
use crate::pack::{Ahead, Index, Place, Reader};

/// Why a walk could not read a commit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object is not in the repository (a shallow push, a corrupt
    /// repository).
    #[error("commit {0} is missing (a shallow push or a corrupt repository?)")]
    Missing(Oid, #[source] git2::Error),
    /// The object is not a commit.
    #[error("object {0} is a {1}, not a commit")]
    NotACommit(Oid, &'static str),
    /// A walk that read ahead and was stopped early was asked to go on.
    #[error("internal error: a walk stopped early cannot be continued")]
    Spent,
    /// The thread reading ahead panicked.
    #[error("internal error: the walk's reading thread failed")]
    ReaderPanicked,
    /// A queued commit's object was not where the queue said (never
    /// expected; the walk stops rather than skip a commit).
    #[error("internal error: the walk's queue lost a commit")]
    QueueLost,
}

/// A walk's result; `E` is the error of the caller's `visit`, which a
/// walk's own [`Error`] converts into (an `anyhow::Error`, typically).
pub type Result<T, E = Error> = std::result::Result<T, E>;

const SEEN: u8 = 1;
const UNINTERESTING: u8 = 2;
const QUEUED: u8 = 4;

/// A set of full 20-byte object ids with flags: 256 shards of open addressing
/// with linear probing, a random hash key (crafted ids cannot cluster it), and
/// growth by 1.25× per shard, so growing never holds two copies of the whole
/// set. 21 bytes per commit at up to 85% load: a million commits in ~28 MiB.
/// Full ids only: a truncated key could be collided on purpose to hide a commit.
struct IdTable {
    shards: Vec<Shard>,
    len: usize,
    hasher: RandomState,
}

struct Shard {
    slots: Vec<([u8; 20], u8)>,
    len: usize,
}

impl Shard {
    /// Index of `id`'s slot (hash `h`), or of the empty slot where it would go.
    #[expect(
        clippy::indexing_slicing,
        reason = "the first slot index is taken modulo the table length and each probe wraps at it; tables are never empty; keys are 20-byte arrays"
    )]
    fn find(&self, id: &[u8; 20], h: u64) -> usize {
        let n = self.slots.len();
        let mut i = (h % n as u64) as usize;
        loop {
            let (key, flags) = &self.slots[i];
            // Ids are uniformly random: the first 8 bytes settle almost every
            // probe without a memcmp call.
            if *flags == 0 || (key[..8] == id[..8] && key == id) {
                return i;
            }
            i = if i + 1 == n { 0 } else { i + 1 };
        }
    }
}

impl IdTable {
    fn new() -> Self {
        Self {
            shards: (0..256)
                .map(|_| Shard {
                    slots: vec![([0; 20], 0); 8],
                    len: 0,
                })
                .collect(),
            len: 0,
            hasher: RandomState::new(),
        }
    }

    fn hash(&self, id: &[u8; 20]) -> (usize, u64) {
        let mut h = self.hasher.build_hasher();
        h.write(id);
        let h = h.finish();
        ((h & 0xff) as usize, h >> 8)
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "256 shards, indexed by the hash's low byte; the slot index comes from `find`"
    )]
    fn get(&self, id: &[u8; 20]) -> u8 {
        let (s, h) = self.hash(id);
        let shard = &self.shards[s];
        shard.slots[shard.find(id, h)].1
    }

    /// Every id in the table, with its flags.
    fn entries(&self) -> impl Iterator<Item = (&[u8; 20], u8)> {
        self.shards
            .iter()
            .flat_map(|s| s.slots.iter())
            .filter(|(_, f)| *f != 0)
            .map(|(k, f)| (k, *f))
    }

    /// Returns the flags `id` had (0: absent).
    #[expect(
        clippy::indexing_slicing,
        reason = "256 shards, indexed by the hash's low byte; slot indices come from `find` on the table they index"
    )]
    fn upsert(&mut self, id: &[u8; 20], flags: u8, overwrite: bool) -> u8 {
        let (s, h) = self.hash(id);
        let hasher = &self.hasher;
        let shard = &mut self.shards[s];
        if (shard.len + 1) * 20 > shard.slots.len() * 17 {
            let bigger = shard.slots.len() + shard.slots.len() / 4 + 1;
            let old = std::mem::replace(&mut shard.slots, vec![([0; 20], 0); bigger]);
            for (key, f) in old {
                if f != 0 {
                    let mut hh = hasher.build_hasher();
                    hh.write(&key);
                    let i = shard.find(&key, hh.finish() >> 8);
                    shard.slots[i] = (key, f);
                }
            }
        }
        let i = shard.find(id, h);
        let before = shard.slots[i].1;
        if before == 0 {
            shard.len += 1;
            self.len += 1;
            shard.slots[i].0 = *id;
        }
        if before == 0 || overwrite {
            shard.slots[i].1 = flags | SEEN;
        }
        before
    }
}

#[expect(
    clippy::indexing_slicing,
    reason = "`n` is at most 20, the key's length, and at most the id's"
)]
fn id_key(id: Oid) -> [u8; 20] {
    let mut k = [0u8; 20];
    let b = id.as_bytes();
    let n = b.len().min(20);
    k[..n].copy_from_slice(&b[..n]);
    k
}

/// How the walk's table names a commit: by its place in a pack, once the
/// walk maps the packs and the commit is in one, else by its full id.
/// One commit has one key for the whole walk: places are the first pack's
/// in a fixed order, and the ids keyed before the packs were mapped are
/// moved to their places then ([`Walker::open_packs`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Id([u8; 20]),
    Packed(Place),
}

/// `id`'s key: its place in `index` if it has one there.
fn key_in(index: Option<&Index>, id: Oid) -> Key {
    match index.and_then(|i| i.find(id.as_bytes())) {
        Some(at) => Key::Packed(at),
        None => Key::Id(id_key(id)),
    }
}

/// The walk's flags: a byte per object of each mapped pack (allocated
/// zeroed when the pack's first object is flagged: only the pages written
/// are ever resident), and the [`IdTable`] for commits in no mapped pack
/// (loose, or walked before the packs were mapped).
struct Flags {
    ids: IdTable,
    packed: Vec<Vec<u8>>,
    /// Objects per mapped pack (the size of its flags, once allocated).
    objects: Vec<u32>,
}

impl Flags {
    fn get(&self, k: &Key) -> u8 {
        match k {
            Key::Id(id) => self.ids.get(id),
            Key::Packed(at) => self
                .packed
                .get(at.pack as usize)
                .and_then(|p| p.get(at.pos as usize))
                .copied()
                .unwrap_or(0),
        }
    }

    /// Returns the flags `k` had (0: absent).
    fn upsert(&mut self, k: &Key, flags: u8, overwrite: bool) -> u8 {
        match k {
            Key::Id(id) => self.ids.upsert(id, flags, overwrite),
            Key::Packed(at) => {
                // Places come from the index these flags were sized by: a
                // place out of range is never made. Were one, nothing is
                // stored and it reads as never seen (a commit visited
                // again, the safe side; none skipped).
                let (Some(pack), Some(&n)) = (
                    self.packed.get_mut(at.pack as usize),
                    self.objects.get(at.pack as usize),
                ) else {
                    return 0;
                };
                if pack.is_empty() {
                    *pack = vec![0; n as usize];
                }
                let Some(slot) = pack.get_mut(at.pos as usize) else {
                    return 0;
                };
                let before = *slot;
                if before == 0 || overwrite {
                    *slot = flags | SEEN;
                }
                before
            }
        }
    }
}

/// A queued commit's place in the queue: its time, its order among equal
/// times, and where its object waits ([`Walker::slots`]). Small, because
/// the heap moves entries on every push and pop (a long queue, as 1,000
/// hidden tags make, moves many).
struct Entry {
    time: i64,
    seq: u64,
    slot: u32,
}

/// A queued commit: its raw object is kept until it is popped, so it is read once.
struct Queued<'o> {
    id: Oid,
    key: Key,
    object: Raw<'o>,
    /// Its tree and parents, read when it was queued.
    read: ParentsRead,
    /// Its position in its pack's order, when known: its first parent is
    /// looked for right after it.
    packpos: Option<u32>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Newest first; among equal times, first queued first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.time
            .cmp(&other.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// The object database, shared with the thread that reads ahead.
#[derive(Clone, Copy)]
struct SharedOdb<'o>(&'o Odb<'o>);

// SAFETY: libgit2's object database locks internally and is documented as
// safe to use from several threads at once (docs/threading.md: "The git_odb
// object uses locking internally, and is thread-safe to use from multiple
// threads simultaneously"); libgit2-sys builds libgit2 with GIT_THREADS.
// `git2::Odb` holds nothing but the pointer, and `read` keeps no state on
// the Rust side.
unsafe impl Send for SharedOdb<'_> {}
// SAFETY: as above: every use is a call into the thread-safe `git_odb`.
unsafe impl Sync for SharedOdb<'_> {}

/// A commit object read from the database, handed from the reading thread
/// to the visiting one.
struct Object<'o>(Raw<'o>, ParentsRead);

/// A commit's raw object: as libgit2 read it, or as [`crate::pack`] read it
/// from a pack (the same bytes).
enum Raw<'o> {
    Odb(OdbObject<'o>),
    Packed(Oid, Vec<u8>),
}

impl Raw<'_> {
    fn data(&self) -> &[u8] {
        match self {
            Self::Odb(o) => o.data(),
            Self::Packed(_, d) => d,
        }
    }

    fn id(&self) -> Oid {
        match self {
            Self::Odb(o) => o.id(),
            Self::Packed(id, _) => *id,
        }
    }
}

/// Whether a walk reads commits from packs itself: not asked, asked (the
/// object directories, mapped once the walk is long), or mapped.
enum PackReads {
    Off,
    Dirs(Vec<std::path::PathBuf>),
    On(Arc<Index>, Reader),
}

// SAFETY: an odb object is immutable once read (its data is never written
// again) and libgit2 counts its references atomically (`git_cached_obj_decref`
// with GIT_THREADS), so it may be freed on another thread than the one that
// read it; it is owned by one thread at a time.
unsafe impl Send for Object<'_> {}

/// A table change made after the visitor's position: the flags it replaced
/// and wrote.
struct Change {
    tag: u64,
    key: Key,
    new: u8,
}

/// The walk's table, behind a lock when a reading thread runs ahead of the
/// visits, with what a visit needs to see the table as it was when its
/// commit was yielded (exactly what the sequential walk shows it).
struct State {
    table: Flags,
    /// Commits yielded so far; a change made now is tagged `yielded + 1`
    /// (the first visit that may see it).
    yielded: u64,
    /// While reading ahead: the changes no visit has seen yet, in order...
    log: VecDeque<Change>,
    /// ...and, per key with changes there, their number and the flags the
    /// earliest replaced (what the visitor must see).
    pending: HashMap<Key, (u32, u8), IdHash>,
    logging: bool,
}

/// Hashes an object id by its first 8 bytes (ids are hashes already). Only
/// the few keys changed while reading ahead go through it (at most the
/// changes of the commits in flight).
#[derive(Default, Clone, Copy)]
struct IdHash;

impl BuildHasher for IdHash {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(bytes) {
            *d = *s;
        }
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
    }
}

impl State {
    fn get(&self, k: &Key) -> u8 {
        self.table.get(k)
    }

    fn set(&mut self, k: &Key, flags: u8) {
        self.upsert(k, flags, true);
    }

    fn insert_new(&mut self, k: &Key, flags: u8) -> bool {
        self.upsert(k, flags, false) == 0
    }

    fn upsert(&mut self, k: &Key, flags: u8, overwrite: bool) -> u8 {
        let before = self.table.upsert(k, flags, overwrite);
        if self.logging && (before == 0 || overwrite) {
            let tag = self.yielded + 1;
            self.log.push_back(Change {
                tag,
                key: *k,
                new: flags | SEEN,
            });
            self.pending
                .entry(*k)
                .and_modify(|(n, _)| *n += 1)
                .or_insert((1, before));
        }
        before
    }

    /// Forget the changes every visit up to `visited` has seen.
    fn trim(&mut self, visited: u64) {
        while let Some(c) = self.log.front().filter(|c| c.tag <= visited) {
            let (key, new) = (c.key, c.new);
            self.log.pop_front();
            if let Some((n, old)) = self.pending.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    self.pending.remove(&key);
                } else {
                    // The next change replaced what this one wrote.
                    *old = new;
                }
            }
        }
    }

    /// `k`'s flags as visit number `as_of` sees them.
    fn flags_at(&mut self, k: &Key, as_of: u64) -> u8 {
        self.trim(as_of);
        match self.pending.get(k) {
            Some(&(_, old)) => old,
            None => self.table.get(k),
        }
    }

    fn stop_logging(&mut self) {
        self.logging = false;
        self.log = VecDeque::new();
        self.pending = HashMap::default();
    }
}

/// The table, shared between the reading and the visiting thread.
struct Shared {
    state: Mutex<State>,
    /// The visit in progress (changes up to it can be forgotten).
    visiting: AtomicU64,
    /// Set by a visit that reads objects of its own: the walk goes on on
    /// one thread.
    one_thread: AtomicBool,
    /// The packs, once the walk mapped them (visits find keys in them).
    index: OnceLock<Arc<Index>>,
}

impl Shared {
    /// The state, without locking, while no other thread can reach it.
    fn get_mut(&mut self) -> &mut State {
        self.state.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; were it poisoned, the
        // table is still whole (each change is one store).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How the walker reaches its table: directly while it runs on the
/// visiting thread, through the lock while it reads ahead on its own.
trait Access {
    fn with<R>(&mut self, f: impl FnOnce(&mut State) -> R) -> R;
    /// The visit in progress, when a visitor runs beside the walker.
    fn visiting(&self) -> u64;
}

impl Access for &mut State {
    fn with<R>(&mut self, f: impl FnOnce(&mut State) -> R) -> R {
        f(self)
    }
    fn visiting(&self) -> u64 {
        self.yielded
    }
}

impl Access for &Shared {
    fn with<R>(&mut self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.lock())
    }
    fn visiting(&self) -> u64 {
        self.visiting.load(Ordering::Acquire)
    }
}

/// A commit the walk yields: its id, raw object, and what the walk read of it.
type Yielded<'o> = (Oid, Raw<'o>, ParentsRead);

struct Walker<'o> {
    odb: SharedOdb<'o>,
    heap: BinaryHeap<Entry>,
    /// The queued commits' objects, by slot; `free` lists the empty slots.
    slots: Vec<Option<Queued<'o>>>,
    free: Vec<u32>,
    seq: u64,
    interesting_queued: usize,
    /// Commits read so far.
    reads: u64,
    packs: PackReads,
    /// Since the packs were mapped: commits read from them, and through
    /// libgit2 (what they did not hold whole).
    packed: u64,
    fallback: u64,
    /// First parents found right after their child in pack order, and
    /// searches for a commit's pack position (see [`Walker::pack_position`]).
    guessed: u64,
    searched: u64,
}

/// Pack positions searched for before any guess was right...
const SEARCHES_FREE: u64 = 4;
/// ...and then one for every this many right guesses.
const GUESSES_PER_SEARCH: u64 = 8;

impl<'o> Walker<'o> {
    /// The mapped packs, once the walk has mapped them.
    fn index(&self) -> Option<&Index> {
        match &self.packs {
            PackReads::On(index, _) => Some(index),
            _ => None,
        }
    }

    fn key(&self, id: Oid) -> Key {
        key_in(self.index(), id)
    }

    /// The key of `id`, the first parent of the commit at pack position
    /// `packpos` (of the pack `child` is in): when it is the object stored
    /// right after its child, as it usually is, found by comparing one id
    /// instead of searching the index; its pack position with it.
    fn first_parent_key(
        &mut self,
        id: Oid,
        child: &Key,
        packpos: Option<u32>,
    ) -> (Key, Option<u32>) {
        if let (Some(pp), Key::Packed(at), Some(index)) = (packpos, child, self.index()) {
            if let Some(place) = index.after(at.pack, pp, id.as_bytes()) {
                self.guessed += 1;
                return (Key::Packed(place), Some(pp + 1));
            }
        }
        (self.key(id), None)
    }

    /// The pack position of the commit at `key`, if its pack has a reverse
    /// index: a search of several cache misses, so made only while guesses
    /// pay for it (a few, then one for every [`GUESSES_PER_SEARCH`] right
    /// guesses; a history of merges, where guesses miss, stops searching).
    fn pack_position(&mut self, key: &Key) -> Option<u32> {
        let Key::Packed(at) = key else {
            return None;
        };
        if self.searched >= SEARCHES_FREE + self.guessed / GUESSES_PER_SEARCH {
            return None;
        }
        self.searched += 1;
        self.index()?.pack_position(*at)
    }

    /// Map the packs, if the walk was asked to read them and has read
    /// enough commits to be worth it, and move the table's ids that are in
    /// them to their places (the queued commits' keys with them). Only
    /// while no visit runs beside the walk (nothing is logged then).
    fn open_packs(&mut self, st: &mut State, published: &OnceLock<Arc<Index>>) {
        if st.logging || self.reads < OPEN_PACKS_AFTER {
            return;
        }
        let PackReads::Dirs(dirs) = &self.packs else {
            return;
        };
        let index = Arc::new(Index::open(dirs));
        let packs = u32::try_from(index.len()).unwrap_or(u32::MAX);
        st.table.objects = (0..packs).map(|p| index.objects(p)).collect();
        st.table.packed = st.table.objects.iter().map(|_| Vec::new()).collect();
        let ids = std::mem::replace(&mut st.table.ids, IdTable::new());
        for (id, flags) in ids.entries() {
            let k = match index.find(id) {
                Some(at) => Key::Packed(at),
                None => Key::Id(*id),
            };
            st.table.upsert(&k, flags, true);
        }
        for q in self.slots.iter_mut().flatten() {
            if let Key::Id(id) = q.key {
                if let Some(at) = index.find(&id) {
                    q.key = Key::Packed(at);
                }
            }
        }
        let _ = published.set(Arc::clone(&index));
        self.packs = PackReads::On(index, Reader::default());
    }

    /// Read commit `id` (at `key`; at pack position `packpos`, if the walk
    /// knows it).
    fn read(&mut self, id: Oid, key: &Key, packpos: Option<u32>) -> Result<Raw<'o>> {
        self.reads += 1;
        if let PackReads::On(index, reader) = &mut self.packs {
            if let Key::Packed(at) = key {
                if let Some(data) = reader.commit_at(index, *at, packpos) {
                    self.packed += 1;
                    return Ok(Raw::Packed(id, data));
                }
            }
            self.fallback += 1;
        }
        let obj = self.odb.0.read(id).map_err(|e| Error::Missing(id, e))?;
        if obj.kind() != git2::ObjectType::Commit {
            return Err(Error::NotACommit(id, obj.kind().str()));
        }
        Ok(Raw::Odb(obj))
    }

    fn enqueue<A: Access>(&mut self, sh: &mut A, id: Oid, key: Key, flags: u8) -> Result<()> {
        let object = self.read(id, &key, None)?;
        sh.with(|st| st.set(&key, flags | QUEUED));
        self.push(id, key, flags, object, None);
        Ok(())
    }

    /// Whether the walk reads its commits from the packs itself (at most a
    /// quarter through libgit2): visits reading objects through libgit2
    /// then do not queue with it on libgit2's pack locks, and a second
    /// thread pays.
    fn reads_packs(&self) -> bool {
        matches!(self.packs, PackReads::On(..)) && self.fallback * 4 <= self.packed + self.fallback
    }

    /// Queue a commit whose table entry is already set: its tree, parents
    /// and committer time read now (once; the time orders the queue).
    fn push(&mut self, id: Oid, key: Key, flags: u8, object: Raw<'o>, packpos: Option<u32>) {
        if flags & UNINTERESTING == 0 {
            self.interesting_queued += 1;
        }
        self.seq += 1;
        let read = ParentsRead::of(object.data());
        let time = read.time();
        let queued = Some(Queued {
            id,
            key,
            object,
            read,
            packpos,
        });
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(s) = self.slots.get_mut(slot as usize) {
                    *s = queued;
                }
                slot
            }
            None => {
                self.slots.push(queued);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.heap.push(Entry {
            time,
            seq: self.seq,
            slot,
        });
    }

    /// The queued commit in `slot`, taken out (the slot is free again).
    fn take(&mut self, slot: u32) -> Option<Queued<'o>> {
        let queued = self.slots.get_mut(slot as usize)?.take()?;
        self.free.push(slot);
        Some(queued)
    }

    /// Mark `id` uninteresting; if it was already visited (clock skew), carry
    /// the mark on to its ancestors that are still queued or unseen.
    fn mark_uninteresting<A: Access>(&mut self, sh: &mut A, start: (Oid, Key)) -> Result<()> {
        let mut stack = vec![start];
        while let Some((id, k)) = stack.pop() {
            let flags = sh.with(|st| st.get(&k));
            if flags & UNINTERESTING != 0 {
                continue;
            }
            if flags == 0 {
                self.enqueue(sh, id, k, UNINTERESTING)?;
                continue;
            }
            sh.with(|st| st.set(&k, flags | UNINTERESTING));
            if flags & QUEUED != 0 {
                self.interesting_queued -= 1;
            } else {
                // Visited already: its parents may be queued as interesting.
                let obj = self.read(id, &k, None)?;
                let parents: Vec<Oid> = CommitView::parse(id, obj.data()).parents().collect();
                stack.extend(parents.into_iter().map(|p| (p, self.key(p))));
            }
        }
        Ok(())
    }

    /// The next commit to visit, its parents queued; `None` when no
    /// interesting commit is left.
    fn next(&mut self, mut sh: impl Access) -> Result<Option<Yielded<'o>>> {
        while self.interesting_queued > 0 {
            let Some(entry) = self.heap.pop() else { break };
            let Some(entry) = self.take(entry.slot) else {
                return Err(Error::QueueLost);
            };
            let k = entry.key;
            let (data, read) = (entry.object.data(), entry.read);
            let packpos = match entry.packpos {
                Some(pp) => Some(pp),
                None => self.pack_position(&k),
            };
            // The parents' keys, found before the lock (a pack index
            // search each, but for a first parent stored right after).
            let mut keys = [None; 2];
            let mut more_keys = Vec::new();
            for (i, p) in read.parents(data).enumerate() {
                let (key, pp) = match i {
                    0 => self.first_parent_key(p, &k, packpos),
                    _ => (self.key(p), None),
                };
                let pk = (p, key, pp);
                if let (Key::Packed(at), Some(index)) = (&pk.1, self.index()) {
                    index.prefetch(*at);
                    if let Some(pp) = pp {
                        index.prefetch_after(at.pack, pp);
                    }
                }
                match keys.iter_mut().find(|n| n.is_none()) {
                    Some(slot) => *slot = Some(pk),
                    None => more_keys.push(pk),
                }
            }
            let visiting = sh.visiting();
            // One lock: the commit's flags, its parents queued, the yield.
            let (flags, new, more) = sh.with(|st| {
                let flags = st.get(&k) & !QUEUED;
                st.set(&k, flags);
                let (mut new, mut more) = ([None; 2], Vec::new());
                if flags & UNINTERESTING != 0 {
                    return (flags, new, more);
                }
                // Insert-if-absent in one probe; the objects are read after
                // the lock (reads take the longest).
                for pk in keys.iter().flatten().chain(&more_keys) {
                    if st.insert_new(&pk.1, QUEUED) {
                        match new.iter_mut().find(|n| n.is_none()) {
                            Some(slot) => *slot = Some(*pk),
                            None => more.push(*pk),
                        }
                    }
                }
                st.yielded += 1;
                if st.logging {
                    st.trim(visiting);
                }
                (flags, new, more)
            });
            if flags & UNINTERESTING != 0 {
                for (p, pk, _) in keys.into_iter().flatten().chain(more_keys) {
                    self.mark_uninteresting(&mut sh, (p, pk))?;
                }
                continue;
            }
            self.interesting_queued -= 1;
            for (p, pk, pp) in new.into_iter().flatten().chain(more) {
                let object = self.read(p, &pk, pp)?;
                self.push(p, pk, 0, object, pp);
            }
            return Ok(Some((entry.id, entry.object, read)));
        }
        Ok(None)
    }

    /// [`Walker::next`], or `None` when `stop` (the rest is left queued).
    fn next_unless(&mut self, sh: &Shared, stop: bool) -> Result<Option<Yielded<'o>>> {
        if stop {
            return Ok(None);
        }
        self.next(sh)
    }

    /// Read ahead on its own thread: yield commits in walk order into `tx`,
    /// in batches (one wake-up of the visitor per batch, not per commit),
    /// until none is left, the visitor hangs up, or a read fails (sent
    /// after the commits before it). Batches come back on `back` once
    /// visited: their objects are freed here, on the thread that allocated
    /// them (a free from the other thread takes this thread's malloc arena
    /// lock, which showed as thousands of futex waits per 100,000 commits),
    /// and their buffers reused.
    fn read_ahead(
        &mut self,
        sh: &Shared,
        tx: &mpsc::SyncSender<Batch<'o>>,
        back: &mpsc::Receiver<Vec<Object<'o>>>,
    ) {
        let mut objects = Vec::with_capacity(BATCH);
        let mut bytes = 0;
        loop {
            let handed_back = sh.one_thread.load(Ordering::Acquire) && !self.reads_packs();
            let (error, last) = match self.next_unless(sh, handed_back) {
                Ok(Some((_, object, read))) => {
                    bytes += object.data().len();
                    objects.push(Object(object, read));
                    (None, false)
                }
                Ok(None) => (None, true),
                Err(e) => (Some(e), true),
            };
            if last || objects.len() == BATCH || bytes >= BATCH_BYTES {
                bytes = 0;
                let mut next = Vec::new();
                for mut spent in back.try_iter() {
                    spent.clear();
                    next = spent;
                }
                if next.capacity() < BATCH {
                    next = Vec::with_capacity(BATCH);
                }
                let objects = std::mem::replace(&mut objects, next);
                if (!objects.is_empty() || error.is_some())
                    && tx.send(Batch { objects, error }).is_err()
                {
                    return;
                }
            }
            if last {
                return;
            }
        }
    }
}

/// Commits read ahead, in walk order, and the read error that ended the
/// walk after them, if one did.
struct Batch<'o> {
    objects: Vec<Object<'o>>,
    error: Option<Error>,
}

// SAFETY: the walker is moved to the reading thread only while the visiting
// thread does not touch it (a scoped thread, joined before the walk is used
// again); what it holds is the thread-safe object database and odb objects
// (see `SharedOdb` and `Object`).
unsafe impl Send for Walker<'_> {}

/// Call `visit` for every commit reachable from `new` and not from any of
/// `hide`, newest first. Stops early when `visit` returns `Ok(false)`.
pub fn walk<E: From<Error>>(
    odb: &Odb<'_>,
    new: Oid,
    hide: &[Oid],
    visit: impl FnMut(&CommitView<'_>) -> Result<bool, E>,
) -> Result<(), E> {
    Walk::new(odb, hide)?.from(new, visit)
}

/// Commits a walk reads through libgit2 before it maps the packs itself
/// ([`Walk::read_packs`]): a one-commit push maps nothing more, and few
/// pages of libgit2's own view of the pack index are touched.
const OPEN_PACKS_AFTER: u64 = 8;

/// Commits a walk visits on one thread before it starts reading ahead on a
/// second: a push of a few commits never starts a thread.
const READ_AHEAD_AFTER: u64 = 64;

/// Commits handed to the visitor at a time, and batches read ahead of the
/// visits at most (bounded memory: each commit holds its raw object, about
/// 1.5 MiB in flight in all). Batches of 64 woke the visitor four times as
/// often: 4-10 % slower on 100,000 commits, by hand. A batch is also handed
/// over once its objects hold `BATCH_BYTES`: a push of large commits keeps a
/// few MiB in flight, not 1,000 large commits.
const BATCH: usize = 256;
const BATCH_BYTES: usize = 1 << 20;
const READ_AHEAD: usize = 4;

/// Whether walks may read ahead on a second thread: `REVIEWGATE_THREADS=1`
/// keeps them on one (the sequential path, which gives the same visits and
/// answers); otherwise when the machine has more than one core.
fn read_ahead_allowed() -> bool {
    static ALLOWED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ALLOWED.get_or_init(|| match std::env::var("REVIEWGATE_THREADS") {
        Ok(v) if v.trim().parse::<usize>().is_ok_and(|n| n >= 1) => v.trim() != "1",
        _ => std::thread::available_parallelism().is_ok_and(|n| n.get() > 1),
    })
}

/// A walk that can be continued from several tips: each [`Walk::from`] visits
/// the commits reachable from its tip that neither the hidden tips nor an
/// earlier tip of the same walk reach. A push creating many refs walks once
/// in all, not once per ref.
pub struct Walk<'o> {
    w: Walker<'o>,
    shared: Shared,
    /// Whether to read ahead; `None`: as `REVIEWGATE_THREADS` and the
    /// machine say, asked only when a walk gets long (the question reads
    /// cgroup files: a small push never pays for it).
    read_ahead: Option<bool>,
    /// A walk that read ahead and stopped early holds commits marked
    /// visited that were never visited: it is not continued.
    spent: bool,
}

impl<'o> Walk<'o> {
    /// A walk with `hide` (and everything they reach) excluded.
    pub fn new(odb: &'o Odb<'o>, hide: &[Oid]) -> Result<Self> {
        let mut me = Self {
            w: Walker {
                odb: SharedOdb(odb),
                heap: BinaryHeap::new(),
                slots: Vec::new(),
                free: Vec::new(),
                seq: 0,
                interesting_queued: 0,
                reads: 0,
                packs: PackReads::Off,
                packed: 0,
                fallback: 0,
                guessed: 0,
                searched: 0,
            },
            shared: Shared {
                state: Mutex::new(State {
                    table: Flags {
                        ids: IdTable::new(),
                        packed: Vec::new(),
                        objects: Vec::new(),
                    },
                    yielded: 0,
                    log: VecDeque::new(),
                    pending: HashMap::default(),
                    logging: false,
                }),
                visiting: AtomicU64::new(0),
                one_thread: AtomicBool::new(false),
                index: OnceLock::new(),
            },
            read_ahead: None,
            spent: false,
        };
        for &h in hide {
            let k = me.w.key(h);
            me.w.mark_uninteresting(&mut me.shared.get_mut(), (h, k))?;
        }
        Ok(me)
    }

    /// [`Walker::open_packs`], on the walk's own thread.
    fn open_packs(&mut self) {
        let Shared { state, index, .. } = &mut self.shared;
        let state = state.get_mut().unwrap_or_else(PoisonError::into_inner);
        self.w.open_packs(state, index);
    }

    /// Read commits from the packs under `object_dirs` directly
    /// ([`crate::pack`]) once the walk has read 8 (a small push maps no
    /// pack); what they do not hold whole is read through libgit2.
    #[must_use]
    pub fn read_packs(mut self, object_dirs: Vec<std::path::PathBuf>) -> Self {
        self.w.packs = PackReads::Dirs(object_dirs);
        // Hiding many tips may have read enough already.
        self.open_packs();
        self
    }

    /// Whether [`Walk::from_with`] may read ahead on a second thread (the
    /// default comes from `REVIEWGATE_THREADS` and the machine).
    #[must_use]
    pub fn read_ahead(mut self, allowed: bool) -> Self {
        self.read_ahead = Some(allowed);
        self
    }

    /// Visit, newest first, the commits `new` brings that this walk has not
    /// visited or hidden yet, on this thread. Stops early when `visit`
    /// returns `Ok(false)`.
    pub fn from<E: From<Error>>(
        &mut self,
        new: Oid,
        mut visit: impl FnMut(&CommitView<'_>) -> Result<bool, E>,
    ) -> Result<(), E> {
        self.start(new)?;
        loop {
            self.open_packs();
            let Some((id, object, read)) = self.w.next(self.shared.get_mut())? else {
                return Ok(());
            };
            if !visit(&CommitView::parse_rest(id, object.data(), read))? {
                return Ok(());
            }
        }
    }

    fn start(&mut self, new: Oid) -> Result<()> {
        if self.spent {
            return Err(Error::Spent);
        }
        let k = self.w.key(new);
        let mut state = self.shared.get_mut();
        if state.get(&k) == 0 {
            self.w.enqueue(&mut state, new, k, 0)?;
        }
        Ok(())
    }

    /// [`Walk::from`], where `visit` can also ask which commits the walk has
    /// visited so far (to carry information to ancestors visited early,
    /// under clock skew). Past the first few commits, the walk reads ahead
    /// on a second thread (inflating objects and finding parents, the part
    /// of a walk that cannot be split) while `visit` runs here, in the same
    /// order, each seeing the walk as it was when its commit was yielded.
    /// When the walk reads packs, this thread, whenever it has no commit
    /// to visit, inflates the commits stored after the last one read
    /// ([`Ahead`]), which the reading thread then takes inflated.
    pub fn from_with<E: From<Error>>(
        &mut self,
        new: Oid,
        mut visit: impl FnMut(&CommitView<'_>, &Visited<'_>) -> Result<bool, E>,
    ) -> Result<(), E> {
        self.start(new)?;
        self.shared.one_thread.store(false, Ordering::Release);
        let mut read_ahead_once = false;
        loop {
            self.open_packs();
            let state = self.shared.get_mut();
            if !read_ahead_once
                && state.yielded >= READ_AHEAD_AFTER
                && (!self.shared.one_thread.load(Ordering::Acquire) || self.w.reads_packs())
                && *self.read_ahead.get_or_insert_with(read_ahead_allowed)
            {
                read_ahead_once = true;
                if self.visit_reading_ahead(&mut visit)? {
                    return Ok(());
                }
                // A visit read objects of its own: go on here.
                continue;
            }
            let state = self.shared.get_mut();
            let Some((id, object, read)) = self.w.next(&mut *state)? else {
                return Ok(());
            };
            let as_of = state.yielded;
            let visited = Visited {
                shared: &self.shared,
                as_of,
            };
            if !visit(&CommitView::parse_rest(id, object.data(), read), &visited)? {
                return Ok(());
            }
        }
    }

    /// Visit while a second thread reads ahead, until the walk ends
    /// (`Ok(true)`, also when `visit` stops it) or a visit asks for one
    /// thread (`Ok(false)`: every commit read so far visited, the rest
    /// still queued).
    fn visit_reading_ahead<E: From<Error>>(
        &mut self,
        mut visit: impl FnMut(&CommitView<'_>, &Visited<'_>) -> Result<bool, E>,
    ) -> Result<bool, E> {
        let (w, shared) = (&mut self.w, &self.shared);
        let mut as_of = {
            let mut st = shared.lock();
            st.logging = true;
            st.yielded
        };
        let (tx, rx) = mpsc::sync_channel(READ_AHEAD);
        let (back_tx, back_rx) = mpsc::channel();
        // Between batches, this thread inflates the commits stored after
        // the ones the reading thread read (pack order is walk order, as
        // git writes packs), which the reading thread then takes inflated.
        let ahead = match &mut w.packs {
            PackReads::On(index, reader) => {
                let ahead = Ahead::new();
                reader.read_ahead_with(Some(Arc::clone(&ahead)));
                Some((Arc::clone(index), ahead))
            }
            _ => None,
        };
        let result = std::thread::scope(|s| {
            let reader = s.spawn(move || w.read_ahead(shared, &tx, &back_rx));
            // However this closure ends, the reading thread must not wait
            // for a run of inflation no one will finish.
            let _stop = ahead.as_ref().map(|(_, ahead)| StopOnDrop(ahead));
            let mut ahead = ahead
                .as_ref()
                .map(|(index, ahead)| (index, ahead, Reader::default()));
            let result = (|| {
                loop {
                    let batch = match rx.try_recv() {
                        Ok(batch) => batch,
                        Err(mpsc::TryRecvError::Disconnected) => break,
                        Err(mpsc::TryRecvError::Empty) => {
                            if let Some((index, ahead, reader)) = &mut ahead {
                                if ahead.run_once(index, reader) {
                                    continue;
                                }
                            }
                            match rx.recv() {
                                Ok(batch) => batch,
                                Err(_) => break,
                            }
                        }
                    };
                    for Object(object, read) in &batch.objects {
                        as_of += 1;
                        shared.visiting.store(as_of, Ordering::Release);
                        let visited = Visited { shared, as_of };
                        let view = CommitView::parse_rest(object.id(), object.data(), *read);
                        if !visit(&view, &visited)? {
                            return Ok(true);
                        }
                    }
                    if let Some(e) = batch.error {
                        as_of += 1;
                        return Err(E::from(e));
                    }
                    // Freed by the reader (it may have finished: then here).
                    let _ = back_tx.send(batch.objects);
                }
                Ok(!shared.one_thread.load(Ordering::Acquire))
            })();
            if let Some((_, ahead, _)) = &ahead {
                ahead.stop();
            }
            // Hang up: the reader stops at its next send.
            drop(rx);
            if reader.join().is_err() {
                return Err(E::from(Error::ReaderPanicked));
            }
            result
        });
        if let PackReads::On(_, reader) = &mut self.w.packs {
            reader.read_ahead_with(None);
        }
        let mut st = self.shared.lock();
        st.stop_logging();
        // Commits read ahead and never visited are marked visited: stopped
        // early, the walk cannot be continued.
        self.spent = as_of != st.yielded;
        result
    }
}

/// Stops an [`Ahead`]'s thread when dropped.
struct StopOnDrop<'a>(&'a Ahead);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Which commits a walk has visited so far; and a visit's word that it
/// reads objects itself.
pub struct Visited<'t> {
    shared: &'t Shared,
    /// The visit being made (the walk is seen as it was then).
    as_of: u64,
}

impl Visited<'_> {
    fn flags(&self, id: Oid) -> u8 {
        let k = key_in(self.shared.index.get().map(|i| &**i), id);
        self.shared.lock().flags_at(&k, self.as_of)
    }

    /// Whether `id` was visited (brought, and already passed to `visit`).
    pub fn contains(&self, id: Oid) -> bool {
        let f = self.flags(id);
        f & SEEN != 0 && f & (QUEUED | UNINTERESTING) == 0
    }

    /// Say that visits read objects of their own (trees, for sign-off
    /// rules): unless the walk reads its commits from the packs itself
    /// ([`Walk::read_packs`]), a second thread reading ahead would only
    /// queue with them on libgit2's pack locks, so the walk stays on (or
    /// returns to) one thread for the rest of this tip.
    pub fn reads_objects(&self) {
        self.shared.one_thread.store(true, Ordering::Release);
    }

    /// The packs the walk mapped to read commits from, once it has: a
    /// visit reads its own objects from them too.
    pub fn packs(&self) -> Option<Arc<Index>> {
        self.shared.index.get().map(Arc::clone)
    }

    /// Whether `id` is known to be reachable from a hidden tip (so not brought).
    pub fn is_hidden(&self, id: Oid) -> bool {
        self.flags(id) & UNINTERESTING != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_grows_and_keeps_flags() {
        let mut t = IdTable::new();
        for i in 0u32..10_000 {
            let mut k = [0u8; 20];
            k[..4].copy_from_slice(&i.to_le_bytes());
            t.upsert(&k, if i % 2 == 0 { UNINTERESTING } else { 0 }, true);
        }
        assert_eq!(t.len, 10_000);
        for i in 0u32..10_000 {
            let mut k = [0u8; 20];
            k[..4].copy_from_slice(&i.to_le_bytes());
            let f = t.get(&k);
            assert_eq!(f & SEEN, SEEN);
            assert_eq!(f & UNINTERESTING != 0, i % 2 == 0);
        }
        assert_eq!(t.get(&[9; 20]), 0);
        // Without overwriting, an existing entry is left alone.
        let mut k = [0u8; 20];
        k[..4].copy_from_slice(&4u32.to_le_bytes());
        assert_eq!(t.upsert(&k, QUEUED, false), SEEN | UNINTERESTING);
        assert_eq!(t.get(&k), SEEN | UNINTERESTING);
        assert_eq!(t.upsert(&[7; 20], QUEUED, false), 0);
        assert_eq!(t.get(&[7; 20]), SEEN | QUEUED);
    }

    #[test]
    fn commit_time_and_parents() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 1111111111111111111111111111111111111111\nparent 2222222222222222222222222222222222222222\nauthor A <a@x> 5 +0000\ncommitter C <c@x> 1700000000 +0200\n\nmsg\nparent 3333333333333333333333333333333333333333\n";
        let read = ParentsRead::of(raw);
        assert_eq!(read.time(), 1_700_000_000);
        let parents: Vec<Oid> = read.parents(raw).collect();
        assert_eq!(
            parents,
            CommitView::parse(Oid::zero(), raw)
                .parents()
                .collect::<Vec<_>>()
        );
        assert_eq!(parents.len(), 2);
        assert_eq!(ParentsRead::of(b"tree t\n\n").time(), 0);
    }
}
