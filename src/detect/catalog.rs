//! The built-in catalog of AI tool markers: one data table ([`CATALOG`]) of
//! the signals each tool leaves in a commit, and the names ([`NAMES`]) an
//! `Assisted-by:` value is read against.
//!
//! Transcribed from `shared/reference/ai-agents.md` (rows marked \[V], seen in
//! the vendor's own source or docs, or \[O], observed in real commits; the
//! \[U] rows are left out). Identities are exact addresses or bot ids, never a
//! whole vendor domain: vendor staff commit from the same domains.

/// What a catalog row looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// A case-insensitive glob over `Name <email>` of the author, the committer,
    /// or a `Co-authored-by:` / `Signed-off-by:` / `Assisted-by:` trailer.
    Identity(&'static str),
    /// A GitHub App by its slug (`cursor`): the name `cursor[bot]`, or the
    /// address `<ID+cursor[bot]@users.noreply.github.com>` (with or without
    /// the numeric id), wherever an identity is read. Looked up, not globbed.
    GithubApp(&'static str),
    /// A trailer key whose mere presence marks AI help (`Claude-Session`).
    TrailerKey(&'static str),
    /// A trailer key that marks AI help when its value names an AI tool or
    /// model ([`NAMES`]), has the kernel's `AGENT:MODEL` form, or carries an
    /// AI identity (`Assisted-by`: curl writes it for people).
    NamesAi(&'static str),
    /// A case-insensitive glob over a whole trailer line, `Key: value`.
    TrailerValue(&'static str),
    /// A glob over any message line, trimmed (`*Generated with \[Claude Code\]*`).
    Marker(&'static str),
    /// A glob over the subject line.
    Subject(&'static str),
}

impl Signal {
    /// The pattern or key, as written in the table.
    pub fn pattern(self) -> &'static str {
        match self {
            Identity(p) | GithubApp(p) | TrailerKey(p) | NamesAi(p) | TrailerValue(p)
            | Marker(p) | Subject(p) => p,
        }
    }
}

/// One row of the built-in catalog.
#[derive(Debug, Clone, Copy)]
pub struct CatalogEntry {
    /// The tool the row identifies.
    pub tool: &'static str,
    /// The signal to look for.
    pub signal: Signal,
}

const fn row(tool: &'static str, signal: Signal) -> CatalogEntry {
    CatalogEntry { tool, signal }
}

use Signal::{GithubApp, Identity, Marker, NamesAi, Subject, TrailerKey, TrailerValue};

const CLAUDE: &str = "Claude Code";
const COPILOT: &str = "GitHub Copilot";
const CODEX: &str = "OpenAI Codex";
const CRUSH: &str = "Charm Crush";
const WARP: &str = "Warp Oz";
const ROO: &str = "Roo Code Roomote";
const KILO: &str = "Kilo Code Cloud Agent";
const FACTORY: &str = "Factory Droid";
const ENTIRE: &str = "Entire";
const CODERABBIT: &str = "CodeRabbit";

/// The built-in catalog. Globs: `*` matches anything, `\[` a literal bracket.
pub const CATALOG: &[CatalogEntry] = &[
    // Claude Code: since about Feb 2026 only the trailer, whose name is the
    // model (`Claude Opus 4.8 (1M context)`); the `Generated with` line is
    // older. claude-code-action commits as `claude[bot]` with github-actions'
    // id, so the id alone is never the signal: the app's slug is.
    row(CLAUDE, Identity("* <noreply@anthropic.com>")),
    row(CLAUDE, Marker("*Generated with \\[Claude Code\\]*")),
    row(CLAUDE, TrailerKey("Claude-Session")),
    row("claude-code-action", GithubApp("claude")),
    // Aider
    row("Aider", Identity("* <aider@aider.chat>")),
    row("Aider", Identity("* <noreply@aider.chat>")),
    row("Aider", Identity("* (aider) <*>")),
    row("Aider", Subject("aider: *")),
    // GitHub Copilot: coding agent, CLI, code review, VS Code, Autofix. The
    // apps differ (ids 198982749, 223556219, 175728472); the slug is Copilot.
    row(COPILOT, GithubApp("copilot-swe-agent")),
    row(
        COPILOT,
        Identity("* <198982749+copilot@users.noreply.github.com>"),
    ),
    row(COPILOT, TrailerKey("Agent-Logs-Url")),
    row(
        COPILOT,
        Identity("* <223556219+copilot@users.noreply.github.com>"),
    ),
    row(
        COPILOT,
        Identity("* <175728472+copilot@users.noreply.github.com>"),
    ),
    row(COPILOT, Subject("Potential fix for pull request finding*")),
    row(COPILOT, Identity("* <copilot@github.com>")),
    row(
        "GitHub Copilot Autofix",
        Identity("* <62310815+github-advanced-security\\[bot\\]@users.noreply.github.com>"),
    ),
    row(
        "GitHub Copilot Autofix",
        Subject("Potential fix for code scanning alert no. *"),
    ),
    // Cursor (the IDE's trailer, the background agent, the bot app)
    row("Cursor", Identity("* <cursoragent@cursor.com>")),
    row("Cursor", TrailerValue("Made-with: Cursor")),
    row(
        "Cursor",
        Marker("*Made with \\[Cursor\\](https://cursor.com)*"),
    ),
    row("Cursor", GithubApp("cursor")),
    // Devin (display name `Devin` or `Devin AI`; the bot id is the same)
    row("Devin", GithubApp("devin-ai-integration")),
    row("Devin", Marker("*Generated with \\[Devin\\]*")),
    // Google: Jules, Gemini Code Assist, the gemini-cli bot. `Gemini CLI
    // <gemini-cli@google.com>` is the CLI's checkpoint identity, which models
    // and users write as a trailer: AI-declared. `gemini-cli-robot` is the
    // release bot, not AI.
    row("Google Jules", GithubApp("google-labs-jules")),
    row("Gemini Code Assist", GithubApp("gemini-code-assist")),
    row("Gemini CLI", GithubApp("gemini-cli")),
    row("Gemini CLI", Identity("* <gemini-cli@google.com>")),
    // OpenAI Codex: the CLI's opt-in trailer; cloud and app commit as
    // `Codex <codex@openai.com>` with the connector bot as co-author.
    row(CODEX, Identity("* <noreply@openai.com>")),
    row(CODEX, Identity("* <codex@openai.com>")),
    row(CODEX, GithubApp("chatgpt-codex-connector")),
    row(CODEX, GithubApp("openai-codex")),
    // Amazon Q Developer, Kiro
    row("Amazon Q Developer", GithubApp("amazon-q-developer")),
    row(
        "Amazon Kiro",
        Identity("* <244629292+kiro-agent@users.noreply.github.com>"),
    ),
    row("Amazon Kiro", Identity("Kiro Agent <*>")),
    row("Amazon Kiro", GithubApp("kiro-agent")),
    // OpenHands, Continue, OpenCode, Amp, Replit, Cline, Sweep
    row("OpenHands", Identity("* <openhands@all-hands.dev>")),
    row("Continue", Identity("* <noreply@continue.dev>")),
    row("Continue", GithubApp("continue")),
    row("Continue", Marker("*Generated with \\[Continue\\]*")),
    row("OpenCode", Identity("* <noreply@opencode.ai>")),
    row("OpenCode", Marker("*Generated with \\[opencode\\]*")),
    row("Amp", Identity("* <amp@ampcode.com>")),
    row("Amp", TrailerKey("Amp-Thread-ID")),
    row("Replit Agent", TrailerValue("Replit-Commit-Author: Agent")),
    row(
        "Replit Agent",
        TrailerValue("Replit-Commit-Author: Assistant"),
    ),
    row("Replit Agent", TrailerKey("Replit-Commit-Session-Id")),
    row("Cline", GithubApp("cline")),
    row("Sweep", GithubApp("sweep-ai")),
    // Charm Crush: `Assisted-by: Crush:<model>` since 2026-05 (read through
    // NAMES); before, `Assisted-by: <Model> via Crush <crush@charm.land>` or
    // the Co-Authored-By option.
    row(CRUSH, Identity("* <crush@charm.land>")),
    row(CRUSH, Identity("* <noreply@crush.charm.land>")),
    row(CRUSH, Marker("*Generated with Crush")),
    row(CRUSH, Marker("*Generated with termai")),
    // Warp: the Oz agent (also written as a Markdown mailto link, which the
    // identity readings undo), older Warp Agent forms, and its GitHub apps.
    row(WARP, Identity("* <oz-agent@warp.dev>")),
    row(WARP, Identity("* <agent@warp.dev>")),
    row(
        WARP,
        Marker("*This PR was generated with \\[Oz\\](https://warp.dev*"),
    ),
    row(WARP, GithubApp("oz-for-oss")),
    row(WARP, GithubApp("warp-for-oss")),
    row(WARP, GithubApp("warp-agent-staging")),
    row(WARP, GithubApp("warp-dev-github-integration")),
    // Qwen Code rewrites every `git commit` it runs to add this.
    row("Qwen Code", Identity("* <qwen-coder@alibabacloud.com>")),
    // Mistral Vibe (the CLI's trailer and line; the cloud agent's identity
    // shares the address).
    row("Mistral Vibe", Identity("* <vibe@mistral.ai>")),
    row("Mistral Vibe", Marker("Generated by Mistral Vibe.")),
    // Factory Droid (with and without the numeric id)
    row(FACTORY, GithubApp("factory-droid")),
    // Roo Code's Roomote cloud agent (its app was renamed roomote-v0, same
    // id); its first commits used a staff address under the agent's names
    // (`Roomote Bot`, `Roomote Agent`, `Roo Code`), matched only together.
    row(ROO, Identity("* <roomote@roocode.com>")),
    row(ROO, GithubApp("roomote")),
    row(ROO, GithubApp("roomote-v0")),
    row(ROO, Identity("roomote* <chris@roocode.com>")),
    row(ROO, Identity("Roo Code <chris@roocode.com>")),
    // Kilo Code's Cloud Agent: the GitHub App, its development app, or the
    // fallback identity.
    row(KILO, Identity("* <agent@kilocode.ai>")),
    row(KILO, GithubApp("kiloconnect")),
    row(KILO, GithubApp("kiloconnect-development")),
    // Entire records agent sessions and checkpoints on the commits made in them.
    row(ENTIRE, TrailerKey("Entire-Checkpoint")),
    row(ENTIRE, TrailerKey("Entire-Session")),
    row(ENTIRE, TrailerKey("Entire-Agent")),
    // PostHog Code
    row("PostHog Code", TrailerValue("Generated-By: PostHog Code*")),
    // Review bots that commit: CodeRabbit (chat, unit-test and docstring
    // commits), Ellipsis (suggestions accepted in the UI).
    row(CODERABBIT, GithubApp("coderabbitai")),
    row(CODERABBIT, Subject("*CodeRabbit Chat: *")),
    row(CODERABBIT, Subject("Fix UTG issues (iteration *)")),
    row(CODERABBIT, Subject("📝 Add docstrings to *")),
    row("Ellipsis", GithubApp("ellipsis-dev")),
    // Smaller rows, one signal each.
    row("TRAE CLI", Identity("* <traecli@bytedance.com>")),
    row("Windsurf Cascade", Identity("* <cascade@windsurf.dev>")),
    row("JetBrains AI Assistant", GithubApp("jetbrains-ai")),
    row("Sourcegraph Cody", GithubApp("sourcegraph-cody")),
    row("Qodo", GithubApp("codiumai-pr-agent-pro")),
    row("Kimi Code", Identity("* <noreply@kimi.com>")),
    row("Cosine Genie", Identity("* <agent@cosine.sh>")),
    row("Codebuff", Identity("* <noreply@codebuff.com>")),
    row("Codebuff", Marker("*Generated with Codebuff*")),
    row("Freebuff", Identity("* <noreply@freebuff.com>")),
    row("Freebuff", Marker("*Generated with Freebuff*")),
    row("Block goose", Marker("*Generated by goose Issue Solver*")),
    row("Firebender", Marker("*Generated with \\[Firebender\\]*")),
    // Orchestrators that add their own trailer on top of an agent's: exact
    // identities (claude-flow's address is a person's own, so only together
    // with the tool's name).
    row("oh-my-codex", Identity("* <omx@oh-my-codex.dev>")),
    row("Paperclip", Identity("* <noreply@paperclip.ing>")),
    row("Sisyphus", Identity("* <clio-agent@sisyphuslabs.ai>")),
    row("claude-flow", Identity("claude-flow <ruv@ruv.net>")),
    // Disclosure trailers that projects ask people to write.
    row("Assisted-by trailer", NamesAi("Assisted-by")),
    row("Generated-by trailer", TrailerKey("Generated-by")),
    row("Co-authored-by-AI trailer", TrailerKey("Co-authored-by-AI")),
];

/// The catalog's tools, each once, in table order.
pub fn tools() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for r in CATALOG {
        if !out.contains(&r.tool) {
            out.push(r.tool);
        }
    }
    out
}

/// How a name in [`NAMES`] counts inside an `Assisted-by:` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A tool's name no person goes by (`Copilot`, `Claude Code`): counts
    /// wherever it stands as whole words.
    Tool,
    /// A tool's name that is also a person's name or a common word
    /// (`Claude`, `Devin`, `Amp`): counts when it is the whole value, or is
    /// followed by a version or a word that names a model or product
    /// (`Claude Opus 4.6`, `Kimi K2`, `Junie agent`), or by a word and a
    /// version (`Claude Fable 5`), or as a hyphenated
    /// model id (`claude-3-opus`).
    Ambiguous,
    /// A model family (`opus`, `gpt`, `qwen`): counts as a word, or as a
    /// model id beginning with it (`gpt-4o`, `qwen3.7-max`, `o3-mini`).
    Model,
}

/// A name an `Assisted-by:` value may carry.
#[derive(Debug, Clone, Copy)]
pub struct AiName {
    /// The name, lowercase, words separated by one space.
    pub name: &'static str,
    /// The tool it stands for, as the catalog names it.
    pub tool: &'static str,
    /// How it counts.
    pub kind: NameKind,
}

const fn name(name: &'static str, tool: &'static str, kind: NameKind) -> AiName {
    AiName { name, tool, kind }
}

use NameKind::{Ambiguous, Model, Tool};

/// The tool and model names of the catalog, for `Assisted-by:` values.
/// Longer names come before their prefixes (`claude code` before `claude`).
pub const NAMES: &[AiName] = &[
    name("claude code", CLAUDE, Tool),
    name("claude", "Claude", Ambiguous),
    name("opus", "Claude", Model),
    name("sonnet", "Claude", Model),
    name("haiku", "Claude", Model),
    name("aider", "Aider", Tool),
    name("github copilot", COPILOT, Tool),
    name("copilot", COPILOT, Tool),
    name("cursor", "Cursor", Ambiguous),
    name("devin", "Devin", Ambiguous),
    name("jules", "Google Jules", Ambiguous),
    name("gemini cli", "Gemini CLI", Tool),
    name("gemini code assist", "Gemini Code Assist", Tool),
    name("gemini", "Gemini", Model),
    name("gemma", "Gemini", Model),
    name("codex", CODEX, Tool),
    name("chatgpt", "ChatGPT", Model),
    name("gpt", "OpenAI GPT", Model),
    name("o1", "OpenAI GPT", Model),
    name("o3", "OpenAI GPT", Model),
    name("o4", "OpenAI GPT", Model),
    name("amazon q", "Amazon Q Developer", Tool),
    name("kiro", "Amazon Kiro", Tool),
    name("openhands", "OpenHands", Tool),
    name("continue", "Continue", Ambiguous),
    name("opencode", "OpenCode", Tool),
    name("amp", "Amp", Ambiguous),
    name("replit agent", "Replit Agent", Tool),
    name("cline", "Cline", Ambiguous),
    name("crush", CRUSH, Tool),
    name("warp", WARP, Ambiguous),
    name("qwen code", "Qwen Code", Tool),
    name("qwen-coder", "Qwen Code", Tool),
    name("qwen", "Qwen", Model),
    name("qwq", "Qwen", Model),
    name("mistral vibe", "Mistral Vibe", Tool),
    name("mistral", "Mistral", Model),
    name("devstral", "Mistral", Model),
    name("codestral", "Mistral", Model),
    name("magistral", "Mistral", Model),
    name("mixtral", "Mistral", Model),
    name("factory droid", FACTORY, Tool),
    name("droid", FACTORY, Ambiguous),
    name("roo code", ROO, Tool),
    name("roomote", ROO, Tool),
    name("kilo code", "Kilo Code", Tool),
    name("kilocode", "Kilo Code", Tool),
    name("posthog code", "PostHog Code", Tool),
    name("coderabbit", CODERABBIT, Tool),
    name("windsurf", "Windsurf Cascade", Tool),
    name("cascade", "Windsurf Cascade", Ambiguous),
    name("junie", "JetBrains Junie", Ambiguous),
    name("tabnine", "Tabnine", Tool),
    name("goose", "Block goose", Ambiguous),
    name("kimi", "Kimi Code", Ambiguous),
    name("grok", "Grok", Model),
    name("codebuff", "Codebuff", Tool),
    name("augment code", "Augment Code", Tool),
    name("auggie", "Augment Code", Tool),
    name("cody", "Sourcegraph Cody", Ambiguous),
    name("llama", "Llama", Model),
    name("codellama", "Llama", Model),
    name("deepseek", "DeepSeek", Model),
    name("glm", "GLM", Model),
    name("minimax", "MiniMax", Model),
    name("starcoder", "StarCoder", Model),
];
