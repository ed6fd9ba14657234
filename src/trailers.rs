//! Git's trailer rules, ported from git's `trailer.c` and `commit.c`.
//!
//! The answer must be the one `git log --format='%(trailers:only,unfold)'` and
//! `git interpret-trailers --parse --no-divider` give, byte for byte: a
//! `Reviewed-by:` that git would not call a trailer must not count as a review.
//! libgit2's `git_message_trailers` differs from git in several ways (it cuts at
//! `---`, keeps `\r`, does not unfold), so it is not used.
//!
//! ```
//! let msg = b"Fix parser\n\nLong story.\n\nReviewed-by: Ann <ann@example.com>\n";
//! let t = reviewgate::trailers::parse(msg);
//! assert_eq!(t.len(), 1);
//! assert!(t[0].key_is("reviewed-by"));
//! assert_eq!(t[0].value, "Ann <ann@example.com>");
//! ```
#![expect(
    clippy::indexing_slicing,
    reason = "git's trailer algorithm, ported as it is, works on byte offsets found by scans of the same buffer; checked against git and fuzzed (fuzz/trailers)"
)]

use std::borrow::Cow;

/// One trailer item from a message's trailer block, unfolded and trimmed as git does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// The key as written (git compares keys case-insensitively).
    pub key: String,
    /// The value, with continuation lines folded into single spaces.
    pub value: String,
}

impl Trailer {
    /// Whether this trailer's key equals `key`, ignoring ASCII case as git does.
    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// Lines that git itself writes and that "recognise" a block under the 25% rule.
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];
const COMMENT: u8 = b'#';
/// git's scissors line, newline included (`wt_status_locate_end` looks for
/// it with its `\n`, so a CRLF scissors line does not cut).
const CUT_LINE: &[u8] = b"# ------------------------ >8 ------------------------\n";

use crate::ident::is_git_space as is_space;

/// Start of the line after the one starting at `pos` (or `buf.len()`).
fn next_line(buf: &[u8], pos: usize) -> usize {
    match memchr(b'\n', &buf[pos..]) {
        Some(i) => pos + i + 1,
        None => buf.len(),
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

/// The scissors line with the newline before it, as git searches for it.
static SCISSORS: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| {
        static PATTERN: &[u8] = b"\n# ------------------------ >8 ------------------------\n";
        memchr::memmem::Finder::new(PATTERN)
    });

/// git's `is_blank_line`: only whitespace up to the end of the line.
fn is_blank_line(line: &[u8]) -> bool {
    for &c in line {
        if c == b'\n' {
            return true;
        }
        if !is_space(c) {
            return false;
        }
    }
    true
}

/// git's `last_line`: start of the last line in `buf[..len]`, treating a final
/// newline as part of that line. `None` when `len == 0`.
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    match len {
        0 => None,
        1 => Some(0),
        _ => {
            let mut i = len - 2;
            loop {
                if buf[i] == b'\n' {
                    return Some(i + 1);
                }
                if i == 0 {
                    return Some(0);
                }
                i -= 1;
            }
        }
    }
}

