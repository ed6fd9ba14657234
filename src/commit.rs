//! The commit object as git reads it: one parser, shared by the revision walk
//! and the checks, so that parents, author, committer and message are the ones
//! git itself shows.
//!
//! git reads a commit in two places that must agree for a decision to be
//! sound: `parse_commit_buffer` (parents: exactly the consecutive `parent`
//! lines right after `tree`; the date: the `committer` line right after the
//! `author` line right after them) and `pretty.c` (`%an`/`%ae`: the *last*
//! `author` line; the default `git log` format shows every one of them). A
//! commit whose headers could be read two ways (duplicated, misplaced or
//! missing `tree`/`parent`/`author`/`committer` lines, a NUL byte, two
//! `encoding` headers) gets an [`Anomaly`], and the checks refuse it on
//! protected refs instead of guessing.
//!
//! A commit with an `encoding` header is shown by git re-encoded to UTF-8;
//! [`CommitView::shown`] gives the author, committer and message as git shows
//! them, or says that it cannot decode them exactly.
//!
//! ```
//! use reviewgate::commit::CommitView;
//! let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
//! author Ann <ann@example.com> 1700000000 +0000\n\
//! committer Ann <ann@example.com> 1700000000 +0000\n\nSubject\n";
//! let c = CommitView::parse(git2::Oid::zero(), raw);
//! assert!(c.anomaly().is_none());
//! assert_eq!(c.parent_count(), 0);
//! assert_eq!(c.time(), 1_700_000_000);
//! ```

use std::borrow::Cow;

use git2::Oid;

use crate::ident::GitIdent;

/// Length of a hex object id (SHA-1; SHA-256 repositories are refused earlier).
const HEX: usize = 40;
/// `parent <hex>\n`.
const PARENT_LINE: usize = 7 + HEX + 1;

/// An id as messages show it: its first 12 hex digits (an object id, or a
/// hash in text). The one short form everywhere.
pub fn short_id(id: impl std::fmt::Display) -> String {
    let mut s = id.to_string();
    s.truncate(12);
    s
}

/// A commit's tree, parents and time, read exactly as [`CommitView::parse`]
/// reads them, without the other headers or the message: what a walk needs
/// to go on; [`CommitView::parse_rest`] finishes the parse later.
#[derive(Debug, Clone, Copy)]
pub struct ParentsRead {
    parents: (usize, usize),
    headers_at: usize,
    time: i64,
    anomaly: Option<Anomaly>,
}

impl ParentsRead {
    /// Read the tree, parents and time of the commit object `data`.
    pub fn of(data: &[u8]) -> Self {
        let mut view = CommitView::unread(Oid::zero(), data);
        let headers_at = view.parse_tree_and_parents();
        let start = if headers_at == 0 { 0 } else { 5 + HEX + 1 };
        Self {
            parents: (start, start + view.parent_lines.len()),
            headers_at,
            time: view.time,
            anomaly: view.anomaly,
        }
    }

    /// The committer time, as [`CommitView::time`] reads it.
    pub fn time(&self) -> i64 {
        self.time
    }

    /// The parents in `data` (the object this was read from), as
    /// [`CommitView::parents`] reads them.
    pub fn parents<'a>(&self, data: &'a [u8]) -> impl Iterator<Item = Oid> + 'a {
        data.get(self.parents.0..self.parents.1)
            .unwrap_or_default()
            .chunks(PARENT_LINE)
            .filter_map(|line| line.get(7..7 + HEX).and_then(oid_from_hex))
    }
}

/// Why git's reading of a commit is not certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anomaly {
    /// The object does not start with `tree <id>\n`, or a `parent` line right
    /// after it is not `parent <id>\n` (git refuses to parse it).
    BadTreeOrParent,
    /// A `tree` or `parent` header after the `author` line (git ignores it as a
    /// parent; other readers might not).
    MisplacedHeader(&'static str),
    /// Not exactly one `author` line right after the parents, or not exactly
    /// one `committer` line right after it.
    AuthorCommitter,
    /// A NUL byte: git stops reading the message (or the headers) there.
    Nul,
    /// Two `encoding` headers.
    DuplicateEncoding,
}

