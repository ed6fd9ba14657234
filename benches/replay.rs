//! The AI catalog replayed over real public histories: recall and false
//! alarms on a labelled sample, the figures the README quotes.
//!
//! ```text
//! cargo bench --bench replay -- --fetch              # clone the histories (network), then replay
//! cargo bench --bench replay -- --mirrors DIR        # histories already cloned as DIR/owner+name/repo
//! cargo bench --bench replay -- --markdown FILE      # also write the table to FILE
//! ```
//!
//! Nothing from these histories is kept in this repository: `--fetch` clones
//! them (bare, without file contents) under `target/replay-mirrors/`, and
//! each run samples and labels them afresh. The sample is seeded and each
//! history is read at a pinned commit, so runs agree.
//!
//! Labels do not come from reviewgate's detector. Every signal a commit
//! carries (author, committer, each `Key: value` line, each "generated
//! with/by" or "made with" line) that a deliberately broad net catches
//! ([`NET`]: bot, agent, ai, claude, gpt, copilot, ...) was read by hand,
//! once per distinct value, in these histories (2026-11-30), and judged AI
//! ([`AI_SIGNALS`]), unclear ([`UNCLEAR`], left out of the sample), or
//! neither: a person or plain automation. A commit is labelled AI when any of
//! its signals is judged AI. Values outside the net count as human: the limit
//! of this method.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark prints its progress and its table"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;
use reviewgate::detect::{AssistedBy, CommitText, DetectConfig, Detector};

/// A history: where it is published, and what of it is read.
struct History {
    repo: &'static str,
    /// `git log` arguments that pin what is read.
    revs: &'static [&'static str],
    /// Draw the human commits with a signal in the net only among those
    /// whose deciding signal has this key (curl: its `Assisted-by:` people),
    /// and how many.
    traps: Option<(&'static str, usize)>,
}

const HISTORIES: &[History] = &[
    // curl's Assisted-by: credits people; its other branches hold most of them.
    History {
        repo: "curl/curl",
        revs: &["--all", "--until=2026-08-23T00:00:00Z"],
        traps: Some(("trailer assisted-by:", 120)),
    },
    History {
        repo: "charmbracelet/crush",
        revs: &["37f36e93824e5c4f892e4a817f7f628e2682fe14"],
        traps: None,
    },
    History {
        repo: "warpdotdev/warp",
        revs: &["19548aec6285e82b1a4cde526e7ec7e04513c248"],
        traps: None,
    },
    History {
        repo: "RooCodeInc/Roo-Code",
        revs: &["cb836567180a3ff1da6d082f3178b90c3bd22a70"],
        traps: None,
    },
    History {
        repo: "google-gemini/gemini-cli",
        revs: &["5411f113cafae26161b4969b0237b8e1e024e2c2"],
        traps: None,
    },
    History {
        repo: "git-ai-project/git-ai",
        revs: &["55a1d728fb968fff90c5050470d6bd5d629967c6"],
        traps: None,
    },
];

/// The broad net: a signal that might be AI, read by hand.
const NET: &str = r"(?i)bot\]|agent|\bai\b|claude|anthropic|gpt|openai|copilot|codex|cursor|gemini|devin|jules|\boz\b|warp\.dev|roo|crush|charm|kilo|droid|factory|qwen|mistral|vibe|aider|kiro|amazon|cline|continue|opencode|\bamp\b|ampcode|replit|entire|posthog|coderabbit|ellipsis|trae|bytedance|cascade|windsurf|codeium|junie|jetbrains|tabnine|goose|kimi|grok|cosine|codebuff|freebuff|cody|sourcegraph|qodo|codiumai|generated|assisted|session|llm|model|sweep|chatgpt|opus|sonnet|haiku|firebender|termai";

/// Signals judged AI by reading each distinct value (lowercase text).
const AI_SIGNALS: &[&str] = &[
    r"<noreply@anthropic\.com>",
    r"<oz-agent@warp\.dev>",
    r"oz \[oz-agent@warp\.dev\]",
    r"oz &lt;oz-agent@warp\.dev&gt;",
    r"<agent@warp\.dev>",
    r"\[agent@warp\.dev\]",
    r"^(author|committer) warp-agent-staging\[bot\]",
    r"warp-dev-github-integration\[bot\]",
    r"oz-for-oss\[bot\]",
    r"<cursoragent@cursor\.com>",
    r"cursor\[bot\]",
    r"<amp@ampcode\.com>",
    r"<crush@charm\.land",
    r"<noreply@crush\.charm\.land>",
    r"<roomote@roocode\.com>",
    r"roomote(-v0)?\[bot\]",
    r"roomote[a-z ]* <chris@roocode\.com>",
    r"roo code <chris@roocode\.com>",
    r"ellipsis-dev\[bot\]",
    r"\+copilot@users\.noreply",
    r"copilot-swe-agent",
    r"github-advanced-security\[bot\]",
    r"google-labs-jules",
    r"gemini-code-assist",
    r"gemini-cli\[bot\]",
    r"devin-ai-integration",
    r"<codex@openai\.com>",
    r"<noreply@openai\.com>",
    r"factory-droid",
    r"joestump-agent",
    r"joe \(agent\) stump",
    r"truffleagent",
    r"^trailer assisted-by: (crush|claude|glm|kimi|gpt|deepseek|aws claude|z\.ai|agent_name)",
    r"generated with \[claude code\]",
    r"generated with crush",
    r"generated with termai",
    r"this pr was generated with \[oz\]",
    r"made with \[cursor\]",
    r"generated with \[firebender\]",
    r"^trailer signed-off-by: (gemini|your witty ai)",
    r"generated by yours truly __gemini code__",
];

