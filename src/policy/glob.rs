//! The three kinds of pattern a policy holds, each keeping its text as
//! written next to its compiled form (no parallel "as written" lists):
//! refs (globs over full ref names), emails (case-insensitive globs) and
//! logins (exact, case-sensitive, wildcards within one login).

use globset::{Glob, GlobBuilder, GlobMatcher};

/// Globs over ref names: `*` does not cross `/`, `**` does.
pub fn ref_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

/// Globs over emails: case-insensitive, `*` matches anything.
pub fn email_glob(pattern: &str) -> Result<Glob, globset::Error> {
    crate::detect::text_glob(pattern)
}

/// An email pattern (`ann@example.com`, `*@seniors.example.com`).
#[derive(Debug, Clone)]
pub struct EmailPattern {
    text: String,
    matcher: GlobMatcher,
}

impl EmailPattern {
    /// A pattern and its compiled matcher ([`email_glob`]).
    pub fn new(text: &str, matcher: GlobMatcher) -> Self {
        Self {
            text: text.to_string(),
            matcher,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `email` matches (case-insensitively).
    pub fn matches(&self, email: &str) -> bool {
        self.matcher.is_match(email)
    }
}

/// A pattern over server logins (`[bypass] pushers`, `[[protect]] pushers`):
/// case-sensitive, as htpasswd, ssh and most forges are; `*` matches a run of
/// characters and `?` one character, never a space, `<`, `>` or `@`, so a
/// wildcard stays within one login and never reaches into a `name <email>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPattern {
    text: String,
}

/// Characters a login wildcard never matches.
fn outside_login(c: char) -> bool {
    c.is_whitespace() || c == '<' || c == '>' || c == '@'
}

impl LoginPattern {
    /// A pattern as written; empty patterns are refused.
    pub fn new(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("an empty login pattern matches nobody".into());
        }
        Ok(Self {
            text: text.to_string(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `login` matches (linear in practice: one backtrack point).
    pub fn matches(&self, login: &str) -> bool {
        let p: Vec<char> = self.text.chars().collect();
        let s: Vec<char> = login.chars().collect();
        let (mut pi, mut si) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while let Some(&c) = s.get(si) {
            match p.get(pi) {
                Some('*') => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                Some('?') if !outside_login(c) => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                Some(&q) if q == c && q != '?' => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
            // Let the last `*` take one more character, if it may.
            match star {
                Some((sp, ss)) => match s.get(ss) {
                    Some(&absorbed) if !outside_login(absorbed) => {
                        star = Some((sp, ss + 1));
                        pi = sp + 1;
                        si = ss + 1;
                    }
                    _ => return false,
                },
                None => return false,
            }
        }
        p.get(pi..)
            .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_patterns_are_exact_and_stay_within_one_login() {
        let m = |p: &str, l: &str| LoginPattern::new(p).expect("pattern").matches(l);
        assert!(m("ann", "ann"));
        assert!(!m("ann", "Ann"), "case-sensitive");
        assert!(!m("ann", "ann "));
        assert!(m("oncall-*", "oncall-eu"));
        assert!(m("oncall-*", "oncall-"));
        assert!(!m("oncall-*", "oncall-eu bob"), "no spaces");
        assert!(!m("*", "Ann <ann@example.com>"));
        assert!(!m("*", "ann@example.com"));
        assert!(m("*", "ann.lee"));
        assert!(m("a?n", "ann"));
        assert!(!m("a?n", "a n"));
        assert!(m("*-*", "on-call"));
        assert!(!m("*ann", "bob ann"));
        assert!(m("ann smith", "ann smith"), "a literal space is literal");
        assert!(!m("ann*", "ANN"));
        assert!(LoginPattern::new("").is_err());
    }
}