impl std::fmt::Display for Anomaly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Anomaly::BadTreeOrParent => {
                f.write_str("its `tree`/`parent` headers are not the form git parses")
            }
            Anomaly::MisplacedHeader(h) => write!(
                f,
                "it has a `{h}` header after `author`, which git ignores but other readers may not"
            ),
            Anomaly::AuthorCommitter => f.write_str(
                "it does not have exactly one `author` line followed by exactly one `committer` line",
            ),
            Anomaly::Nul => {
                f.write_str("it contains a NUL byte, after which git shows nothing")
            }
            Anomaly::DuplicateEncoding => f.write_str("it has two `encoding` headers"),
        }
    }
}

/// One commit, borrowed from the object database's buffer, parsed in one pass
/// over its headers.
#[derive(Debug, PartialEq, Eq)]
pub struct CommitView<'a> {
    id: Oid,
    data: &'a [u8],
    /// Where the message starts (after the blank line), or `data.len()`.
    message_start: usize,
    /// The consecutive `parent` lines after `tree`.
    parent_lines: &'a [u8],
    /// The value of the last `author` line (what `%an`/`%ae` read).
    author: &'a [u8],
    committer: &'a [u8],
    encoding: Option<&'a [u8]>,
    time: i64,
    anomaly: Option<Anomaly>,
}

