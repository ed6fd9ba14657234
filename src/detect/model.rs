//! The model an AI-assisted commit's disclosure lines name, when they name
//! one (for a history report's "by tool and model"). Read from the lines
//! the tools write (`../reference/ai-agents.md`):
//!
//! - the kernel's `Assisted-by: AGENT:MODEL [TOOLS]` gives MODEL (Crush's
//!   model part may hold spaces: `Crush:AWS Claude Opus 4.6`);
//! - an AI identity whose name carries the model: `Claude Opus 4.6 (1M
//!   context) <noreply@anthropic.com>` gives `Claude Opus 4.6`, Aider's
//!   `aider (gpt-4o) <aider@aider.chat>` gives `gpt-4o`, Crush's older
//!   `Claude Opus 4.6 via Crush <crush@charm.land>` gives `Claude Opus 4.6`;
//! - `Generated-By: TOOL [MODEL]`, `Co-authored-by-AI: TOOL (MODEL)`, and a
//!   `Model:` or `AI-Model:` trailer.
//!
//! A name without a version or model word (`Claude`, `Claude Code`) names
//! no model.

use super::assisted;

/// The keys whose lines may name a model.
const KEYS: &[&str] = &[
    "assisted-by",
    "co-authored-by",
    "generated-by",
    "co-authored-by-ai",
    "model",
    "ai-model",
];

/// Words that make a name a model's even without a version.
const MODEL_WORDS: &[&str] = &["opus", "sonnet", "haiku", "gpt", "o3", "o4", "gemini"];

/// The model the message's disclosure lines name, if any (the first line
/// that names one).
pub fn model_of(message: &[u8]) -> Option<String> {
    message
        .split(|&b| b == b'\n')
        .filter(|line| may_name_a_model(line))
        .find_map(|line| model_in_line(&String::from_utf8_lossy(line)))
}

/// Whether a raw line starts (after blanks and list markers) with one of
/// the [`KEYS`] and a colon: only those lines are decoded.
fn may_name_a_model(line: &[u8]) -> bool {
    let start = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'*' | b'-' | b'+' | b'>'))
        .unwrap_or(line.len());
    let rest = line.get(start..).unwrap_or_default();
    KEYS.iter().any(|k| {
        rest.get(..k.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(k.as_bytes()))
            && rest
                .get(k.len()..)
                .is_some_and(|r| r.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':'))
    })
}

fn model_in_line(line: &str) -> Option<String> {
    let line = line
        .trim_start()
        .trim_start_matches(['*', '-', '+', '>'])
        .trim();
    let (key, value) = line.split_once(':')?;
    let key = key.trim().to_ascii_lowercase();
    if !KEYS.contains(&key.as_str()) {
        return None;
    }
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if key == "model" || key == "ai-model" {
        return Some(value.to_string());
    }
    if let Some(open) = value.find('<') {
        return model_in_identity(value.get(..open)?.trim(), value);
    }
    if key == "assisted-by" {
        if let Some((agent, model)) = value.split_once(':') {
            let (agent, model) = (agent.trim(), model.trim());
            let simple = !agent.is_empty()
                && agent.split_whitespace().count() <= 4
                && !model.is_empty()
                && !model.starts_with("//");
            if simple {
                if agent.eq_ignore_ascii_case("crush") {
                    return Some(model.to_string());
                }
                return model.split_whitespace().next().map(String::from);
            }
        }
    }
    if let Some(inner) = bracketed(value) {
        return Some(inner.to_string());
    }
    // `Claude Opus 4.5 via Crush`: the model, then the tool.
    let value = value.split(" via ").next().unwrap_or(value).trim();
    names_a_model(value).then(|| value.to_string())
}

/// The model in an identity's name (`name` is the part before `<`).
fn model_in_identity(name: &str, value: &str) -> Option<String> {
    assisted::names_ai_person(value)?;
    let name = name.split(" via ").next().unwrap_or(name).trim();
    if let Some(inner) = bracketed(name) {
        let outer = name.get(..name.find(['(', '['])?)?.trim();
        if outer.split_whitespace().count() == 1 && !names_a_model(outer) {
            // Aider: `aider (MODEL)`.
            return Some(inner.to_string());
        }
        // `Claude Opus 4.6 (1M context)`: the part before is the model.
        return names_a_model(outer).then(|| outer.to_string());
    }
    names_a_model(name).then(|| name.to_string())
}

/// The text inside a trailing `(...)` or `[...]`.
fn bracketed(value: &str) -> Option<&str> {
    let value = value.trim_end();
    let (open, close) = if value.ends_with(')') {
        ('(', ')')
    } else if value.ends_with(']') {
        ('[', ']')
    } else {
        return None;
    };
    let start = value.rfind(open)?;
    let inner = value.get(start + 1..value.len() - close.len_utf8())?.trim();
    (!inner.is_empty()).then_some(inner)
}

/// Whether a name carries a version or a model word (`Claude Opus 4.6`,
/// `gpt-4o`), not only a tool's name.
fn names_a_model(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_digit())
        || name
            .split([' ', '-'])
            .any(|w| MODEL_WORDS.iter().any(|m| w.eq_ignore_ascii_case(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_as_the_tools_write_them() {
        let table = [
            ("Assisted-by: Claude:claude-opus-4", Some("claude-opus-4")),
            (
                "Assisted-by: Claude:claude-3-opus coccinelle sparse",
                Some("claude-3-opus"),
            ),
            (
                "Assisted-by: Crush:AWS Claude Opus 4.6",
                Some("AWS Claude Opus 4.6"),
            ),
            ("Assisted-by: Crush:glm-5.2", Some("glm-5.2")),
            (
                "Co-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>",
                Some("Claude Opus 4.6"),
            ),
            (
                "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>",
                Some("Claude Sonnet 4.5"),
            ),
            (
                "Co-authored-by: aider (gpt-4o) <aider@aider.chat>",
                Some("gpt-4o"),
            ),
            (
                "Assisted-by: Claude Opus 4.6 via Crush <crush@charm.land>",
                Some("Claude Opus 4.6"),
            ),
            ("Co-authored-by-AI: Copilot (gpt-4.1)", Some("gpt-4.1")),
            (
                "Generated-By: PostHog Code [claude-sonnet-4]",
                Some("claude-sonnet-4"),
            ),
            ("Model: gpt-5", Some("gpt-5")),
            (
                "Assisted-by: Claude Sonnet 4.5 via Crush",
                Some("Claude Sonnet 4.5"),
            ),
            ("Co-Authored-By: Claude <noreply@anthropic.com>", None),
            ("Co-authored-by: Claude Code <noreply@anthropic.com>", None),
            ("Co-authored-by: Jane 2nd <jane@example.com>", None),
            ("Assisted-by: Crush", None),
            ("Reviewed-by: Claude Opus 4.6 <noreply@anthropic.com>", None),
        ];
        for (line, want) in table {
            let msg = format!("subject\n\n{line}\n");
            assert_eq!(model_of(msg.as_bytes()).as_deref(), want, "{line}");
        }
    }
}
