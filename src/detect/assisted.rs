//! Whether an `Assisted-by:` value names an AI. Projects write the trailer
//! for people too (curl has credited people with it since 2020: 544 of its
//! 545), so the key alone proves nothing. The value marks AI when it:
//!
//! 1. carries an AI identity (`Claude Opus 4.6 via Crush <crush@charm.land>`);
//!    any other `Name <email>` is a person;
//! 2. has the kernel's `AGENT:MODEL [TOOLS]` form (`Crush:glm-5.2`,
//!    `Claude:claude-3-opus coccinelle sparse`): a name, a colon, and the
//!    model right after it;
//! 3. names an AI tool or model from the catalog ([`NAMES`]): a tool no person
//!    is named after, a model family or id (`opus`, `gpt-4o`,
//!    `qwen3.7-max`), or a name people share with a tool (`Claude`) when it is
//!    the whole value or is followed by a version or a product word
//!    (`Claude Opus 4.6`, `Devin AI`); `Claude Monet` is a person.

use super::catalog::{AiName, NameKind, NAMES};

/// Why an `Assisted-by:` value counts as AI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssistedAi {
    /// It carries an AI identity (the catalog's tool).
    Identity(String),
    /// It has the kernel's `AGENT:MODEL` form; the tool when the agent is known.
    AgentModel(Option<&'static str>),
    /// It names a tool or model: the name as the catalog has it, and the tool.
    Names(&'static str, &'static str),
}

impl AssistedAi {
    /// The tool to report.
    pub fn tool(&self) -> &str {
        match self {
            Self::Identity(t) => t,
            Self::AgentModel(t) => t.unwrap_or("Assisted-by trailer"),
            Self::Names(_, t) => t,
        }
    }

    /// Which rule matched, as messages say it.
    pub fn reason(&self) -> String {
        match self {
            Self::Identity(_) => "which is an AI identity".into(),
            Self::AgentModel(_) => "in the AGENT:MODEL form".into(),
            Self::Names(n, _) => format!("which names \"{n}\""),
        }
    }
}

/// Words that, after a name people share with a tool, make it the tool.
const PRODUCT_WORDS: &[&str] = &[
    "code",
    "cli",
    "agent",
    "ai",
    "assistant",
    "bot",
    "cloud",
    "app",
    "chat",
    "desktop",
    "web",
];

/// Words that, before a name people share with a tool, make it the tool
/// (`with Claude`, `using Devin`).
const USING_WORDS: &[&str] = &["with", "using", "via", "by", "from"];

/// URL schemes, which look like `AGENT:MODEL` (`https://…`).
const SCHEMES: &[&str] = &[
    "http", "https", "mailto", "ftp", "ssh", "git", "file", "urn",
];

/// Classify an `Assisted-by:` value. `ai_identity` says whether a
/// `Name <email>` reading is an AI identity (and which tool).
pub fn classify<'a>(
    value: &str,
    ai_identity: impl Fn(&str) -> Option<&'a str>,
) -> Option<AssistedAi> {
    if value.contains('<') || value.contains("](mailto:") {
        // A person's or a tool's identity: only the identity decides.
        return crate::ident::identity_readings(value)
            .iter()
            .find_map(|r| ai_identity(r))
            .map(|t| AssistedAi::Identity(t.to_string()));
    }
    if let Some(agent) = agent_model(value) {
        return Some(AssistedAi::AgentModel(lookup_agent(agent)));
    }
    names_ai(value).map(|n| AssistedAi::Names(n.name, n.tool))
}

/// The agent of a value in the kernel's `AGENT:MODEL [TOOLS]` form: at most
/// four words before the first colon, starting with a letter, and the model
/// right after it (no space: `Note: …` is prose), with no `@` (an address)
/// and not a URL.
fn agent_model(value: &str) -> Option<&str> {
    let (agent, model) = value.trim().split_once(':')?;
    let agent = agent.trim();
    let first = model.chars().next()?;
    let well_formed = agent.chars().next().is_some_and(|c| c.is_alphabetic())
        && agent.split_whitespace().count() <= 4
        && agent
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
        && !first.is_whitespace()
        && !model.contains('@')
        && !model.starts_with("//")
        && !SCHEMES.iter().any(|s| agent.eq_ignore_ascii_case(s));
    well_formed.then_some(agent)
}

/// The catalog's names, each split into its words (once per process).
fn names() -> &'static [(Vec<&'static str>, &'static AiName)] {
    static SPLIT: std::sync::OnceLock<Vec<(Vec<&'static str>, &'static AiName)>> =
        std::sync::OnceLock::new();
    SPLIT.get_or_init(|| {
        NAMES
            .iter()
            .map(|n| (n.name.split(' ').collect(), n))
            .collect()
    })
}

/// The tool an `AGENT` names, if the catalog knows it.
fn lookup_agent(agent: &str) -> Option<&'static str> {
    let words = tokens(agent);
    names()
        .iter()
        .find(|(want, _)| {
            words.len() >= want.len()
                && words
                    .iter()
                    .zip(want)
                    .all(|(w, n)| w == n || model_id(w, n))
        })
        .map(|(_, n)| n.tool)
}

