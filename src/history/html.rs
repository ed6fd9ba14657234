//! The report as one self-contained HTML page: no script, no external
//! font, style sheet or image; the charts are inline SVG (AI-assisted share
//! and review coverage per period, AI-assisted commits by tool), then the
//! tables. Every text from the history is escaped.

use std::fmt::Write;

use super::{text, Report};
use crate::verdict::short_id;

/// Escape text for HTML (element content and attribute values).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:980px;color:#1f2328;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.meta{color:#59636e;font-size:.9rem;margin:.1rem 0}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1.2rem 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.7rem 1rem;min-width:150px}
.card b{display:block;font-size:1.5rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eaeef2}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
.impact{background:#fff8c5;border:1px solid #d4a72c;border-radius:8px;padding:.7rem 1rem}
svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#1f2328}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}";

const AI: &str = "#8250df";
const COVERAGE: &str = "#1a7f37";
const TOOL: &str = "#0969da";

/// The chart of AI-assisted share (bars) and review coverage (line) per
/// period, both 0-100 %.
fn share_chart(report: &Report) -> String {
    let n = report.periods.len().max(1);
    let (w, h, left, bottom, top) = (900.0, 260.0, 44.0, 40.0, 12.0);
    let plot_h = h - bottom - top;
    let step = (w - left - 10.0) / n as f64;
    let y = |share: f64| top + plot_h * (1.0 - share.clamp(0.0, 1.0));
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg id=\"chart-share\" role=\"img\" aria-label=\"AI-assisted share and review coverage per period\" viewBox=\"0 0 {w} {h}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"#eaeef2\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{:.0}%</text>",
            w - 10.0,
            left - 6.0,
            y(tick) + 4.0,
            tick * 100.0,
            y0 = y(tick)
        );
    }
    let mut line = Vec::new();
    for (i, p) in report.periods.iter().enumerate() {
        let x = left + step * i as f64;
        let bar_w = (step * 0.6).max(1.0);
        let c = &p.counts;
        let _ = write!(
            s,
            "<rect class=\"bar-ai\" x=\"{:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\" fill=\"{AI}\" opacity=\"0.75\"><title>{}: {} of {} commits AI-assisted ({})</title></rect>",
            x + step * 0.2,
            y(c.ai_share),
            plot_h * c.ai_share.clamp(0.0, 1.0),
            esc(&p.period),
            c.ai,
            c.commits,
            pct(c.ai_share)
        );
        let cx = x + step * 0.5;
        line.push(format!("{cx:.1},{:.1}", y(c.review_coverage)));
        let _ = write!(
            s,
            "<circle class=\"point-coverage\" cx=\"{cx:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{COVERAGE}\"><title>{}: {} of {} AI-assisted commits reviewed ({})</title></circle>",
            y(c.review_coverage),
            esc(&p.period),
            c.ai_reviewed,
            c.ai,
            pct(c.review_coverage)
        );
        let every = n.div_ceil(12);
        if i % every == 0 {
            let _ = write!(
                s,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                h - bottom + 16.0,
                esc(&p.period)
            );
        }
    }
    if line.len() > 1 {
        let _ = write!(
            s,
            "<polyline class=\"line-coverage\" points=\"{}\" fill=\"none\" stroke=\"{COVERAGE}\" stroke-width=\"2\"/>",
            line.join(" ")
        );
    }
    s.push_str("</svg>");
    s
}

/// AI-assisted commits by tool (and model): horizontal bars, reviewed part
/// darker.
fn tools_chart(report: &Report) -> String {
    let rows: Vec<_> = report.tools.iter().take(12).collect();
    let (w, row_h, label_w) = (900.0, 24.0, 300.0);
    let h = row_h * rows.len().max(1) as f64 + 10.0;
    let max = rows.iter().map(|t| t.commits).max().unwrap_or(1).max(1) as f64;
    // Room after the longest bar for its label.
    let span = w - label_w - 150.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg id=\"chart-tools\" role=\"img\" aria-label=\"AI-assisted commits by tool\" viewBox=\"0 0 {w} {h}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, t) in rows.iter().enumerate() {
        let y = 5.0 + row_h * i as f64;
        let name = match &t.model {
            Some(m) => format!("{} ({m})", t.tool),
            None => t.tool.clone(),
        };
        let full = span * t.commits as f64 / max;
        let reviewed = span * t.reviewed as f64 / max;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect class=\"bar-tool\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{full:.1}\" height=\"{:.1}\" fill=\"{TOOL}\" opacity=\"0.35\"><title>{}: {} commits</title></rect><rect class=\"bar-tool-reviewed\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{reviewed:.1}\" height=\"{:.1}\" fill=\"{TOOL}\"><title>{}: {} reviewed</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{} ({} reviewed)</text>",
            label_w - 8.0,
            y + row_h * 0.65,
            esc(&name),
            row_h - 6.0,
            esc(&name),
            t.commits,
            row_h - 6.0,
            esc(&name),
            t.reviewed,
            label_w + full + 6.0,
            y + row_h * 0.65,
            t.commits,
            t.reviewed
        );
    }
    s.push_str("</svg>");
    s
}

