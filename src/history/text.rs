//! The report as a person reads it in a terminal.

use std::fmt::Write;

use super::{Report, RuleCount};
use crate::rule::Severity;
use crate::verdict::short_id;

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// The impact preview in one line: "would reject N commits: code n, ...".
pub fn impact(report: &Report) -> String {
    let list = |sev: Severity| -> String {
        report
            .rules
            .iter()
            .filter(|r: &&RuleCount| r.severity == sev)
            .map(|r| format!("{} {}", r.rule, r.commits))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let errors = list(Severity::Error);
    let mut line = if report.totals.rejected == 0 {
        "Impact: enforced now, the policy would reject none of these commits".to_string()
    } else {
        format!(
            "Impact: enforced now, the policy would reject {} commit(s); by rule: {errors}",
            report.totals.rejected
        )
    };
    let warnings = list(Severity::Warning);
    if !warnings.is_empty() {
        let _ = write!(line, "; it would warn: {warnings}");
    }
    line
}

/// Render the report.
pub fn render(report: &Report) -> String {
    let mut o = String::new();
    summary(&mut o, report);
    periods(&mut o, report);
    tools(&mut o, report);
    signoff(&mut o, report);
    unreviewed(&mut o, report);
    let _ = writeln!(o, "\n{}", impact(report));
    o
}

/// Where, the window, the policy, the totals.
fn summary(o: &mut String, report: &Report) {
    let t = &report.totals;
    let _ = writeln!(
        o,
        "reviewgate report: {} of {}",
        report.refname, report.repository
    );
    let from = report.since.as_deref().unwrap_or("the first commit");
    let to = report.until.as_deref().unwrap_or("now");
    let _ = writeln!(
        o,
        "window: {from} .. {to} (tip {}), by {}",
        short_id(&report.tip),
        report.by
    );
    let _ = writeln!(o, "policy: {}", report.policy.source);
    for n in &report.policy.notes {
        let _ = writeln!(o, "note: {n}");
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{} commits, {} AI-assisted ({}): {} with a valid review ({}), {} without",
        t.commits,
        t.ai,
        percent(t.ai_share),
        t.ai_reviewed,
        percent(t.review_coverage),
        t.ai_unreviewed
    );
    if t.ai_from_pull_request > 0 {
        let _ = writeln!(
            o,
            "{} squashed or rebased commit(s) AI-assisted only by their pull request's commits",
            t.ai_from_pull_request
        );
    }
}

/// The per-period table.
fn periods(o: &mut String, report: &Report) {
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<10} {:>8} {:>6} {:>7} {:>9} {:>11} {:>8}",
        "period", "commits", "AI", "share", "reviewed", "unreviewed", "from PR"
    );
    for p in &report.periods {
        let c = &p.counts;
        let _ = writeln!(
            o,
            "{:<10} {:>8} {:>6} {:>7} {:>9} {:>11} {:>8}",
            p.period,
            c.commits,
            c.ai,
            percent(c.ai_share),
            c.ai_reviewed,
            c.ai_unreviewed,
            c.ai_from_pull_request
        );
    }
}

/// By tool and model, and by reviewer.
fn tools(o: &mut String, report: &Report) {
    if !report.tools.is_empty() {
        let _ = writeln!(o, "\nBy tool and model (AI-assisted commits, reviewed)");
        for tool in &report.tools {
            let name = match &tool.model {
                Some(m) => format!("{} ({m})", tool.tool),
                None => tool.tool.clone(),
            };
            let _ = writeln!(
                o,
                "  {name:<44} {:>6}  reviewed {}",
                tool.commits, tool.reviewed
            );
        }
    }
    if !report.reviewers.is_empty() {
        let _ = writeln!(
            o,
            "\nBy reviewer (AI-assisted commits their review made valid)"
        );
        for r in &report.reviewers {
            let _ = writeln!(o, "  {:<44} {:>6}", r.email, r.ai_commits);
        }
    }
}

/// The sign-off rules' reviewers' share per period.
fn signoff(o: &mut String, report: &Report) {
    let rules: Vec<&str> = report
        .periods
        .first()
        .map(|p| p.signoff.iter().map(|s| s.rule.as_str()).collect())
        .unwrap_or_default();
    if !rules.is_empty() {
        let _ = writeln!(
            o,
            "\nSign-off rules' reviewers: share of each period's AI-assisted commits they reviewed"
        );
        let _ = write!(o, "  {:<10}", "period");
        for r in &rules {
            let _ = write!(o, " {r:>w$}", w = r.len().max(14));
        }
        let _ = writeln!(o);
        for p in &report.periods {
            let _ = write!(o, "  {:<10}", p.period);
            for s in &p.signoff {
                let cell = format!("{} ({})", s.ai_reviewed, percent(s.share));
                let _ = write!(o, " {cell:>w$}", w = s.rule.len().max(14));
            }
            let _ = writeln!(o);
        }
    }
}

/// The most recent AI-assisted commits without a valid review.
fn unreviewed(o: &mut String, report: &Report) {
    let t = &report.totals;
    if !report.recent_unreviewed.is_empty() {
        let _ = writeln!(
            o,
            "\nMost recent AI-assisted commits without a valid review"
        );
        for id in report.recent_unreviewed.iter().take(10) {
            let Some(row) = report.row(id) else {
                continue;
            };
            let _ = writeln!(
                o,
                "  {} {} {} <{}>  {}",
                short_id(id),
                row.date().get(..10).unwrap_or_default(),
                row.author,
                row.author_email,
                truncate(&row.subject, 60)
            );
        }
        let more = t.ai_unreviewed.saturating_sub(10);
        if more > 0 {
            let _ = writeln!(o, "  ... and {more} more (--format csv lists every commit)");
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n - 1).collect();
    out.push('…');
    out
}
