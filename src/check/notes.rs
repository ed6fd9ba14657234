//! git-ai authorship notes as AI evidence, and the rule that keeps them.
//!
//! A commit whose `refs/notes/ai` note attests agent-written lines counts as
//! AI-assisted even when its message says nothing. The notes read are the
//! ones the push brings (its new `refs/notes/ai`) and the ones the
//! repository already has; notes only add evidence (a missing, malformed or
//! human-only note clears nothing).
//!
//! **Cost follows the push, not what a pusher stored.** Nothing is read
//! until a protected update asks about a commit; then its note is looked up
//! by path, as git does (`ab/cdef…`, `ab/cd/ef…`, or flat, at any level),
//! never by listing the notes tree. Trees are cached by id (a notes tree
//! built from shared subtrees costs one read per distinct subtree), a note
//! is parsed once per push whatever number of commits share it (cached by
//! blob id), and one push reads at most [`MAX_NOTES_BYTES`] of notes
//! objects: past it, a commit whose note could not be read counts as
//! AI-assisted (the safe side), and the message says so.
//!
//! **AI evidence only grows.** An update of `refs/notes/ai` (a deletion, a
//! fast-forward to a `git notes remove`, a rewind, a replaced note) may not
//! erase the evidence of a commit that is not yet on a protected ref:
//! [`AiNotes::erased`] compares the old and the new notes trees (only the
//! subtrees that differ) and names each commit whose AI note is gone from
//! the new tree. git-ai's own pushes only add notes (it creates the ref,
//! merges with `-s ours`, fast-forwards, writes notes for rewritten
//! commits), so they never meet the rule.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use git2::{ObjectType, Oid};

use crate::detect::notes::{self, MAX_NOTE_BYTES};
use crate::detect::AiEvidence;
use crate::push::RefUpdate;
use crate::repo::HookRepo;

/// The notes ref the Git AI Standard requires.
pub const NOTES_REF: &str = "refs/notes/ai";

/// The most bytes of notes objects (trees and notes) one push reads.
pub const MAX_NOTES_BYTES: u64 = 64 << 20;

/// How many notes trees are kept parsed at once.
const MAX_CACHED_TREES: usize = 4096;

/// The most notes an update of the notes ref may remove or change at once
/// and still be verified.
pub const MAX_CHANGED_NOTES: usize = 100_000;

/// What a note says, once parsed.
#[derive(Debug, Clone)]
enum Note {
    /// It attests agent-written lines (the tools, and how many lines).
    Ai(String, u64),
    /// It is valid and attests none, or it is not a valid note.
    NotAi,
}

/// One push went past [`MAX_NOTES_BYTES`] (or an object could not be read).
#[derive(Debug, Clone, Copy)]
pub struct Unread;

/// Why an update of the notes ref could not be verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unverifiable {
    /// More notes changed than [`MAX_CHANGED_NOTES`].
    TooMany,
    /// More notes objects than [`MAX_NOTES_BYTES`], or one could not be read.
    Unread,
}

/// The entries of a notes tree that can be notes or fan-out directories
/// (hex names), sorted by name for lookups.
struct NotesTree {
    entries: Vec<(Box<str>, Kind, Oid)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blob,
    Tree,
}

impl NotesTree {
    fn get(&self, name: &str) -> Option<(Kind, Oid)> {
        self.entries
            .binary_search_by(|(n, _, _)| (**n).cmp(name))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, k, id)| (*k, *id))
    }
}

#[derive(Default)]
struct State {
    roots: Option<Vec<Oid>>,
    trees: HashMap<Oid, Rc<NotesTree>>,
    bytes: u64,
}

/// A notes ref as a push sees it (the notes commits the push writes to it,
/// then the repository's current one), read lazily by path, as git does,
/// with its trees cached and the bytes it reads counted against a budget.
pub struct NotesRef<'r> {
    repo: &'r HookRepo,
    /// The notes commits this push writes to the ref.
    pushed: Vec<Oid>,
    /// The ref's name.
    name: &'static str,
    /// The most bytes of notes objects this push reads.
    budget: u64,
    state: RefCell<State>,
}

