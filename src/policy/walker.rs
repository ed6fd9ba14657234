//! The spanned TOML walk every table of a policy is read with: values by
//! kind, each problem located (line and column) and collected, so a policy
//! reports every problem at once; patterns compiled and counted against the
//! cap; a "did you mean" for a mistyped key.

use std::collections::BTreeMap;
use std::ops::Range;

use globset::{Glob, GlobMatcher};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::glob::{EmailPattern, LoginPattern};
use super::{Diagnostic, MAX_POLICY_PATTERNS};
use crate::rule::Mode;

/// Converts byte offsets to line and column.
pub(super) struct Locator<'a> {
    pub(super) text: &'a str,
}

impl Locator<'_> {
    pub(super) fn locate(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }
}

/// Collects diagnostics while the tree is walked.
pub(super) struct Walker<'a> {
    pub(super) loc: Locator<'a>,
    pub(super) diags: Vec<(usize, Diagnostic)>,
    /// Patterns compiled so far (capped at [`MAX_POLICY_PATTERNS`]).
    pub(super) patterns: usize,
    /// `[groups]`, read first, for the `@name` in email lists.
    pub(super) groups: BTreeMap<String, Vec<EmailPattern>>,
}

/// A TOML value with its span.
pub(super) type Value<'i> = Spanned<DeValue<'i>>;

impl<'a> Walker<'a> {
    pub(super) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = self.loc.locate(span.start);
        self.diags.push((
            span.start,
            Diagnostic {
                line,
                column,
                message: message.into(),
            },
        ));
    }

    /// Report keys of `table` not in `allowed`.
    pub(super) fn check_keys(&mut self, table: &DeTable<'_>, where_: &str, allowed: &[&str]) {
        for (key, _) in table.iter() {
            let k: &str = key.get_ref();
            if !allowed.contains(&k) {
                let hint = suggest(k, allowed)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.error(
                    key.span(),
                    format!(
                        "unknown key `{k}` in {where_}{hint}; expected one of: {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    pub(super) fn string(&mut self, v: &Value<'_>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.error(
                    v.span(),
                    format!("`{what}` must be a string, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, v: &Value<'_>, what: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.error(
                    v.span(),
                    format!("`{what}` must be true or false, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub(super) fn integer(&mut self, v: &Value<'_>, what: &str, range: Range<i64>) -> Option<i64> {
        let parsed = v
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok());
        match parsed {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                self.error(
                    v.span(),
                    format!(
                        "`{what}` must be between {} and {}, found {n}",
                        range.start,
                        range.end - 1
                    ),
                );
                None
            }
            None => {
                self.error(
                    v.span(),
                    format!(
                        "`{what}` must be an integer, found {}",
                        v.get_ref().type_str()
                    ),
                );
                None
            }
        }
    }

    /// A list of strings, each with its span.
    pub(super) fn strings(&mut self, v: &Value<'_>, what: &str) -> Vec<(String, Range<usize>)> {
        let Some(items) = v.get_ref().as_array() else {
            self.error(
                v.span(),
                format!(
                    "`{what}` must be a list of strings, found {}",
                    v.get_ref().type_str()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            if let Some(s) = self.string(item, &format!("{what}[]")) {
                out.push((s, item.span()));
            }
        }
        out
    }

    pub(super) fn table<'v, 'i>(
        &mut self,
        v: &'v Value<'i>,
        what: &str,
    ) -> Option<&'v DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    v.span(),
                    format!("`{what}` must be a table, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub(super) fn mode(&mut self, v: &Value<'_>, what: &str) -> Option<Mode> {
        match self.string(v, what)?.as_str() {
            "enforce" => Some(Mode::Enforce),
            "warn" => Some(Mode::Warn),
            other => {
                self.error(
                    v.span(),
                    format!("`{what}` must be \"enforce\" or \"warn\", found \"{other}\""),
                );
                None
            }
        }
    }

    /// Count one more pattern; false (with one located error) past the cap.
    pub(super) fn count_pattern(&mut self, span: &Range<usize>) -> bool {
        self.patterns += 1;
        if self.patterns == MAX_POLICY_PATTERNS + 1 {
            self.error(
                span.clone(),
                format!("too many patterns: a policy may hold at most {MAX_POLICY_PATTERNS} (refs, reviewers, owners, pushers and detection patterns together)"),
            );
        }
        self.patterns <= MAX_POLICY_PATTERNS
    }

    /// An email pattern (reviewers, owners), compiled and counted.
    pub(super) fn email(
        &mut self,
        pattern: &str,
        span: Range<usize>,
        what: &str,
    ) -> Option<EmailPattern> {
        let matcher = self.glob(pattern, span, what, super::glob::email_glob)?;
        Some(EmailPattern::new(pattern, matcher))
    }

    /// A list of email patterns where `@name` stands for the `[groups]`
    /// group's members (reviewers, owners, a sign-off's authors).
    pub(super) fn emails(&mut self, v: &Value<'_>, what: &str) -> Vec<EmailPattern> {
        let mut out = Vec::new();
        for (p, span) in self.strings(v, what) {
            let Some(name) = p.strip_prefix('@') else {
                out.extend(self.email(&p, span, what));
                continue;
            };
            if let Some(members) = self.groups.get(name) {
                out.extend(members.iter().cloned());
                continue;
            }
            let names: Vec<&str> = self.groups.keys().map(String::as_str).collect();
            let hint = match suggest(name, &names) {
                Some(s) => format!(" (did you mean `@{s}`?)"),
                None if names.is_empty() => " ([groups] defines none)".to_string(),
                None => format!("; [groups] defines {}", names.join(", ")),
            };
            self.error(span, format!("`{what}`: unknown group `@{name}`{hint}"));
        }
        out
    }

    pub(super) fn login(
        &mut self,
        pattern: &str,
        span: Range<usize>,
        what: &str,
    ) -> Option<LoginPattern> {
        if !self.count_pattern(&span) {
            return None;
        }
        LoginPattern::new(pattern)
            .map_err(|e| self.error(span, format!("`{what}`: {e}")))
            .ok()
    }

    pub(super) fn glob(
        &mut self,
        pattern: &str,
        span: Range<usize>,
        what: &str,
        build: impl Fn(&str) -> Result<Glob, globset::Error>,
    ) -> Option<GlobMatcher> {
        self.glob_uncompiled(pattern, span, what, build)
            .map(|g| g.compile_matcher())
    }

    /// [`Self::glob`] without compiling the matcher (a regex: compiled only
    /// where a caller needs it).
    pub fn glob_uncompiled(
        &mut self,
        pattern: &str,
        span: Range<usize>,
        what: &str,
        build: impl Fn(&str) -> Result<Glob, globset::Error>,
    ) -> Option<Glob> {
        if !self.count_pattern(&span) {
            return None;
        }
        match build(pattern) {
            Ok(g) => Some(g),
            Err(e) => {
                self.error(
                    span,
                    format!("bad glob in `{what}`: \"{pattern}\": {}", e.kind()),
                );
                None
            }
        }
    }
}

/// A close match for a mistyped key, if any.
fn suggest<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let k = norm(key);
    allowed
        .iter()
        .copied()
        .find(|a| norm(a) == k || strsim::levenshtein(&norm(a), &k) <= 2)
}
