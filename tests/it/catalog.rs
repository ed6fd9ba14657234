//! Every row of the built-in AI catalog, tried on a realistic commit, and the
//! false positives from shared/reference/ai-agents.md.

use crate::util::{accepted, ai_message, refused, Hooks, Setup, Transport};
use reviewgate::detect::{CommitText, DetectConfig, Detector, Signal, CATALOG};

const HUMAN: &str = "Ann Lee <ann@example.com>";

struct Example {
    /// The catalog row's pattern this example exercises.
    pattern: &'static str,
    author: &'static str,
    committer: &'static str,
    message: &'static str,
    /// The tool reported, when it is not the row's (an `Assisted-by:` value
    /// names its tool).
    tool: Option<&'static str>,
}

const fn ex(pattern: &'static str, author: &'static str, message: &'static str) -> Example {
    Example {
        pattern,
        author,
        committer: HUMAN,
        message,
        tool: None,
    }
}

/// An `Assisted-by:` example, reported as `tool`.
const fn assisted(message: &'static str, tool: &'static str) -> Example {
    Example {
        pattern: "Assisted-by",
        author: HUMAN,
        committer: HUMAN,
        message,
        tool: Some(tool),
    }
}

/// An example whose committer is GitHub's web-flow (a suggestion accepted in
/// the UI).
const fn web(pattern: &'static str, message: &'static str) -> Example {
    Example {
        pattern,
        author: HUMAN,
        committer: "GitHub <noreply@github.com>",
        message,
        tool: None,
    }
}

