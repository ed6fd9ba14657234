//! `reviewgate policy import codeowners`: a GitHub, GitLab or Gitea
//! `CODEOWNERS` file as `[[signoff]]` rules and `[groups]`, with a warning
//! for each known trap where the forge's meaning and reviewgate's differ.
//!
//! Each owned line becomes a rule: its paths (`files`), every commit
//! (`commits = "all"`), its owners as reviewers, one sign-off (a GitLab
//! section's `[N]` approvals). Owners become emails: an address as is, a
//! login through `[identities]` (or `--map`), and anything else (a team, an
//! unmapped login, a GitLab role) a group left empty for the administrator
//! to fill in, which `reviewgate policy check` refuses until they do.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Which forge's rules a file follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// GitHub (and GitHub Enterprise Server): gitignore-like patterns, the
    /// last matching line wins.
    Github,
    /// GitLab: gitignore-like patterns in sections, each section required
    /// (`^` optional), `[N]` approvals, `!` exclusions.
    Gitlab,
    /// Gitea and Forgejo: Go regular expressions over the path, `!` negated.
    Gitea,
}

impl Forge {
    /// The forge's name.
    pub fn name(self) -> &'static str {
        match self {
            Forge::Github => "GitHub",
            Forge::Gitlab => "GitLab",
            Forge::Gitea => "Gitea",
        }
    }

    /// `github`, `gitlab`, `gitea` or `forgejo`.
    pub fn from_word(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "github" => Some(Forge::Github),
            "gitlab" => Some(Forge::Gitlab),
            "gitea" | "forgejo" => Some(Forge::Gitea),
            _ => None,
        }
    }

    /// The forge a file at `path` with `text` is written for: its folder
    /// (`.github/`, `.gitlab/`, `.gitea/`), else its content (section
    /// headers are GitLab's, regular expressions Gitea's), else GitHub.
    pub fn guess(path: &str, text: &str) -> Self {
        if path.contains(".gitlab/") {
            return Forge::Gitlab;
        }
        if path.contains(".gitea/") || path.contains(".forgejo/") {
            return Forge::Gitea;
        }
        if path.contains(".github/") {
            return Forge::Github;
        }
        let lines = || text.lines().map(str::trim).filter(|l| !l.starts_with('#'));
        if lines().any(|l| l.starts_with('[') || l.starts_with("^[")) {
            Forge::Gitlab
        } else if lines().any(|l| l.contains(".*") || l.contains("\\.")) {
            Forge::Gitea
        } else {
            Forge::Github
        }
    }
}

/// The import's result: the policy text to add, and what to check.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// `[groups]` and `[[signoff]]` tables, commented.
    pub toml: String,
    /// The traps found, one per line, each naming the line it is about.
    pub warnings: Vec<String>,
    /// How many rules were written.
    pub rules: usize,
}

/// A GitLab section header, or the unnamed section before the first one.
#[derive(Debug, Clone, Default)]
struct Section {
    name: Option<String>,
    approvals: u32,
    optional: bool,
    defaults: Vec<String>,
}

/// One owned line.
struct Entry {
    line: usize,
    pattern: String,
    owners: Vec<String>,
    section: usize,
}

/// Split a line at unescaped whitespace, dropping a trailing comment;
/// escapes (`\#`, `\ `) are kept for the pattern's own reading.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '#' if cur.is_empty() => break,
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A GitLab section header: `[Name]`, `^[Name]`, `[Name][2] @owner`.
fn section_header(line: &str) -> Option<Section> {
    let (optional, rest) = match line.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, line),
    };
    let rest = rest.strip_prefix('[')?;
    let close = rest.find(']')?;
    let name = rest.get(..close)?.trim().to_string();
    let mut rest = rest.get(close + 1..)?;
    let mut approvals = 1;
    if let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']')?;
        approvals = r.get(..close)?.trim().parse().ok()?;
        rest = r.get(close + 1..)?;
    }
    Some(Section {
        name: Some(name),
        approvals,
        optional,
        defaults: fields(rest),
    })
}

