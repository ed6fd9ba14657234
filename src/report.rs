//! Rendering verdicts into the lines a pusher reads (`remote: …`).
//!
//! Everything that came from a push — subjects, names, ref names — goes
//! through [`sanitize`], so no control character reaches the pusher's terminal.

use std::fmt::Write as _;

use crate::verdict::{Severity, Verdict, Violation};

/// How many violations are printed before the rest are summarised.
pub const MAX_PRINTED: usize = 20;
const SUBJECT_WIDTH: usize = 60;

/// Escape control characters (C0, DEL, C1) as `\xNN` / `\u{NN}`.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        let c = ch as u32;
        if c < 0x20 || c == 0x7f {
            let _ = write!(out, "\\x{c:02x}");
        } else if (0x80..0xa0).contains(&c) {
            let _ = write!(out, "\\u{{{c:x}}}");
        } else if matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            // bidirectional overrides can disguise text; show them
            let _ = write!(out, "\\u{{{c:x}}}");
        } else {
            out.push(ch);
        }
    }
    out
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(3)).collect();
    s.push_str("...");
    s
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Render one violation as lines.
pub fn render_violation(v: &Violation) -> Vec<String> {
    let label = match v.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut lines = Vec::new();
    let refname = sanitize(&v.refname);
    match &v.commit {
        Some(c) => lines.push(format!(
            "{label}[{}]: {refname}: commit {} \"{}\"",
            v.rule.code(),
            short(&c.id),
            truncate(&sanitize(&c.subject), SUBJECT_WIDTH)
        )),
        None => lines.push(format!("{label}[{}]: {refname}", v.rule.code())),
    }
    for l in sanitize_multiline(&v.message) {
        lines.push(format!("  {l}"));
    }
    let mut hint = v.hint.lines();
    if let Some(first) = hint.next() {
        lines.push(format!("  fix: {}", sanitize(first)));
        for l in hint {
            lines.push(format!("     {}", sanitize(l)));
        }
    }
    lines
}

fn sanitize_multiline(text: &str) -> Vec<String> {
    text.lines().map(sanitize).collect()
}

/// Render a verdict: violations (capped), then a summary line.
pub fn render(verdict: &Verdict) -> Vec<String> {
    let mut lines = Vec::new();
    let total = verdict.violations.len() + verdict.violations_dropped;
    if total == 0 && verdict.bypass.is_none() {
        lines.push(summary(verdict));
        return lines;
    }
    if let Some(b) = &verdict.bypass {
        lines.push("reviewgate: *** BREAK-GLASS ***".into());
        lines.push(format!(
            "reviewgate: {} bypassed the policy: \"{}\"",
            sanitize(&b.pusher),
            sanitize(&b.reason)
        ));
        lines.push(
            "reviewgate: this push and every violation below are recorded in the audit log".into(),
        );
    }
    let head = if verdict.rejects() {
        "reviewgate: push rejected"
    } else if verdict.bypass.is_some() {
        "reviewgate: push accepted by break-glass"
    } else {
        "reviewgate: push accepted with warnings (warn mode)"
    };
    lines.push(head.to_string());
    lines.push(String::new());
    // Errors first, then warnings, in the order found.
    let mut ordered: Vec<&Violation> = verdict
        .violations
        .iter()
        .filter(|v| v.severity == Severity::Error)
        .collect();
    ordered.extend(
        verdict
            .violations
            .iter()
            .filter(|v| v.severity == Severity::Warning),
    );
    for v in ordered.iter().take(MAX_PRINTED) {
        lines.extend(render_violation(v));
        lines.push(String::new());
    }
    if total > MAX_PRINTED {
        lines.push(format!(
            "... and {} more violation(s) not shown",
            total - MAX_PRINTED
        ));
        lines.push(String::new());
    }
    lines.push(summary(verdict));
    if let Some(first) = ordered.first() {
        lines.push(format!(
            "reviewgate: run `reviewgate explain {}` for details",
            first.rule.code()
        ));
    }
    lines
}

fn summary(verdict: &Verdict) -> String {
    let count = |sev: Severity| {
        verdict
            .violations
            .iter()
            .filter(|v| v.severity == sev)
            .count()
    };
    let mut counts = format!("{} violation(s)", count(Severity::Error));
    let warnings = count(Severity::Warning);
    if warnings > 0 {
        let _ = write!(counts, ", {warnings} warning(s)");
    }
    if verdict.violations_dropped > 0 {
        let _ = write!(counts, ", {} more not itemised", verdict.violations_dropped);
    }
    format!(
        "reviewgate: {} commit(s) checked, {counts}; policy: {} (sha256 {})",
        verdict.commits_checked,
        sanitize(&verdict.policy_source),
        verdict
            .policy_sha256
            .get(..12)
            .unwrap_or(&verdict.policy_sha256)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(sanitize("a\x1b[31mb\x07"), "a\\x1b[31mb\\x07");
        assert_eq!(sanitize("ok \u{9b} \u{202e}x"), "ok \\u{9b} \\u{202e}x");
        assert_eq!(sanitize("tab\there"), "tab\\x09here");
        assert_eq!(sanitize("naïve ✓"), "naïve ✓");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("ééééé", 4), "é...");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
