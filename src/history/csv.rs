//! The report as CSV: a header row, then one row per commit (RFC 4180
//! quoting; a text field a spreadsheet would run as a formula starts with
//! `'`).

use super::Report;

/// The columns, in order (`docs/report.md` describes each).
pub const COLUMNS: &[&str] = &[
    "commit",
    "date",
    "author",
    "author_email",
    "ai",
    "tool",
    "model",
    "evidence",
    "reviewed",
    "reviewers",
    "rules",
    "rejected",
    "period",
    "brought_by",
    "covered_by",
    "baseline",
    "subject",
];

/// One field, quoted when it must be, appended to `out`.
fn push_field(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = value.contains([',', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    if quoted {
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// One field as it is written (for tests).
#[cfg(test)]
fn field(value: &str) -> String {
    let mut out = String::new();
    push_field(&mut out, value);
    out
}

/// Render the report.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(64 + report.commits.len() * 256);
    out.push_str(&COLUMNS.join(","));
    out.push('\n');
    let bool_text = |b: bool| if b { "true" } else { "false" };
    for r in &report.commits {
        let evidence = r.evidence.map_or("", |e| match e {
            crate::verdict::EvidenceSource::Message => "message",
            crate::verdict::EvidenceSource::Note => "note",
            crate::verdict::EvidenceSource::PullRequest => "pull-request",
        });
        let (commit, brought_by) = (super::hex(r.commit), super::hex(r.brought_by));
        let date = r.date();
        let fields: [&str; 17] = [
            &commit,
            &date,
            &r.author,
            &r.author_email,
            bool_text(r.ai),
            r.tool.as_deref().unwrap_or_default(),
            r.model.as_deref().unwrap_or_default(),
            evidence,
            bool_text(r.reviewed),
            &r.reviewers.join(" "),
            &r.rules.join(" "),
            bool_text(r.rejected),
            &r.period,
            &brought_by,
            r.covered_by.as_deref().unwrap_or_default(),
            bool_text(r.baseline),
            &r.subject,
        ];
        for (n, f) in fields.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            push_field(&mut out, f);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn quoting_and_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
    }
}
