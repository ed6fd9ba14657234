//! Rendering verdicts into the lines a pusher reads (`remote: …`).
//!
//! Everything that came from a push — subjects, names, ref names — goes
//! through [`sanitize`], so no control character reaches the pusher's terminal.

use std::fmt::Write as _;

use crate::keys;
use crate::push::RefUpdate;
use crate::rule::Rule;
use crate::verdict::{short_id, Severity, Verdict, Violation};

/// How many violations are printed before the rest are summarised.
pub const MAX_PRINTED: usize = 20;
const SUBJECT_WIDTH: usize = 60;

/// Escape control characters (C0, DEL, C1) as `\xNN` / `\u{NN}`.
pub fn sanitize(text: &str) -> String {
    // Printable ASCII, the common case, is kept as is.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return text.to_string();
    }
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
            short_id(c.id),
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
    render_as(verdict, false)
}

/// Render a verdict for `reviewgate check`, which pushes nothing: "would be
/// rejected if pushed to REF", never "push rejected".
pub fn render_check(verdict: &Verdict) -> Vec<String> {
    render_as(verdict, true)
}

/// The banner of an honoured break-glass (none without one).
fn bypass_banner(verdict: &Verdict) -> Vec<String> {
    let Some(b) = &verdict.bypass else {
        return Vec::new();
    };
    vec![
        "reviewgate: *** BREAK-GLASS ***".into(),
        format!(
            "reviewgate: {} bypassed the policy: \"{}\"",
            sanitize(&b.pusher),
            sanitize(&b.reason)
        ),
        "reviewgate: this push and every violation below are recorded in the audit log".into(),
    ]
}

fn render_as(verdict: &Verdict, check: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let total = verdict.violations.len() + verdict.violations_dropped;
    if total == 0 {
        // Break-glass asked for on a push that needed none: no banner.
        if let Some(b) = &verdict.bypass {
            lines.push(format!(
                "reviewgate: break-glass not needed: nothing in this push needed bypassing (asked for by {}: \"{}\"); judged as usual",
                sanitize(&b.pusher),
                sanitize(&b.reason)
            ));
        }
        lines.push(summary(verdict));
        lines.extend(coverage_lines(verdict));
        return lines;
    }
    lines.extend(bypass_banner(verdict));
    let head = if verdict.rejects() {
        rejection_headline(verdict, check)
    } else if check {
        "reviewgate: would be accepted with warnings if pushed".into()
    } else if verdict.bypass.is_some() {
        "reviewgate: push accepted by break-glass".into()
    } else {
        "reviewgate: push accepted with warnings".into()
    };
    lines.push(head);
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
    for f in &verdict.ref_fixes {
        let mut text = f.text.lines();
        if let Some(first) = text.next() {
            lines.push(format!(
                "fix for {}: {}",
                sanitize(&f.refname),
                sanitize(first)
            ));
            for l in text {
                lines.push(format!("  {}", sanitize(l)));
            }
            lines.push(String::new());
        }
    }
    lines.push(summary(verdict));
    lines.extend(coverage_lines(verdict));
    if let Some(first) = ordered.first() {
        lines.push(format!(
            "reviewgate: run `reviewgate explain {}` for details",
            first.rule.code()
        ));
    }
    lines
}

/// The first line of a rejection: the first error's rule, how many times it
/// broke on that ref, the ref, and how many other violations follow.
fn rejection_headline(verdict: &Verdict, check: bool) -> String {
    let errors: Vec<&Violation> = verdict
        .violations
        .iter()
        .filter(|v| v.severity == Severity::Error)
        .collect();
    let Some(first) = errors.first() else {
        return if check {
            "reviewgate: would be rejected if pushed".into()
        } else {
            "reviewgate: push rejected".into()
        };
    };
    let same = errors
        .iter()
        .filter(|v| v.rule == first.rule && v.refname == first.refname)
        .count();
    let others = errors.len() - same + verdict.violations_dropped;
    let mut line = if check {
        format!(
            "reviewgate: would be rejected if pushed to {}: {} ({same})",
            sanitize(&first.refname),
            first.rule.code()
        )
    } else {
        format!(
            "reviewgate: push rejected: {} ({same}) on {}",
            first.rule.code(),
            sanitize(&first.refname)
        )
    };
    if others > 0 {
        let _ = write!(line, ", and {others} other violation(s)");
    }
    line
}

