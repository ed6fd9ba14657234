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
//!
//! Read by meaning in both directions: a one-word name (of any kind) before
//! a capitalised word that is no version, product, model or tool is a given
//! name, so `Gemma Jones`, `Kiro Tanaka` and `Haiku Smith` are people; and a
//! `Name <email>` whose name names a tool or model (`Claude Opus 4.6
//! <claude@example.org>`, `Gemini 2.5 Pro <...>`) is AI whatever the email
//! ([`names_ai_person`], also used for `Co-authored-by:` and reviewers).

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
        // An identity: an AI identity, or a name that names a tool or model.
        return crate::ident::identity_readings(value)
            .iter()
            .find_map(|r| ai_identity(r))
            .map(|t| AssistedAi::Identity(t.to_string()))
            .or_else(|| names_ai_person(value).map(|n| AssistedAi::Names(n.name, n.tool)));
    }
    if let Some(agent) = agent_model(value) {
        return Some(AssistedAi::AgentModel(lookup_agent(agent)));
    }
    names_ai(value, false).map(|n| AssistedAi::Names(n.name, n.tool))
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
    let words: Vec<String> = tokens(agent).into_iter().map(|t| t.lower).collect();
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

/// One word of a value.
struct Token {
    /// Lowercase.
    lower: String,
    /// Whether it is written as a name is (`Jones`, `O'Neil`): a capital,
    /// then letters, no digits.
    capitalised: bool,
}

/// The value's words: split at whitespace and punctuation other than the
/// `-`, `.` and `_` inside model ids (`gpt-4.1`, `claude-3-opus`) and the
/// `'` inside names, trailing dots dropped.
fn tokens(value: &str) -> Vec<Token> {
    value
        .split(|c: char| {
            c.is_whitespace() || !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '\''))
        })
        .map(|t| t.trim_end_matches(['.', '\'']).trim_start_matches('\''))
        .filter(|t| !t.is_empty())
        .map(|t| Token {
            lower: t.to_lowercase(),
            capitalised: t.chars().next().is_some_and(char::is_uppercase)
                && t.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'')),
        })
        .collect()
}

/// Whether `token` is a model id beginning with `name`: the name, then a
/// digit (`gpt5`, `qwen3.7-max`), or a separator and a part with a digit or
/// a word models are named with (`gpt-4o`, `o3-mini`, `gpt-oss`); never a
/// hyphenated surname (`Claude-Lee`).
fn model_id(token: &str, name: &str) -> bool {
    let Some(rest) = token.strip_prefix(name) else {
        return false;
    };
    match rest.chars().next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('-' | '.' | '_') => rest
            .split(['-', '.', '_'])
            .filter(|p| !p.is_empty())
            .all(|p| {
                p.chars().any(|c| c.is_ascii_digit())
                    || MODEL_WORDS.contains(&p)
                    || PRODUCT_WORDS.contains(&p)
                    || is_model_word(p)
            }),
        _ => false,
    }
}

/// Words a model id is made of besides versions (`o3-mini`, `gpt-oss`,
/// `gemini-pro`, `claude-sonnet`).
const MODEL_WORDS: &[&str] = &[
    "mini", "nano", "pro", "max", "plus", "flash", "lite", "oss", "turbo", "preview", "latest",
    "instant", "coder", "codex", "high", "low", "medium", "thinking", "exp", "vision",
];

/// Whether `token` reads as a version (`4.6`, `k2`, `v3`, `3.5-sonnet`).
fn versionish(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_digit())
}

/// The first catalog name the value carries, by the rules of its kind. For
/// the name of a `Name <email>` (`person`), a name people share with a tool
/// does not count alone: the GitHub user `claude` is a person.
pub fn names_ai(value: &str, person: bool) -> Option<&'static AiName> {
    let toks = tokens(value);
    let words: Vec<&str> = toks.iter().map(|t| t.lower.as_str()).collect();
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
            let exact = len > 1 || *word == n.name;
            let next = words.get(i + len).copied();
            let describes = |w: &str| {
                versionish(w) || PRODUCT_WORDS.contains(&w) || is_model_word(w) || is_name(w)
            };
            // A one-word name before a surname is a given name (Gemma Jones).
            let given_name = len == 1
                && exact
                && toks.get(i + 1).is_some_and(|t| t.capitalised)
                && next.is_some_and(|w| !describes(w))
                && !words.get(i + 2).is_some_and(|w| versionish(w));
            if given_name {
                continue;
            }
            // In a person's name every one-word name needs its context (a
            // display name "roomote fan" is a person); alone, only a name no
            // person goes by counts there.
            let shared = n.kind == NameKind::Ambiguous;
            let counts = if shared || (person && exact && len == 1) {
                let prev = i.checked_sub(1).and_then(|p| words.get(p)).copied();
                !exact
                    || (words.len() == len && !(person && shared))
                    || next.is_some_and(describes)
                    || words.get(i + len + 1).is_some_and(|w| versionish(w))
                    || prev.is_some_and(|w| USING_WORDS.contains(&w))
            } else {
                true
            };
            if counts {
                return Some(n);
            }
        }
    }
    None
}

/// Whether a `Name <email>` value (a co-author, a reviewer, a sign-off)
/// names an AI tool or model by its name, whatever the email: the name
/// before the address (or a Markdown mail link's text) read by
/// [`names_ai`].
pub fn names_ai_person(value: &str) -> Option<&'static AiName> {
    names_ai_person_bytes(value.as_bytes())
}