/// The value of each byte as a hex digit (either case, as git's
/// `get_oid_hex` reads them), or 16 for a byte that is none.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const HEX_VALUE: [u8; 256] = {
    let mut t = [16u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// An object id from 40 hex digits (either case); `None` for anything
/// else. Decoded here, by table: this runs for every parent and tree of
/// every commit a push brings.
#[expect(clippy::indexing_slicing, reason = "a u8 indexes a 256-entry table")]
pub fn oid_from_hex(hex: &[u8]) -> Option<Oid> {
    if hex.len() != HEX {
        return None;
    }
    let mut raw = [0u8; HEX / 2];
    let mut bad = 0u8;
    for (byte, pair) in raw.iter_mut().zip(hex.chunks_exact(2)) {
        if let [hi, lo] = *pair {
            let (hi, lo) = (HEX_VALUE[usize::from(hi)], HEX_VALUE[usize::from(lo)]);
            bad |= hi | lo;
            *byte = (hi << 4) | (lo & 15);
        }
    }
    if bad >= 16 {
        return None;
    }
    Oid::from_bytes(&raw).ok()
}

fn is_hex_id(s: &[u8]) -> bool {
    s.len() == HEX && s.iter().all(u8::is_ascii_hexdigit)
}

/// git's `parse_commit_date`: the number after the first `>` of a `committer`
/// line that directly follows the `author` line at `rest`; 0 otherwise.
fn commit_date(rest: &[u8]) -> i64 {
    if !rest.starts_with(b"author") {
        return 0;
    }
    let Some(nl) = memchr::memchr(b'\n', rest) else {
        return 0;
    };
    let line = rest.get(nl + 1..).unwrap_or(&[]);
    if !line.starts_with(b"committer") {
        return 0;
    }
    let line = line
        .get(..memchr::memchr(b'\n', line).unwrap_or(line.len()))
        .unwrap_or(&[]);
    let Some(gt) = memchr::memchr(b'>', line) else {
        return 0;
    };
    let digits = crate::ident::trim_git_space(line.get(gt + 1..).unwrap_or(&[]));
    let end = digits
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(digits.get(..end).unwrap_or(&[]))
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

/// The committer time git orders a walk by, read the way git's
/// `parse_commit_buffer` reads it (without parsing the rest of the commit).
pub fn time_of(data: &[u8]) -> i64 {
    let mut pos = 5 + HEX + 1;
    if !data.starts_with(b"tree ") || data.len() < pos {
        return 0;
    }
    while data
        .get(pos..)
        .is_some_and(|r| r.len() > PARENT_LINE - 1 && r.starts_with(b"parent "))
    {
        pos += PARENT_LINE;
    }
    commit_date(data.get(pos..).unwrap_or(&[]))
}

impl<'a> CommitView<'a> {
    /// Parse a raw commit object (never fails: what git could not read is an
    /// [`Anomaly`], missing parts read as empty).
    pub fn parse(id: Oid, data: &'a [u8]) -> Self {
        let mut me = Self::unread(id, data);
        if memchr::memchr(0, data).is_some() {
            me.flag(Anomaly::Nul);
        }
        let pos = me.parse_tree_and_parents();
        me.parse_headers(pos);
        me
    }

    /// Nothing read yet.
    fn unread(id: Oid, data: &'a [u8]) -> Self {
        Self {
            id,
            data,
            message_start: data.len(),
            parent_lines: &[],
            author: &[],
            committer: &[],
            encoding: None,
            time: 0,
            anomaly: None,
        }
    }

    /// The whole commit, as [`CommitView::parse`] reads it, from what
    /// [`ParentsRead::of`] read of the same `data`.
    pub fn parse_rest(id: Oid, data: &'a [u8], read: ParentsRead) -> Self {
        let mut me = Self {
            parent_lines: data.get(read.parents.0..read.parents.1).unwrap_or(&[]),
            time: read.time,
            ..Self::unread(id, data)
        };
        // The same anomaly first as `parse`: a NUL, then the parents'.
        if memchr::memchr(0, data).is_some() {
            me.flag(Anomaly::Nul);
        }
        if let Some(a) = read.anomaly {
            me.flag(a);
        }
        me.parse_headers(read.headers_at);
        me
    }

    fn flag(&mut self, a: Anomaly) {
        self.anomaly.get_or_insert(a);
    }

    /// `tree <hex>\n`, then `parent <hex>\n` lines, as git's
    /// `parse_commit_buffer` reads them; where the other headers start.
    #[expect(
        clippy::indexing_slicing,
        reason = "offsets come from length checks on this same buffer; fuzzed (fuzz/commit) and checked against git"
    )]
    fn parse_tree_and_parents(&mut self) -> usize {
        let data = self.data;
        let tree_ok = data.len() > 5 + HEX
            && data.starts_with(b"tree ")
            && is_hex_id(&data[5..5 + HEX])
            && data[5 + HEX] == b'\n';
        if !tree_ok {
            self.flag(Anomaly::BadTreeOrParent);
            return 0;
        }
        let start = 5 + HEX + 1;
        let mut pos = start;
        while pos + PARENT_LINE - 1 < data.len() && data[pos..].starts_with(b"parent ") {
            if !(pos + PARENT_LINE <= data.len()
                && is_hex_id(&data[pos + 7..pos + 7 + HEX])
                && data[pos + PARENT_LINE - 1] == b'\n')
            {
                self.flag(Anomaly::BadTreeOrParent);
                break;
            }
            pos += PARENT_LINE;
        }
        self.parent_lines = &data[start..pos];
        self.time = commit_date(&data[pos..]);
        pos
    }

    /// The headers after the parents, up to the first empty line: exactly one
    /// `author` line first, then exactly one `committer` line; no `tree` or
    /// `parent` header after them; at most one `encoding`.
    #[expect(
        clippy::indexing_slicing,
        reason = "offsets come from memchr scans of this same buffer; fuzzed (fuzz/commit) and checked against git"
    )]
    fn parse_headers(&mut self, pos: usize) {
        let data = self.data;
        let (mut authors, mut committers, mut encodings) = (0usize, 0usize, 0usize);
        // Index of the header line after the parents: 0 must be author, 1 committer.
        let mut index = 0usize;
        let mut line_start = pos;
        while line_start < data.len() {
            let end =
                memchr::memchr(b'\n', &data[line_start..]).map_or(data.len(), |p| line_start + p);
            let line = &data[line_start..end];
            if line.is_empty() {
                self.message_start = (end + 1).min(data.len());
                break;
            }
            if let Some(v) = line.strip_prefix(b"author ") {
                authors += 1;
                self.author = v;
                if index != 0 {
                    self.flag(Anomaly::AuthorCommitter);
                }
            } else if let Some(v) = line.strip_prefix(b"committer ") {
                committers += 1;
                self.committer = v;
                if index != 1 {
                    self.flag(Anomaly::AuthorCommitter);
                }
            } else if let Some(v) = line.strip_prefix(b"encoding ") {
                encodings += 1;
                self.encoding.get_or_insert(v);
            } else if line.starts_with(b"parent ") {
                self.flag(Anomaly::MisplacedHeader("parent"));
            } else if line.starts_with(b"tree ") {
                self.flag(Anomaly::MisplacedHeader("tree"));
            } else if index < 2 {
                // Something else (a continuation, an unknown header) where
                // git expects `author` then `committer`.
                self.flag(Anomaly::AuthorCommitter);
            }
            index += 1;
            line_start = end + 1;
        }
        if authors != 1 || committers != 1 {
            self.flag(Anomaly::AuthorCommitter);
        }
        if encodings > 1 {
            self.flag(Anomaly::DuplicateEncoding);
        }
    }

    /// The commit id.
    pub fn id(&self) -> Oid {
        self.id
    }

    /// The tree, when the `tree` header is one git reads.
    pub fn tree(&self) -> Option<Oid> {
        if !self.data.starts_with(b"tree ") {
            return None;
        }
        let hex = self.data.get(5..5 + HEX)?;
        if self.data.get(5 + HEX) != Some(&b'\n') {
            return None;
        }
        oid_from_hex(hex)
    }

    /// Why git's reading of this commit is not certain, if it is not.
    pub fn anomaly(&self) -> Option<Anomaly> {
        self.anomaly
    }

    /// The raw message bytes (after the headers), not re-encoded.
    pub fn raw_message(&self) -> &'a [u8] {
        self.data.get(self.message_start..).unwrap_or(&[])
    }

    /// Number of parents, as git counts them.
    pub fn parent_count(&self) -> usize {
        self.parent_lines.len() / PARENT_LINE
    }

    /// The parents, as git reads them: the consecutive `parent` lines after `tree`.
    pub fn parents(&self) -> impl Iterator<Item = Oid> + 'a {
        self.parent_lines
            .chunks(PARENT_LINE)
            .filter_map(|line| line.get(7..7 + HEX).and_then(oid_from_hex))
    }

    /// The first parent, if any.
    pub fn first_parent(&self) -> Option<Oid> {
        self.parents().next()
    }

    /// The committer time git orders walks by (0 when git reads none).
    pub fn time(&self) -> i64 {
        self.time
    }

    /// The declared `encoding` header, if any.
    pub fn encoding(&self) -> Option<&'a [u8]> {
        self.encoding
    }

    /// The whole author header value, date included (`Name <email> 1700000000 +0000`).
    pub fn author_line(&self) -> &'a [u8] {
        self.author
    }

    /// Author as git splits it (raw bytes, not re-encoded).
    pub fn raw_author(&self) -> GitIdent<'a> {
        GitIdent::split(self.author).unwrap_or_default()
    }

    /// Committer as git splits it (raw bytes, not re-encoded).
    pub fn raw_committer(&self) -> GitIdent<'a> {
        GitIdent::split(self.committer).unwrap_or_default()
    }

    /// The commit's signature and what it signs, as git's
    /// `parse_signed_commit` splits them: the `gpgsig` header's value (its
    /// continuation lines joined, each without its leading space), and the
    /// object without that header. `None` when unsigned; `Err` when the
    /// object has more than one `gpgsig` header (git would sign-check their
    /// concatenation, which no signer made).
    pub fn signature(&self) -> Result<Option<(String, Vec<u8>)>, &'static str> {
        let headers_end = self.message_start.min(self.data.len());
        let (headers, rest) = self.data.split_at(headers_end);
        let mut payload = Vec::with_capacity(self.data.len());
        let mut sig: Option<String> = None;
        let mut in_sig = false;
        for line in headers.split_inclusive(|&c| c == b'\n') {
            if let Some(value) = line.strip_prefix(b"gpgsig ") {
                if sig.is_some() {
                    return Err("the commit has two gpgsig headers");
                }
                sig = Some(String::from_utf8_lossy(value).into_owned());
                in_sig = true;
            } else if in_sig && line.first() == Some(&b' ') {
                if let Some(s) = sig.as_mut() {
                    s.push_str(&String::from_utf8_lossy(line.get(1..).unwrap_or_default()));
                }
            } else {
                in_sig = false;
                payload.extend_from_slice(line);
            }
        }
        payload.extend_from_slice(rest);
        Ok(sig.map(|s| (s, payload)))
    }

    /// The author, committer and message as git shows them (`git log`
    /// re-encodes to UTF-8 from the `encoding` header).
    pub fn shown(&self) -> Shown<'a> {
        let decoding = match self.encoding {
            None => Decoding::Raw,
            Some(name) => classify(name, self.data),
        };
        let author = self.raw_author();
        let committer = self.raw_committer();
        let message = self.raw_message();
        match decoding {
            Decoding::Raw => Shown {
                author: ShownIdent::new(text(author.name), text(author.email)),
                committer: ShownIdent::new(text(committer.name), text(committer.email)),
                message: Cow::Borrowed(message),
                undecodable: None,
            },
            Decoding::Latin1 => Shown {
                author: ShownIdent::new(latin1(author.name), latin1(author.email)),
                committer: ShownIdent::new(latin1(committer.name), latin1(committer.email)),
                message: Cow::Owned(latin1(message).into_owned().into_bytes()),
                undecodable: None,
            },
            Decoding::Unknown => Shown {
                author: ShownIdent::new(text(author.name), text(author.email)),
                committer: ShownIdent::new(text(committer.name), text(committer.email)),
                message: Cow::Borrowed(message),
                undecodable: Some(
                    String::from_utf8_lossy(self.encoding.unwrap_or(b"")).into_owned(),
                ),
            },
        }
    }

    /// The subject as `git log --format=%s` shows it.
    pub fn subject(&self) -> String {
        crate::trailers::subject(&self.shown().message)
    }
}

