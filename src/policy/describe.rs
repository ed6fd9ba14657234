//! A policy in words: what `reviewgate policy check` prints for each table,
//! each `[[protect]]` entry and each `[[signoff]]` rule.

use super::glob::{email_names, path_names};
use super::{
    EmailPattern, LoginPattern, Mode, Policy, Protection, RefPattern, ReviewScope, Signoff,
    SignoffCommits,
};

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
                "[review] trailer = {}, min-reviewers = {}, reviewers = {}{}, require-pusher = {}, merges-cover = {}, signed = {}, signed-commits = {}",
                toml_list(r.trailers.iter().map(String::as_str)),
                r.min_reviewers,
                toml_list(email_names(&r.reviewers).iter().map(String::as_str)),
                if r.reviewers.is_empty() { " (any human)" } else { "" },
                r.require_pusher,
                r.merges_cover.word(),
                r.signed,
                r.signed_commits
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
        for (name, members) in &self.groups {
            lines.push(format!(
                "[groups] {name} = {}",
                toml_list(members.iter().map(EmailPattern::as_str))
            ));
        }
        for p in &self.protect {
            lines.extend(p.describe(self.mode));
            let here = self.signoffs_on(p);
            if !here.is_empty() {
                lines.push(format!("  sign-off rules here: {}", here.join(", ")));
            }
        }
        for s in &self.signoffs {
            lines.push(s.describe());
        }
        lines.push(format!(
            "[policy] owners = {}{}",
            toml_list(email_names(&self.owners).iter().map(String::as_str)),
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
                "  review = {:?}, ai = {:?}, mode = {mode}, allow-deletion = {}, allow-force-push = {}, allow-update = {}, linear-history = {}, allow-replace = {}",
                self.review.word(),
                if self.ai_forbidden { "forbid" } else { "allow" },
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

impl Policy {
    /// The names of the sign-off rules that apply on `p`'s refs: those
    /// without `refs`, and those whose `refs` name one of `p`'s patterns or
    /// match one of its literal ref names.
    fn signoffs_on(&self, p: &Protection) -> Vec<String> {
        self.signoffs
            .iter()
            .filter(|s| {
                s.refs.is_empty()
                    || p.refs.iter().any(|r| {
                        let literal = !r.as_str().contains(['*', '?', '[', '{', '@']);
                        s.refs.iter().any(|sr| sr.as_str() == r.as_str())
                            || (literal && s.covers_ref(r.as_str(), None))
                    })
            })
            .map(|s| format!("{:?}", s.name))
            .collect()
    }
}

impl Signoff {
    /// The rule in words: which commits, whose, what they change, where, and
    /// who must sign off.
    fn describe(&self) -> String {
        let commits = match self.commits {
            SignoffCommits::Ai => "AI-assisted commits",
            SignoffCommits::All => "commits",
        };
        let authors = if self.authors.is_empty() {
            "anyone".to_string()
        } else {
            email_names(&self.authors).join(", ")
        };
        let except = if self.except_authors.is_empty() {
            String::new()
        } else {
            format!(" (except {})", email_names(&self.except_authors).join(", "))
        };
        let files = if self.files.is_empty() {
            "anything".to_string()
        } else {
            path_names(&self.files).join(", ")
        };
        let refs = if self.refs.is_empty() {
            "every protected ref".to_string()
        } else {
            self.refs
                .iter()
                .map(RefPattern::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let who = if self.reviewers.is_empty() {
            "any valid human reviewer".to_string()
        } else {
            email_names(&self.reviewers).join(", ")
        };
        let n = self.min_reviewers;
        format!(
            "[[signoff]] {:?}: {commits} by {authors}{except}, changing {files}, on {refs}, need {n} sign-off{} from {who}",
            self.name,
            if n == 1 { "" } else { "s" }
        )
    }
}