/// A gitignore-like pattern (GitHub, GitLab) as reviewgate `files` globs:
/// anchored at the root when it starts with `/` or has a `/` before its
/// end, else matching at any depth; a folder (`docs/`, or a name that may
/// be one) covers everything under it.
fn gitignore_globs(pattern: &str) -> Vec<String> {
    let unescaped = pattern.replace("\\#", "#").replace("\\ ", " ");
    let dir = unescaped.ends_with('/');
    let body = unescaped.trim_end_matches('/');
    let anchored = body.starts_with('/') || body.trim_start_matches('/').contains('/');
    let body = body.trim_start_matches('/');
    if body.is_empty() || body == "*" || body == "**" {
        return vec!["**".to_string()];
    }
    let base = if anchored || body.starts_with("**/") {
        body.to_string()
    } else {
        format!("**/{body}")
    };
    if dir || body.ends_with("/**") {
        let base = base.trim_end_matches("/**");
        return vec![format!("{base}/**")];
    }
    // A literal name (`docs`, `README.md`) is a file by that name or a
    // folder and everything under it; a name with a wildcard (`*.js`,
    // GitHub's `docs/*`: the files directly in docs/) names files.
    let last = base.rsplit('/').next().unwrap_or_default();
    if last.contains(['*', '?', '[']) {
        vec![base]
    } else {
        vec![base.clone(), format!("{base}/**")]
    }
}

/// A Gitea pattern (a Go regular expression, matched against the whole
/// path) as globs, when it is one of the shapes globs can say exactly:
/// literals, `\.`, `.*` between folders or before a file name, `[^/]*`,
/// `(a|b)` of literals. `None` otherwise.
fn regex_globs(pattern: &str) -> Option<Vec<String>> {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    let p = p.strip_suffix('$').unwrap_or(p);
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let n = *chars.get(i + 1)?;
                if n.is_alphanumeric() {
                    return None; // \d, \w, \s: classes
                }
                if matches!(n, '*' | '?' | '[' | ']' | '{' | '}') {
                    out.push('\\');
                }
                out.push(n);
                i += 2;
            }
            '.' if chars.get(i + 1) == Some(&'*') => {
                let at_start = out.is_empty() || out.ends_with('/');
                let next = chars.get(i + 2);
                match next {
                    None if at_start => out.push_str("**"),
                    Some('/') if at_start => out.push_str("**"),
                    // `.*\.go`: any folders, then a name.
                    Some(_) if at_start && !chars.get(i + 2..)?.contains(&'/') => {
                        out.push_str("**/*");
                    }
                    _ => return None,
                }
                i += 2;
            }
            '[' if chars.get(i..i + 5) == Some(&['[', '^', '/', ']', '*'][..]) => {
                out.push('*');
                i += 5;
            }
            '(' => {
                let close = chars.get(i..)?.iter().position(|&c| c == ')')? + i;
                let inner: String = chars.get(i + 1..close)?.iter().collect();
                if inner.chars().any(|c| "\\.*+?()[]{}^$".contains(c)) {
                    return None;
                }
                out.push('{');
                out.push_str(&inner.replace('|', ","));
                out.push('}');
                i = close + 1;
            }
            '.' => {
                out.push('?');
                i += 1;
            }
            c if "*+?[]{}|^$)".contains(c) => return None,
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    let out = out.trim_start_matches('/').to_string();
    (!out.is_empty()).then(|| vec![out])
}

