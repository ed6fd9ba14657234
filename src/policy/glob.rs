//! The four kinds of pattern a policy holds, each keeping its text as
//! written next to its compiled form (no parallel "as written" lists):
//! refs (globs over full ref names), emails (case-insensitive globs, maybe
//! through a `[groups]` group), logins (exact, case-sensitive, wildcards
//! within one login) and paths (globs over the files a commit changes).

use globset::{Glob, GlobBuilder, GlobMatcher};

/// Globs over ref names: `*` does not cross `/`, `**` does.
pub fn ref_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

/// A compiled ref glob: the shapes policies use by string operations (a
/// test holds each to the glob), anything else by the glob's regex, whose
/// compilation cost a one-commit push 86,000 instructions a pattern.
#[derive(Debug, Clone)]
pub enum RefMatcher {
    /// `refs/heads/main`: that ref.
    Exact(String),
    /// `refs/heads/release/*`, `refs/tags/v*`: the prefix, then anything
    /// without a `/` (`*` does not cross it).
    Within(String),
    /// Anything else.
    Glob(GlobMatcher),
}

impl RefMatcher {
    /// The matcher for `pattern`, whose glob is `glob` ([`ref_glob`]).
    pub fn new(pattern: &str, glob: &Glob) -> Self {
        const META: &[char] = &['*', '?', '[', ']', '{', '}', '\\'];
        if !pattern.contains(META) {
            return Self::Exact(pattern.to_string());
        }
        if let Some(prefix) = pattern.strip_suffix('*') {
            if !prefix.contains(META) {
                return Self::Within(prefix.to_string());
            }
        }
        Self::Glob(glob.compile_matcher())
    }

    /// Whether the full ref name `refname` matches.
    pub fn is_match(&self, refname: &str) -> bool {
        match self {
            Self::Exact(name) => refname == name,
            Self::Within(prefix) => refname
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| !rest.contains('/')),
            Self::Glob(g) => g.is_match(refname),
        }
    }
}

/// Globs over emails: case-insensitive, `*` matches anything.
pub fn email_glob(pattern: &str) -> Result<Glob, globset::Error> {
    crate::detect::text_glob(pattern)
}

/// An email pattern (`ann@example.com`, `*@seniors.example.com`).
#[derive(Debug, Clone)]
pub struct EmailPattern {
    text: String,
    matcher: GlobMatcher,
    group: Option<String>,
}

impl EmailPattern {
    /// A pattern and its compiled matcher ([`email_glob`]).
    pub fn new(text: &str, matcher: GlobMatcher) -> Self {
        Self {
            text: text.to_string(),
            matcher,
            group: None,
        }
    }

    /// The same pattern, reached through the `[groups]` group `name`.
    pub fn in_group(mut self, name: &str) -> Self {
        self.group = Some(name.to_string());
        self
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The group this pattern was listed through (`seniors` for `@seniors`).
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// Whether the pattern is one exact address (no wildcard): one person.
    pub fn is_exact(&self) -> bool {
        !self.text.contains(['*', '?', '[', '{', '\\'])
    }

    /// Whether `email` matches (case-insensitively).
    pub fn matches(&self, email: &str) -> bool {
        self.matcher.is_match(email)
    }
}

/// Globs over repository paths: `*` does not cross `/`, `**` does;
/// case-sensitive, as git compares paths.
pub fn path_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

/// The files that steer coding agents (`@agent-config` in `files`): agents
/// read them at the start of every task, so a change to one steers every
/// later AI-assisted commit. From shared/reference/ai-agents.md; the
/// `.github/` and `.vscode/` files are read only at the root.
pub const AGENT_CONFIG: &[&str] = &[
    "**/AGENTS.md",
    "**/AGENTS.override.md",
    "**/.agents/**",
    "**/CLAUDE.md",
    "**/CLAUDE.local.md",
    "**/.claude/**",
    "**/.mcp.json",
    "**/GEMINI.md",
    "**/.gemini/**",
    ".github/copilot-instructions.md",
    ".github/instructions/**",
    ".github/prompts/**",
    ".github/agents/**",
    ".github/chatmodes/**",
    ".vscode/mcp.json",
    "**/.cursorrules",
    "**/.cursor/**",
    "**/.windsurfrules",
    "**/.windsurf/**",
    "**/.clinerules",
    "**/.clinerules/**",
    "**/.roorules",
    "**/.roomodes",
    "**/.roo/**",
    "**/.kiro/**",
    "**/.junie/**",
    "**/.amazonq/**",
    "**/.goosehints",
    "**/.aider.conf.yml",
    "**/.continue/**",
    "**/.codex/**",
    "**/QWEN.md",
    "**/CRUSH.md",
    "**/WARP.md",
    "**/opencode.json",
    "**/.opencode/**",
];

/// A pattern over the paths a commit changes (`infra/**`, `**/*.tf`), or one
/// of a built-in group's (`@agent-config`).
#[derive(Debug, Clone)]
pub struct PathPattern {
    text: String,
    group: Option<&'static str>,
    kind: Kind,
    parts: Vec<Part>,
}

/// How a path pattern is matched: the shapes policies use, by string
/// operations (a test holds each to the glob it stands for), else the glob.
#[derive(Debug, Clone)]
enum Kind {
    /// `**`: every path.
    Every,
    /// `docs/guide.md`: that path.
    Exact(String),
    /// `infra/**`: everything under `infra/` (the string is `infra/`).
    Under(String),
    /// `**/AGENTS.md`: that name in any folder.
    Named(String),
    /// `**/*.tf`: names ending so, in any folder (the string is `.tf`).
    Ending(String),
    /// `**/.claude/**`: everything under a folder of that name, anywhere.
    UnderNamed(String),
    /// Anything else.
    Glob(GlobMatcher),
}

/// A repository path split once: its folders and its name.
#[derive(Debug, Clone)]
pub struct PathParts<'a> {
    path: &'a str,
    name: &'a str,
    folders: Vec<&'a str>,
}

