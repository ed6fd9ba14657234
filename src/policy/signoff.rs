//! `[groups]` of people and `[[signoff]]` rules: who must approve a commit,
//! by who wrote it, what it changes and where it lands.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::DeTable;

use super::glob::{path_glob, EmailPattern, PathPattern};
use super::walker::{Value, Walker};
use super::RefPattern;

/// Which commits a sign-off rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignoffCommits {
    /// AI-assisted commits only (the default).
    Ai,
    /// Every commit.
    All,
}

impl SignoffCommits {
    /// The policy file's word for it.
    pub fn word(self) -> &'static str {
        match self {
            SignoffCommits::Ai => "ai",
            SignoffCommits::All => "all",
        }
    }
}

/// One `[[signoff]]` rule. It applies to a commit a protected update brings
/// when every condition holds; then the commit needs `min_reviewers`
/// distinct valid reviewers from `reviewers`, on its own.
#[derive(Debug, Clone)]
pub struct Signoff {
    /// Its name, shown in messages.
    pub name: String,
    /// Whose commits (author email); empty: anyone's.
    pub authors: Vec<EmailPattern>,
    /// Authors it never applies to.
    pub except_authors: Vec<EmailPattern>,
    /// What the commit changes (against its first parent); empty: anything.
    pub files: Vec<PathPattern>,
    /// Where it lands; empty: every protected ref.
    pub refs: Vec<RefPattern>,
    /// Which commits.
    pub commits: SignoffCommits,
    /// Who may sign off; empty: any valid human reviewer.
    pub reviewers: Vec<EmailPattern>,
    /// How many distinct valid reviewers from `reviewers`.
    pub min_reviewers: u32,
    /// How messages name its reviewer list: `[[signoff]] "name" reviewers`.
    pub list: String,
}

impl Signoff {
    /// Whether the rule covers commits landing on `refname`.
    pub fn covers_ref(&self, refname: &str, default_branch: Option<&str>) -> bool {
        self.refs.is_empty() || self.refs.iter().any(|r| r.matches(refname, default_branch))
    }

    /// Whether the rule applies to commits by `email` (lowercase).
    pub fn covers_author(&self, email: &str) -> bool {
        (self.authors.is_empty() || self.authors.iter().any(|p| p.matches(email)))
            && !self.except_authors.iter().any(|p| p.matches(email))
    }

    /// The first of its file patterns `path` matches.
    pub fn file_match(&self, path: &str) -> Option<&PathPattern> {
        let parts = super::glob::PathParts::of(path);
        self.files.iter().find(|p| p.matches_parts(&parts))
    }
}

/// Whether `name` may name a group: letters, digits, `-`, `_` and `.`.
fn is_group_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `[groups]`: name -> email globs, each tagged with its group.
pub(super) fn parse_groups(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
) -> BTreeMap<String, Vec<EmailPattern>> {
    let mut groups = BTreeMap::new();
    for (name, v) in t.iter() {
        let name_str: &str = name.get_ref();
        let what = format!("groups.{name_str}");
        if !is_group_name(name_str) {
            w.error(
                name.span(),
                format!("group name `{name_str}` may hold only letters, digits, `-`, `_` and `.`"),
            );
            continue;
        }
        let list = w.strings(v, &what);
        if list.is_empty() && v.get_ref().as_array().is_some() {
            w.error(
                v.span(),
                format!("group `{name_str}` is empty: a group used as a list would let nobody (or, as a reviewer list, anybody) through; list its members"),
            );
        }
        let mut members = Vec::new();
        for (p, span) in list {
            if let Some(other) = p.strip_prefix('@') {
                w.error(
                    span,
                    format!("`{what}`: a group cannot name a group (`@{other}`); list its emails"),
                );
                continue;
            }
            members.extend(w.email(&p, span, &what).map(|m| m.in_group(name_str)));
        }
        groups.insert(name_str.to_string(), members);
    }
    groups
}