/// The value's words, lowercase: split at whitespace and punctuation other
/// than the `-`, `.` and `_` inside model ids (`gpt-4.1`, `claude-3-opus`),
/// trailing dots dropped.
fn tokens(value: &str) -> Vec<String> {
    value
        .to_lowercase()
        .split(|c: char| {
            c.is_whitespace() || !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_'))
        })
        .map(|t| t.trim_end_matches('.'))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `token` is a model id beginning with `name`: the name, then a
/// separator or a digit (`gpt-4o`, `gpt5`, `qwen3.7-max`, `o3-mini`).
fn model_id(token: &str, name: &str) -> bool {
    token
        .strip_prefix(name)
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | '_'))
}

/// Whether `token` reads as a version (`4.6`, `k2`, `v3`, `3.5-sonnet`).
fn versionish(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_digit())
}

/// The first catalog name the value carries, by the rules of its kind.
fn names_ai(value: &str) -> Option<&'static AiName> {
    let words = tokens(value);
    // The name's words at `i`: how many tokens it spans, if they match.
    let at = |i: usize, want: &[&str]| -> Option<usize> {
        let got = words.get(i..i + want.len())?;
        let last = want.len() - 1;
        got.iter()
            .zip(want)
            .enumerate()
            .all(|(k, (w, n))| w == n || (k == last && n.len() > 1 && model_id(w, n)))
            .then_some(want.len())
    };
    for (want, n) in names() {
        for i in 0..words.len() {
            let Some(len) = at(i, want) else { continue };
            let Some(word) = words.get(i) else { continue };
            let exact = len > 1 || word == n.name;
            let counts = match n.kind {
                NameKind::Tool | NameKind::Model => true,
                NameKind::Ambiguous => {
                    let next = words.get(i + len).map(String::as_str);
                    let prev = i
                        .checked_sub(1)
                        .and_then(|p| words.get(p))
                        .map(String::as_str);
                    !exact
                        || words.len() == len
                        || next.is_some_and(|w| {
                            versionish(w) || PRODUCT_WORDS.contains(&w) || is_model_word(w)
                        })
                        || words.get(i + len + 1).is_some_and(|w| versionish(w))
                        || prev.is_some_and(|w| USING_WORDS.contains(&w))
                }
            };
            if counts {
                return Some(n);
            }
        }
    }
    None
}

/// Whether `word` is (or begins) a model family's name.
fn is_model_word(word: &str) -> bool {
    NAMES
        .iter()
        .any(|n| n.kind == NameKind::Model && (word == n.name || model_id(word, n.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ai(value: &str) -> Option<String> {
        let identity = |r: &str| {
            r.to_ascii_lowercase()
                .ends_with("<crush@charm.land>")
                .then_some("Charm Crush")
        };
        classify(value, identity).map(|a| format!("{}: {}", a.tool(), a.reason()))
    }

    #[test]
    fn people_are_not_ai() {
        for v in [
            "Jay Satiro",
            "Daniel Stenberg",
            "Claude Monet",
            "Devin Smith",
            "Jules Verne",
            "Cody Rhodes",
            "Aiden Cline",
            "Kimi Räikkönen",
            "Ann Lee <ann@example.com>",
            "Claude Opus <claude@example.org>",
            "Note: this was tricky",
            "https://example.com/thread/1",
            "Ann: ann@example.com",
            "the cursor handling fix from Bob",
            "",
        ] {
            assert_eq!(ai(v), None, "{v:?}");
        }
    }

    #[test]
    fn tools_models_and_the_kernel_form() {
        for (v, want) in [
            ("Claude Opus 4.6", "Claude: which names \"claude\""),
            ("Claude", "Claude: which names \"claude\""),
            ("claude-3-opus", "Claude: which names \"claude\""),
            ("Devin AI", "Devin: which names \"devin\""),
            ("Claude Fable 5", "Claude: which names \"claude\""),
            (
                "Claude Sonnet 4.5 via Crush",
                "Claude: which names \"claude\"",
            ),
            ("Kimi K2.7 Code", "Kimi Code: which names \"kimi\""),
            ("ChatGPT 5", "ChatGPT: which names \"chatgpt\""),
            ("GPT-4o", "OpenAI GPT: which names \"gpt\""),
            ("o3-mini", "OpenAI GPT: which names \"o3\""),
            (
                "GitHub Copilot (GPT-4.1)",
                "GitHub Copilot: which names \"github copilot\"",
            ),
            ("Claude Code", "Claude Code: which names \"claude code\""),
            ("Jay Satiro with Claude", "Claude: which names \"claude\""),
            ("Crush", "Charm Crush: which names \"crush\""),
            ("Cursor", "Cursor: which names \"cursor\""),
            ("Ann Lee using Cursor", "Cursor: which names \"cursor\""),
            ("Crush:glm-5.2", "Charm Crush: in the AGENT:MODEL form"),
            (
                "Crush:AWS Claude Opus 4.6",
                "Charm Crush: in the AGENT:MODEL form",
            ),
            (
                "Claude:claude-3-opus coccinelle sparse",
                "Claude: in the AGENT:MODEL form",
            ),
            (
                "SomeAgent:some-model-1",
                "Assisted-by trailer: in the AGENT:MODEL form",
            ),
            (
                "Claude Opus 4.6 via Crush <crush@charm.land>",
                "Charm Crush: which is an AI identity",
            ),
            ("qwen3.7-max", "Qwen: which names \"qwen\""),
        ] {
            assert_eq!(ai(v).as_deref(), Some(want), "{v:?}");
        }
    }
}
