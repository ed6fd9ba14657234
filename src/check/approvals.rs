//! Signed approvals as a push sees them: the notes under
//! `refs/notes/reviewgate` after the push (the pushed notes first, then the
//! repository's), each checked against the allowed signers the server pins
//! (`reviewgate.allowedSigners`, loaded once, when a policy asks), read
//! lazily and cached per commit; and which recorded approvals an update of
//! that ref would remove or change.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use git2::Oid;

use super::notes::{NotesRef, Unverifiable};
use crate::approval::{self, parse_note, Block, Checked};
use crate::keys;
use crate::push::RefUpdate;
use crate::repo::HookRepo;
use crate::signers::AllowedSigners;

/// The approvals available to a push, and the allowed signers.
pub struct Approvals<'r> {
    notes: NotesRef<'r>,
    /// `reviewgate.allowedSigners`, as configured.
    path: Option<PathBuf>,
    signers: OnceCell<Result<AllowedSigners, String>>,
    /// The time keys' validity is judged at.
    now: DateTime<Utc>,
    checked: RefCell<HashMap<Oid, Rc<[Checked]>>>,
}

impl<'r> Approvals<'r> {
    /// The approvals in the notes `updates` write and the repository's;
    /// the allowed signers at `path`. Reads nothing yet.
    pub fn new(
        repo: &'r HookRepo,
        updates: &[RefUpdate],
        path: Option<PathBuf>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            notes: NotesRef::new(repo, approval::NOTES_REF, updates),
            path,
            signers: OnceCell::new(),
            now,
            checked: RefCell::new(HashMap::new()),
        }
    }

    /// The allowed signers, loaded on first use; why they cannot be used.
    pub fn signers(&self) -> Result<&AllowedSigners, String> {
        self.signers
            .get_or_init(|| match &self.path {
                None => Err(format!(
                    "the policy asks for signatures ([review] signed or signed-commits), and the server pins no allowed signers: an administrator sets `git config {} /path/to/allowed_signers` in the repository",
                    keys::ALLOWED_SIGNERS
                )),
                Some(p) => AllowedSigners::load(&p.display().to_string())
                    .map_err(|e| format!("the allowed signers cannot be used: {e}")),
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The approvals of `commit`, each checked: signed by a key listed for
    /// the reviewer it names, for this commit, in the approvals namespace,
    /// at the push's time.
    pub fn of(&self, commit: Oid) -> Result<Rc<[Checked]>, String> {
        if let Some(c) = self.checked.borrow().get(&commit) {
            return Ok(Rc::clone(c));
        }
        let signers = self.signers()?;
        let unread = |_| {
            format!(
                "the approvals of commit {commit} could not be read within the push's budget of notes objects"
            )
        };
        let mut out = Vec::new();
        for blob in self.notes.blobs(commit).map_err(unread)? {
            let Some(bytes) = self
                .notes
                .read(blob, approval::MAX_NOTE_BYTES)
                .map_err(unread)?
            else {
                out.push(Checked {
                    reviewer: "(a note)".into(),
                    outcome: Err(format!(
                        "the note is larger than {} KiB and is not read",
                        approval::MAX_NOTE_BYTES >> 10
                    )),
                });
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            out.extend(
                parse_note(&text)
                    .into_iter()
                    .map(|b| self.check(commit, b, signers)),
            );
        }
        let out: Rc<[Checked]> = Rc::from(out);
        self.checked.borrow_mut().insert(commit, Rc::clone(&out));
        Ok(out)
    }

    fn check(&self, commit: Oid, block: Block, signers: &AllowedSigners) -> Checked {
        let a = match block {
            Block::Approval(a) => a,
            Block::Unknown(first) => {
                return Checked {
                    reviewer: first,
                    outcome: Err("it is not a reviewgate approval (version 1)".into()),
                }
            }
        };
        let reviewer = a.reviewer.to_lowercase();
        if !a.commit.eq_ignore_ascii_case(&commit.to_string()) {
            return Checked {
                reviewer,
                outcome: Err(format!(
                    "it approves commit {}, not this one (an approval counts only for the commit it names)",
                    crate::commit::short_id(&a.commit)
                )),
            };
        }
        let outcome = signers
            .verify(
                &a.signature,
                a.payload().as_bytes(),
                approval::NAMESPACE,
                &a.reviewer,
                self.now,
            )
            .map_err(|e| e.to_string());
        Checked { reviewer, outcome }
    }

    /// The recorded approvals an update of the approvals ref from the notes
    /// commit `old` to `new` (`None`: deleted) removes or changes: (the
    /// approved object's id, the first line of each approval lost).
    pub fn rewritten(
        &self,
        old: Oid,
        new: Option<Oid>,
    ) -> Result<Vec<(String, String)>, Unverifiable> {
        let mut lost = Vec::new();
        for (key, blob) in self.notes.removed(old, new)? {
            let before = self.text(blob)?;
            let mut after = String::new();
            if let Some(n) = new {
                let blobs = self
                    .notes
                    .blobs_in(n, &key)
                    .map_err(|_| Unverifiable::Unread)?;
                for b in blobs {
                    after.push_str(&self.text(b)?);
                    after.push_str("\n\n");
                }
            }
            let kept: Vec<&str> = after.split("\n\n").map(str::trim).collect();
            for para in before
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                if !kept.contains(&para) {
                    let what = para
                        .lines()
                        .nth(2)
                        .unwrap_or(para)
                        .chars()
                        .take(80)
                        .collect();
                    lost.push((key.clone(), what));
                }
            }
        }
        Ok(lost)
    }

    /// A note's text; a note too large to read cannot be verified.
    fn text(&self, blob: Oid) -> Result<String, Unverifiable> {
        match self.notes.read(blob, approval::MAX_NOTE_BYTES) {
            Ok(Some(b)) => Ok(String::from_utf8_lossy(&b).into_owned()),
            _ => Err(Unverifiable::Unread),
        }
    }
}
