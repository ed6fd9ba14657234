//! The commits a ref update brings: what becomes reachable from the ref that
//! was not reachable before (`old..new`), or, for a new protected ref, what no
//! other protected ref already has.
//!
//! Only protected tips are ever hidden, so cost does not grow with
//! unprotected refs. Each commit is read once, as raw bytes from the object
//! database, and parsed without allocating: only the headers and the message
//! that rules need, never trees.

use anyhow::{Context, Result};
use git2::{Odb, Oid, Repository};

/// One commit, borrowed from the object database's buffer.
pub struct CommitView<'a> {
    id: Oid,
    data: &'a [u8],
    /// End of the header block (the blank line), or `data.len()`.
    header_end: usize,
    author: &'a [u8],
    committer: &'a [u8],
    parents: usize,
    first_parent: &'a [u8],
}

/// The `Name <email>` part of an author/committer header value.
#[expect(
    clippy::indexing_slicing,
    reason = "offsets come from memchr/position scans of this same buffer; fuzzed through fuzz/trailers and the walk oracle"
)]
fn ident_part(value: &[u8]) -> &[u8] {
    match value.iter().rposition(|&c| c == b'>') {
        Some(gt) => &value[..=gt],
        None => value,
    }
}

/// The email inside `Name <email>`.
#[expect(
    clippy::indexing_slicing,
    reason = "offsets come from memchr/position scans of this same buffer; fuzzed through fuzz/trailers and the walk oracle"
)]
fn email_part(ident: &[u8]) -> &[u8] {
    let open = ident.iter().rposition(|&c| c == b'<').map_or(0, |p| p + 1);
    let close = ident[open..]
        .iter()
        .position(|&c| c == b'>')
        .map_or(ident.len(), |p| open + p);
    &ident[open..close]
}

impl<'a> CommitView<'a> {
    /// Parse a raw commit object in one pass over its headers (never fails:
    /// missing parts read as empty).
    #[expect(
        clippy::indexing_slicing,
        reason = "offsets come from memchr/position scans of this same buffer; fuzzed through fuzz/trailers and the walk oracle"
    )]
    pub fn parse(id: Oid, data: &'a [u8]) -> Self {
        let mut me = Self {
            id,
            data,
            header_end: data.len(),
            author: &[],
            committer: &[],
            parents: 0,
            first_parent: &[],
        };
        let mut pos = 0;
        while pos < data.len() {
            let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |p| pos + p);
            let line = &data[pos..end];
            if line.is_empty() {
                me.header_end = pos;
                break;
            }
            if line[0] != b' ' {
                let (key, value) = match line.iter().position(|&c| c == b' ') {
                    Some(sp) => (&line[..sp], &line[sp + 1..]),
                    None => (line, &line[line.len()..]),
                };
                match key {
                    b"parent" => {
                        if me.parents == 0 {
                            me.first_parent = value;
                        }
                        me.parents += 1;
                    }
                    b"author" if me.author.is_empty() => me.author = ident_part(value),
                    b"committer" if me.committer.is_empty() => me.committer = ident_part(value),
                    _ => {}
                }
            }
            pos = end + 1;
        }
        me
    }

    /// The commit id.
    pub fn id(&self) -> Oid {
        self.id
    }

    /// The raw message bytes (after the headers).
    pub fn message(&self) -> &'a [u8] {
        self.data.get(self.header_end + 1..).unwrap_or(&[])
    }

    /// Number of parents.
    pub fn parent_count(&self) -> usize {
        self.parents
    }

    /// Every parent id.
    #[expect(
        clippy::indexing_slicing,
        reason = "offsets come from memchr/position scans of this same buffer; fuzzed through fuzz/trailers and the walk oracle"
    )]
    pub fn parents(&self) -> impl Iterator<Item = Oid> + 'a {
        let headers: &'a [u8] = &self.data[..self.header_end];
        headers
            .split(|&c| c == b'\n')
            .filter_map(|l| l.strip_prefix(b"parent "))
            .filter_map(|hex| {
                std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| Oid::from_str(h).ok())
            })
    }

    /// The first parent's id, if any.
    pub fn first_parent(&self) -> Option<Oid> {
        std::str::from_utf8(self.first_parent)
            .ok()
            .and_then(|s| Oid::from_str(s).ok())
    }

    /// Author as raw `Name <email>`.
    pub fn author_ident(&self) -> &'a [u8] {
        self.author
    }

    /// Committer as raw `Name <email>`.
    pub fn committer_ident(&self) -> &'a [u8] {
        self.committer
    }

    /// Author email, lowercased.
    pub fn author_email(&self) -> String {
        String::from_utf8_lossy(email_part(self.author_ident())).to_ascii_lowercase()
    }

    /// Committer email, lowercased.
    pub fn committer_email(&self) -> String {
        String::from_utf8_lossy(email_part(self.committer_ident())).to_ascii_lowercase()
    }

    /// First line of the message, lossily decoded.
    #[expect(
        clippy::indexing_slicing,
        reason = "offsets come from memchr/position scans of this same buffer; fuzzed through fuzz/trailers and the walk oracle"
    )]
    pub fn subject(&self) -> String {
        let msg = self.message();
        let start = msg.iter().position(|&c| c != b'\n').unwrap_or(msg.len());
        let rest = &msg[start..];
        let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
        String::from_utf8_lossy(&rest[..end]).into_owned()
    }
}

/// Walk every commit reachable from `new` and not from any of `hide`, calling
/// `visit` for each (see [`crate::walk`]). Stops early when `visit` returns
/// `Ok(false)`.
///
/// Missing objects (a shallow push, a corrupt repository) are errors with a
/// message, never panics; the caller fails closed on protected refs.
pub fn walk(
    repo: &Repository,
    new: Oid,
    hide: &[Oid],
    visit: impl FnMut(&CommitView<'_>) -> Result<bool>,
) -> Result<()> {
    let odb: Odb<'_> = repo.odb().context("opening the object database")?;
    crate::walk::walk(&odb, new, hide, visit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_raw_commits() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 1111111111111111111111111111111111111111\nparent 2222222222222222222222222222222222222222\nauthor Ann Lee <Ann@Example.com> 1700000000 +0100\ncommitter Bo <bo@example.com> 1700000000 +0100\ngpgsig -----BEGIN PGP SIGNATURE-----\n author Fake <fake@x>\n -----END PGP SIGNATURE-----\n\nSubject line\n\nBody.\n";
        let c = CommitView::parse(Oid::zero(), raw);
        assert_eq!(c.parent_count(), 2);
        assert_eq!(c.author_ident(), b"Ann Lee <Ann@Example.com>");
        assert_eq!(c.author_email(), "ann@example.com");
        assert_eq!(c.committer_ident(), b"Bo <bo@example.com>");
        assert_eq!(c.message(), b"Subject line\n\nBody.\n");
        assert_eq!(c.subject(), "Subject line");
        assert_eq!(
            c.first_parent().map(|p| p.to_string()),
            Some("1".repeat(40))
        );
        let bare = CommitView::parse(Oid::zero(), b"tree x\n");
        assert_eq!(bare.message(), b"");
        assert_eq!(bare.parent_count(), 0);
        assert_eq!(bare.author_email(), "");
    }
}