const EXAMPLES: &[Example] = &[
    ex("* <noreply@anthropic.com>", HUMAN, "Add retry to fetcher\n\nRetries transient errors.\n\nCo-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>\n"),
    ex("*Generated with \\[Claude Code\\]*", HUMAN, "Add retry\n\nBody.\n\nðŸ¤– Generated with [Claude Code](https://claude.ai/code)\n"),
    ex("Claude-Session", HUMAN, "Add retry\n\nBody.\n\nClaude-Session: https://claude.ai/code/session_01ABC\n"),
    ex("claude", "claude[bot] <41898282+claude[bot]@users.noreply.github.com>", "Fix typo in README\n\nCo-authored-by: Ann Lee <ann@example.com>\n"),
    ex("claude", "claude[bot] <bot@example.com>", "Fix typo\n"),
    ex("* <aider@aider.chat>", HUMAN, "feat: add cli flag\n\nCo-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>\n"),
    ex("* <noreply@aider.chat>", HUMAN, "feat: add cli flag\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>\n"),
    ex("* (aider) <*>", "Ann Lee (aider) <ann@example.com>", "feat: add cli flag\n"),
    ex("aider: *", HUMAN, "aider: Refactor the config loader\n"),
    ex("copilot-swe-agent", "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>", "Initial plan\n"),
    ex("* <198982749+copilot@users.noreply.github.com>", HUMAN, "Fix flaky test (#12)\n\n* Initial plan\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n"),
    ex("Agent-Logs-Url", HUMAN, "Fix flaky test\n\nAgent-Logs-Url: https://github.com/o/r/sessions/0f8e2c1a-1111-2222-3333-444455556666\n\nCo-authored-by: Ann Lee <ann@example.com>\n"),
    ex("* <223556219+copilot@users.noreply.github.com>", HUMAN, "Update docs\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n"),
    ex("* <175728472+copilot@users.noreply.github.com>", HUMAN, "Update docs\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n"),
    ex("* <copilot@github.com>", HUMAN, "Update docs\n\nCo-authored-by: Copilot <copilot@github.com>\n"),
    ex("* <62310815+github-advanced-security\\[bot\\]@users.noreply.github.com>", HUMAN, "Fix SQL injection\n\nCo-authored-by: Copilot Autofix powered by AI <62310815+github-advanced-security[bot]@users.noreply.github.com>\n"),
    ex("Potential fix for code scanning alert no. *", HUMAN, "Potential fix for code scanning alert no. 17: Uncontrolled data used in path expression\n"),
    ex("* <cursoragent@cursor.com>", "Cursor Agent <cursoragent@cursor.com>", "Add endpoint\n"),
    ex("Made-with: Cursor", HUMAN, "Add endpoint\n\nMade-with: Cursor\n"),
    ex("*Made with \\[Cursor\\](https://cursor.com)*", HUMAN, "Add endpoint (#51)\n\nAdds the endpoint.\n\nMade with [Cursor](https://cursor.com)\n"),
    ex("devin-ai-integration", HUMAN, "Add tests\n\nCo-Authored-By: Devin <158243242+devin-ai-integration[bot]@users.noreply.github.com>\n"),
    ex("devin-ai-integration", HUMAN, "Add tests\n\nCo-authored-by: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>\n"),
    ex("devin-ai-integration", "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>", "Add tests\n"),
    ex("*Generated with \\[Devin\\]*", HUMAN, "Add tests\n\nGenerated with [Devin](https://devin.ai)\n"),
    ex("google-labs-jules", HUMAN, "Bump deps\n\nCo-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>\n"),
    ex("google-labs-jules", "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>", "Bump deps\n"),
    ex("* <noreply@openai.com>", HUMAN, "Speed up build\n\nCo-authored-by: Codex <noreply@openai.com>\n"),
    ex("chatgpt-codex-connector", "chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>", "Speed up build\n"),
    ex("chatgpt-codex-connector", HUMAN, "Speed up build\n\nCo-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>\n"),
    ex("gemini-code-assist", HUMAN, "Apply suggestion\n\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>\n"),
    ex("amazon-q-developer", "amazon-q-developer[bot] <208079219+amazon-q-developer[bot]@users.noreply.github.com>", "Add Lambda handler\n"),
    ex("amazon-q-developer", HUMAN, "Add handler\n\nCo-authored-by: amazon-q-developer[bot] <208079219+amazon-q-developer[bot]@users.noreply.github.com>\n"),
    ex("* <244629292+kiro-agent@users.noreply.github.com>", HUMAN, "Implement spec\n\nCo-authored-by: Kiro Agent <244629292+kiro-agent@users.noreply.github.com>\n"),
    ex("Kiro Agent <*>", "Kiro Agent <kiro@example.com>", "Implement spec\n"),
    ex("kiro-agent", "kiro-agent[bot] <kiro-agent[bot]@users.noreply.github.com>", "Implement spec\n"),
    ex("* <openhands@all-hands.dev>", "openhands <openhands@all-hands.dev>", "Fix issue #3\n"),
    ex("* <noreply@continue.dev>", HUMAN, "Refactor\n\nCo-Authored-By: Continue <noreply@continue.dev>\n"),
    ex("continue", "continue[bot] <continue[bot]@users.noreply.github.com>", "Refactor\n"),
    ex("*Generated with \\[Continue\\]*", HUMAN, "Refactor\n\nGenerated with [Continue](https://continue.dev)\n"),
    ex("* <noreply@opencode.ai>", HUMAN, "Add flag\n\nCo-Authored-By: opencode <noreply@opencode.ai>\n"),
    ex("*Generated with \\[opencode\\]*", HUMAN, "Add flag\n\n🤖 Generated with [opencode](https://opencode.ai)\n"),
    ex("* <amp@ampcode.com>", HUMAN, "Add cache\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1234\nCo-authored-by: Amp <amp@ampcode.com>\n"),
    ex("Amp-Thread-ID", HUMAN, "Add cache\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1234\n"),
    ex("Replit-Commit-Author: Agent", HUMAN, "Set up app\n\nReplit-Commit-Author: Agent\nReplit-Commit-Session-Id: 7b1e-uuid\n"),
    ex("Replit-Commit-Author: Assistant", HUMAN, "Set up app\n\nReplit-Commit-Author: Assistant\n"),
    ex("Replit-Commit-Session-Id", HUMAN, "Set up app\n\nReplit-Commit-Session-Id: 7b1e-uuid\n"),
    ex("cline", "cline[bot] <cline[bot]@users.noreply.github.com>", "Fix lint\n"),
    ex("sweep-ai", "sweep-ai[bot] <128439645+sweep-ai[bot]@users.noreply.github.com>", "Sweep: add docstrings\n"),
    assisted("mm: fix leak\n\nLonger explanation.\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\nSigned-off-by: Ann Lee <ann@example.com>\n", "Claude"),
    assisted("tls: fix double free\n\nAssisted-by: Claude Opus 4.6\nCloses #20210\n", "Claude"),
    assisted("Add config flag\n\nAssisted-by: Crush:glm-5.2\n", "Charm Crush"),
    assisted("Add config flag\n\nAssisted-by: Crush:AWS Claude Opus 4.6\n", "Charm Crush"),
    assisted("Add config flag\n\nAssisted-by: Crush\n", "Charm Crush"),
    assisted("[Driver] Fix flag\n\nAssisted-by: GitHub Copilot\n", "GitHub Copilot"),
    assisted("Fix race\n\nAssisted-By: gpt-5-codex\n", "OpenAI GPT"),
    ex("* <crush@charm.land>", HUMAN, "Add config flag\n\n💘 Generated with Crush\n\nAssisted-by: Claude Opus 4.6 via Crush <crush@charm.land>\n"),
    ex("* <crush@charm.land>", HUMAN, "Add config flag\n\nCo-Authored-By: Crush <crush@charm.land>\n"),
    ex("* <noreply@crush.charm.land>", HUMAN, "Add config flag\n\nCo-Authored-By: Crush <noreply@crush.charm.land>\n"),
    ex("*Generated with termai", HUMAN, "Add tool\n\n🤖 Generated with termai\n"),
    ex("* <crush@charm.land>", HUMAN, "Add config flag\n\nCo-authored-by: Charm Crush <crush@charm.land\n"),
    ex("*Generated with Crush", HUMAN, "Add config flag\n\n💘 Generated with Crush\n\nAssisted-by: Crush:qwen3.7-max\n"),
    ex("* <oz-agent@warp.dev>", HUMAN, "Fix tab drag\n\nCo-Authored-By: Oz <oz-agent@warp.dev>\n"),
    ex("* <oz-agent@warp.dev>", HUMAN, "Fix tab drag\n\nCo-Authored-By: Oz [oz-agent@warp.dev](mailto:oz-agent@warp.dev)\n"),
    ex("* <oz-agent@warp.dev>", "Oz <oz-agent@warp.dev>", "Fix tab drag\n"),
    ex("*This PR was generated with \\[Oz\\](https://warp.dev*", HUMAN, "Fix tab drag (#9012)\n\nDrags keep their order.\n\n_This PR was generated with [Oz](https://warp.dev/oz)._\n"),
    ex("* <oz-agent@warp.dev>", HUMAN, "Fix tab drag\n\nCo-authored-by: Oz &lt;oz-agent@warp.dev&gt;\n"),
    ex("* <agent@warp.dev>", HUMAN, "Fix tab drag\n\nCo-Authored-By: Warp Agent <agent@warp.dev>\n"),
    ex("oz-for-oss", "oz-for-oss[bot] <277970191+oz-for-oss[bot]@users.noreply.github.com>", "Fix tab drag\n"),
    ex("oz-for-oss", HUMAN, "Fix tab drag (#88)\n\nCo-authored-by: oz-for-oss[bot] <277970191+oz-for-oss[bot]@users.noreply.github.com>\n"),
    ex("warp-for-oss", "warp-for-oss[bot] <warp-for-oss[bot]@users.noreply.github.com>", "Fix tab drag\n"),
    ex("warp-agent-staging", "warp-agent-staging[bot] <240773466+warp-agent-staging[bot]@users.noreply.github.com>", "Fix tab drag\n"),
    ex("warp-dev-github-integration", "warp-dev-github-integration[bot] <240773466+warp-dev-github-integration[bot]@users.noreply.github.com>", "Fix tab drag\n"),
    ex("* <qwen-coder@alibabacloud.com>", HUMAN, "feat: add retry\n\nCo-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>\n"),
    ex("* <vibe@mistral.ai>", HUMAN, "Fix parser\n\nGenerated by Mistral Vibe.\nCo-Authored-By: Mistral Vibe <vibe@mistral.ai>\n"),
    ex("* <vibe@mistral.ai>", "Vibe Nuage Agent <vibe@mistral.ai>", "Fix parser\n"),
    ex("Generated by Mistral Vibe.", HUMAN, "Fix parser\n\nGenerated by Mistral Vibe.\n"),
    ex("factory-droid", HUMAN, "Add docs page\n\nCo-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>\n"),
    ex("factory-droid", "factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>", "Add docs page\n"),
    ex("factory-droid", HUMAN, "Add docs page\n\nCo-authored-by: factory-droid[bot] <factory-droid[bot]@users.noreply.github.com>\n"),
    ex("* <roomote@roocode.com>", HUMAN, "Fix settings import\n\nCo-authored-by: Roo Code <roomote@roocode.com>\n"),
    ex("* <roomote@roocode.com>", "Roo Code <roomote@roocode.com>", "Fix settings import\n"),
    ex("roomote", "roomote[bot] <219738659+roomote[bot]@users.noreply.github.com>", "Fix settings import\n"),
    ex("roomote", HUMAN, "Fix settings import\n\nCo-authored-by: roomote[bot] <219738659+roomote[bot]@users.noreply.github.com>\n"),
    ex("roomote-v0", "roomote-v0[bot] <219738659+roomote-v0[bot]@users.noreply.github.com>", "Fix settings import\n"),
    ex("roomote-v0", HUMAN, "Fix settings import\n\nCo-authored-by: roomote-v0[bot] <219738659+roomote-v0[bot]@users.noreply.github.com>\n"),
    ex("roomote* <chris@roocode.com>", "roomote <chris@roocode.com>", "Fix settings import\n"),
    ex("roomote* <chris@roocode.com>", "Roomote Agent <chris@roocode.com>", "Fix settings import\n"),
    ex("Roo Code <chris@roocode.com>", HUMAN, "Fix settings import\n\nCo-authored-by: Roo Code <chris@roocode.com>\n"),
    ex("* <agent@kilocode.ai>", "Kilo Code Cloud <agent@kilocode.ai>", "Add billing page\n"),
    ex("kiloconnect", "kiloconnect[bot] <240665456+kiloconnect[bot]@users.noreply.github.com>", "Add billing page\n"),
    ex("kiloconnect", HUMAN, "Add billing page\n\nCo-authored-by: kiloconnect[bot] <240665456+kiloconnect[bot]@users.noreply.github.com>\n"),
    ex("kiloconnect-development", "kiloconnect-development[bot] <242397087+kiloconnect-development[bot]@users.noreply.github.com>", "Add billing page\n"),
    ex("kiloconnect-development", HUMAN, "Add billing page\n\nCo-authored-by: kiloconnect-development[bot] <242397087+kiloconnect-development[bot]@users.noreply.github.com>\n"),
    ex("Entire-Checkpoint", HUMAN, "Add explain command\n\nEntire-Checkpoint: 3f2a9c1b7d4e\n"),
    ex("Entire-Session", HUMAN, "Add explain command\n\nEntire-Session: 2026-05-01-8c1f\nEntire-Strategy: manual-commit\n"),
    ex("Entire-Agent", HUMAN, "Add explain command\n\nEntire-Agent: Claude Code\n"),
    ex("Generated-By: PostHog Code*", HUMAN, "Add feature flag check\n\nGenerated-By: PostHog Code\nTask-Id: 0b7f3f5e-2a4c-4c1e-9d7e-1f2a3b4c5d6e\n"),
    ex("gemini-cli", "gemini-cli[bot] <218312386+gemini-cli[bot]@users.noreply.github.com>", "fix(cli): handle empty prompt\n"),
    ex("gemini-cli", HUMAN, "fix(cli): handle empty prompt\n\nCo-authored-by: gemini-cli[bot] <218312386+gemini-cli[bot]@users.noreply.github.com>\n"),
    ex("gemini-cli", HUMAN, "fix(cli): handle empty prompt\n\nCo-authored-by: gemini-cli <gemini-cli[bot]@users.noreply.github.com>\n"),
    ex("* <gemini-cli@google.com>", HUMAN, "Refactor loader\n\nCo-Authored-By: Gemini CLI <gemini-cli@google.com>\n"),
    ex("coderabbitai", "coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>", "Add unit tests\n"),
    ex("coderabbitai", HUMAN, "Apply suggestion\n\nCo-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>\n"),
    ex("*CodeRabbit Chat: *", HUMAN, "📝 CodeRabbit Chat: Add unit tests for parser\n"),
    ex("Fix UTG issues (iteration *)", HUMAN, "Fix UTG issues (iteration 2)\n"),
    ex("📝 Add docstrings to *", HUMAN, "📝 Add docstrings to `feature/login`\n\nDocstrings generation was requested by @ann.\n"),
    web("ellipsis-dev", "Update src/api.ts\n\nCo-authored-by: ellipsis-dev[bot] <65095814+ellipsis-dev[bot]@users.noreply.github.com>\n"),
    ex("ellipsis-dev", "ellipsis-dev[bot] <65095814+ellipsis-dev[bot]@users.noreply.github.com>", "Update src/api.ts\n"),
    web("Potential fix for pull request finding*", "Potential fix for pull request finding 'Unused variable'\n"),
    ex("* <codex@openai.com>", "Codex <codex@openai.com>", "Speed up build\n"),
    ex("openai-codex", "openai-codex[bot] <215057067+openai-codex[bot]@users.noreply.github.com>", "Speed up build\n"),
    ex("openai-codex", HUMAN, "Speed up build\n\nCo-authored-by: openai-codex[bot] <215057067+openai-codex[bot]@users.noreply.github.com>\n"),
    ex("cursor", "cursor[bot] <206951365+cursor[bot]@users.noreply.github.com>", "Fix null check\n"),
    ex("cursor", HUMAN, "Fix null check\n\nCo-authored-by: cursor[bot] <206951365+cursor[bot]@users.noreply.github.com>\n"),
    ex("* <traecli@bytedance.com>", HUMAN, "Fix kernel launch\n\nCo-authored-by: TRAE CLI <traecli@bytedance.com>\n"),
    ex("* <cascade@windsurf.dev>", "Cascade <cascade@windsurf.dev>", "Add agents page\n"),
    ex("jetbrains-ai", "jetbrains-ai[bot] <220155983+jetbrains-ai[bot]@users.noreply.github.com>", "Fix typo\n"),
    ex("sourcegraph-cody", "sourcegraph-cody[bot] <201248094+sourcegraph-cody[bot]@users.noreply.github.com>", "Fix typo\n"),
    ex("codiumai-pr-agent-pro", "codiumai-pr-agent-pro[bot] <151058649+codiumai-pr-agent-pro[bot]@users.noreply.github.com>", "Fix typo\n"),
    ex("* <noreply@kimi.com>", HUMAN, "Fix shell quoting\n\nCo-Authored-By: Kimi K2.7 Code <noreply@kimi.com>\n"),
    ex("* <agent@cosine.sh>", HUMAN, "Fix repo map\n\nCo-authored-by: Cosine <agent@cosine.sh>\n"),
    ex("* <noreply@codebuff.com>", HUMAN, "Add route\n\nCo-Authored-By: Codebuff <noreply@codebuff.com>\n"),
    ex("*Generated with Codebuff*", HUMAN, "Add route\n\n🤖 Generated with Codebuff\n"),
    ex("* <noreply@freebuff.com>", HUMAN, "Add route\n\nCo-Authored-By: Freebuff <noreply@freebuff.com>\n"),
    ex("*Generated with Freebuff*", HUMAN, "Add route\n\n🤖 Generated with Freebuff\n"),
    ex("*Generated with \\[Firebender\\]*", HUMAN, "Fix layout\n\n🤖 Generated with [Firebender](https://firebender.com)\n"),
    ex("*Generated by goose Issue Solver*", HUMAN, "Fix #42: handle empty config (#43)\n\n*Generated by goose Issue Solver*\n"),
    ex("* <omx@oh-my-codex.dev>", HUMAN, "Add hook\n\nCo-authored-by: OmX <omx@oh-my-codex.dev>\n"),
    ex("* <noreply@paperclip.ing>", HUMAN, "Add hook\n\nCo-authored-by: Paperclip <noreply@paperclip.ing>\n"),
    ex("* <clio-agent@sisyphuslabs.ai>", HUMAN, "Add hook\n\nCo-authored-by: Sisyphus <clio-agent@sisyphuslabs.ai>\n"),
    ex("claude-flow <ruv@ruv.net>", HUMAN, "Add hook\n\nCo-authored-by: claude-flow <ruv@ruv.net>\n"),
    ex("Generated-by", HUMAN, "Add module\n\nGenerated-by: ChatGPT 5\n"),
    ex("Co-authored-by-AI", HUMAN, "Add module\n\nCo-authored-by-AI: GitHub Copilot (GPT-4.1)\n"),
];

