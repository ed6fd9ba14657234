//! Parsing a policy text: a spanned TOML walk (not serde), so that every
//! problem (unknown keys, wrong types, bad globs) is reported at once, each
//! with its line and column. One function per table; each returns its part of
//! the [`Policy`] and adds its diagnostics to the [`Walker`].

use std::collections::BTreeMap;
use std::ops::Range;

use globset::{Glob, GlobMatcher};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::freeze::{self, WeekTime, Window};
use super::glob::{ref_glob, EmailPattern, LoginPattern};
use super::{
    Diagnostic, MergesCover, Policy, PolicyError, PolicySource, Protection, RefPattern,
    ReviewRules, ReviewScope, MAX_POLICY_PATTERNS,
};
use crate::detect::{self, AssistedBy, DetectConfig, Detector};
use crate::rule::{Mode, Rule};

/// Parse and validate a policy text. Every problem is reported, located.
pub(super) fn parse(text: &str, source: &PolicySource) -> Result<Policy, PolicyError> {
    let mut w = Walker {
        patterns: 0,
        loc: Locator { text },
        diags: Vec::new(),
    };
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    for e in &syntax_errors {
        let span = e.span().unwrap_or(0..0);
        w.error(span, e.message().trim().to_string());
    }
    let root = root.get_ref();
    w.check_keys(root, "the policy", TOP_KEYS);
    let table =
        |w: &mut Walker<'_>, key: &str| root.get(key).and_then(|v| w.table(v, key)).cloned();
    let mode = root
        .get("mode")
        .and_then(|v| w.mode(v, "mode"))
        .unwrap_or(Mode::Enforce);
    let review =
        table(&mut w, "review").map_or_else(ReviewRules::default, |t| parse_review(&mut w, &t));
    let detect_cfg = table(&mut w, "detect").map_or_else(
        || DetectConfig {
            builtin: true,
            ..Default::default()
        },
        |t| parse_detect(&mut w, &t),
    );
    let protect = root
        .get("protect")
        .map(|v| parse_protect(&mut w, v))
        .unwrap_or_default();
    let identities = table(&mut w, "identities")
        .map(|t| parse_identities(&mut w, &t))
        .unwrap_or_default();
    let owners = table(&mut w, "policy")
        .map(|t| parse_policy_table(&mut w, &t))
        .unwrap_or_default();
    let bypass_pushers = table(&mut w, "bypass")
        .map(|t| parse_bypass(&mut w, &t))
        .unwrap_or_default();
    let rule_modes = table(&mut w, "modes")
        .map(|t| parse_modes(&mut w, &t))
        .unwrap_or_default();
    let detector = match Detector::new(&detect_cfg) {
        Ok(d) => Some(d),
        Err(e) => {
            w.error(0..0, format!("detection patterns do not compile: {e}"));
            None
        }
    };
    if !w.diags.is_empty() {
        w.diags.sort_by_key(|(offset, _)| *offset);
        return Err(PolicyError {
            source_desc: source.clone(),
            diagnostics: w.diags.into_iter().map(|(_, d)| d).collect(),
        });
    }
    let Some(detector) = detector else {
        return Err(PolicyError {
            source_desc: source.clone(),
            diagnostics: Vec::new(),
        });
    };
    Ok(Policy {
        mode,
        review,
        detector,
        detect: detect_cfg,
        protect,
        identities,
        owners,
        bypass_pushers,
        rule_modes,
    })
}

/// Whether `key` is a trailer key: letters, digits and `-`.
fn is_trailer_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// `[review]`.
fn parse_review(w: &mut Walker<'_>, t: &DeTable<'_>) -> ReviewRules {
    let mut review = ReviewRules::default();
    w.check_keys(t, "[review]", REVIEW_KEYS);
    if let Some(v) = t.get("require-pusher") {
        review.require_pusher = w.boolean(v, "review.require-pusher").unwrap_or(false);
    }
    if let Some(v) = t.get("trailer") {
        review.trailers = review_keys(w, v);
    }
    if let Some(v) = t.get("merges-cover") {
        match v.get_ref() {
            DeValue::Boolean(true) => review.merges_cover = MergesCover::Always,
            DeValue::Boolean(false) => review.merges_cover = MergesCover::Never,
            DeValue::String(s) if s == "forge" => review.merges_cover = MergesCover::Forge,
            other => w.error(
                v.span(),
                format!(
                    "`review.merges-cover` must be true, false or \"forge\", found {}",
                    show(other)
                ),
            ),
        }
    }
    if let Some(v) = t.get("min-reviewers") {
        if let Some(n) = w.integer(v, "review.min-reviewers", 1..101) {
            review.min_reviewers = u32::try_from(n).unwrap_or(1);
        }
    }
    if let Some(v) = t.get("reviewers") {
        for (p, span) in w.strings(v, "review.reviewers") {
            review
                .reviewers
                .extend(w.email(&p, span, "review.reviewers"));
        }
    }
    review
}

