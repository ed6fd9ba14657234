//! `[[protect]]` entries: the refs they protect, what applies to them, and
//! their change-freeze windows.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::freeze::{self, WeekTime, Window};
use super::glob::ref_glob;
use super::walker::{Value, Walker};
use super::{Protection, RefPattern, ReviewScope};

/// `[[protect]]` entries.
pub(super) fn parse_protect(w: &mut Walker<'_>, v: &Value<'_>) -> Vec<Protection> {
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
    if let Some(v) = t.get("ai") {
        match w.string(v, &format!("{what}.ai")).as_deref() {
            Some("allow") => p.ai_forbidden = false,
            Some("forbid") => p.ai_forbidden = true,
            Some(other) => w.error(
                v.span(),
                format!("`{what}.ai` must be \"allow\" or \"forbid\" (AI-assisted commits refused, reviewed or not), found \"{other}\""),
            ),
            None => {}
        }
    }
    if let Some(v) = t.get("freeze") {
        p.freeze = parse_freeze(w, v, what);
    }
    Some(p)
}

/// A `[[protect]]` entry's `refs`: full ref-name globs or `@default`.
pub(super) fn parse_refs(w: &mut Walker<'_>, v: &Value<'_>, what: &str) -> Vec<RefPattern> {
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

const FREEZE_KEYS: &[&str] = &["from", "until", "timezone", "reason"];
const PROTECT_KEYS: &[&str] = &[
    "refs",
    "allow-replace",
    "allow-deletion",
    "allow-force-push",
    "allow-update",
    "linear-history",
    "pushers",
    "review",
    "ai",
    "mode",
    "freeze",
];

/// Globs over ref names, validated here and kept with the pattern as written.
fn ref_pattern(
    w: &mut Walker<'_>,
    pattern: String,
    span: Range<usize>,
    what: &str,
) -> Option<RefPattern> {
    let glob = w.glob_uncompiled(&pattern, span, what, ref_glob)?;
    let matcher = super::glob::RefMatcher::new(&pattern, &glob);
    Some(RefPattern::Glob { pattern, matcher })
}