fn detector() -> Detector {
    Detector::new(&DetectConfig {
        builtin: true,
        ..Default::default()
    })
    .expect("catalog")
}

fn pattern(signal: Signal) -> &'static str {
    signal.pattern()
}

#[test]
fn every_catalog_row_detects_its_realistic_commit() {
    let d = detector();
    for row in CATALOG {
        let p = pattern(row.signal);
        let examples: Vec<&Example> = EXAMPLES.iter().filter(|e| e.pattern == p).collect();
        assert!(
            !examples.is_empty(),
            "catalog row {p:?} ({}) has no example",
            row.tool
        );
        for e in examples {
            let found = d.detect(&CommitText {
                author: e.author,
                committer: e.committer,
                message: e.message.as_bytes(),
            });
            let found =
                found.unwrap_or_else(|| panic!("row {p:?} ({}) missed:\n{}", row.tool, e.message));
            assert_eq!(
                found.tool,
                e.tool.unwrap_or(row.tool),
                "row {p:?}: {found:?}"
            );
        }
    }
    // Each row matches on its own: a detector built from that row alone finds
    // its example (so no broad row hides a dead one), and every example
    // belongs to a row.
    for row in CATALOG {
        let alone = Detector::with_rows(std::slice::from_ref(row), &DetectConfig::default())
            .expect("row compiles");
        let p = pattern(row.signal);
        for e in EXAMPLES.iter().filter(|e| e.pattern == p) {
            let found = alone.detect(&CommitText {
                author: e.author,
                committer: e.committer,
                message: e.message.as_bytes(),
            });
            assert_eq!(
                found.map(|f| f.tool),
                Some(e.tool.unwrap_or(row.tool).to_string()),
                "row {p:?} alone does not match its example:\n{}",
                e.message
            );
        }
    }
    for e in EXAMPLES {
        assert!(
            CATALOG.iter().any(|r| pattern(r.signal) == e.pattern),
            "example for unknown pattern {:?}",
            e.pattern
        );
    }
}