/// An author or committer as git shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownIdent<'a> {
    /// The name.
    pub name: Cow<'a, str>,
    /// The email, as written.
    pub email: Cow<'a, str>,
}

impl<'a> ShownIdent<'a> {
    fn new(name: Cow<'a, str>, email: Cow<'a, str>) -> Self {
        Self { name, email }
    }

    /// `Name <email>`.
    pub fn display(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }

    /// The email, lowercased (emails are compared without regard to case).
    pub fn email_lower(&self) -> String {
        self.email.to_lowercase()
    }
}

/// What git shows for a commit.
#[derive(Debug, Clone)]
pub struct Shown<'a> {
    /// The author.
    pub author: ShownIdent<'a>,
    /// The committer.
    pub committer: ShownIdent<'a>,
    /// The message (UTF-8 when it could be decoded; raw otherwise).
    pub message: Cow<'a, [u8]>,
    /// The declared encoding, when it cannot be decoded exactly as git would:
    /// then `message` is the raw bytes, which are *not* what git shows.
    pub undecodable: Option<String>,
}

fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        return text(bytes);
    }
    Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())
}

enum Decoding {
    /// git shows the raw bytes (UTF-8 declared, or pure ASCII in an
    /// ASCII-compatible encoding).
    Raw,
    /// ISO-8859-1: every byte is the code point of the same number.
    Latin1,
    /// An encoding reviewgate cannot decode exactly as git's iconv would.
    Unknown,
}

