//! Parsing a policy text: a spanned TOML walk (not serde), so that every
//! problem (unknown keys, wrong types, bad globs) is reported at once, each
//! with its line and column. One function per table; each returns its part of
//! the [`Policy`] and adds its diagnostics to the [`Walker`].

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::glob::{EmailPattern, LoginPattern};
use super::protect::parse_protect;
use super::signoff::{parse_groups, parse_signoffs};
use super::walker::{Locator, Value, Walker};
use super::{MergesCover, Policy, PolicyError, PolicySource, ReviewRules};
use crate::detect::{self, AssistedBy, DetectConfig, Detector};
use crate::rule::{Mode, Rule};

/// Parse and validate a policy text. Every problem is reported, located.
pub(super) fn parse(text: &str, source: &PolicySource) -> Result<Policy, PolicyError> {
    let mut w = Walker {
        patterns: 0,
        loc: Locator { text },
        diags: Vec::new(),
        groups: BTreeMap::new(),
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
    // Groups first: every email list below may name one.
    w.groups = table(&mut w, "groups")
        .map(|t| parse_groups(&mut w, &t))
        .unwrap_or_default();
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
    let signoffs = root
        .get("signoff")
        .map(|v| parse_signoffs(&mut w, v))
        .unwrap_or_default();
    let detector = match Detector::new(&detect_cfg) {
        Ok(d) => Some(d),
        Err(e) => {
            w.error(0..0, format!("detection patterns do not compile: {e}"));
            None
        }
    };
    let detector = finish(&mut w, source, detector)?;
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
        groups: std::mem::take(&mut w.groups),
        signoffs,
    })
}

/// Every problem found, in file order, as the error; else the detector.
fn finish(
    w: &mut Walker<'_>,
    source: &PolicySource,
    detector: Option<Detector>,
) -> Result<Detector, PolicyError> {
    if !w.diags.is_empty() {
        w.diags.sort_by_key(|(offset, _)| *offset);
        return Err(PolicyError {
            source_desc: source.clone(),
            diagnostics: std::mem::take(&mut w.diags)
                .into_iter()
                .map(|(_, d)| d)
                .collect(),
        });
    }
    detector.ok_or_else(|| PolicyError {
        source_desc: source.clone(),
        diagnostics: Vec::new(),
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
    if let Some(v) = t.get("signed") {
        review.signed = w.boolean(v, "review.signed").unwrap_or(false);
    }
    if let Some(v) = t.get("signed-commits") {
        review.signed_commits = w.boolean(v, "review.signed-commits").unwrap_or(false);
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
        review.reviewers = w.emails(v, "review.reviewers");
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
        owners = w.emails(v, "policy.owners");
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

const TOP_KEYS: &[&str] = &[
    "mode",
    "groups",
    "signoff",
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
    "signed",
    "signed-commits",
];
const DETECT_KEYS: &[&str] = &[
    "builtin",
    "assisted-by",
    "trailer-keys",
    "trailer-values",
    "identities",
    "markers",
];

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