#[test]
fn false_positives_from_the_reference() {
    let d = detector();
    let human = |author: &str, message: &str| {
        d.detect(&CommitText {
            author,
            committer: author,
            message: message.as_bytes(),
        })
    };
    // A human named Claude.
    assert_eq!(human("Claude Dupont <claude@example.fr>", "Fix\n"), None);
    assert_eq!(
        human(
            HUMAN,
            "Pair work\n\nCo-authored-by: Claude Dupont <claude.dupont@example.fr>\n"
        ),
        None
    );
    // Co-authored-by a human (pair programming, squash merges).
    assert_eq!(human(HUMAN, "Squash\n\nCo-authored-by: Bob Roe <bob@example.com>\nCo-authored-by: Eve <eve@example.org>\n"), None);
    // github-actions[bot] and dependabot are automation, not AI.
    assert_eq!(
        human(
            "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
            "Update changelog\n"
        ),
        None
    );
    assert_eq!(human("dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>", "Bump serde from 1.0.1 to 1.0.2\n\nSigned-off-by: dependabot[bot] <support@github.com>\n"), None);
    // claude-code-action's human co-author with github-actions' id alone is not AI.
    assert_eq!(human(HUMAN, "Fix\n\nCo-authored-by: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\n"), None);
    // Prose that mentions a tool is not a marker line.
    assert_eq!(
        human(
            HUMAN,
            "Docs\n\nWe compared Claude Code and Cursor for this.\n"
        ),
        None
    );
}