/// Which merges' reviews covered the commits they merge.
fn coverage_lines(verdict: &Verdict) -> Vec<String> {
    let mut merges: Vec<(git2::Oid, usize)> = Vec::new();
    for c in &verdict.covered {
        match merges.iter_mut().find(|(m, _)| *m == c.merge) {
            Some((_, n)) => *n += 1,
            None => merges.push((c.merge, 1)),
        }
    }
    let mut lines: Vec<String> = merges
        .iter()
        .take(MAX_PRINTED)
        .map(|(m, n)| {
            format!(
                "reviewgate: the review on merge {} covers {n} commit(s) it merges",
                short_id(m)
            )
        })
        .collect();
    let listed: usize = merges.iter().take(MAX_PRINTED).map(|(_, n)| n).sum();
    if verdict.covered_count > listed {
        lines.push(format!(
            "reviewgate: ... and {} more commit(s) covered by merges",
            verdict.covered_count - listed
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
    if verdict.baseline_exempt > 0 {
        let _ = write!(
            counts,
            "; {} commit(s) exempt from review as baseline history",
            verdict.baseline_exempt
        );
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

/// The lines for a push refused before it could be judged (bad input, a
/// repository that cannot be opened, a panic): always `internal-error`.
pub fn failure(headline: &str, detail: &str) -> Vec<String> {
    let rule = Rule::InternalError;
    let mut lines = vec![format!("reviewgate: push rejected: {headline}")];
    lines.push(format!("error[{}]: {}", rule.code(), sanitize(headline)));
    for l in detail.lines() {
        lines.push(format!("  {}", sanitize(l)));
    }
    lines.push(format!(
        "reviewgate: run `reviewgate explain {}` for details",
        rule.code()
    ));
    lines
}

/// The violation when the trusted policy cannot be used (fail closed).
pub fn policy_invalid(updates: &[RefUpdate], detail: &str, pinned: Option<&str>) -> Violation {
    let refs: Vec<&str> = updates.iter().map(|u| u.name.as_str()).take(5).collect();
    Violation {
        rule: Rule::PolicyInvalid,
        severity: Severity::Error,
        refname: refs.join(", "),
        commit: None,
        message: format!(
            "the trusted policy cannot be used, so every update is refused (fail closed):\n{detail}"
        ),
        hint: match pinned {
            Some(path) => format!("the policy is pinned on the server ({} = {path}): an administrator fixes that file there (`reviewgate policy check {path}` validates it), or unsets the pin to use the repository's policy", keys::POLICY),
            None => format!("an administrator can pin a known-good policy on the server:\n  git config {} /path/to/policy.toml\nthen push the fix and unset it (docs/operations.md: Recovering from a broken policy)", keys::POLICY),
        },
    }
}

/// The violation when the audit record could not be written.
pub fn audit_unavailable(refname: &str, error: &anyhow::Error) -> Violation {
    Violation {
        rule: Rule::AuditUnavailable,
        severity: Severity::Error,
        refname: refname.to_string(),
        commit: None,
        message: format!("cannot write the audit log: {error:#}"),
        hint: format!(
            "the server administrator must make the log writable or move it (git config {})",
            keys::AUDIT_LOG
        ),
    }
}

/// The violation for a break-glass request that is not honoured.
pub fn bypass_denied(message: String) -> Violation {
    Violation {
        rule: Rule::BypassDenied,
        severity: Severity::Error,
        refname: "(this push)".into(),
        commit: None,
        message,
        hint: "push without the option to be judged normally, or ask a listed pusher".into(),
    }
}

/// GitLab's web UI shows a hook's output only on lines that begin with
/// `GL-HOOK-ERR: `: prefix every line (pushes made through the UI).
pub fn for_gitlab_web(lines: Vec<String>) -> Vec<String> {
    lines
        .into_iter()
        .map(|l| format!("GL-HOOK-ERR: {l}"))
        .collect()
}

/// When a rejection is one break-glass could lift, how to ask for it
/// (`advertised`: whether the server passes push options at all).
pub fn bypass_offer(verdict: &Verdict, advertised: bool) -> Vec<String> {
    let liftable = verdict.violations.iter().any(|v| {
        v.severity == Severity::Error && !v.rule.is_fail_closed() && !v.rule.survives_bypass()
    });
    // Not after a denied break-glass: its own message says why.
    let denied = verdict
        .violations
        .iter()
        .any(|v| v.rule == Rule::BypassDenied);
    if !verdict.rejects() || verdict.bypass.is_some() || !liftable || denied {
        return Vec::new();
    }
    let mut lines = vec!["reviewgate: emergency? a pusher listed in [bypass] can break glass (audited): git push -o reviewgate.bypass=\"reason\"".to_string()];
    if !advertised {
        lines.push(
            "reviewgate: (push options need the server setting receive.advertisePushOptions=true)"
                .into(),
        );
    }
    lines
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