/// `[review] trailer`: one key or a list of keys.
fn review_keys(w: &mut Walker<'_>, v: &Value<'_>) -> Vec<String> {
    let keys: Vec<(String, Range<usize>)> = match v.get_ref() {
        DeValue::String(s) => vec![(s.to_string(), v.span())],
        _ => w.strings(v, "review.trailer"),
    };
    if keys.is_empty() && v.get_ref().as_array().is_some() {
        w.error(v.span(), "`review.trailer` is empty: list at least one key");
    }
    let mut out = Vec::new();
    for (k, span) in keys {
        if is_trailer_key(&k) {
            out.push(k);
        } else {
            w.error(
                span,
                format!("`review.trailer` must be trailer keys (letters, digits and `-`), found \"{k}\""),
            );
        }
    }
    if out.is_empty() {
        return ReviewRules::default().trailers;
    }
    out
}

/// A TOML value as a message shows it.
fn show(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("\"{s}\""),
        other => other.type_str().to_string(),
    }
}

/// `[detect]`.
fn parse_detect(w: &mut Walker<'_>, t: &DeTable<'_>) -> DetectConfig {
    let mut cfg = DetectConfig {
        builtin: true,
        ..Default::default()
    };
    w.check_keys(t, "[detect]", DETECT_KEYS);
    if let Some(v) = t.get("builtin") {
        cfg.builtin = w.boolean(v, "detect.builtin").unwrap_or(true);
    }
    if let Some(v) = t.get("assisted-by") {
        match v.get_ref() {
            DeValue::String(s) if s == "tools" => cfg.assisted_by = AssistedBy::Tools,
            DeValue::String(s) if s == "any" => cfg.assisted_by = AssistedBy::Any,
            other => w.error(
                v.span(),
                format!(
                    "`detect.assisted-by` must be \"tools\" (a value that names an AI tool or model) or \"any\" (every Assisted-by: trailer), found {}",
                    show(other)
                ),
            ),
        }
    }
    if let Some(v) = t.get("trailer-keys") {
        for (k, span) in w.strings(v, "detect.trailer-keys") {
            if is_trailer_key(&k) {
                cfg.trailer_keys.push(k);
            } else {
                w.error(span, format!("`detect.trailer-keys`: \"{k}\" is not a trailer key (letters, digits and `-`)"));
            }
        }
    }
    for (key, list) in [
        ("trailer-values", &mut cfg.trailer_values),
        ("identities", &mut cfg.identities),
        ("markers", &mut cfg.markers),
    ] {
        if let Some(v) = t.get(key) {
            let what = format!("detect.{key}");
            for (p, span) in w.strings(v, &what) {
                if w.glob(&p, span, &what, detect::text_glob).is_some() {
                    list.push(p);
                }
            }
        }
    }
    cfg
}

/// `[[protect]]` entries.
fn parse_protect(w: &mut Walker<'_>, v: &Value<'_>) -> Vec<Protection> {
    let Some(entries) = v.get_ref().as_array() else {
        w.error(
            v.span(),
            "`protect` must be an array of tables: write each entry as [[protect]]",
        );
        return Vec::new();
    };
    let mut protect = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let what = format!("protect[{i}]");
        if let Some(t) = w.table(entry, &what) {
            protect.extend(parse_protection(w, t, entry.span(), &what));
        }
    }
    protect
}

/// `[identities]`: login -> reviewer emails (lowercase).
fn parse_identities(w: &mut Walker<'_>, t: &DeTable<'_>) -> BTreeMap<String, Vec<String>> {
    let mut identities = BTreeMap::new();
    for (login, v) in t.iter() {
        let login: &str = login.get_ref();
        let mut emails = Vec::new();
        for (e, span) in w.strings(v, &format!("identities.{login}")) {
            match crate::ident::Person::parse(&e) {
                Ok(p) if p.name.is_empty() => emails.push(p.email),
                _ => w.error(
                    span,
                    format!("`identities.{login}`: \"{e}\" is not an email (user@host)"),
                ),
            }
        }
        identities.insert(login.to_string(), emails);
    }
    identities
}