/// A commit by `author` (also its committer) with `message`: the tool the
/// built-in catalog finds, if any.
fn tool_of(author: &str, committer: &str, message: &str) -> Option<String> {
    detector()
        .detect(&CommitText {
            author,
            committer,
            message: message.as_bytes(),
        })
        .map(|e| e.tool)
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "a table of the reference's traps, one per row"
)]
fn false_positive_traps_of_2026() {
    // Vendor staff commit from the vendors' domains; only the agents'
    // exact addresses are AI.
    for staff in [
        "Boris Staff <boris@anthropic.com>",
        "Kevin Staff <kevin@warp.dev>",
        "Andy Staff <andy@warp.dev>",
        "Li Staff <li@bytedance.com>",
        "Sam Staff <sam@cline.bot>",
        "Nat Staff <nat@zed.dev>",
        "Eno Staff <eno@factory.ai>",
        "Pat Doe <pat@kilocode.ai>",
        "Marie Staff <marie@mistral.ai>",
        "Sam Roe <sam@entire.io>",
        "Chris Staff <chris@roocode.com>",
        "Ann Lee <ann@openai.com>",
        "Ann Lee <ann@alibabacloud.com>",
        "Ann Lee <ann@charm.land>",
        "Ann Lee <ann@google.com>",
    ] {
        assert_eq!(tool_of(staff, staff, "Fix\n"), None, "{staff}");
        let co = format!("Fix\n\nCo-authored-by: {staff}\n");
        assert_eq!(tool_of(HUMAN, HUMAN, &co), None, "co-author {staff}");
    }
    // People named like tools, and staff handles.
    for person in [
        "Aiden Cline <aiden.cline@example.com>",
        "Claude <81847+claude@users.noreply.github.com>",
        "Devin Smith <devin@example.com>",
        "Jules Martin <jules@example.fr>",
        "Cody Allen <cody@example.com>",
        "Charlie Root <charlie@example.com>",
        "TheFactoriousDROID <12345+TheFactoriousDROID@users.noreply.github.com>",
        "factory-davidgu <23456+factory-davidgu@users.noreply.github.com>",
        "rUv <ruv@ruv.net>",
        "roomote fan <fan@example.com>",
    ] {
        assert_eq!(tool_of(person, person, "Fix\n"), None, "{person}");
        let co = format!("Fix\n\nCo-authored-by: {person}\n");
        assert_eq!(tool_of(HUMAN, HUMAN, &co), None, "co-author {person}");
    }
    // Release and CI robots with AI-sounding names, and automation.
    for robot in [
        "gemini-cli-robot <224641728+gemini-cli-robot@users.noreply.github.com>",
        "gemini-cli-robot <gemini-cli-robot@google.com>",
        "Record change to main branch <41898282+github-actions[bot]@users.noreply.github.com>",
        "gittuf-app-test[bot] <200000001+gittuf-app-test[bot]@users.noreply.github.com>",
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
        "pre-commit-ci[bot] <66853113+pre-commit-ci[bot]@users.noreply.github.com>",
        "allcontributors[bot] <46447321+allcontributors[bot]@users.noreply.github.com>",
        "GitHub <noreply@github.com>",
    ] {
        assert_eq!(
            tool_of(robot, robot, "chore(release): v0.9.0\n"),
            None,
            "{robot}"
        );
    }
    // The committer of a suggestion accepted in the UI is GitHub: the AI
    // signal there is the co-author, never the committer.
    assert_eq!(
        tool_of(
            HUMAN,
            "GitHub <noreply@github.com>",
            "Update README.md\n\nCo-authored-by: Bob Roe <bob@example.com>\n"
        ),
        None
    );
    // Test fixtures, and git-ai's notes identity (it writes notes, not code).
    for fixture in [
        "Cline Evaluation <cline@example.com>",
        "Test User <test@example.com>",
        "CI <ci@runner.test>",
        "Dev <dev@laptop.local>",
        "git-ai <git-ai@local>",
    ] {
        assert_eq!(
            tool_of(fixture, fixture, "Fixture commit\n"),
            None,
            "{fixture}"
        );
    }
    // Markdown mail links that name people.
    assert_eq!(
        tool_of(
            HUMAN,
            HUMAN,
            "Fix\n\nCo-Authored-By: Ann [ann@example.com](mailto:ann@example.com)\n"
        ),
        None
    );
    // Subjects close to the review bots' but written by people.
    for subject in [
        "Add docstrings to the parser\n",
        "Fix UTG issues\n",
        "Potential fix for flaky test\n",
        "aider integration notes\n",
    ] {
        assert_eq!(tool_of(HUMAN, HUMAN, subject), None, "{subject:?}");
    }
}

