//! Regression data: a labelled sample of 920 real commits from six public
//! histories (curl, Charm Crush, Warp, Roo Code, Gemini CLI, git-ai), replayed
//! through the built-in catalog. `tests/data/replay/sample.py` rebuilds the
//! sample and says how the labels were made (by reading each distinct
//! signal, not by this detector). Run with `--nocapture` to see the table the
//! README quotes.

use reviewgate::detect::{AssistedBy, CommitText, DetectConfig, Detector};

#[derive(serde::Deserialize)]
struct Labelled {
    repo: String,
    id: String,
    ai: bool,
    why: String,
    author: String,
    committer: String,
    message: String,
}

fn sample() -> Vec<Labelled> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/replay/commits.jsonl"
    ))
    .expect("sample");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a labelled commit"))
        .collect()
}

fn detector(assisted_by: AssistedBy) -> Detector {
    Detector::new(&DetectConfig {
        builtin: true,
        assisted_by,
        ..Default::default()
    })
    .expect("catalog")
}

#[derive(Default)]
struct Tally {
    ai: usize,
    found: usize,
    human: usize,
    false_alarms: usize,
}

impl Tally {
    /// The README table's row for `name`.
    fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {} | {} | {:.1}% | {} | {} |\n",
            self.ai,
            self.found,
            100.0 * self.found as f64 / self.ai as f64,
            self.human,
            self.false_alarms
        )
    }
}

#[test]
#[expect(clippy::print_stdout, reason = "the table, for --nocapture")]
fn real_histories_recall_and_false_alarms() {
    let commits = sample();
    assert_eq!(commits.len(), 920);
    let d = detector(AssistedBy::Tools);
    let mut by_repo: std::collections::BTreeMap<&str, Tally> = Default::default();
    let mut missed = Vec::new();
    let mut alarms = Vec::new();
    for c in &commits {
        let found = d.detect(&CommitText {
            author: &c.author,
            committer: &c.committer,
            message: c.message.as_bytes(),
        });
        let t = by_repo.entry(&c.repo).or_default();
        if c.ai {
            t.ai += 1;
            if found.is_some() {
                t.found += 1;
            } else {
                missed.push(format!("{} {}: {}", c.repo, &c.id[..12], c.why));
            }
        } else {
            t.human += 1;
            if let Some(f) = found {
                t.false_alarms += 1;
                alarms.push(format!(
                    "{} {}: {} ({})",
                    c.repo,
                    &c.id[..12],
                    f.evidence,
                    f.tool
                ));
            }
        }
    }
    let mut total = Tally::default();
    let mut table = String::from(
        "| history | AI-assisted | found | recall | human | false alarms |\n|---|---|---|---|---|---|\n",
    );
    for (repo, t) in &by_repo {
        table += &t.row(repo);
        total.ai += t.ai;
        total.found += t.found;
        total.human += t.human;
        total.false_alarms += t.false_alarms;
    }
    table += &total.row("all");
    println!("{table}\nmissed:\n{}", missed.join("\n"));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    assert!(
        readme.contains(&table),
        "README must quote this table:\n{table}"
    );
    // The figures the README quotes; a change to the catalog that moves them
    // moves the README too.
    assert_eq!(total.ai, 360);
    assert_eq!(total.human, 560);
    assert_eq!(alarms, Vec::<String>::new(), "false alarms");
    assert_eq!(
        missed.len(),
        MISSED.len(),
        "misses changed:\n{}",
        missed.join("\n")
    );
    for m in MISSED {
        assert!(
            missed.iter().any(|x| x.contains(m)),
            "expected miss {m}:\n{}",
            missed.join("\n")
        );
    }
}

/// The labelled AI commits the catalog does not find, and why: a person's
/// own agent identity, which no catalog can know (a project adds it with
/// `[detect] identities`), and a sign-off a model wrote in prose.
const MISSED: &[&str] = &[
    "059ba81fe7c3: author joestump-agent",
    "07e054466c95: author joestump-agent",
    "a09cb3668c28: author joestump-agent",
    "bc8ff341a02f: author joestump-agent",
    "fed86b00bab5: author joestump-agent",
    "a6e9bcb52df3: trailer signed-off-by: Gemini, your friendly neighborhood code agent.",
];

#[test]
fn curls_assisted_by_people_are_not_flagged_but_were_under_the_old_rule() {
    let commits = sample();
    let people: Vec<&Labelled> = commits
        .iter()
        .filter(|c| c.repo == "curl/curl" && !c.ai && c.why.to_lowercase().contains("assisted-by"))
        .collect();
    assert!(people.len() >= 100, "{}", people.len());
    let now = detector(AssistedBy::Tools);
    let any = detector(AssistedBy::Any);
    let flagged = |d: &Detector| {
        people
            .iter()
            .filter(|c| {
                d.detect(&CommitText {
                    author: &c.author,
                    committer: &c.committer,
                    message: c.message.as_bytes(),
                })
                .is_some()
            })
            .count()
    };
    assert_eq!(flagged(&now), 0);
    assert_eq!(flagged(&any), people.len(), "every one, under \"any\"");
}