/// `[policy]`: who reviews changes to the policy file.
fn parse_policy_table(w: &mut Walker<'_>, t: &DeTable<'_>) -> Vec<EmailPattern> {
    w.check_keys(t, "[policy]", &["owners"]);
    let mut owners = Vec::new();
    if let Some(v) = t.get("owners") {
        for (p, span) in w.strings(v, "policy.owners") {
            owners.extend(w.email(&p, span, "policy.owners"));
        }
    }
    owners
}

/// `[bypass]`: who may break glass.
fn parse_bypass(w: &mut Walker<'_>, t: &DeTable<'_>) -> Vec<LoginPattern> {
    w.check_keys(t, "[bypass]", &["pushers"]);
    let mut pushers = Vec::new();
    if let Some(v) = t.get("pushers") {
        for (p, span) in w.strings(v, "bypass.pushers") {
            pushers.extend(w.login(&p, span, "bypass.pushers"));
        }
    }
    pushers
}

/// `[modes]`: per-rule modes.
fn parse_modes(w: &mut Walker<'_>, t: &DeTable<'_>) -> BTreeMap<Rule, Mode> {
    let mut rule_modes = BTreeMap::new();
    for (code, v) in t.iter() {
        let code_str: &str = code.get_ref();
        match Rule::from_code(code_str) {
            None => w.error(
                code.span(),
                format!(
                    "unknown rule code `{code_str}` in [modes]; `reviewgate explain` lists them"
                ),
            ),
            Some(rule) if rule.is_fail_closed() => w.error(
                code.span(),
                format!("`{code_str}` always rejects (fail closed) and cannot be given a mode"),
            ),
            Some(rule) => {
                if let Some(m) = w.mode(v, &format!("modes.{code_str}")) {
                    rule_modes.insert(rule, m);
                }
            }
        }
    }
    rule_modes
}

fn parse_protection(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    what: &str,
) -> Option<Protection> {
    w.check_keys(t, &format!("[[protect]] entry {what}"), PROTECT_KEYS);
    let mut p = Protection::default();
    match t.get("refs") {
        None => w.error(
            span,
            format!("{what}: `refs` is required (e.g. refs = [\"refs/heads/main\"])"),
        ),
        Some(v) => p.refs = parse_refs(w, v, what),
    }
    for (key, slot) in [
        ("allow-deletion", &mut p.allow_deletion),
        ("allow-force-push", &mut p.allow_force_push),
        ("allow-update", &mut p.allow_update),
        ("linear-history", &mut p.linear_history),
        ("allow-replace", &mut p.allow_replace),
    ] {
        if let Some(v) = t.get(key) {
            if let Some(b) = w.boolean(v, &format!("{what}.{key}")) {
                *slot = b;
            }
        }
    }
    if let Some(v) = t.get("pushers") {
        for (pat, span) in w.strings(v, &format!("{what}.pushers")) {
            p.pushers
                .extend(w.login(&pat, span, &format!("{what}.pushers")));
        }
    }
    if let Some(v) = t.get("review") {
        p.review = review_scope(w, v, what).unwrap_or(p.review);
    }
    if let Some(v) = t.get("mode") {
        p.mode = w.mode(v, &format!("{what}.mode"));
    }
    if let Some(v) = t.get("freeze") {
        p.freeze = parse_freeze(w, v, what);
    }
    Some(p)
}

/// A `[[protect]]` entry's `refs`: full ref-name globs or `@default`.
fn parse_refs(w: &mut Walker<'_>, v: &Value<'_>, what: &str) -> Vec<RefPattern> {
    let list = w.strings(v, &format!("{what}.refs"));
    if list.is_empty() && v.get_ref().as_array().is_some() {
        w.error(
            v.span(),
            format!("{what}.refs is empty: list at least one ref pattern"),
        );
    }
    let mut refs = Vec::new();
    for (pat, span) in list {
        if pat == "@default" {
            refs.push(RefPattern::DefaultBranch);
        } else if !pat.starts_with("refs/") {
            let hint = if pat.starts_with('v') {
                format!("refs/tags/{pat}")
            } else {
                format!("refs/heads/{pat}")
            };
            w.error(
                span,
                format!("ref pattern \"{pat}\" must be a full ref name starting with `refs/` or `@default` (did you mean \"{hint}\"?)"),
            );
        } else {
            refs.extend(ref_pattern(w, pat, span, &format!("{what}.refs")));
        }
    }
    refs
}

/// `review = "ai" | "all" | "none"`.
fn review_scope(w: &mut Walker<'_>, v: &Value<'_>, what: &str) -> Option<ReviewScope> {
    match w.string(v, &format!("{what}.review"))?.as_str() {
        "ai" => Some(ReviewScope::Ai),
        "all" => Some(ReviewScope::All),
        "none" => Some(ReviewScope::None),
        other => {
            w.error(
                v.span(),
                format!("`{what}.review` must be \"ai\", \"all\" or \"none\", found \"{other}\""),
            );
            None
        }
    }
}