impl<'a> PathParts<'a> {
    /// `a/b/c.rs`: folders `a`, `b`; name `c.rs`.
    pub fn of(path: &'a str) -> Self {
        let mut folders: Vec<&str> = path.split('/').collect();
        let name = folders.pop().unwrap_or(path);
        Self {
            path,
            name,
            folders,
        }
    }
}

/// Whether `s` is plain text in a path glob: no wildcard, class, brace or
/// escape, no `/`.
fn plain(s: &str) -> bool {
    !s.is_empty() && !s.contains(['*', '?', '[', ']', '{', '}', '\\', '/'])
}

impl Kind {
    /// The kind of `text`; `glob` compiles its glob, asked only when no
    /// string operation stands for it.
    fn of(text: &str, glob: impl FnOnce() -> Option<GlobMatcher>) -> Option<Self> {
        match Self::shape(text) {
            Some(kind) => Some(kind),
            None => Some(Kind::Glob(glob()?)),
        }
    }

    fn shape(text: &str) -> Option<Self> {
        if text == "**" {
            return Some(Kind::Every);
        }
        if let Some(inner) = text.strip_prefix("**/").and_then(|r| r.strip_suffix("/**")) {
            if plain(inner) {
                return Some(Kind::UnderNamed(inner.to_string()));
            }
        }
        if let Some(name) = text.strip_prefix("**/") {
            if plain(name) {
                return Some(Kind::Named(name.to_string()));
            }
            if let Some(end) = name.strip_prefix('*') {
                if plain(end) {
                    return Some(Kind::Ending(end.to_string()));
                }
            }
        }
        if let Some(dir) = text.strip_suffix("/**") {
            if !dir.is_empty() && dir.split('/').all(plain) {
                return Some(Kind::Under(format!("{dir}/")));
            }
        }
        if text.split('/').all(plain) {
            return Some(Kind::Exact(text.to_string()));
        }
        None
    }

    /// Whether the path `p` shows matches.
    fn matches(&self, p: &PathParts<'_>) -> bool {
        let (path, name) = (p.path, p.name);
        match self {
            Kind::Every => true,
            Kind::Exact(p) => path == p,
            Kind::Under(dir) => path.len() > dir.len() && path.starts_with(dir.as_str()),
            Kind::Named(n) => name == n,
            Kind::Ending(end) => name.ends_with(end.as_str()),
            Kind::UnderNamed(n) => p.folders.iter().any(|f| f == n),
            Kind::Glob(g) => g.is_match(path),
        }
    }
}

/// One `/`-separated part of a path pattern, for deciding which folders may
/// hold a match.
#[derive(Debug, Clone)]
enum Part {
    /// `**`: any number of folders.
    Any,
    /// A literal name.
    Name(String),
    /// A glob within one name (`*.tf`).
    Glob(GlobMatcher),
}

impl PathPattern {
    /// A pattern (valid for [`path_glob`]) and its glob, compiled only when
    /// no plain string operation stands for it.
    pub fn new(text: &str, glob: &Glob) -> Self {
        let kind = Kind::shape(text).unwrap_or_else(|| Kind::Glob(glob.compile_matcher()));
        Self::with_kind(text, kind)
    }