#[test]
fn assisted_by_names_people_as_curl_writes_it() {
    // curl credits people with Assisted-by: (544 of its 545 uses): names in
    // the forms it uses (full names, several people, "x on github"), and
    // the one form that names a model.
    for person in [
        "Jay Satiro",
        "Maria Lindqvist",
        "Tomas Novak, Ines Duarte",
        "Priya Raman and Ole Berg",
        "kestrel99 on github",
        "quill@users.noreply.github.com",
        "Hiroshi Tanaka <hiroshi@example.jp>",
        "The Example Foundation team",
        "Claude Monet",
        "Devin Smith",
        "Jules Verne",
        "Aiden Cline",
        "Ann Lee <ann@example.com>",
        "Claude <81847+claude@users.noreply.github.com>",
    ] {
        let msg = format!(
            "transfer: fix leak\n\nReported-by: Bo Roe\nAssisted-by: {person}\nCloses #123\n"
        );
        assert_eq!(tool_of(HUMAN, HUMAN, &msg), None, "{person}");
    }
    let ai = "tls: fix double free\n\nAssisted-by: Claude Opus 4.6\nCloses #20210\n";
    let found = detector()
        .detect(&CommitText {
            author: HUMAN,
            committer: HUMAN,
            message: ai.as_bytes(),
        })
        .expect("a model");
    assert_eq!(found.tool, "Claude");
    assert_eq!(
        found.evidence, "trailer Assisted-by: Claude Opus 4.6, which names \"claude\"",
        "the evidence says which rule matched"
    );
    // A project that writes the trailer only for AI says so.
    let any = Detector::new(&DetectConfig {
        builtin: true,
        assisted_by: reviewgate::detect::AssistedBy::Any,
        ..Default::default()
    })
    .expect("compiles");
    let found = any
        .detect(&CommitText {
            author: HUMAN,
            committer: HUMAN,
            message: b"Fix\n\nAssisted-by: Jay Satiro\n",
        })
        .expect("any Assisted-by");
    assert_eq!(found.tool, "Assisted-by trailer");
}