/// `[[signoff]]` rules.
pub(super) fn parse_signoffs(w: &mut Walker<'_>, v: &Value<'_>) -> Vec<Signoff> {
    let Some(entries) = v.get_ref().as_array() else {
        w.error(
            v.span(),
            "`signoff` must be an array of tables: write each rule as [[signoff]]",
        );
        return Vec::new();
    };
    let mut rules: Vec<Signoff> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let what = format!("signoff[{i}]");
        let Some(t) = w.table(entry, &what) else {
            continue;
        };
        if let Some(rule) = parse_signoff(w, t, entry.span(), &what) {
            if rules.iter().any(|r| r.name == rule.name) {
                w.error(
                    entry.span(),
                    format!("{what}: another [[signoff]] rule is named \"{}\"; names tell rules apart in messages", rule.name),
                );
            }
            rules.push(rule);
        }
    }
    rules
}

fn parse_signoff(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    what: &str,
) -> Option<Signoff> {
    w.check_keys(t, &format!("[[signoff]] rule {what}"), SIGNOFF_KEYS);
    let name = match t.get("name") {
        Some(v) => w.string(v, &format!("{what}.name")),
        None => {
            w.error(
                span.clone(),
                format!("{what}: `name` is required (messages name the rule by it)"),
            );
            None
        }
    };
    let list = |w: &mut Walker<'_>, key: &str| match t.get(key) {
        Some(v) => w.emails(v, &format!("{what}.{key}")),
        None => Vec::new(),
    };
    let authors = list(w, "authors");
    let except_authors = list(w, "except-authors");
    let reviewers = list(w, "reviewers");
    let files = t
        .get("files")
        .map(|v| files(w, v, what))
        .unwrap_or_default();
    let refs = match t.get("refs") {
        Some(v) => super::protect::parse_refs(w, v, what),
        None => Vec::new(),
    };
    let commits = t.get("commits").and_then(|v| commits(w, v, what));
    let min = t
        .get("min-reviewers")
        .and_then(|v| w.integer(v, &format!("{what}.min-reviewers"), 1..101));
    let name = name?;
    if name.trim().is_empty() {
        w.error(span, format!("{what}: `name` is empty"));
        return None;
    }
    Some(Signoff {
        list: format!("[[signoff]] \"{name}\" reviewers"),
        name,
        authors,
        except_authors,
        files,
        refs,
        commits: commits.unwrap_or(SignoffCommits::Ai),
        reviewers,
        min_reviewers: min.and_then(|n| u32::try_from(n).ok()).unwrap_or(1),
    })
}

/// `commits = "ai" | "all"`.
fn commits(w: &mut Walker<'_>, v: &Value<'_>, what: &str) -> Option<SignoffCommits> {
    match w.string(v, &format!("{what}.commits"))?.as_str() {
        "ai" => Some(SignoffCommits::Ai),
        "all" => Some(SignoffCommits::All),
        other => {
            w.error(
                v.span(),
                format!("`{what}.commits` must be \"ai\" (AI-assisted commits) or \"all\", found \"{other}\""),
            );
            None
        }
    }
}

/// `files`: path globs relative to the repository root, or `@agent-config`.
fn files(w: &mut Walker<'_>, v: &Value<'_>, what: &str) -> Vec<PathPattern> {
    let key = format!("{what}.files");
    let list = w.strings(v, &key);
    if list.is_empty() && v.get_ref().as_array().is_some() {
        w.error(
            v.span(),
            format!("`{key}` is empty: list path globs, or leave `files` out to mean any change"),
        );
    }
    let mut out = Vec::new();
    for (p, span) in list {
        if p == "@agent-config" {
            if w.count_pattern(&span) {
                out.extend(PathPattern::agent_config());
            }
        } else if let Some(group) = p.strip_prefix('@') {
            w.error(
                span,
                format!("`{key}`: unknown path group `@{group}`; the built-in one is `@agent-config` ([groups] hold people, not paths)"),
            );
        } else if let Some(rest) = p.strip_prefix('/') {
            w.error(
                span,
                format!("`{key}`: \"{p}\" starts with `/`; patterns match from the repository root already (write \"{rest}\")"),
            );
        } else if p.ends_with('/') {
            w.error(
                span,
                format!("`{key}`: \"{p}\" names a folder; write \"{p}**\" for everything under it"),
            );
        } else if let Some(g) = w.glob_uncompiled(&p, span, &key, path_glob) {
            out.push(PathPattern::new(&p, &g));
        }
    }
    out
}