    /// A pattern whose kind is known.
    fn with_kind(text: &str, kind: Kind) -> Self {
        // Braces may hold a `/`, and escapes make a split unsafe: such a
        // pattern may match under any folder.
        let parts = if text.contains(['{', '\\']) {
            vec![Part::Any]
        } else {
            text.split('/')
                .map(|p| {
                    if p == "**" {
                        Part::Any
                    } else if p.contains(['*', '?', '[']) {
                        path_glob(p).map_or(Part::Any, |g| Part::Glob(g.compile_matcher()))
                    } else {
                        Part::Name(p.to_string())
                    }
                })
                .collect()
        };
        Self {
            text: text.to_string(),
            group: None,
            kind,
            parts,
        }
    }

    /// The patterns of the built-in group `@agent-config`.
    pub fn agent_config() -> Vec<Self> {
        AGENT_CONFIG
            .iter()
            .filter_map(|p| {
                // Each is a shape (a test holds them to it): no glob is
                // built, let alone compiled, for the group.
                let kind = Kind::of(p, || Some(path_glob(p).ok()?.compile_matcher()))?;
                let mut pattern = Self::with_kind(p, kind);
                pattern.group = Some("@agent-config");
                Some(pattern)
            })
            .collect()
    }

    /// The pattern as written (a built-in group's member: its own glob).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The built-in group this pattern came from (`@agent-config`).
    pub fn group(&self) -> Option<&'static str> {
        self.group
    }

    /// Whether the repository path `path` (`infra/main.tf`) matches.
    pub fn matches(&self, path: &str) -> bool {
        self.kind.matches(&PathParts::of(path))
    }

    /// [`PathPattern::matches`], given the path split once (for callers
    /// that try many patterns on one path).
    pub fn matches_parts(&self, parts: &PathParts<'_>) -> bool {
        self.kind.matches(parts)
    }

    /// Whether a file somewhere under the folder `dir` (`infra/modules`, no
    /// trailing `/`) may match: a tree diff descends only where one may.
    pub fn may_match_under(&self, dir: &str) -> bool {
        let mut depth = 0;
        for name in dir.split('/') {
            match self.parts.get(depth) {
                None => return false,
                Some(Part::Any) => return true,
                Some(Part::Name(n)) if n != name => return false,
                Some(Part::Glob(g)) if !g.is_match(name) => return false,
                Some(_) => depth += 1,
            }
        }
        self.parts.len() > depth
    }
}