/// Render the report.
pub fn render(report: &Report) -> String {
    let mut o = String::new();
    head(&mut o, report);
    periods(&mut o, report);
    people(&mut o, report);
    unreviewed(&mut o, report);
    let _ = writeln!(
        o,
        "<p class=\"meta\">Generated {} by reviewgate {}; every commit: <code>--format csv</code> or <code>--format json</code>.</p></body></html>",
        esc(&report.generated),
        env!("CARGO_PKG_VERSION")
    );
    o
}

/// The page's head, title, totals and impact.
fn head(o: &mut String, report: &Report) {
    let t = &report.totals;
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>reviewgate report: {}</title><style>{STYLE}</style></head><body>\n",
        esc(&report.refname)
    );
    let _ = write!(
        o,
        "<h1>AI-assisted commits and their reviews</h1><p class=\"meta\"><code>{}</code> of <code>{}</code>, tip <code>{}</code></p><p class=\"meta\">window: {} .. {}, by {}; policy: {}</p>",
        esc(&report.refname),
        esc(&report.repository),
        esc(&short_id(&report.tip)),
        esc(report.since.as_deref().unwrap_or("the first commit")),
        esc(report.until.as_deref().unwrap_or("now")),
        esc(report.by),
        esc(&report.policy.source)
    );
    for n in &report.policy.notes {
        let _ = write!(o, "<p class=\"meta\">note: {}</p>", esc(n));
    }
    let _ = write!(
        o,
        "<div class=\"cards\"><div class=\"card\" id=\"total-commits\"><b>{}</b>commits</div><div class=\"card\" id=\"total-ai\"><b>{}</b>AI-assisted ({})</div><div class=\"card\" id=\"total-reviewed\"><b>{}</b>of them reviewed ({})</div><div class=\"card\" id=\"total-unreviewed\"><b>{}</b>without a valid review</div></div>",
        t.commits,
        t.ai,
        pct(t.ai_share),
        t.ai_reviewed,
        pct(t.review_coverage),
        t.ai_unreviewed
    );
    let _ = write!(
        o,
        "<p class=\"impact\" id=\"impact\">{}</p>",
        esc(&text::impact(report))
    );
}

/// The per-period chart and table, and the chart by tool.
fn periods(o: &mut String, report: &Report) {
    let _ = write!(
        o,
        "<h2>Per {}</h2><p class=\"legend\"><span><i class=\"sw\" style=\"background:{AI}\"></i>AI-assisted share of commits</span><span><i class=\"sw\" style=\"background:{COVERAGE}\"></i>AI-assisted commits with a valid review</span></p>{}",
        esc(report.by),
        share_chart(report)
    );
    o.push_str("<table id=\"periods\"><tr><th>period</th><th class=\"n\">commits</th><th class=\"n\">AI-assisted</th><th class=\"n\">share</th><th class=\"n\">reviewed</th><th class=\"n\">unreviewed</th><th class=\"n\">from PR</th></tr>");
    for p in &report.periods {
        let c = &p.counts;
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&p.period),
            c.commits,
            c.ai,
            pct(c.ai_share),
            c.ai_reviewed,
            c.ai_unreviewed,
            c.ai_from_pull_request
        );
    }
    o.push_str("</table>");
    if !report.tools.is_empty() {
        let _ = write!(o, "<h2>By tool and model</h2>{}", tools_chart(report));
    }
}

/// By reviewer, and the sign-off rules' reviewers' share.
fn people(o: &mut String, report: &Report) {
    if !report.reviewers.is_empty() {
        o.push_str("<h2>By reviewer</h2><table id=\"reviewers\"><tr><th>reviewer</th><th class=\"n\">AI-assisted commits reviewed</th></tr>");
        for r in &report.reviewers {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.email),
                r.ai_commits
            );
        }
        o.push_str("</table>");
    }
    let rules: Vec<&str> = report
        .periods
        .first()
        .map(|p| p.signoff.iter().map(|s| s.rule.as_str()).collect())
        .unwrap_or_default();
    if !rules.is_empty() {
        o.push_str("<h2>Sign-off rules' reviewers</h2><table id=\"signoff\"><tr><th>period</th>");
        for r in &rules {
            let _ = write!(o, "<th class=\"n\">{}</th>", esc(r));
        }
        o.push_str("</tr>");
        for p in &report.periods {
            let _ = write!(o, "<tr><td>{}</td>", esc(&p.period));
            for s in &p.signoff {
                let _ = write!(
                    o,
                    "<td class=\"n\">{} ({})</td>",
                    s.ai_reviewed,
                    pct(s.share)
                );
            }
            o.push_str("</tr>");
        }
        o.push_str("</table>");
    }
}

/// The most recent AI-assisted commits without a valid review.
fn unreviewed(o: &mut String, report: &Report) {
    if !report.recent_unreviewed.is_empty() {
        o.push_str("<h2>Most recent AI-assisted commits without a valid review</h2><table id=\"unreviewed\"><tr><th>commit</th><th>date</th><th>author</th><th>subject</th><th>rules</th></tr>");
        for id in &report.recent_unreviewed {
            let Some(r) = report.row(id) else {
                continue;
            };
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&short_id(id)),
                esc(r.date().get(..10).unwrap_or_default()),
                esc(&r.author),
                esc(&r.subject),
                esc(&r.rules.join(" "))
            );
        }
        o.push_str("</table>");
    }
}