/// Encodings whose bytes 0x00-0x7F are ASCII in glibc's iconv, so that a
/// commit made only of ASCII bytes reads the same in them as in UTF-8.
const ASCII_COMPATIBLE: &[&str] = &[
    "us-ascii",
    "ascii",
    "ansi_x3.4-1968",
    "iso-8859-*",
    "iso8859-*",
    "iso_8859-*",
    "latin*",
    "cp125?",
    "windows-125?",
    "koi8-r",
    "koi8-u",
    "euc-jp",
    "euc-kr",
    "euc-cn",
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
];

/// Names glibc's iconv (and git's fallback for `latin-1`) reads as ISO-8859-1.
const LATIN1: &[&str] = &[
    "iso-8859-1",
    "iso8859-1",
    "iso_8859-1",
    "iso88591",
    "latin1",
    "latin-1",
    "l1",
    "cp819",
    "ibm819",
];

fn name_matches(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        name.starts_with(prefix) && name.len() > prefix.len()
    } else if let Some(prefix) = pattern.strip_suffix('?') {
        name.starts_with(prefix) && name.len() == prefix.len() + 1
    } else {
        name == pattern
    }
}

fn classify(name: &[u8], object: &[u8]) -> Decoding {
    let name = String::from_utf8_lossy(crate::ident::trim_git_space(name)).to_ascii_lowercase();
    // git's is_encoding_utf8: no re-encoding at all.
    if name == "utf-8" || name == "utf8" {
        return Decoding::Raw;
    }
    if LATIN1.contains(&name.as_str()) {
        return Decoding::Latin1;
    }
    if object.is_ascii() && ASCII_COMPATIBLE.iter().any(|p| name_matches(p, &name)) {
        return Decoding::Raw;
    }
    Decoding::Unknown
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_ids_decode_as_git_reads_them() {
        let hex = "0123456789abcdefABCDEF0123456789abcdef01";
        assert_eq!(
            super::oid_from_hex(hex.as_bytes()),
            git2::Oid::from_str(hex).ok()
        );
        for bad in ["0123", "g123456789abcdef0123456789abcdef01234567", ""] {
            assert_eq!(super::oid_from_hex(bad.as_bytes()), None, "{bad}");
        }
    }

    use super::*;

    const T: &str = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n";
    const P1: &str = "parent 1111111111111111111111111111111111111111\n";
    const P2: &str = "parent 2222222222222222222222222222222222222222\n";
    const A: &str = "author Ann Lee <Ann@Example.com> 1700000000 +0100\n";
    const C: &str = "committer Bo <bo@example.com> 1700000001 +0100\n";

    fn view(raw: &str) -> CommitView<'_> {
        CommitView::parse(Oid::zero(), raw.as_bytes())
    }

    #[test]
    fn well_formed() {
        let raw = format!("{T}{P1}{P2}{A}{C}gpgsig -----BEGIN PGP SIGNATURE-----\n author Fake <fake@x>\n parent 3333333333333333333333333333333333333333\n -----END PGP SIGNATURE-----\n\nSubject line\n\nBody.\n");
        let c = view(&raw);
        assert_eq!(c.anomaly(), None);
        assert_eq!(c.parent_count(), 2);
        assert_eq!(
            c.first_parent().map(|p| p.to_string()),
            Some("1".repeat(40))
        );
        assert_eq!(c.raw_author().name, b"Ann Lee");
        assert_eq!(c.shown().author.email_lower(), "ann@example.com");
        assert_eq!(c.raw_message(), b"Subject line\n\nBody.\n");
        assert_eq!(c.subject(), "Subject line");
        assert_eq!(c.time(), 1_700_000_001);
    }

    #[test]
    fn anomalies() {
        let cases = [
            (
                format!("{T}{A}{P1}{C}\nm\n"),
                Anomaly::MisplacedHeader("parent"),
            ),
            (
                format!("{T}{A}{C}{P1}\nm\n"),
                Anomaly::MisplacedHeader("parent"),
            ),
            (format!("{T}{P1}{A}{A}{C}\nm\n"), Anomaly::AuthorCommitter),
            (format!("{T}{P1}{A}{C}{C}\nm\n"), Anomaly::AuthorCommitter),
            (format!("{T}{C}{A}\nm\n"), Anomaly::AuthorCommitter),
            (
                format!("{T}{A}x-extra y\n{C}\nm\n"),
                Anomaly::AuthorCommitter,
            ),
            (format!("{T}{A}\nm\n"), Anomaly::AuthorCommitter),
            (
                format!("{T}{A}{C}{T}\nm\n"),
                Anomaly::MisplacedHeader("tree"),
            ),
            (format!("{A}{C}\nm\n"), Anomaly::BadTreeOrParent),
            (
                format!("{T}parent 123\n{A}{C}\nm\n"),
                Anomaly::BadTreeOrParent,
            ),
            (
                format!("{T}{A}{C}encoding a\nencoding b\n\nm\n"),
                Anomaly::DuplicateEncoding,
            ),
            (format!("{T}{A}{C}\nm\0hidden\n"), Anomaly::Nul),
        ];
        for (raw, want) in cases {
            assert_eq!(view(&raw).anomaly(), Some(want), "{raw:?}");
        }
        // A misplaced parent is not a parent, as git reads it.
        let raw = format!("{T}{A}{C}{P1}\nm\n");
        assert_eq!(view(&raw).parent_count(), 0);
    }

    #[test]
    fn encodings() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor J\xf6rg <j\xf6rg@x.de> 1 +0000\ncommitter J <j@x.de> 1 +0000\nencoding ISO-8859-1\n\nS\xe9\n";
        let c = CommitView::parse(Oid::zero(), raw);
        let s = c.shown();
        assert_eq!(s.author.name, "Jörg");
        assert_eq!(s.author.email, "jörg@x.de");
        assert_eq!(&*s.message, "Sé\n".as_bytes());
        assert!(s.undecodable.is_none());
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor J <j@x> 1 +0000\ncommitter J <j@x> 1 +0000\nencoding UTF-7\n\nS\n";
        let c = CommitView::parse(Oid::zero(), raw);
        assert_eq!(c.shown().undecodable.as_deref(), Some("UTF-7"));
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor J <j@x> 1 +0000\ncommitter J <j@x> 1 +0000\nencoding windows-1252\n\nS\n";
        assert!(CommitView::parse(Oid::zero(), raw)
            .shown()
            .undecodable
            .is_none());
    }

    /// Parsing in two steps (parents first, as a walk does, the rest when
    /// the commit is visited) reads every commit of the fuzz corpus exactly
    /// as parsing it whole does.
    #[test]
    fn parsing_in_two_steps_is_parsing_whole() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/commit");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).expect("corpus") {
            let data = std::fs::read(entry.expect("entry").path()).expect("read");
            let id = Oid::zero();
            let read = ParentsRead::of(&data);
            assert_eq!(
                CommitView::parse_rest(id, &data, read),
                CommitView::parse(id, &data)
            );
            n += 1;
        }
        assert!(n > 1000, "{n} corpus entries");
    }

    #[test]
    fn short_and_empty() {
        let c = CommitView::parse(Oid::zero(), b"tree x\n");
        assert_eq!(c.raw_message(), b"");
        assert_eq!(c.parent_count(), 0);
        assert_eq!(c.anomaly(), Some(Anomaly::BadTreeOrParent));
        let c = CommitView::parse(Oid::zero(), b"");
        assert_eq!(c.time(), 0);
    }
}