/// Provenance not settled by reading: left out of the sample.
const UNCLEAR: &[&str] = &[
    r"roo code <support@roo(code\.com|\.vet)>",
    r"cline <cline@example\.com>",
];

/// Messages longer than this (pull request bodies pasted into squashes) are
/// left out, as the sample has always been drawn.
const MAX_MESSAGE: usize = 3000;

/// How many of each kind are drawn from each history: AI-labelled, human
/// with a signal in the net ("traps"), human with none.
const DRAW: (usize, usize, usize) = (60, 40, 40);

struct Labels {
    net: Regex,
    ai: Vec<Regex>,
    unclear: Vec<Regex>,
    key: Regex,
    line: Regex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    Ai,
    Trap,
    Plain,
    Unclear,
}

impl Labels {
    fn new() -> Self {
        let all = |v: &[&str]| v.iter().map(|p| Regex::new(p).expect("pattern")).collect();
        Self {
            net: Regex::new(NET).expect("net"),
            ai: all(AI_SIGNALS),
            unclear: all(UNCLEAR),
            key: Regex::new(r"^\s*(?:[*>+-]\s+)?([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$").expect("key"),
            line: Regex::new(r"(?i)generated (with|by)|made with").expect("line"),
        }
    }

    /// The commit's signals, as the labels read them.
    fn signals(&self, c: &Commit) -> Vec<String> {
        let mut out = vec![
            format!("author {}", c.author),
            format!("committer {}", c.committer),
        ];
        for line in c.message.split('\n').skip(1) {
            match self.key.captures(line) {
                Some(k) if k[1].len() < 40 => {
                    out.push(format!("trailer {}: {}", k[1].to_lowercase(), k[2].trim()))
                }
                _ if self.line.is_match(line) => out.push(format!("line {}", line.trim())),
                _ => {}
            }
        }
        out
    }

    /// The label, and the signal that decided it.
    fn label(&self, c: &Commit) -> (Label, String) {
        let mut trap = None;
        for s in self.signals(c) {
            let low = s.to_lowercase();
            if !self.net.is_match(&low) {
                continue;
            }
            if self.unclear.iter().any(|r| r.is_match(&low)) {
                return (Label::Unclear, s);
            }
            if self.ai.iter().any(|r| r.is_match(&low)) {
                return (Label::Ai, s);
            }
            trap.get_or_insert(s);
        }
        match trap {
            Some(s) => (Label::Trap, s),
            None => (Label::Plain, String::new()),
        }
    }
}

struct Commit {
    id: String,
    author: String,
    committer: String,
    message: String,
}

fn commits(dir: &Path, revs: &[&str]) -> Vec<Commit> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "log",
            "--no-merges",
            "--format=%H%x01%an <%ae>%x01%cn <%ce>%x01%B%x02",
        ])
        .args(revs)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git log");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split('\x02')
        .filter_map(|rec| {
            let mut f = rec.trim_start_matches('\n').splitn(4, '\x01');
            Some(Commit {
                id: f.next().filter(|s| !s.is_empty())?.to_string(),
                author: f.next()?.to_string(),
                committer: f.next()?.to_string(),
                message: f.next()?.to_string(),
            })
        })
        .collect()
}

/// A seeded draw of `n` of `items` (all of them when there are fewer),
/// in their order.
fn draw<T>(items: Vec<T>, n: usize, seed: &mut u64) -> Vec<T> {
    if items.len() <= n {
        return items;
    }
    let mut index: Vec<usize> = (0..items.len()).collect();
    for i in 0..n {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let j = i + (*seed % (items.len() - i) as u64) as usize;
        index.swap(i, j);
    }
    let mut keep: Vec<usize> = index[..n].to_vec();
    keep.sort_unstable();
    let mut items: Vec<Option<T>> = items.into_iter().map(Some).collect();
    keep.into_iter().filter_map(|i| items[i].take()).collect()
}

fn fetch(root: &Path, repo: &str) -> PathBuf {
    let dir = root.join(repo.replace('/', "+")).join("repo");
    if dir.exists() {
        return dir;
    }
    eprintln!("cloning {repo} (bare, no file contents)...");
    std::fs::create_dir_all(dir.parent().expect("parent")).expect("mkdir");
    let ok = Command::new("git")
        .args(["clone", "-q", "--bare", "--filter=blob:none"])
        .arg(format!("https://github.com/{repo}"))
        .arg(&dir)
        .status()
        .expect("git clone");
    assert!(ok.success(), "cloning {repo} failed");
    dir
}

