//! Every row of the built-in AI catalog, tried on a realistic commit, and the
//! false positives from shared/reference/ai-agents.md.

use reviewgate::detect::{CommitText, DetectConfig, Detector, Signal, CATALOG};

const HUMAN: &str = "Ann Lee <ann@example.com>";

struct Example {
    /// The catalog row's pattern this example exercises.
    pattern: &'static str,
    author: &'static str,
    committer: &'static str,
    message: &'static str,
}

const fn ex(pattern: &'static str, author: &'static str, message: &'static str) -> Example {
    Example {
        pattern,
        author,
        committer: HUMAN,
        message,
    }
}

const EXAMPLES: &[Example] = &[
    ex("* <noreply@anthropic.com>", HUMAN, "Add retry to fetcher\n\nRetries transient errors.\n\nCo-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>\n"),
    ex("*Generated with \\[Claude Code\\]*", HUMAN, "Add retry\n\nBody.\n\nðŸ¤– Generated with [Claude Code](https://claude.ai/code)\n"),
    ex("Claude-Session", HUMAN, "Add retry\n\nBody.\n\nClaude-Session: https://claude.ai/code/session_01ABC\n"),
    ex("* <*+claude\\[bot\\]@users.noreply.github.com>", "claude[bot] <41898282+claude[bot]@users.noreply.github.com>", "Fix typo in README\n\nCo-authored-by: Ann Lee <ann@example.com>\n"),
    ex("claude\\[bot\\] <*>", "claude[bot] <bot@example.com>", "Fix typo\n"),
    ex("* <aider@aider.chat>", HUMAN, "feat: add cli flag\n\nCo-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>\n"),
    ex("* <noreply@aider.chat>", HUMAN, "feat: add cli flag\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>\n"),
    ex("* (aider) <*>", "Ann Lee (aider) <ann@example.com>", "feat: add cli flag\n"),
    ex("aider: *", HUMAN, "aider: Refactor the config loader\n"),
    ex("copilot-swe-agent\\[bot\\] <*>", "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>", "Initial plan\n"),
    ex("* <198982749+copilot@users.noreply.github.com>", HUMAN, "Fix flaky test (#12)\n\n* Initial plan\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n"),
    ex("Agent-Logs-Url", HUMAN, "Fix flaky test\n\nAgent-Logs-Url: https://github.com/o/r/sessions/0f8e2c1a-1111-2222-3333-444455556666\n\nCo-authored-by: Ann Lee <ann@example.com>\n"),
    ex("* <223556219+copilot@users.noreply.github.com>", HUMAN, "Update docs\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n"),
    ex("* <175728472+copilot@users.noreply.github.com>", HUMAN, "Update docs\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n"),
    ex("* <copilot@github.com>", HUMAN, "Update docs\n\nCo-authored-by: Copilot <copilot@github.com>\n"),
    ex("* <62310815+github-advanced-security\\[bot\\]@users.noreply.github.com>", HUMAN, "Fix SQL injection\n\nCo-authored-by: Copilot Autofix powered by AI <62310815+github-advanced-security[bot]@users.noreply.github.com>\n"),
    ex("Potential fix for code scanning alert no. *", HUMAN, "Potential fix for code scanning alert no. 17: Uncontrolled data used in path expression\n"),
    ex("* <cursoragent@cursor.com>", "Cursor Agent <cursoragent@cursor.com>", "Add endpoint\n"),
    ex("Made-with: Cursor", HUMAN, "Add endpoint\n\nMade-with: Cursor\n"),
    ex("* <*+devin-ai-integration\\[bot\\]@users.noreply.github.com>", HUMAN, "Add tests\n\nCo-Authored-By: Devin <158243242+devin-ai-integration[bot]@users.noreply.github.com>\n"),
    ex("devin-ai-integration\\[bot\\] <*>", "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>", "Add tests\n"),
    ex("*Generated with \\[Devin\\]*", HUMAN, "Add tests\n\nGenerated with [Devin](https://devin.ai)\n"),
    ex("* <*+google-labs-jules\\[bot\\]@users.noreply.github.com>", HUMAN, "Bump deps\n\nCo-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>\n"),
    ex("google-labs-jules\\[bot\\] <*>", "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>", "Bump deps\n"),
    ex("* <noreply@openai.com>", HUMAN, "Speed up build\n\nCo-authored-by: Codex <noreply@openai.com>\n"),
    ex("chatgpt-codex-connector\\[bot\\] <*>", "chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>", "Speed up build\n"),
    ex("* <*+chatgpt-codex-connector\\[bot\\]@users.noreply.github.com>", HUMAN, "Speed up build\n\nCo-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>\n"),
    ex("* <*+gemini-code-assist\\[bot\\]@users.noreply.github.com>", HUMAN, "Apply suggestion\n\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>\n"),
    ex("amazon-q-developer\\[bot\\] <*>", "amazon-q-developer[bot] <208079219+amazon-q-developer[bot]@users.noreply.github.com>", "Add Lambda handler\n"),
    ex("* <*+amazon-q-developer\\[bot\\]@users.noreply.github.com>", HUMAN, "Add handler\n\nCo-authored-by: amazon-q-developer[bot] <208079219+amazon-q-developer[bot]@users.noreply.github.com>\n"),
    ex("* <244629292+kiro-agent@users.noreply.github.com>", HUMAN, "Implement spec\n\nCo-authored-by: Kiro Agent <244629292+kiro-agent@users.noreply.github.com>\n"),
    ex("Kiro Agent <*>", "Kiro Agent <kiro@example.com>", "Implement spec\n"),
    ex("kiro-agent\\[bot\\] <*>", "kiro-agent[bot] <kiro-agent[bot]@users.noreply.github.com>", "Implement spec\n"),
    ex("* <openhands@all-hands.dev>", "openhands <openhands@all-hands.dev>", "Fix issue #3\n"),
    ex("* <noreply@continue.dev>", HUMAN, "Refactor\n\nCo-Authored-By: Continue <noreply@continue.dev>\n"),
    ex("continue\\[bot\\] <*>", "continue[bot] <continue[bot]@users.noreply.github.com>", "Refactor\n"),
    ex("*Generated with \\[Continue\\]*", HUMAN, "Refactor\n\nGenerated with [Continue](https://continue.dev)\n"),
    ex("* <noreply@opencode.ai>", HUMAN, "Add flag\n\nCo-Authored-By: opencode <noreply@opencode.ai>\n"),
    ex("*Generated with \\[opencode\\]*", HUMAN, "Add flag\n\n🤖 Generated with [opencode](https://opencode.ai)\n"),
    ex("* <amp@ampcode.com>", HUMAN, "Add cache\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1234\nCo-authored-by: Amp <amp@ampcode.com>\n"),
    ex("Amp-Thread-ID", HUMAN, "Add cache\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1234\n"),
    ex("Replit-Commit-Author: Agent", HUMAN, "Set up app\n\nReplit-Commit-Author: Agent\nReplit-Commit-Session-Id: 7b1e-uuid\n"),
    ex("Replit-Commit-Author: Assistant", HUMAN, "Set up app\n\nReplit-Commit-Author: Assistant\n"),
    ex("Replit-Commit-Session-Id", HUMAN, "Set up app\n\nReplit-Commit-Session-Id: 7b1e-uuid\n"),
    ex("cline\\[bot\\] <*>", "cline[bot] <cline[bot]@users.noreply.github.com>", "Fix lint\n"),
    ex("sweep-ai\\[bot\\] <*>", "sweep-ai[bot] <128439645+sweep-ai[bot]@users.noreply.github.com>", "Sweep: add docstrings\n"),
    ex("Assisted-by", HUMAN, "mm: fix leak\n\nLonger explanation.\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\nSigned-off-by: Ann Lee <ann@example.com>\n"),
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
    match signal {
        Signal::Identity(p)
        | Signal::TrailerKey(p)
        | Signal::TrailerValue(p)
        | Signal::Marker(p)
        | Signal::Subject(p) => p,
    }
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
            assert_eq!(found.tool, row.tool, "row {p:?}: {found:?}");
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
                Some(row.tool.to_string()),
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

#[test]
fn policy_additions_and_builtin_off() {
    let cfg = DetectConfig {
        builtin: false,
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