/// `[[protect.freeze]]` windows.
fn parse_freeze(w: &mut Walker<'_>, v: &Value<'_>, what: &str) -> Vec<Window> {
    let Some(items) = v.get_ref().as_array() else {
        w.error(v.span(), format!("`{what}.freeze` must be an array of tables: write each window as [[protect.freeze]]"));
        return Vec::new();
    };
    let mut windows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let fwhat = format!("{what}.freeze[{i}]");
        if let Some(ft) = w.table(item, &fwhat) {
            windows.extend(parse_window(w, ft, item.span(), &fwhat));
        }
    }
    windows
}

/// A date-time value: a TOML offset date-time or an RFC 3339 string.
fn instant(w: &mut Walker<'_>, v: &Value<'_>, what: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = match v.get_ref() {
        DeValue::Datetime(d) => d.to_string(),
        DeValue::String(s) => s.to_string(),
        other => {
            w.error(
                v.span(),
                format!("`{what}` must be a date-time, found {}", other.type_str()),
            );
            return None;
        }
    };
    match chrono::DateTime::parse_from_rfc3339(&text) {
        Ok(t) => Some(t.with_timezone(&chrono::Utc)),
        Err(_) => {
            w.error(v.span(), format!("`{what}` must be an RFC 3339 date-time with an offset, e.g. 2026-12-20T00:00:00Z, found {text}"));
            None
        }
    }
}

fn parse_window(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    what: &str,
) -> Option<Window> {
    w.check_keys(t, &format!("[[protect.freeze]] {what}"), FREEZE_KEYS);
    let reason = match t.get("reason") {
        Some(v) => w.string(v, &format!("{what}.reason"))?,
        None => {
            w.error(
                span.clone(),
                format!("{what}: `reason` is required (it is shown to the pusher)"),
            );
            return None;
        }
    };
    let (Some(from), Some(until)) = (t.get("from"), t.get("until")) else {
        w.error(span, format!("{what}: `from` and `until` are required"));
        return None;
    };
    let weekly = matches!(from.get_ref(), DeValue::String(s) if WeekTime::parse(s).is_ok())
        || matches!(until.get_ref(), DeValue::String(s) if WeekTime::parse(s).is_ok());
    if weekly {
        let mut week = |v: &Value<'_>, key: &str| -> Option<WeekTime> {
            let s = w.string(v, &format!("{what}.{key}"))?;
            WeekTime::parse(&s)
                .map_err(|e| w.error(v.span(), format!("`{what}.{key}`: {e}")))
                .ok()
        };
        let (f, u) = (week(from, "from"), week(until, "until"));
        let zone = match t.get("timezone") {
            None => {
                w.error(span, format!("{what}: a weekly window needs `timezone` (an IANA name such as \"Europe/Berlin\", \"UTC\" or \"+02:00\")"));
                None
            }
            Some(v) => {
                let s = w.string(v, &format!("{what}.timezone"))?;
                freeze::parse_zone(&s)
                    .map_err(|e| w.error(v.span(), format!("`{what}.timezone`: {e}")))
                    .ok()
            }
        };
        let (from_time, until_time) = (f?, u?);
        if from_time == until_time {
            w.error(
                until.span(),
                format!("`{what}`: `from` and `until` are the same time, so the window is never active (a whole week frozen is an absolute window or a missing [[protect]] entry)"),
            );
            return None;
        }
        Some(Window::Weekly {
            from: from_time,
            until: until_time,
            zone: zone?,
            reason,
        })
    } else {
        if let Some(v) = t.get("timezone") {
            w.error(v.span(), format!("`{what}.timezone` applies only to weekly windows (\"Fri 16:00\"); absolute times carry their own offset"));
        }
        let (start, end) = (
            instant(w, from, &format!("{what}.from")),
            instant(w, until, &format!("{what}.until")),
        );
        let (start, end) = (start?, end?);
        if end <= start {
            w.error(until.span(), format!("`{what}.until` must be after `from`"));
            return None;
        }
        Some(Window::Absolute { start, end, reason })
    }
}