/// git's `find_separator` with the default separators (`:`): the position of
/// the separator after a token of `[A-Za-z0-9-]` and optional blanks, or `None`.
pub(crate) fn find_separator(line: &[u8]) -> Option<usize> {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if c == b':' {
            return Some(i);
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

/// git's `wt_status_locate_end`: cut at the scissors line.
fn locate_end(buf: &[u8], len: usize) -> usize {
    if buf.starts_with(CUT_LINE) {
        return 0;
    }
    match SCISSORS.find(buf) {
        Some(p) if p + 1 < len => p + 1,
        _ => len,
    }
}

/// git's `ignored_log_message_bytes`: the trailing run of comment lines, empty
/// lines and old-style `Conflicts:` blocks, plus everything after the scissors.
fn ignored_log_message_bytes(buf: &[u8], len: usize) -> usize {
    let mut boc = 0usize;
    let mut bol = 0usize;
    let mut in_old_conflicts_block = false;
    let cutoff = locate_end(buf, len);

    while bol < cutoff {
        let next = match memchr(b'\n', &buf[bol..cutoff]) {
            Some(i) => bol + i + 1,
            None => cutoff,
        };
        let line = &buf[bol..cutoff];
        if line.first() == Some(&COMMENT) || buf[bol] == b'\n' {
            if boc == 0 {
                boc = bol;
            }
        } else if buf[bol..].starts_with(b"Conflicts:\n") {
            in_old_conflicts_block = true;
            if boc == 0 {
                boc = bol;
            }
        } else if in_old_conflicts_block && buf[bol] == b'\t' {
            // a pathname in the conflicts block
        } else if boc != 0 {
            boc = 0;
            in_old_conflicts_block = false;
        }
        bol = next;
    }
    if boc != 0 {
        len - boc
    } else {
        len - cutoff
    }
}

/// git's `find_end_of_log_message`.
fn find_end_of_log_message(buf: &[u8], no_divider: bool) -> usize {
    let mut end = buf.len();
    if !no_divider {
        let mut s = 0;
        while s < buf.len() {
            let line = &buf[s..];
            if line.starts_with(b"---") && line.get(3).is_some_and(|&c| is_space(c)) {
                end = s;
                break;
            }
            s = next_line(buf, s);
        }
    }
    end - ignored_log_message_bytes(buf, end)
}

/// git's `find_trailer_block_start`: where the trailer block starts, or `len`
/// when the message has none.
fn find_trailer_block_start(buf: &[u8], len: usize) -> usize {
    // The first paragraph is the title and cannot hold trailers.
    let mut s = 0;
    while s < len {
        if buf[s] == COMMENT {
            s = next_line(buf, s);
            continue;
        }
        if is_blank_line(&buf[s..]) {
            break;
        }
        s = next_line(buf, s);
    }
    let end_of_title = s;

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    let mut possible_continuation_lines = 0usize;

    let mut cursor = last_line(buf, len);
    while let Some(l) = cursor {
        if l < end_of_title {
            break;
        }
        cursor = last_line(buf, l);
        let bol = &buf[l..];

        if bol.first() == Some(&COMMENT) {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(bol) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            if (recognized_prefix && trailer_lines * 3 >= non_trailer_lines)
                || (trailer_lines > 0 && non_trailer_lines == 0)
            {
                return next_line(buf, l);
            }
            return len;
        }
        only_spaces = false;

        if GIT_GENERATED_PREFIXES.iter().any(|p| bol.starts_with(p)) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
            continue;
        }

        let starts_with_space = bol.first().is_some_and(|&c| is_space(c));
        if find_separator(bol).is_some_and(|p| p >= 1) && !starts_with_space {
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if starts_with_space {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }
    len
}

use crate::ident::trim_git_space as trim;

/// git's `unfold_value`: each newline and the whitespace after it become one space.
fn unfold(val: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(val.len());
    let mut i = 0;
    while i < val.len() {
        let c = val[i];
        i += 1;
        if c == b'\n' {
            while i < val.len() && is_space(val[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    trim(&out).to_vec()
}

fn text(bytes: &[u8]) -> String {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(s) => s.to_owned(),
        Cow::Owned(s) => s,
    }
}

/// Where git's `%(trailers)` starts reading a commit message: after the
/// leading lines that are only whitespace (`pretty.c`'s `skip_blank_lines`), so
/// a `Reviewed-by:` after leading blank lines is the subject, never a trailer.
fn skip_blank_lines(message: &[u8]) -> usize {
    let mut pos = 0;
    while pos < message.len() {
        let end = next_line(message, pos);
        if !message
            .get(pos..end)
            .is_some_and(|l| l.iter().all(|&c| is_space(c)))
        {
            break;
        }
        pos = end;
    }
    pos
}

/// `text` cut at each `\n`, as `text.split(|&c| c == b'\n')` cuts it (an
/// empty last piece after a final newline), each newline found with
/// `memchr` rather than byte by byte.
pub fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        match memchr(b'\n', t) {
            Some(i) => {
                rest = t.get(i + 1..);
                t.get(..i)
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
}

/// The bytes `%s` is made of: the first paragraph after any leading blank
/// lines (up to a NUL).
pub fn subject_range(message: &[u8]) -> std::ops::Range<usize> {
    let end_of_text = memchr(0, message).unwrap_or(message.len());
    let message = message.get(..end_of_text).unwrap_or(&[]);
    let start = skip_blank_lines(message);
    let mut pos = start;
    while pos < message.len() {
        let end = next_line(message, pos);
        if message
            .get(pos..end)
            .is_some_and(|l| l.iter().all(|&c| is_space(c)))
        {
            break;
        }
        pos = end;
    }
    start..pos
}

/// The subject as `git log --format=%s` shows it: the first paragraph after
/// any leading blank lines, each line trimmed at its end, joined by spaces
/// (`pretty.c`'s `format_subject`). A NUL ends the message, as in git.
pub fn subject(message: &[u8]) -> String {
    let message = message
        .get(..memchr(0, message).unwrap_or(message.len()))
        .unwrap_or(&[]);
    let mut pos = skip_blank_lines(message);
    let mut out: Vec<u8> = Vec::new();
    while pos < message.len() {
        let end = next_line(message, pos);
        let line = message.get(pos..end).unwrap_or(&[]);
        let len = line
            .iter()
            .rposition(|&c| !is_space(c))
            .map_or(0, |p| p + 1);
        if len == 0 {
            break;
        }
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(line.get(..len).unwrap_or(&[]));
        pos = end;
    }
    text(&out)
}

/// Byte range of the trailer block in a raw text (empty when there is none),
/// as `git interpret-trailers --parse --no-divider` finds it.
pub fn text_block_range(text: &[u8]) -> std::ops::Range<usize> {
    // git works on C strings: a NUL ends the message.
    let msg = match memchr(0, text) {
        Some(n) => &text[..n],
        None => text,
    };
    let end = find_end_of_log_message(msg, true);
    let start = find_trailer_block_start(msg, end);
    start.min(end)..end
}

/// Byte range of the trailer block in a commit message (empty when there is
/// none), as `git log --format=%(trailers)` finds it: leading blank lines are
/// skipped first, and the `---` divider is not honoured.
pub fn block_range(message: &[u8]) -> std::ops::Range<usize> {
    let skip = skip_blank_lines(message);
    let r = text_block_range(message.get(skip..).unwrap_or(&[]));
    r.start + skip..r.end + skip
}

/// The trailers of a commit message, exactly as `git log --format='%(trailers:only,unfold)'`
/// reports them: keys and values trimmed, continuation lines unfolded.
pub fn parse(message: &[u8]) -> Vec<Trailer> {
    items(message, block_range(message))
}

/// The trailers of a raw text, exactly as `git interpret-trailers --parse
/// --no-divider` reports them (unlike a commit, leading blank lines are not skipped).
pub fn parse_text(text: &[u8]) -> Vec<Trailer> {
    items(text, text_block_range(text))
}

fn items(message: &[u8], range: std::ops::Range<usize>) -> Vec<Trailer> {
    let block = message.get(range).unwrap_or(&[]);

    // Split into lines keeping '\n', joining continuation lines to the trailer
    // before them (git's `trailer_block_get`).
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut last_is_trailer = false;
    let mut pos = 0;
    while pos < block.len() {
        let end = next_line(block, pos);
        let line = &block[pos..end];
        if last_is_trailer && line.first().is_some_and(|&c| is_space(c)) {
            if let Some(item) = items.last_mut() {
                item.1 = end;
            }
        } else {
            items.push((pos, end));
            last_is_trailer = find_separator(line).is_some_and(|p| p >= 1);
        }
        pos = end;
    }

    let mut out = Vec::new();
    for (start, end) in items {
        let item = &block[start..end];
        if item.first() == Some(&COMMENT) {
            continue;
        }
        let Some(sep) = find_separator(item).filter(|&p| p >= 1) else {
            continue;
        };
        let key = trim(&item[..sep]);
        let value = unfold(trim(&item[sep + 1..]));
        out.push(Trailer {
            key: text(key),
            value: text(&value),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_cut_where_split_cuts() {
        let long = format!("{}\n{}", "a".repeat(100), "b".repeat(70));
        for text in [
            "",
            "\n",
            "\n\n",
            "a",
            "a\n",
            "\na",
            "a\nb",
            "a\n\nb\n",
            "a\r\nb",
            long.as_str(),
        ] {
            let text = text.as_bytes();
            let ours: Vec<&[u8]> = super::lines(text).collect();
            let split: Vec<&[u8]> = text.split(|&c| c == b'\n').collect();
            assert_eq!(ours, split, "{:?}", String::from_utf8_lossy(text));
        }
    }

    use super::*;

    fn kv(msg: &str) -> Vec<(String, String)> {
        parse(msg.as_bytes())
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reference_examples() {
        // Every example in shared/reference/git-hooks.md, with git's answer.
        assert_eq!(
            kv("Subject\n\nKey: first\n  second\n\tthird\nOther: x\n"),
            pairs(&[("Key", "first second third"), ("Other", "x")])
        );
        assert_eq!(
            kv("Subject\n\nKey:\nOther: x\n"),
            pairs(&[("Key", ""), ("Other", "x")])
        );
        assert_eq!(kv("Subject\nFix: x\nSigned-off-by: A\n"), pairs(&[]));
        assert_eq!(
            kv("Subject\n\none\ntwo\nthree\nSigned-off-by: A <a@x>\n"),
            pairs(&[("Signed-off-by", "A <a@x>")])
        );
        assert_eq!(
            kv("Subject\n\none\ntwo\nthree\nfour\nSigned-off-by: A <a@x>\n"),
            pairs(&[])
        );
        assert_eq!(
            kv("Subject\n\nBody\nReviewed-by: X\nmore body\n\nEnd.\n"),
            pairs(&[])
        );
        assert_eq!(
            kv("Subject\n\none\ntwo\nthree\nsigned-off-by: A <a@x>\n"),
            pairs(&[])
        );
    }

    #[test]
    fn scissors_and_comments() {
        assert_eq!(
            kv("S\n\nA: b\n# comment\n# ------------------------ >8 ------------------------\nC: d\n"),
            pairs(&[("A", "b")])
        );
        assert_eq!(kv("S\n\nA: b\n\n# trailing\n\n"), pairs(&[("A", "b")]));
    }

    #[test]
    fn subject_only_and_empty() {
        assert_eq!(kv(""), pairs(&[]));
        assert_eq!(kv("Reviewed-by: X <x@y>"), pairs(&[]));
        assert_eq!(kv("\n\n"), pairs(&[]));
    }

    #[test]
    fn key_with_space_before_colon() {
        assert_eq!(kv("S\n\nKey : v\n"), pairs(&[("Key", "v")]));
        assert_eq!(kv("S\n\nKey x: v\n"), pairs(&[]));
    }

    #[test]
    fn leading_blank_lines_make_the_subject() {
        // git log: the first non-blank line is the subject, never a trailer.
        assert_eq!(kv("\n\nReviewed-by: X <x@y>\n"), pairs(&[]));
        assert_eq!(kv(" \r\n\nS\n\nA: b\n"), pairs(&[("A", "b")]));
        // interpret-trailers reads a text as it is.
        assert_eq!(parse_text(b"\n\nReviewed-by: X <x@y>\n").len(), 1);
    }

    #[test]
    fn crlf_scissors_do_not_cut() {
        assert_eq!(
            kv("S\n\nA: b\r\n# ------------------------ >8 ------------------------\r\nC: d\n"),
            pairs(&[("A", "b"), ("C", "d")])
        );
    }

    #[test]
    fn nul_ends_message() {
        assert_eq!(parse(b"S\n\nA: b\0\n\nC: d\n").len(), 1);
    }
}