impl<'r> NotesRef<'r> {
    /// The notes under `name` that `updates` write, and the repository's.
    /// Reads nothing yet.
    pub fn new(repo: &'r HookRepo, name: &'static str, updates: &[RefUpdate]) -> Self {
        let pushed = updates
            .iter()
            .filter(|u| u.name == name)
            .filter_map(|u| u.new)
            .collect();
        Self {
            repo,
            pushed,
            name,
            budget: MAX_NOTES_BYTES,
            state: RefCell::new(State::default()),
        }
    }

    /// The note blobs for `commit`, the pushed notes' first, then the
    /// repository's (each in the order git reads fan-outs).
    pub fn blobs(&self, commit: Oid) -> Result<Vec<Oid>, Unread> {
        let hex = commit.to_string();
        let mut blobs = Vec::new();
        for root in self.roots() {
            self.lookup(root, &hex, &mut blobs)?;
        }
        Ok(blobs)
    }

    /// The note blobs for the object `key` (hex) in the notes commit
    /// `notes_commit`.
    pub fn blobs_in(&self, notes_commit: Oid, key: &str) -> Result<Vec<Oid>, Unread> {
        let root = self.root_of(notes_commit)?;
        let mut out = Vec::new();
        self.lookup(root, key, &mut out)?;
        Ok(out)
    }

    /// A note's bytes, counted against the budget; `None` for a note
    /// larger than `max` (not read).
    pub fn read(&self, blob: Oid, max: u64) -> Result<Option<Vec<u8>>, Unread> {
        let odb = self.repo.repo.odb().map_err(|_| Unread)?;
        let (size, kind) = odb.read_header(blob).map_err(|_| Unread)?;
        if kind != ObjectType::Blob {
            return Err(Unread);
        }
        if size as u64 > max {
            return Ok(None);
        }
        self.spend(size as u64)?;
        let object = odb.read(blob).map_err(|_| Unread)?;
        Ok(Some(object.data().to_vec()))
    }

    /// The notes under the notes commit `old` that `new` (`None`: the ref
    /// deleted) does not have at the same path with the same blob: (the
    /// annotated object's id in hex, the old blob). Only the subtrees that
    /// differ are read.
    pub fn removed(&self, old: Oid, new: Option<Oid>) -> Result<Vec<(String, Oid)>, Unverifiable> {
        let unread = |_| Unverifiable::Unread;
        let old_root = self.root_of(old).map_err(unread)?;
        let new_root = match new {
            Some(n) => self.root_of(n).ok(),
            None => None,
        };
        let mut changed = Vec::new();
        self.removed_under(old_root, new_root, String::new(), &mut changed)?;
        Ok(changed)
    }