#[test]
fn policy_additions_and_builtin_off() {
    let cfg = DetectConfig {
        builtin: false,
        assisted_by: Default::default(),
        trailer_keys: vec!["X-AI".into()],
        trailer_values: vec!["Tool: ourbot*".into()],
        identities: vec!["* <*@bots.example.com>".into()],
        markers: vec!["*generated by ourbot*".into()],
    };
    let d = Detector::new(&cfg).expect("compiles");
    let detect = |author: &str, message: &str| {
        d.detect(&CommitText {
            author,
            committer: HUMAN,
            message: message.as_bytes(),
        })
        .map(|e| e.tool)
    };
    assert_eq!(
        detect(
            HUMAN,
            "F\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"
        ),
        None,
        "builtin off"
    );
    assert!(detect(HUMAN, "F\n\nx-ai: yes\n").is_some());
    assert!(detect(HUMAN, "F\n\nTool: OurBot 2\n").is_some());
    assert!(detect("Bot <b1@bots.example.com>", "F\n").is_some());
    assert!(detect(HUMAN, "F\n\nThis was Generated by OurBot today.\n").is_some());
    assert_eq!(detect(HUMAN, "F\n\nplain\n"), None);
}

/// `Assisted-by:` and `Co-authored-by:` read by meaning, in
/// both directions. A name that names a tool or model is AI whatever the
/// email; a person whose given name is a tool's or model's word is a person.
#[test]
fn names_are_read_by_meaning_in_both_directions() {
    let tool = |key: &str, value: &str| {
        let msg = format!("Fix the cache\n\nBody.\n\n{key}: {value}\n");
        tool_of(HUMAN, HUMAN, &msg)
    };
    for (value, want) in [
        ("Claude Opus 4.6 <claude@anthropic.com>", "Claude"),
        ("Claude Opus <claude@example.org>", "Claude"),
        ("Claude Sonnet 4.5 <someone@example.com>", "Claude"),
        ("ChatGPT <chatgpt@example.com>", "ChatGPT"),
        ("Gemini 2.5 Pro <gemini@example.com>", "Gemini"),
        ("GPT-5 <bot@example.com>", "OpenAI GPT"),
        ("Copilot <copilot@example.com>", "GitHub Copilot"),
        ("Devin AI <devin@example.com>", "Devin"),
        ("Kiro Agent <kiro@example.com>", "Amazon Kiro"),
    ] {
        for key in ["Co-authored-by", "Assisted-by"] {
            assert_eq!(tool(key, value).as_deref(), Some(want), "{key}: {value}");
        }
    }
    for value in [
        "Gemma Jones <gemma@example.com>",
        "Kiro Tanaka <kiro@example.jp>",
        "Haiku Smith <haiku@example.com>",
        "Devin Smith <devin@example.com>",
        "Claude Monet <claude@example.org>",
        "Claude <81847+claude@users.noreply.github.com>",
        "Cody Allen <cody@example.com>",
        "Jules Martin <jules@example.fr>",
        "roomote fan <fan@example.com>",
    ] {
        for key in ["Co-authored-by", "Assisted-by"] {
            assert_eq!(tool(key, value), None, "{key}: {value}");
        }
        // Without the address too, as curl writes people (a lone "Claude"
        // is the tool there: Assisted-by names tools alone).
        let name = value.split(" <").next().unwrap_or(value);
        if name.contains(' ') && name.starts_with(char::is_uppercase) {
            assert_eq!(tool("Assisted-by", name), None, "Assisted-by: {name}");
        }
    }
}

/// By real pushes: a reviewer or co-author named for a model
/// is AI whatever the address; a person with a model's word for a given
/// name reviews like anyone.
#[test]
fn a_reviewer_named_for_a_model_is_an_ai_reviewer() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    s.client.commit(&ai_message(
        "Add parser",
        &["Reviewed-by: Claude Opus 4.6 <claude@example.org>"],
    ));
    let p = refused(&s, &["main"], "ai-reviewer");
    p.says("\"Claude Opus 4.6 <claude@example.org>\" is an AI identity (Claude)");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // A co-author named for a model marks the commit, whatever the email.
    s.client
        .commit("Add cache\n\nBody.\n\nCo-authored-by: Gemini 2.5 Pro <gemini@example.com>\n");
    let p = refused(&s, &["main"], "ai-unreviewed");
    p.says("whose name names \"gemini\"");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // People: a co-author and a reviewer whose given names are model words.
    s.client.commit(&ai_message(
        "Add lexer",
        &[
            "Co-authored-by: Gemma Jones <gemma@example.com>",
            "Reviewed-by: Kiro Tanaka <kiro@example.jp>",
        ],
    ));
    accepted(&s.client.push(&["main"]));
}