#[derive(Default)]
struct Tally {
    ai: usize,
    found: usize,
    human: usize,
    alarms: usize,
}

impl Tally {
    fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {} | {} | {:.1}% | {} | {} |\n",
            self.ai,
            self.found,
            100.0 * self.found as f64 / self.ai.max(1) as f64,
            self.human,
            self.alarms
        )
    }

    fn add(&mut self, o: &Tally) {
        self.ai += o.ai;
        self.found += o.found;
        self.human += o.human;
        self.alarms += o.alarms;
    }
}

/// Control characters out, for a terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(120)
        .collect()
}

/// What the replay found across histories: misses and false alarms.
#[derive(Default)]
struct Found {
    misses: Vec<String>,
    alarms: Vec<String>,
    any_alarms: usize,
}

/// Sample one history's commits afresh, label them, and run the detectors
/// on the sample: its tally.
fn replay(
    h: &History,
    dir: &Path,
    labels: &Labels,
    (detector, any_detector): (&Detector, &Detector),
    seed: &mut u64,
    found: &mut Found,
) -> Tally {
    let mut by: BTreeMap<u8, Vec<(Commit, String)>> = BTreeMap::new();
    for c in commits(dir, h.revs) {
        if c.message.len() > MAX_MESSAGE {
            continue;
        }
        let (label, why) = labels.label(&c);
        let kind = match label {
            Label::Ai => 0,
            Label::Trap => 1,
            Label::Plain => 2,
            Label::Unclear => continue,
        };
        by.entry(kind).or_default().push((c, why));
    }
    let mut t = Tally::default();
    let mut traps = DRAW.1;
    if let Some((key, n)) = h.traps {
        traps = n;
        if let Some(list) = by.get_mut(&1) {
            list.retain(|(_, why)| why.to_lowercase().starts_with(key));
        }
    }
    for (kind, n) in [(0, DRAW.0), (1, traps), (2, DRAW.2)] {
        for (c, why) in draw(by.remove(&kind).unwrap_or_default(), n, seed) {
            let hit = detector.detect(&CommitText {
                author: &c.author,
                committer: &c.committer,
                message: c.message.as_bytes(),
            });
            let short = &c.id[..12];
            if kind == 0 {
                t.ai += 1;
                match hit {
                    Some(_) => t.found += 1,
                    None => found
                        .misses
                        .push(format!("{} {short}: {}", h.repo, clean(&why))),
                }
            } else {
                t.human += 1;
                let any = any_detector.detect(&CommitText {
                    author: &c.author,
                    committer: &c.committer,
                    message: c.message.as_bytes(),
                });
                found.any_alarms += usize::from(any.is_some());
                if let Some(f) = hit {
                    t.alarms += 1;
                    found.alarms.push(format!(
                        "{} {short}: {} ({})",
                        h.repo,
                        clean(&f.evidence),
                        f.tool
                    ));
                }
            }
        }
    }
    t
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone());
    let root = value("--mirrors").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/replay-mirrors"),
        PathBuf::from,
    );
    let fetching = args.iter().any(|a| a == "--fetch");
    let labels = Labels::new();
    let detector = Detector::new(&DetectConfig {
        builtin: true,
        assisted_by: AssistedBy::Tools,
        ..Default::default()
    })
    .expect("catalog");
    let any_detector = Detector::new(&DetectConfig {
        builtin: true,
        assisted_by: AssistedBy::Any,
        ..Default::default()
    })
    .expect("catalog");
    let mut found = Found::default();
    let mut table = String::from(
        "| history | AI-assisted | found | recall | human | false alarms |\n|---|---|---|---|---|---|\n",
    );
    let mut total = Tally::default();
    let mut seed = 20_261_130_u64;
    for h in HISTORIES {
        let dir = if fetching {
            fetch(&root, h.repo)
        } else {
            root.join(h.repo.replace('/', "+")).join("repo")
        };
        if !dir.exists() {
            eprintln!(
                "{} is not at {}: run with --fetch (network) or --mirrors DIR",
                h.repo,
                dir.display()
            );
            std::process::exit(2);
        }
        let t = replay(
            h,
            &dir,
            &labels,
            (&detector, &any_detector),
            &mut seed,
            &mut found,
        );
        table += &t.row(h.repo);
        total.add(&t);
    }
    table += &total.row("all");
    print!("{table}");
    println!("\nmissed ({}):", found.misses.len());
    for m in &found.misses {
        println!("  {m}");
    }
    println!(
        "false alarms ({}; with [detect] assisted-by = \"any\": {}):",
        found.alarms.len(),
        found.any_alarms
    );
    for a in &found.alarms {
        println!("  {a}");
    }
    if let Some(path) = value("--markdown") {
        std::fs::write(&path, &table).expect("write markdown");
    }
}