/// A list of email patterns as people read it: each pattern as written,
/// the members of a `[groups]` group as the group (`@seniors`), once.
pub fn email_names(list: &[EmailPattern]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in list {
        let name = p
            .group()
            .map_or_else(|| p.as_str().to_string(), |g| format!("@{g}"));
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// A list of path patterns as people read it (`@agent-config` once).
pub fn path_names(list: &[PathPattern]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in list {
        let name = p.group().unwrap_or(p.as_str()).to_string();
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// A pattern over server logins (`[bypass] pushers`, `[[protect]] pushers`):
/// case-sensitive, as htpasswd, ssh and most forges are; `*` matches a run of
/// characters and `?` one character, never a space, `<`, `>` or `@`, so a
/// wildcard stays within one login and never reaches into a `name <email>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPattern {
    text: String,
}

/// Characters a login wildcard never matches.
fn outside_login(c: char) -> bool {
    c.is_whitespace() || c == '<' || c == '>' || c == '@'
}

impl LoginPattern {
    /// A pattern as written; empty patterns are refused.
    pub fn new(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("an empty login pattern matches nobody".into());
        }
        Ok(Self {
            text: text.to_string(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `login` matches (linear in practice: one backtrack point).
    pub fn matches(&self, login: &str) -> bool {
        let p: Vec<char> = self.text.chars().collect();
        let s: Vec<char> = login.chars().collect();
        let (mut pi, mut si) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while let Some(&c) = s.get(si) {
            match p.get(pi) {
                Some('*') => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                Some('?') if !outside_login(c) => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                Some(&q) if q == c && q != '?' => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
            // Let the last `*` take one more character, if it may.
            match star {
                Some((sp, ss)) => match s.get(ss) {
                    Some(&absorbed) if !outside_login(absorbed) => {
                        star = Some((sp, ss + 1));
                        pi = sp + 1;
                        si = ss + 1;
                    }
                    _ => return false,
                },
                None => return false,
            }
        }
        p.get(pi..)
            .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_patterns_are_exact_and_stay_within_one_login() {
        let m = |p: &str, l: &str| LoginPattern::new(p).expect("pattern").matches(l);
        assert!(m("ann", "ann"));
        assert!(!m("ann", "Ann"), "case-sensitive");
        assert!(!m("ann", "ann "));
        assert!(m("oncall-*", "oncall-eu"));
        assert!(m("oncall-*", "oncall-"));
        assert!(!m("oncall-*", "oncall-eu bob"), "no spaces");
        assert!(!m("*", "Ann <ann@example.com>"));
        assert!(!m("*", "ann@example.com"));
        assert!(m("*", "ann.lee"));
        assert!(m("a?n", "ann"));
        assert!(!m("a?n", "a n"));
        assert!(m("*-*", "on-call"));
        assert!(!m("*ann", "bob ann"));
        assert!(m("ann smith", "ann smith"), "a literal space is literal");
        assert!(!m("ann*", "ANN"));
        assert!(LoginPattern::new("").is_err());
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;

    /// The string matchers against the globs they stand for, on paths made
    /// of names that sit at the edges (empty-looking, dotted, nested).
    #[test]
    fn ref_shapes_match_as_their_globs_do() {
        let patterns = [
            "refs/heads/main",
            "refs/heads/release/*",
            "refs/tags/v*",
            "*",
            "refs/heads/*",
            "refs/heads/**",
            "refs/heads/rel*/x",
            "refs/heads/r?",
            "refs/heads/[ab]",
            "refs/heads/{a,b}",
            "refs/heads/a\\*",
            "refs/tags/v1.*",
        ];
        let refs = [
            "refs/heads/main",
            "refs/heads/mainx",
            "refs/heads/main/x",
            "refs/heads/release/",
            "refs/heads/release/1.0",
            "refs/heads/release/1.0/hotfix",
            "refs/heads/releasex",
            "refs/tags/v",
            "refs/tags/v1.2",
            "refs/tags/v1/2",
            "refs/tags/x1",
            "main",
            "refs/heads/a*",
            "refs/heads/a",
            "refs/heads/rel1/x",
            "refs/heads/r1",
            "",
        ];
        let mut fast = 0;
        for p in patterns {
            let glob = ref_glob(p).expect("glob");
            let m = RefMatcher::new(p, &glob);
            fast += usize::from(!matches!(m, RefMatcher::Glob(_)));
            let g = glob.compile_matcher();
            for r in refs {
                assert_eq!(m.is_match(r), g.is_match(r), "{p} on {r}");
            }
        }
        assert_eq!(fast, 6, "shapes recognised");
    }

    #[test]
    fn path_shapes_match_as_their_globs_do() {
        let patterns = [
            "**",
            "AGENTS.md",
            "docs/guide.md",
            "infra/**",
            "a/b/**",
            "**/AGENTS.md",
            "**/*.tf",
            "**/*",
            "**/.claude/**",
            "**/a/**",
            "src/*/x.rs",
            "**/*.min.js",
            "a/**/b",
            "{a,b}/**",
            "**/.tf",
        ];
        let names = [
            "a",
            "b",
            "AGENTS.md",
            ".tf",
            "x.tf",
            "x.tfvars",
            ".claude",
            "x.rs",
            "m.min.js",
            "docs",
            "guide.md",
            "infra",
        ];
        let mut paths = Vec::new();
        for a in names {
            paths.push(a.to_string());
            for b in names {
                paths.push(format!("{a}/{b}"));
                for c in ["a", "x.tf", "AGENTS.md", ".claude"] {
                    paths.push(format!("{a}/{b}/{c}"));
                }
            }
        }
        let mut specialised = 0;
        for p in patterns {
            let uncompiled = path_glob(p).expect("glob");
            let glob = uncompiled.compile_matcher();
            let pattern = PathPattern::new(p, &uncompiled);
            specialised += usize::from(!matches!(pattern.kind, Kind::Glob(_)));
            for path in &paths {
                assert_eq!(
                    pattern.matches(path),
                    glob.is_match(path.as_str()),
                    "{p} on {path}"
                );
            }
        }
        assert_eq!(specialised, 11, "shapes recognised");
        for p in AGENT_CONFIG {
            let pattern = PathPattern::new(p, &path_glob(p).expect("glob"));
            assert!(
                !matches!(pattern.kind, Kind::Glob(_)),
                "{p} is matched by its glob"
            );
        }
    }
}