const TOP_KEYS: &[&str] = &[
    "mode",
    "review",
    "detect",
    "protect",
    "identities",
    "policy",
    "bypass",
    "modes",
];
const REVIEW_KEYS: &[&str] = &[
    "trailer",
    "min-reviewers",
    "reviewers",
    "require-pusher",
    "merges-cover",
];
const FREEZE_KEYS: &[&str] = &["from", "until", "timezone", "reason"];
const DETECT_KEYS: &[&str] = &[
    "builtin",
    "assisted-by",
    "trailer-keys",
    "trailer-values",
    "identities",
    "markers",
];
const PROTECT_KEYS: &[&str] = &[
    "refs",
    "allow-replace",
    "allow-deletion",
    "allow-force-push",
    "allow-update",
    "linear-history",
    "pushers",
    "review",
    "mode",
    "freeze",
];

/// Converts byte offsets to line and column.
struct Locator<'a> {
    text: &'a str,
}

impl Locator<'_> {
    fn locate(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }
}

/// Collects diagnostics while the tree is walked.
struct Walker<'a> {
    loc: Locator<'a>,
    diags: Vec<(usize, Diagnostic)>,
    /// Patterns compiled so far (capped at [`MAX_POLICY_PATTERNS`]).
    patterns: usize,
}

type Value<'i> = Spanned<DeValue<'i>>;

impl<'a> Walker<'a> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
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
    fn check_keys(&mut self, table: &DeTable<'_>, where_: &str, allowed: &[&str]) {
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

    fn string(&mut self, v: &Value<'_>, what: &str) -> Option<String> {
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

    fn boolean(&mut self, v: &Value<'_>, what: &str) -> Option<bool> {
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

    fn integer(&mut self, v: &Value<'_>, what: &str, range: Range<i64>) -> Option<i64> {
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
    fn strings(&mut self, v: &Value<'_>, what: &str) -> Vec<(String, Range<usize>)> {
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

    fn table<'v, 'i>(&mut self, v: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
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

    fn mode(&mut self, v: &Value<'_>, what: &str) -> Option<Mode> {
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
    fn count_pattern(&mut self, span: &Range<usize>) -> bool {
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
    fn email(&mut self, pattern: &str, span: Range<usize>, what: &str) -> Option<EmailPattern> {
        let matcher = self.glob(pattern, span, what, super::glob::email_glob)?;
        Some(EmailPattern::new(pattern, matcher))
    }

    fn login(&mut self, pattern: &str, span: Range<usize>, what: &str) -> Option<LoginPattern> {
        if !self.count_pattern(&span) {
            return None;
        }
        LoginPattern::new(pattern)
            .map_err(|e| self.error(span, format!("`{what}`: {e}")))
            .ok()
    }

    fn glob(
        &mut self,
        pattern: &str,
        span: Range<usize>,
        what: &str,
        build: impl Fn(&str) -> Result<Glob, globset::Error>,
    ) -> Option<GlobMatcher> {
        if !self.count_pattern(&span) {
            return None;
        }
        match build(pattern) {
            Ok(g) => Some(g.compile_matcher()),
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
        .find(|a| norm(a) == k || edit_distance(&norm(a), &k) <= 2)
}

#[expect(
    clippy::indexing_slicing,
    reason = "offsets come from the TOML parser's spans or UTF-8 validation of the same text"
)]
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Globs over ref names, validated here and kept with the pattern as written.
fn ref_pattern(
    w: &mut Walker<'_>,
    pattern: String,
    span: Range<usize>,
    what: &str,
) -> Option<RefPattern> {
    let matcher = w.glob(&pattern, span, what, ref_glob)?;
    Some(RefPattern::Glob { pattern, matcher })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn all_errors_at_once_with_locations() {
        let text = "mode = \"warm\"\nfoo = 1\n[review]\nmin-reviewer = 2\n[[protect]]\nrefs = [\"refs/heads/[\", \"main\"]\n";
        let err = Policy::parse(text, &PolicySource::File("p.toml".into())).unwrap_err();
        let lines: Vec<String> = err.to_string().lines().map(String::from).collect();
        assert_eq!(lines.len(), 5, "{err}");
        assert!(
            lines[0].starts_with("p.toml:1:8: `mode` must be"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("p.toml:2:1: unknown key `foo`"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains("did you mean `min-reviewers`"),
            "{}",
            lines[2]
        );
        assert!(lines[3].starts_with("p.toml:6:9: bad glob"), "{}", lines[3]);
        assert!(
            lines[4].starts_with("p.toml:6:25: ref pattern \"main\""),
            "{}",
            lines[4]
        );
    }

    #[test]
    fn syntax_error_is_located() {
        let err = Policy::parse("mode = \n", &PolicySource::File("p.toml".into())).unwrap_err();
        assert!(err.to_string().starts_with("p.toml:1:"), "{err}");
    }
}
