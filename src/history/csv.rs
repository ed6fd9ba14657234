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

/// One field, quoted when it must be.
fn field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Render the report.
pub fn render(report: &Report) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in &report.commits {
        let evidence = r.evidence.map(|e| match e {
            crate::verdict::EvidenceSource::Message => "message",
            crate::verdict::EvidenceSource::Note => "note",
            crate::verdict::EvidenceSource::PullRequest => "pull-request",
        });
        let fields = [
            r.commit.clone(),
            r.date.clone(),
            r.author.clone(),
            r.author_email.clone(),
            r.ai.to_string(),
            r.tool.clone().unwrap_or_default(),
            r.model.clone().unwrap_or_default(),
            evidence.unwrap_or_default().to_string(),
            r.reviewed.to_string(),
            r.reviewers.join(" "),
            r.rules.join(" "),
            r.rejected.to_string(),
            r.period.clone(),
            r.brought_by.clone(),
            r.covered_by.clone().unwrap_or_default(),
            r.baseline.to_string(),
            r.subject.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        out.push_str(&line.join(","));
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