const SIGNOFF_KEYS: &[&str] = &[
    "name",
    "authors",
    "except-authors",
    "files",
    "refs",
    "commits",
    "reviewers",
    "min-reviewers",
];

#[cfg(test)]
mod tests {
    use crate::policy::{Policy, PolicySource, SignoffCommits};

    const MAIN: &str = "[[protect]]\nrefs = [\"refs/heads/main\"]\n";

    fn parse(text: &str) -> Result<Policy, String> {
        Policy::parse(
            &format!("{MAIN}{text}"),
            &PolicySource::File("p.toml".into()),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn groups_stand_for_their_members_wherever_people_are_listed() {
        let p = parse("[groups]\nseniors = [\"ann@example.com\", \"*@sre.example.com\"]\n[review]\nreviewers = [\"@seniors\", \"lead@example.com\"]\n[policy]\nowners = [\"@seniors\"]\n[[signoff]]\nname = \"x\"\nauthors = [\"@seniors\"]\nexcept-authors = [\"lead@example.com\"]\nreviewers = [\"@seniors\"]\n").expect("parses");
        let emails = |l: &[crate::policy::EmailPattern]| -> Vec<String> {
            l.iter().map(|e| e.as_str().to_string()).collect()
        };
        assert_eq!(
            emails(&p.review.reviewers),
            ["ann@example.com", "*@sre.example.com", "lead@example.com"]
        );
        assert_eq!(p.review.reviewers[0].group(), Some("seniors"));
        assert_eq!(p.review.reviewers[2].group(), None);
        assert_eq!(emails(&p.owners), ["ann@example.com", "*@sre.example.com"]);
        let s = &p.signoffs[0];
        assert!(s.covers_author("sam@sre.example.com"));
        assert!(s.covers_author("ANN@example.com".to_lowercase().as_str()));
        assert!(!s.covers_author("jo@example.com"));
        assert_eq!(s.commits, SignoffCommits::Ai, "the default");
        assert_eq!(s.min_reviewers, 1);
    }

    #[test]
    fn bad_groups_and_rules_are_located_errors() {
        let table: &[(&str, &str)] = &[
            ("[review]\nreviewers = [\"@senoirs\"]\n[groups]\nseniors = [\"a@x.com\"]\n", "p.toml:4:14: `review.reviewers`: unknown group `@senoirs` (did you mean `@seniors`?)"),
            ("[review]\nreviewers = [\"@ops\"]\n", "p.toml:4:14: `review.reviewers`: unknown group `@ops` ([groups] defines none)"),
            ("[groups]\nempty = []\n", "p.toml:4:9: group `empty` is empty"),
            ("[groups]\na = [\"x@y.com\"]\nb = [\"@a\"]\n", "p.toml:5:6: `groups.b`: a group cannot name a group (`@a`)"),
            ("[groups]\n\"a b\" = [\"x@y.com\"]\n", "p.toml:4:1: group name `a b` may hold only"),
            ("[[signoff]]\nfiles = [\"infra/**\"]\n", "p.toml:3:1: signoff[0]: `name` is required"),
            ("[[signoff]]\nname = \"x\"\ncommits = \"some\"\n", "p.toml:5:11: `signoff[0].commits` must be \"ai\""),
            ("[[signoff]]\nname = \"x\"\nfiles = [\"/infra/**\"]\n", "p.toml:5:10: `signoff[0].files`: \"/infra/**\" starts with `/`"),
            ("[[signoff]]\nname = \"x\"\nfiles = [\"infra/\"]\n", "p.toml:5:10: `signoff[0].files`: \"infra/\" names a folder; write \"infra/**\""),
            ("[[signoff]]\nname = \"x\"\nfiles = [\"@agents\"]\n", "p.toml:5:10: `signoff[0].files`: unknown path group `@agents`"),
            ("[[signoff]]\nname = \"x\"\nfiles = [\"a/[\"]\n", "p.toml:5:10: bad glob in `signoff[0].files`"),
            ("[[signoff]]\nname = \"x\"\nmin-reviewers = 0\n", "p.toml:5:17: `signoff[0].min-reviewers` must be between 1 and 100"),
            ("[[signoff]]\nname = \"x\"\nreviewer = []\n", "p.toml:5:1: unknown key `reviewer` in [[signoff]] rule signoff[0] (did you mean `reviewers`?)"),
            ("[[signoff]]\nname = \"x\"\n[[signoff]]\nname = \"x\"\n", "p.toml:5:1: signoff[1]: another [[signoff]] rule is named \"x\""),
            ("[[signoff]]\nname = \"x\"\nrefs = [\"main\"]\n", "p.toml:5:9: ref pattern \"main\" must be a full ref name"),
            ("[[protect]]\nrefs = [\"refs/heads/legacy\"]\nai = \"deny\"\n", "p.toml:5:6: `protect[1].ai` must be \"allow\" or \"forbid\""),
        ];
        let mut bad = Vec::new();
        for (text, want) in table {
            let err = parse(text).expect_err(text);
            if !err.starts_with(want) {
                bad.push(format!("{text}\ngot:  {err}\nwant: {want}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n\n"));
    }

    #[test]
    fn agent_config_and_files_follow_git_paths() {
        let p = parse("[[signoff]]\nname = \"agents\"\nfiles = [\"@agent-config\", \"infra/**\", \"**/*.tf\", \"db/migrations/*.sql\"]\n").expect("parses");
        let s = &p.signoffs[0];
        let table = [
            ("AGENTS.md", true),
            ("services/api/AGENTS.md", true),
            ("CLAUDE.md", true),
            ("docs/CLAUDE.md", true),
            (".claude/settings.json", true),
            (".claude/commands/deploy.md", true),
            (".cursor/rules/style.mdc", true),
            (".cursorrules", true),
            (".github/copilot-instructions.md", true),
            (".github/instructions/rust.instructions.md", true),
            (".github/prompts/review.prompt.md", true),
            (".mcp.json", true),
            (".vscode/mcp.json", true),
            ("GEMINI.md", true),
            (".gemini/settings.json", true),
            ("agents.md", false),
            ("docs/claude.md.txt", false),
            ("src/github/copilot-instructions.md", false),
            ("infra/main.tf", true),
            ("infra/a/b/c.yaml", true),
            ("infra", false),
            ("modules/net/vpc.tf", true),
            ("vpc.tf", true),
            ("vpc.tfvars", false),
            ("db/migrations/001.sql", true),
            ("db/migrations/old/001.sql", false),
            ("Infra/main.yaml", false),
        ];
        for (path, want) in table {
            assert_eq!(s.file_match(path).is_some(), want, "{path}");
        }
        assert_eq!(
            s.file_match("CLAUDE.md").and_then(|p| p.group()),
            Some("@agent-config")
        );
    }

    #[test]
    fn folders_are_entered_only_where_a_pattern_may_match() {
        let p = parse("[[signoff]]\nname = \"x\"\nfiles = [\"infra/**\", \"db/migrations/*.sql\", \"src/*/config/*.yml\"]\n").expect("parses");
        let s = &p.signoffs[0];
        let may = |dir: &str| s.files.iter().any(|f| f.may_match_under(dir));
        let table = [
            ("infra", true),
            ("infra/modules/net", true),
            ("db", true),
            ("db/migrations", true),
            ("db/migrations/old", false),
            ("db/seeds", false),
            ("src", true),
            ("src/api", true),
            ("src/api/config", true),
            ("src/api/config/deep", false),
            ("src/api/handlers", false),
            ("docs", false),
        ];
        for (dir, want) in table {
            assert_eq!(may(dir), want, "{dir}");
        }
        let any = parse("[[signoff]]\nname = \"x\"\nfiles = [\"**/*.tf\"]\n").expect("parses");
        assert!(any.signoffs[0].files[0].may_match_under("a/b/c"));
    }
}
