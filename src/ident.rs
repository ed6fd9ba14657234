//! Identities: how git splits an author or committer line, and how a trailer
//! value such as `Reviewed-by: Ann Lee <ann@example.com>` names a person.
//!
//! Both are judged by meaning, not by text: an AI or bot identity with a
//! comment after its email (`Claude <noreply@anthropic.com> via CLI`), a
//! trailing comma, or its name after the email is still that identity, and a
//! value that names no single well-formed email names nobody.

use std::fmt;

/// git's `isspace` (space, tab, LF, CR): what git trims around names.
pub fn is_git_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Trim git's whitespace (space, tab, LF, CR) from both ends of `s`.
pub fn trim_git_space(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !is_git_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !is_git_space(c))
        .map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or(&[])
}

/// The name and email of an author or committer line, split exactly as git's
/// `split_ident_line` does (what `%an` / `%ae` show): the name runs up to the
/// first `<` (trailing whitespace dropped), the email from there to the first
/// `>` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GitIdent<'a> {
    /// The name, as raw bytes.
    pub name: &'a [u8],
    /// The email, as raw bytes (not lowercased).
    pub email: &'a [u8],
}

impl<'a> GitIdent<'a> {
    /// Split a header value (`Name <email> 1700000000 +0000`); `None` when git
    /// could not split it either (no `<`, or no `>` after it).
    pub fn split(value: &'a [u8]) -> Option<Self> {
        let open = memchr::memchr(b'<', value)?;
        let after = value.get(open + 1..)?;
        let close = memchr::memchr(b'>', after)?;
        let before = value.get(..open)?;
        let name_end = before
            .iter()
            .rposition(|&c| !is_git_space(c))
            .map_or(0, |p| p + 1);
        Some(GitIdent {
            name: before.get(..name_end)?,
            email: after.get(..close)?,
        })
    }
}

/// A person named in a trailer value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The name before the email (trimmed), possibly empty.
    pub name: String,
    /// Text after the email (a comment, `via CLI`, a comma), trimmed.
    pub after: String,
    /// The email, lowercased.
    pub email: String,
}

/// Why a trailer value names nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonError {
    /// No email at all (`Reviewed-by: Ann Lee`).
    NoEmail,
    /// More than one `<...>`, or unbalanced brackets.
    Ambiguous,
    /// The part in brackets is not an email (no `@`, spaces, empty parts).
    BadEmail,
}

impl fmt::Display for PersonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PersonError::NoEmail => "names no email",
            PersonError::Ambiguous => "does not name exactly one <email>",
            PersonError::BadEmail => "names no valid email (user@host)",
        })
    }
}

/// Whether `email` looks like `user@host`: exactly one `@` with text on both
/// sides, no whitespace, angle brackets, parentheses, double quotes, commas,
/// semicolons or backslashes (GitHub's `[bot]` addresses keep their square brackets).
fn valid_email(email: &str) -> bool {
    let mut parts = email.split('@');
    let (Some(user), Some(host), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !user.is_empty()
        && !host.is_empty()
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\",;()\\".contains(c))
}

impl Person {
    /// Parse a trailer value: `Name <email>` (text after `>` is kept as a
    /// comment), `<email> Name`, or a bare `user@host`.
    pub fn parse(value: &str) -> Result<Person, PersonError> {
        let value = value.trim();
        let opens = value.matches('<').count();
        let closes = value.matches('>').count();
        if opens == 0 && closes == 0 {
            let email = value.to_lowercase();
            if !email.contains('@') {
                return Err(PersonError::NoEmail);
            }
            if !valid_email(&email) {
                return Err(PersonError::BadEmail);
            }
            return Ok(Person {
                name: String::new(),
                after: String::new(),
                email,
            });
        }
        if opens != 1 || closes != 1 {
            return Err(PersonError::Ambiguous);
        }
        let (before, rest) = value.split_once('<').ok_or(PersonError::Ambiguous)?;
        let (inside, after) = rest.split_once('>').ok_or(PersonError::Ambiguous)?;
        let email = inside.trim().to_lowercase();
        if !valid_email(&email) {
            return Err(PersonError::BadEmail);
        }
        Ok(Person {
            name: before.trim().to_string(),
            after: after.trim().to_string(),
            email,
        })
    }

    /// `Name <email>` with the name as written before the email.
    pub fn canonical(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }

    /// Every `Name <email>` reading of this person that identity patterns are
    /// matched against: the name before the email, the text after it (`<email>
    /// Name`), and both together. An identity matches a pattern when any
    /// reading does, so nothing around an AI identity hides it.
    pub fn readings(&self) -> Vec<String> {
        let mut out = vec![self.canonical()];
        if !self.after.is_empty() {
            let after = self
                .after
                .trim_matches(|c: char| c == ',' || c == ';' || c.is_whitespace());
            out.push(format!("{after} <{}>", self.email));
            if !self.name.is_empty() {
                out.push(format!("{} {after} <{}>", self.name, self.email));
            }
        }
        out
    }
}

