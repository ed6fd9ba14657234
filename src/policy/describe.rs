//! A policy in words: what `reviewgate policy check` prints for each table
//! and each `[[protect]]` entry.

use super::{EmailPattern, LoginPattern, Mode, Policy, Protection, RefPattern, ReviewScope};

/// `["a", "b"]`, as TOML writes a list of strings.
fn toml_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

impl ReviewScope {
    /// The policy file's word for it.
    pub fn word(self) -> &'static str {
        match self {
            ReviewScope::None => "none",
            ReviewScope::Ai => "ai",
            ReviewScope::All => "all",
        }
    }
}

impl Policy {
    /// The policy in the file's own words, one setting per line, every
    /// default spelled out (what `reviewgate policy check` prints).
    pub fn describe(&self) -> Vec<String> {
        let r = &self.review;
        let mut lines = vec![
            format!("mode = {:?}", self.mode.word()),
            format!(
                "[review] trailer = {}, min-reviewers = {}, reviewers = {}{}, require-pusher = {}, merges-cover = {}",
                toml_list(r.trailers.iter().map(String::as_str)),
                r.min_reviewers,
                toml_list(r.reviewers.iter().map(EmailPattern::as_str)),
                if r.reviewers.is_empty() { " (any human)" } else { "" },
                r.require_pusher,
                r.merges_cover.word()
            ),
            format!(
                "[detect] builtin = {}, assisted-by = \"{}\", trailer-keys = {}, trailer-values = {}, identities = {}, markers = {}",
                self.detect.builtin,
                self.detect.assisted_by.as_str(),
                toml_list(self.detect.trailer_keys.iter().map(String::as_str)),
                toml_list(self.detect.trailer_values.iter().map(String::as_str)),
                toml_list(self.detect.identities.iter().map(String::as_str)),
                toml_list(self.detect.markers.iter().map(String::as_str)),
            ),
        ];
        for p in &self.protect {
            lines.extend(p.describe(self.mode));
        }
        lines.push(format!(
            "[policy] owners = {}{}",
            toml_list(self.owners.iter().map(EmailPattern::as_str)),
            if self.owners.is_empty() {
                " (any valid human reviewer)"
            } else {
                ""
            }
        ));
        lines.push(format!(
            "[bypass] pushers = {}{}",
            toml_list(self.bypass_pushers.iter().map(LoginPattern::as_str)),
            if self.bypass_pushers.is_empty() {
                " (nobody)"
            } else {
                ""
            }
        ));
        for (login, emails) in &self.identities {
            lines.push(format!(
                "[identities] {login:?} = {}",
                toml_list(emails.iter().map(String::as_str))
            ));
        }
        for (rule, mode) in &self.rule_modes {
            lines.push(format!("[modes] {} = {:?}", rule.code(), mode.word()));
        }
        lines
    }
}

impl Protection {
    /// The entry in the file's own words (`global`: the policy's mode).
    fn describe(&self, global: Mode) -> Vec<String> {
        let mode = match self.mode {
            Some(m) => format!("{:?}", m.word()),
            None => format!("{:?} (global)", global.word()),
        };
        let mut lines = vec![
            format!(
                "[[protect]] refs = {}",
                toml_list(self.refs.iter().map(RefPattern::as_str))
            ),
            format!(
                "  review = {:?}, mode = {mode}, allow-deletion = {}, allow-force-push = {}, allow-update = {}, linear-history = {}, allow-replace = {}",
                self.review.word(),
                self.allow_deletion,
                self.allow_force_push,
                self.allow_update,
                self.linear_history,
                self.allow_replace
            ),
            format!(
                "  pushers = {}{}",
                toml_list(self.pushers.iter().map(LoginPattern::as_str)),
                if self.pushers.is_empty() { " (anyone)" } else { "" }
            ),
        ];
        for w in &self.freeze {
            lines.push(format!("  freeze: {}", w.describe()));
        }
        lines
    }
}