    fn removed_under(
        &self,
        old: Oid,
        new: Option<Oid>,
        prefix: String,
        out: &mut Vec<(String, Oid)>,
    ) -> Result<(), Unverifiable> {
        if Some(old) == new {
            return Ok(());
        }
        let old_tree = self.tree(old).map_err(|_| Unverifiable::Unread)?;
        let new_tree = match new {
            Some(n) => Some(self.tree(n).map_err(|_| Unverifiable::Unread)?),
            None => None,
        };
        for (name, kind, id) in &old_tree.entries {
            let path = format!("{prefix}{name}");
            let theirs = new_tree.as_ref().and_then(|t| t.get(name));
            match kind {
                Kind::Blob if path.len() == 40 && theirs != Some((Kind::Blob, *id)) => {
                    if out.len() >= MAX_CHANGED_NOTES {
                        return Err(Unverifiable::TooMany);
                    }
                    out.push((path, *id));
                }
                Kind::Tree if name.len() == 2 && path.len() < 40 => {
                    let sub = theirs.filter(|(k, _)| *k == Kind::Tree).map(|(_, i)| i);
                    self.removed_under(*id, sub, path, out)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The root trees of the notes commits in play (read once).
    fn roots(&self) -> Vec<Oid> {
        if let Some(r) = &self.state.borrow().roots {
            return r.clone();
        }
        let current = self.repo.ref_target(self.name).ok().flatten();
        let mut tips = self.pushed.clone();
        tips.extend(current);
        tips.dedup();
        // A notes ref that cannot be read gives no notes.
        let roots: Vec<Oid> = tips
            .into_iter()
            .filter_map(|t| self.root_of(t).ok())
            .collect();
        self.state.borrow_mut().roots = Some(roots.clone());
        roots
    }

    /// The tree of a notes commit.
    fn root_of(&self, notes_commit: Oid) -> Result<Oid, Unread> {
        let odb = self.repo.repo.odb().map_err(|_| Unread)?;
        let (size, kind) = odb.read_header(notes_commit).map_err(|_| Unread)?;
        if kind != ObjectType::Commit {
            return Err(Unread);
        }
        self.spend(size as u64)?;
        self.repo.tree_of(notes_commit).map_err(|_| Unread)
    }

    /// Count `n` bytes against the push's budget.
    fn spend(&self, n: u64) -> Result<(), Unread> {
        let mut s = self.state.borrow_mut();
        s.bytes = s.bytes.saturating_add(n);
        if s.bytes > self.budget {
            return Err(Unread);
        }
        Ok(())
    }

    /// A notes tree, parsed (cached by id).
    fn tree(&self, id: Oid) -> Result<Rc<NotesTree>, Unread> {
        if let Some(t) = self.state.borrow().trees.get(&id) {
            return Ok(Rc::clone(t));
        }
        let odb = self.repo.repo.odb().map_err(|_| Unread)?;
        let (size, kind) = odb.read_header(id).map_err(|_| Unread)?;
        if kind != ObjectType::Tree {
            return Err(Unread);
        }
        self.spend(size as u64)?;
        let tree = self.repo.repo.find_tree(id).map_err(|_| Unread)?;
        let mut entries: Vec<(Box<str>, Kind, Oid)> = tree
            .iter()
            .filter_map(|e| {
                let name = e.name().filter(|n| is_hex(n))?;
                let kind = match e.kind() {
                    Some(ObjectType::Blob) => Kind::Blob,
                    Some(ObjectType::Tree) => Kind::Tree,
                    _ => return None,
                };
                Some((Box::from(name), kind, e.id()))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let tree = Rc::new(NotesTree { entries });
        let mut s = self.state.borrow_mut();
        if s.trees.len() >= MAX_CACHED_TREES {
            s.trees.clear();
        }
        s.trees.insert(id, Rc::clone(&tree));
        Ok(tree)
    }

    /// The notes for the object whose id's remaining hex digits are `rest`,
    /// under `tree`: a blob named `rest` here, and whatever the two-digit
    /// subtree for its first two digits holds (git reads every fan-out).
    fn lookup(&self, tree: Oid, rest: &str, out: &mut Vec<Oid>) -> Result<(), Unread> {
        let t = self.tree(tree)?;
        if let Some((Kind::Blob, id)) = t.get(rest) {
            out.push(id);
        }
        if let (Some(dir), Some(tail)) = (rest.get(..2), rest.get(2..)) {
            if let (false, Some((Kind::Tree, id))) = (tail.is_empty(), t.get(dir)) {
                self.lookup(id, tail, out)?;
            }
        }
        Ok(())
    }
}

/// git-ai's notes available to a push, read lazily.
pub struct AiNotes<'r> {
    notes: NotesRef<'r>,
    /// What each note blob says, parsed once per push.
    verdicts: RefCell<HashMap<Oid, Note>>,
}

impl<'r> AiNotes<'r> {
    /// The notes of the push's new `refs/notes/ai` and of the repository's
    /// current one. Reads nothing yet.
    pub fn new(repo: &'r HookRepo, updates: &[RefUpdate]) -> Self {
        Self {
            notes: NotesRef::new(repo, NOTES_REF, updates),
            verdicts: RefCell::new(HashMap::new()),
        }
    }

    /// The evidence the notes give for `commit`: the first valid note that
    /// attests agent-written lines; or, when the notes could not be read
    /// within the budget, evidence that says so (the safe side).
    pub fn evidence(&self, commit: Oid) -> Option<AiEvidence> {
        let Ok(blobs) = self.notes.blobs(commit) else {
            return Some(unread_evidence());
        };
        for blob in blobs {
            match self.note(blob) {
                Ok(Note::Ai(tools, lines)) => {
                    return Some(AiEvidence {
                        tool: tools,
                        evidence: format!(
                            "{NOTES_REF} records {lines} agent-written line{}",
                            if lines == 1 { "" } else { "s" }
                        ),
                    })
                }
                Ok(Note::NotAi) => {}
                Err(Unread) => return Some(unread_evidence()),
            }
        }
        None
    }

    /// The commits whose AI evidence an update of the notes ref from the
    /// notes commit `old` to `new` (`None`: deleted) erases: each had a note
    /// attesting agent lines under `old`, and has none under `new` (removed,
    /// or replaced by a note that attests none). Only the subtrees that
    /// differ are read.
    pub fn erased(&self, old: Oid, new: Option<Oid>) -> Result<Vec<Oid>, Unverifiable> {
        let unread = |_| Unverifiable::Unread;
        let changed = self.notes.removed(old, new)?;
        let mut erased = Vec::new();
        for (key, blob) in changed {
            if !matches!(self.note(blob).map_err(unread)?, Note::Ai(..)) {
                continue;
            }
            let now = match new {
                Some(n) => self.notes.blobs_in(n, &key).map_err(unread)?,
                None => Vec::new(),
            };
            let mut still = false;
            for blob in now {
                still |= matches!(self.note(blob).map_err(unread)?, Note::Ai(..));
            }
            if !still {
                if let Ok(id) = Oid::from_str(&key) {
                    if !erased.contains(&id) {
                        erased.push(id);
                    }
                }
            }
        }
        Ok(erased)
    }

    /// What the note in `blob` says (parsed once per push).
    fn note(&self, blob: Oid) -> Result<Note, Unread> {
        if let Some(n) = self.verdicts.borrow().get(&blob) {
            return Ok(n.clone());
        }
        let note = match self.notes.read(blob, MAX_NOTE_BYTES as u64)? {
            Some(bytes) => match notes::parse(&bytes) {
                Ok(a) if a.is_ai() => Note::Ai(a.tools(), a.total_lines()),
                _ => Note::NotAi,
            },
            None => Note::NotAi,
        };
        self.verdicts.borrow_mut().insert(blob, note.clone());
        Ok(note)
    }
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The evidence for a commit whose note could not be read within the push's
/// budget: the safe side.
fn unread_evidence() -> AiEvidence {
    AiEvidence {
        tool: NOTES_REF.to_string(),
        evidence: format!(
            "its notes could not all be read (more than {} MiB of notes objects in this push), so the commit counts as AI-assisted, the safe side",
            MAX_NOTES_BYTES >> 20
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = "abcdef0123456789abcdef0123456789abcdef01";

    fn ai_note(tool: &str, lines: &str) -> String {
        format!("a.rs\n  s_aa::t_bb {lines}\n---\n{{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{{}},\"sessions\":{{\"s_aa\":{{\"agent_id\":{{\"tool\":\"{tool}\"}}}}}}}}\n")
    }

    const HUMAN: &str = "a.rs\n  h_aa 1\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\"humans\":{\"h_aa\":{\"author\":\"A <a@x>\"}}}\n";

    /// A bare repository to build notes in.
    struct Fixture {
        _dir: tempfile::TempDir,
        repo: HookRepo,
    }

    /// A tree entry: a blob's bytes, or a subtree.
    enum E<'a> {
        Blob(&'a str),
        Tree(Oid),
        Id(Oid),
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            git2::Repository::init_bare(dir.path()).expect("init");
            let repo = HookRepo::open_bare(dir.path()).expect("open");
            Self { _dir: dir, repo }
        }

        fn tree(&self, entries: &[(&str, E<'_>)]) -> Oid {
            let r = &self.repo.repo;
            let mut b = r.treebuilder(None).expect("builder");
            for (name, e) in entries {
                let (id, mode) = match e {
                    E::Blob(text) => (r.blob(text.as_bytes()).expect("blob"), 0o100644),
                    E::Tree(t) => (*t, 0o040000),
                    E::Id(id) => (*id, 0o100644),
                };
                b.insert(name, id, mode).expect("insert");
            }
            b.write().expect("write tree")
        }

        /// A notes commit holding `tree`.
        fn commit(&self, tree: Oid) -> Oid {
            let r = &self.repo.repo;
            let sig = git2::Signature::new("git-ai", "git-ai@local", &git2::Time::new(0, 0))
                .expect("sig");
            let tree = r.find_tree(tree).expect("tree");
            r.commit(
                None,
                &sig,
                &sig,
                "Notes added by 'git notes add'",
                &tree,
                &[],
            )
            .expect("commit")
        }

        /// Point `refs/notes/ai` at a notes commit holding `tree`.
        fn notes(&self, tree: Oid) -> Oid {
            let c = self.commit(tree);
            self.repo
                .repo
                .reference(NOTES_REF, c, true, "test")
                .expect("ref");
            c
        }
    }

    fn x() -> Oid {
        Oid::from_str(X).expect("id")
    }

    #[test]
    fn every_fan_out_git_reads_is_read() {
        let f = Fixture::new();
        let note = ai_note("claude", "1-3");
        let flat = f.tree(&[(X, E::Blob(&note))]);
        let one = {
            let leaf = f.tree(&[(&X[2..], E::Blob(&note))]);
            f.tree(&[(&X[..2], E::Tree(leaf))])
        };
        let two = {
            let leaf = f.tree(&[(&X[4..], E::Blob(&note))]);
            let mid = f.tree(&[(&X[2..4], E::Tree(leaf))]);
            f.tree(&[(&X[..2], E::Tree(mid))])
        };
        // A human note at one fan-out beside an AI note at another: git
        // shows both, and either is evidence.
        let mixed = {
            let deep = f.tree(&[(&X[4..], E::Blob(&note))]);
            let mid = f.tree(&[(&X[2..4], E::Tree(deep)), (&X[2..], E::Blob(HUMAN))]);
            f.tree(&[(&X[..2], E::Tree(mid))])
        };
        for (name, tree) in [
            ("flat", flat),
            ("ab/", one),
            ("ab/cd/", two),
            ("mixed", mixed),
        ] {
            f.notes(tree);
            let notes = AiNotes::new(&f.repo, &[]);
            let e = notes
                .evidence(x())
                .unwrap_or_else(|| panic!("{name}: no evidence"));
            assert_eq!(e.tool, "claude", "{name}");
            assert_eq!(
                e.evidence, "refs/notes/ai records 3 agent-written lines",
                "{name}"
            );
            let other = Oid::from_str(&X.replace('a', "b")).expect("id");
            assert!(notes.evidence(other).is_none(), "{name}");
        }
        // Only a person's lines, or no note: no evidence.
        f.notes(f.tree(&[(X, E::Blob(HUMAN))]));
        assert!(AiNotes::new(&f.repo, &[]).evidence(x()).is_none());
    }

    /// A notes tree of 1,966,080 paths built from three shared trees is
    /// looked up by path: three tree reads, whatever the number of paths.
    #[test]
    fn a_huge_tree_of_shared_subtrees_costs_its_distinct_objects() {
        let f = Fixture::new();
        let note = f
            .repo
            .repo
            .blob(ai_note("claude", "1").as_bytes())
            .expect("blob");
        let names: Vec<String> = (0..30).map(|i| format!("{i:02x}{}", &X[4..38])).collect();
        let leaf_entries: Vec<(&str, E<'_>)> =
            names.iter().map(|n| (n.as_str(), E::Id(note))).collect();
        let leaf = f.tree(&leaf_entries);
        let hex: Vec<String> = (0..256).map(|i| format!("{i:02x}")).collect();
        let mid = f.tree(
            &hex.iter()
                .map(|h| (h.as_str(), E::Tree(leaf)))
                .collect::<Vec<_>>(),
        );
        let root = f.tree(
            &hex.iter()
                .map(|h| (h.as_str(), E::Tree(mid)))
                .collect::<Vec<_>>(),
        );
        f.notes(root);
        let notes = AiNotes::new(&f.repo, &[]);
        for i in 0..1000u32 {
            let id = Oid::from_str(&format!("{:08x}{}", i.wrapping_mul(2_654_435_761), &X[8..]))
                .expect("id");
            assert!(notes.evidence(id).is_none());
        }
        // One note reachable under it (path 00/00/00<X[4..38]>... is 40 hex).
        let hit = Oid::from_str(&format!("0000{}", &names[0])).expect("id");
        assert!(notes.evidence(hit).is_some());
        let s = notes.notes.state.borrow();
        assert_eq!(s.trees.len(), 3, "three distinct trees read");
        assert!(s.bytes < 64 * 1024, "{} bytes read", s.bytes);
    }

    #[test]
    fn a_note_shared_by_many_commits_is_parsed_once_and_the_budget_fails_safe() {
        let f = Fixture::new();
        let big = format!("{}{}", "b.rs\n".repeat(200), ai_note("claude", "1-2"));
        let ids: Vec<String> = (0..400).map(|i| format!("{i:04x}{}", &X[4..])).collect();
        let blob = f.repo.repo.blob(big.as_bytes()).expect("blob");
        let entries: Vec<(&str, E<'_>)> = ids.iter().map(|n| (n.as_str(), E::Id(blob))).collect();
        f.notes(f.tree(&entries));
        let notes = AiNotes::new(&f.repo, &[]);
        for id in &ids {
            assert!(notes.evidence(Oid::from_str(id).expect("id")).is_some());
        }
        assert_eq!(notes.verdicts.borrow().len(), 1, "parsed once");
        let read = notes.notes.state.borrow().bytes;
        assert!(read < 2 * big.len() as u64 + 64 * 1024, "{read} bytes read");
        // With a budget smaller than the note: counted as AI, and said so.
        let mut tight = AiNotes::new(&f.repo, &[]);
        tight.notes.budget = 1024;
        let e = tight
            .evidence(Oid::from_str(&ids[0]).expect("id"))
            .expect("the safe side");
        assert!(
            e.evidence.contains("could not all be read"),
            "{}",
            e.evidence
        );
    }

    #[test]
    fn erased_evidence() {
        let f = Fixture::new();
        let ai = ai_note("claude", "1-3");
        let old = f.commit(f.tree(&[(X, E::Blob(&ai))]));
        let notes = AiNotes::new(&f.repo, &[]);
        let erased = |new: Option<Oid>| notes.erased(old, new).expect("verified");
        assert_eq!(erased(None), vec![x()], "deleted");
        assert_eq!(erased(Some(f.commit(f.tree(&[])))), vec![x()], "removed");
        let human = f.commit(f.tree(&[(X, E::Blob(HUMAN))]));
        assert_eq!(erased(Some(human)), vec![x()], "replaced by a person's");
        let junk = f.commit(f.tree(&[(X, E::Blob("junk"))]));
        assert_eq!(erased(Some(junk)), vec![x()], "replaced by junk");
        let more = f.commit(f.tree(&[(X, E::Blob(&ai_note("claude", "1-9")))]));
        assert!(erased(Some(more)).is_empty(), "updated, still AI");
        let fanned = {
            let leaf = f.tree(&[(&X[2..], E::Blob(&ai))]);
            f.commit(f.tree(&[(&X[..2], E::Tree(leaf))]))
        };
        assert!(erased(Some(fanned)).is_empty(), "moved to a fan-out");
        let added = f.commit(f.tree(&[(X, E::Blob(&ai)), (&X.replace('a', "c"), E::Blob(&ai))]));
        assert!(erased(Some(added)).is_empty(), "added");
        // A person's note going away erases no AI evidence.
        let was_human = f.commit(f.tree(&[(X, E::Blob(HUMAN))]));
        assert!(notes
            .erased(was_human, Some(f.commit(f.tree(&[]))))
            .expect("verified")
            .is_empty());
    }
}