/// A Gitea pattern as its regular expression: the file's own escapes
/// (`\#`, `\ `, `\\`) undone.
fn gitea_unescape(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('#' | ' ' | '\\')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A name a group may have, made from an owner (`@acme/platform-team` ->
/// `acme-platform-team`).
fn group_name(owner: &str) -> String {
    owner
        .trim_start_matches('@')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The policy parts an import builds.
#[derive(Default)]
struct Builder {
    groups: BTreeMap<String, String>,
    rules: String,
    warnings: Vec<String>,
    count: usize,
}

impl Builder {
    /// The reviewer entries for `owners`: emails, mapped logins, groups.
    fn reviewers(
        &mut self,
        owners: &[String],
        identities: &BTreeMap<String, Vec<String>>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for o in owners {
            if !o.starts_with('@') && o.contains('@') {
                out.push(o.to_lowercase());
                continue;
            }
            let login = o.trim_start_matches('@');
            if let Some(emails) = identities.get(login) {
                out.extend(emails.iter().cloned());
                continue;
            }
            let name = group_name(o);
            let why = if o.starts_with("@@") {
                format!("{o} is a GitLab role: list the emails of the people who hold it")
            } else if login.contains('/') {
                format!("{o} is a team: list its members' emails")
            } else {
                format!("the login {o} has no email: list it, or map the login in [identities]")
            };
            self.groups.entry(name.clone()).or_insert(why);
            out.push(format!("@{name}"));
        }
        out.dedup();
        out
    }

    fn rule(
        &mut self,
        name: &str,
        files: &[String],
        reviewers: &[String],
        min: u32,
        comment: &str,
    ) {
        let list = |items: &[String]| {
            items
                .iter()
                .map(|i| quote(i))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            self.rules,
            "\n# {comment}\n[[signoff]]\nname = {}\nfiles = [{}]\ncommits = \"all\"\nreviewers = [{}]\nmin-reviewers = {min}\n",
            quote(name),
            list(files),
            list(reviewers)
        );
        self.count += 1;
    }
}

/// Import `text` (read from `source`), written for `forge`; logins map to
/// emails through `identities`.
pub fn import(
    text: &str,
    source: &str,
    forge: Forge,
    identities: &BTreeMap<String, Vec<String>>,
) -> Import {
    let mut b = Builder::default();
    let mut sections = vec![Section {
        approvals: 1,
        ..Section::default()
    }];
    let mut entries: Vec<Entry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let n = i + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if forge == Forge::Gitlab {
            if let Some(s) = section_header(line) {
                if s.optional {
                    b.warnings.push(format!("{source}:{n}: optional section ^[{}]: GitLab does not enforce it, so its lines are not imported", s.name.as_deref().unwrap_or_default()));
                }
                sections.push(s);
                continue;
            }
        }
        let f = fields(line);
        let Some((pattern, owners)) = f.split_first() else {
            continue;
        };
        let section = sections.len() - 1;
        if pattern.starts_with('!') {
            b.warnings.push(match forge {
                Forge::Gitea => format!("{source}:{n}: `{pattern}` owns every file except those it matches; reviewgate rules cannot say \"except\", so the line is not imported: write its rule by hand"),
                _ => format!("{source}:{n}: the exclusion `{pattern}` cannot be said in a rule: the section's other rules still apply to those files (stricter than {})", forge.name()),
            });
            continue;
        }
        entries.push(Entry {
            line: n,
            pattern: pattern.clone(),
            owners: owners.to_vec(),
            section,
        });
    }
    for e in &entries {
        emit(&mut b, e, &sections, source, forge, identities);
    }
    overlaps(&mut b, &entries, &sections, source, forge);
    if forge == Forge::Github && b.count > 0 {
        b.warnings.push(format!("{source}: on GitHub one code owner's approval covers a line; each rule asks for one sign-off from its line's owners (min-reviewers = 1): raise it where a line needs more"));
    }
    for (name, why) in &b.groups {
        b.warnings
            .push(format!("{source}: [groups] {name} is empty: {why}"));
    }
    let mut toml = format!(
        "# Imported from {source} ({} CODEOWNERS) by `reviewgate policy import codeowners`.\n# Every commit changing an owned path needs a sign-off from its owners.\n",
        forge.name()
    );
    for w in &b.warnings {
        let _ = writeln!(toml, "# warning: {w}");
    }
    if !b.groups.is_empty() {
        toml.push_str("\n[groups]\n");
        for (name, why) in &b.groups {
            let key = if name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                name.clone()
            } else {
                quote(name)
            };
            let _ = writeln!(toml, "# {why}\n{key} = []");
        }
    }
    toml.push_str(&b.rules);
    Import {
        toml,
        warnings: b.warnings,
        rules: b.count,
    }
}

/// One owned line as a rule (or a warning).
fn emit(
    b: &mut Builder,
    e: &Entry,
    sections: &[Section],
    source: &str,
    forge: Forge,
    identities: &BTreeMap<String, Vec<String>>,
) {
    let section = sections.get(e.section).cloned().unwrap_or_default();
    if section.optional {
        return;
    }
    let owners = if e.owners.is_empty() {
        section.defaults.clone()
    } else {
        e.owners.clone()
    };
    if owners.is_empty() {
        b.warnings.push(match forge {
            Forge::Github => format!("{source}:{}: `{}` has no owners: on GitHub that removes the owners earlier lines gave those files; here the earlier rules still apply to them", e.line, e.pattern),
            _ => format!("{source}:{}: `{}` has no owners and is not imported", e.line, e.pattern),
        });
        return;
    }
    let files = match forge {
        Forge::Gitea => match regex_globs(&gitea_unescape(&e.pattern)) {
            Some(g) => g,
            None => {
                b.warnings.push(format!("{source}:{}: the regular expression `{}` has no exact glob: not imported, write its rule by hand", e.line, e.pattern));
                return;
            }
        },
        _ => gitignore_globs(&e.pattern),
    };
    let reviewers = b.reviewers(&owners, identities);
    let name = match &section.name {
        Some(s) => format!("CODEOWNERS [{s}] line {}: {}", e.line, e.pattern),
        None => format!("CODEOWNERS line {}: {}", e.line, e.pattern),
    };
    let comment = format!("{source}:{}: {} {}", e.line, e.pattern, owners.join(" "));
    b.rule(
        &name,
        &files,
        &reviewers,
        section.approvals.max(1),
        &comment,
    );
}

/// Whether two lines' paths may overlap: not when their leading literal
/// folders part ways, nor when both end in `*<suffix>` with suffixes
/// neither of which ends the other (`*.js`, `*.go`).
fn may_overlap(a: &str, b: &str) -> bool {
    let (ga, gb) = (gitignore_globs(a).remove(0), gitignore_globs(b).remove(0));
    let literal = |g: &str| -> Vec<String> {
        g.split('/')
            .take_while(|c| !c.contains(['*', '?', '[', '{']))
            .map(String::from)
            .collect()
    };
    let (la, lb) = (literal(&ga), literal(&gb));
    if la.iter().zip(lb.iter()).any(|(x, y)| x != y) {
        return false;
    }
    let suffix = |g: &str| -> Option<String> {
        let last = g.rsplit('/').next()?;
        let rest = last.strip_prefix('*')?;
        (!rest.is_empty() && !rest.contains(['*', '?', '[', '{'])).then(|| rest.to_string())
    };
    match (suffix(&ga), suffix(&gb)) {
        (Some(x), Some(y)) => x.ends_with(&y) || y.ends_with(&x),
        _ => true,
    }
}

/// The precedence trap: on GitHub (and within a GitLab section) only the
/// last matching line's owners count; here every rule that applies must
/// be met. Named once for each line whose paths earlier lines may match.
fn overlaps(b: &mut Builder, entries: &[Entry], sections: &[Section], source: &str, forge: Forge) {
    if forge == Forge::Gitea {
        return;
    }
    let ruled = |e: &&Entry| {
        let s = sections.get(e.section);
        !s.is_some_and(|s| s.optional)
            && (!e.owners.is_empty() || s.is_some_and(|s| !s.defaults.is_empty()))
    };
    let entries: Vec<&Entry> = entries.iter().filter(ruled).collect();
    let mut named = 0;
    for (i, later) in entries.iter().enumerate() {
        let earlier: Vec<String> = entries
            .iter()
            .take(i)
            .filter(|e| e.section == later.section && may_overlap(&e.pattern, &later.pattern))
            .map(|e| e.line.to_string())
            .collect();
        if earlier.is_empty() {
            continue;
        }
        named += 1;
        if named <= 10 {
            b.warnings.push(format!("{source}:{}: files `{}` matches may be matched by line(s) {} too: on {} the later line's owners replace the earlier ones; here every rule that matches applies, so such a file needs each sign-off (stricter)", later.line, later.pattern, earlier.join(", "), forge.name()));
        }
    }
    if named > 10 {
        b.warnings.push(format!(
            "{source}: {} more lines overlap earlier ones the same way",
            named - 10
        ));
    }
}

#[cfg(test)]
mod tests;