/// [`names_ai_person`] on a raw trailer value: the name part is found and
/// prefiltered on the bytes, and decoded only when it may name a tool.
pub fn names_ai_person_bytes(value: &[u8]) -> Option<&'static AiName> {
    let value = crate::ident::trim_git_space(value);
    let name = if value.first() == Some(&b'[') {
        let close = memchr::memchr(b']', value).unwrap_or(value.len());
        value.get(1..close).unwrap_or_default()
    } else {
        let open = memchr::memchr(b'<', value).unwrap_or(value.len());
        value.get(..open).unwrap_or(value)
    };
    if !may_name(name) {
        return None;
    }
    names_ai(String::from_utf8_lossy(name).trim(), true)
}

/// The catalog's first words, by their first letter (lowercase ASCII).
fn first_words() -> &'static [Vec<&'static [u8]>] {
    static BY_LETTER: std::sync::OnceLock<Vec<Vec<&'static [u8]>>> = std::sync::OnceLock::new();
    BY_LETTER.get_or_init(|| {
        let mut table: Vec<Vec<&'static [u8]>> = vec![Vec::new(); 128];
        for n in NAMES {
            let first = n.name.split(' ').next().unwrap_or(n.name).as_bytes();
            let slot = first
                .first()
                .and_then(|b| table.get_mut(usize::from(b.to_ascii_lowercase())));
            if let Some(list) = slot {
                if !list.contains(&first) {
                    list.push(first);
                }
            }
        }
        table
    })
}

/// Whether `value` may carry a catalog name: some word of it (a run of
/// letters, digits, `-`, `.`, `_`, `'`, as [`tokens`] splits) begins with a
/// name's first word, ASCII case-insensitively; non-ASCII text always takes
/// the full path. Sign-off and co-author lines are common and most name no
/// tool, so this one pass over the bytes runs first.
fn may_name(value: &[u8]) -> bool {
    let table = first_words();
    let mut at_start = true;
    for (i, &b) in value.iter().enumerate() {
        if !b.is_ascii() {
            return true;
        }
        let in_word = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'\'');
        if !in_word || b == b'\'' {
            // A quote starts no name (tokens drops a leading one).
            at_start = at_start || !in_word;
            continue;
        }
        if at_start {
            at_start = false;
            let rest = value.get(i..).unwrap_or_default();
            let hit = table
                .get(usize::from(b.to_ascii_lowercase()))
                .is_some_and(|names| {
                    names.iter().any(|n| {
                        rest.get(..n.len())
                            .is_some_and(|p| p.eq_ignore_ascii_case(n))
                    })
                });
            if hit {
                return true;
            }
        }
    }
    false
}

/// Whether `word` is one of the catalog's one-word names.
fn is_name(word: &str) -> bool {
    NAMES.iter().any(|n| n.name == word)
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
            "Claude Monet <claude@example.org>",
            "Claude <81847+claude@users.noreply.github.com>",
            "Gemma Jones",
            "Kiro Tanaka <kiro@example.com>",
            "Haiku O'Neil",
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
            (
                "Claude Opus <claude@example.org>",
                "Claude: which names \"claude\"",
            ),
            (
                "Claude Opus 4.6 <claude@anthropic.com>",
                "Claude: which names \"claude\"",
            ),
            (
                "ChatGPT <chat@example.com>",
                "ChatGPT: which names \"chatgpt\"",
            ),
            (
                "Gemini 2.5 Pro <gemini@example.com>",
                "Gemini: which names \"gemini\"",
            ),
        ] {
            assert_eq!(ai(v).as_deref(), Some(want), "{v:?}");
        }
    }

    fn capitalised(name: &str) -> String {
        let mut c = name.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }

    /// Every one-word name of the catalog, both directions: alone, with a
    /// version or a product word, after "using", or as a name in front of an
    /// address, it names the AI; as a given name before a surname, a person.
    #[test]
    fn one_word_names_in_both_directions() {
        let mut checked = 0;
        // Names written like a given name (one word of letters, digits);
        // `qwen-coder` is a model id, never a person's name.
        let one_word = |n: &&AiName| n.name.chars().all(|c| c.is_alphanumeric());
        for n in NAMES.iter().filter(one_word) {
            let w = capitalised(n.name);
            for person in [
                format!("{w} Jones"),
                format!("{w} O'Neil"),
                format!("{w} Smith-Jones <someone@example.com>"),
                format!("Ann {w}-Lee <ann@example.com>"),
            ] {
                assert_eq!(ai(&person), None, "{person:?} is a person");
            }
            for tool in [
                w.clone(),
                format!("{w} 2.5"),
                format!("{w} AI"),
                format!("{w} Agent"),
                format!("Ann Lee using {w}"),
                format!("{w} 2.5 Pro <someone@example.com>"),
                format!("{w} Code <someone@example.com>"),
            ] {
                let got = ai(&tool);
                assert!(got.is_some(), "{tool:?} names {}", n.tool);
            }
            // Alone before an address: a tool no person is named after is
            // the tool; a name people share with one is a person (the
            // GitHub user `claude`).
            let alone = format!("{w} <someone@example.com>");
            let want = n.kind != NameKind::Ambiguous;
            assert_eq!(ai(&alone).is_some(), want, "{alone:?}");
            checked += 1;
        }
        assert!(checked > 50, "{checked} names");
    }
}