/// The `Name <email>` readings of any trailer value that identity patterns
/// are matched against, for *detection*: a well-formed person's readings
/// (see [`Person::readings`]), or, for a value that is not one, the value as
/// written, each `<...>` in it with the text before it, and each Markdown
/// mail link (`Oz [oz-agent@warp.dev](mailto:oz-agent@warp.dev)`, as some
/// tools write the trailer) as `Oz <oz-agent@warp.dev>`; HTML-escaped and
/// unclosed brackets are read too. Detection errs
/// toward finding an identity; review counts only well-formed people.
pub fn identity_readings(value: &str) -> Vec<String> {
    if let Ok(p) = Person::parse(value) {
        return p.readings();
    }
    let mut out = vec![value.trim().to_string()];
    let mut rest = value;
    let mut before = String::new();
    while let Some((pre, after_open)) = rest.split_once('[') {
        before.push_str(pre);
        let Some((inside, after)) = after_open.split_once("](mailto:") else {
            break;
        };
        out.push(format!("{} <{}>", before.trim(), inside.trim()));
        let link_end = after.find(')').map_or(after.len(), |i| i + 1);
        rest = after.get(link_end..).unwrap_or("");
    }
    // HTML-escaped brackets (`Oz &lt;oz-agent@warp.dev&gt;`, as a web form
    // wrote one).
    let unescaped;
    rest = if value.contains("&lt;") {
        unescaped = value.replace("&lt;", "<").replace("&gt;", ">");
        out.push(unescaped.trim().to_string());
        &unescaped
    } else {
        value
    };
    before.clear();
    while let Some((pre, after_open)) = rest.split_once('<') {
        before.push_str(pre);
        let Some((inside, after)) = after_open.split_once('>') else {
            // An unclosed last bracket (`Crush <crush@charm.land`).
            out.push(format!("{} <{}>", before.trim(), after_open.trim()));
            break;
        };
        out.push(format!("{} <{}>", before.trim(), inside.trim()));
        before.push('<');
        before.push_str(inside);
        before.push('>');
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_split_matches_split_ident_line() {
        let s = |v: &[u8]| GitIdent::split(v).map(|i| (i.name.to_vec(), i.email.to_vec()));
        assert_eq!(
            s(b"Ann Lee <ann@x.org> 1700000000 +0000"),
            Some((b"Ann Lee".to_vec(), b"ann@x.org".to_vec()))
        );
        // The first '<' and the first '>' after it, as git does.
        assert_eq!(
            s(b"Eve <eve@x> <noreply@anthropic.com> 1 +0000"),
            Some((b"Eve".to_vec(), b"eve@x".to_vec()))
        );
        assert_eq!(s(b"  <a@b> 1 +0000"), Some((b"".to_vec(), b"a@b".to_vec())));
        assert_eq!(s(b"Ann \t<a@b"), None);
        assert_eq!(s(b"no email"), None);
    }

    #[test]
    fn detection_readings_of_odd_forms() {
        let r = identity_readings("Oz [oz-agent@warp.dev](mailto:oz-agent@warp.dev)");
        assert!(r.contains(&"Oz <oz-agent@warp.dev>".to_string()), "{r:?}");
        let r = identity_readings("Oz [oz-agent@warp.dev](mailto:oz-agent@warp.dev) d");
        assert!(r.contains(&"Oz <oz-agent@warp.dev>".to_string()), "{r:?}");
        let r = identity_readings("Oz &lt;oz-agent@warp.dev&gt;");
        assert!(r.contains(&"Oz <oz-agent@warp.dev>".to_string()), "{r:?}");
        let r = identity_readings("Charm Crush <crush@charm.land");
        assert!(
            r.contains(&"Charm Crush <crush@charm.land>".to_string()),
            "{r:?}"
        );
        // Review never reads these forms: only a well-formed person counts.
        assert!(Person::parse("Oz [oz-agent@warp.dev](mailto:oz-agent@warp.dev)").is_err());
    }

    #[test]
    fn people_by_meaning() {
        let p = Person::parse("Claude <noreply@anthropic.com> via CLI").expect("person");
        assert_eq!(p.email, "noreply@anthropic.com");
        assert!(p
            .readings()
            .contains(&"via CLI <noreply@anthropic.com>".to_string()));
        let p = Person::parse("<x@y.org> Kiro Agent").expect("person");
        assert!(p.readings().contains(&"Kiro Agent <x@y.org>".to_string()));
        let p = Person::parse("Claude <Noreply@Anthropic.com>,").expect("person");
        assert_eq!(p.email, "noreply@anthropic.com");
        assert_eq!(
            Person::parse("ann@x.org").map(|p| p.email),
            Ok("ann@x.org".into())
        );
        assert_eq!(Person::parse("Ann Lee"), Err(PersonError::NoEmail));
        assert_eq!(Person::parse("Ann <ann>"), Err(PersonError::BadEmail));
        assert_eq!(Person::parse("Ann <>"), Err(PersonError::BadEmail));
        assert_eq!(Person::parse("Ann <a@b@c>"), Err(PersonError::BadEmail));
        assert_eq!(
            Person::parse("Ann <ann@x.org> <noreply@anthropic.com>"),
            Err(PersonError::Ambiguous)
        );
        assert_eq!(Person::parse("Ann <ann@x.org"), Err(PersonError::Ambiguous));
        assert_eq!(Person::parse("Ann ann@x.org>"), Err(PersonError::Ambiguous));
    }

    #[test]
    fn detection_readings_of_malformed_values() {
        let r = identity_readings("Ann <ann@x.org> <noreply@anthropic.com>");
        assert!(r.contains(&"Ann <ann@x.org> <noreply@anthropic.com>".to_string()));
        assert!(r.contains(&"Ann <ann@x.org>".to_string()));
        let r = identity_readings("Claude <noreply@anthropic.com> (via CLI)");
        assert!(r.contains(&"Claude <noreply@anthropic.com>".to_string()));
    }

    #[test]
    fn trimming() {
        assert_eq!(trim_git_space(b" \t a b\r\n"), b"a b");
        assert_eq!(trim_git_space(b" \t "), b"");
    }
}
