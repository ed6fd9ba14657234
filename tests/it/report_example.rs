//! The report of a public-looking example (six months of a payments API:
//! five engineers, six AI tools, reviews in pull requests and in trailers,
//! a sign-off rule for juniors' AI-assisted commits), generated, reported,
//! and held to what the docs and the README show; its HTML page rendered by
//! headless Chromium, as a browser shows it.

use std::path::Path;

use crate::history::{c, import, C};
use crate::util::{self, cli, Rng};

const PEOPLE: [(&str, &str); 5] = [
    ("Alice Chen", "alice@acme.example"),
    ("Bob Okafor", "bob@acme.example"),
    ("Carol Diaz", "carol@acme.example"),
    ("Dan Kim", "dan@acme.example"),
    ("Erin Park", "erin@acme.example"),
];

/// How each tool marks its commits.
const TOOLS: [&str; 7] = [
    "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
    "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>",
    "Co-Authored-By: Claude <noreply@anthropic.com>",
    "Co-authored-by: aider (gpt-4o) <aider@aider.chat>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
    "Assisted-by: Crush:glm-5.2",
    "Co-authored-by: Codex <noreply@openai.com>",
];

const POLICY: &str = "[groups]
seniors = [\"alice@acme.example\", \"bob@acme.example\"]
juniors = [\"dan@acme.example\", \"erin@acme.example\"]

[[protect]]
refs = [\"@default\", \"refs/heads/release/*\"]
review = \"ai\"

[review]
merges-cover = true

[[signoff]]
name = \"seniors\"
authors = [\"@juniors\"]
commits = \"ai\"
reviewers = [\"@seniors\"]
";

const SUBJECTS: [&str; 12] = [
    "Add idempotency keys to refunds",
    "Retry webhook delivery with backoff",
    "Validate currency codes",
    "Cache exchange rates",
    "Fix rounding in fee calculation",
    "Add ledger export",
    "Tighten card token checks",
    "Log settlement batches",
    "Speed up invoice search",
    "Handle partial captures",
    "Add payout schedule API",
    "Refactor fraud score client",
];

/// Who reviews a change by `email`, if anyone: mostly a senior (never
/// oneself), sometimes a peer.
fn pick_reviewer(
    rng: &mut Rng,
    email: &str,
    percent: usize,
) -> Option<(&'static str, &'static str)> {
    if rng.below(100) >= percent {
        return None;
    }
    let senior = if email == PEOPLE[0].1 {
        1
    } else {
        rng.below(3) % 2
    };
    Some(if rng.below(100) < 15 {
        PEOPLE[2]
    } else {
        PEOPLE[senior]
    })
}

/// Six months, June to November 2026; AI-assisted work grows and reviews
/// catch up. Every third change arrives as a reviewed pull-request merge.
fn example() -> Vec<C> {
    let mut rng = Rng(2026);
    let mut out = vec![C {
        policy: Some(POLICY.into()),
        author: (PEOPLE[0].0.into(), PEOPLE[0].1.into()),
        ..c(
            "root",
            "2026-06-01",
            &[],
            "Add reviewgate policy\n\nReviewed-by: Bob Okafor <bob@acme.example>\n".into(),
        )
    }];
    let mut tip = "root".to_string();
    let months = ["06", "07", "08", "09", "10", "11"];
    for (m, month) in months.iter().enumerate() {
        let ai_percent = 20 + 10 * m;
        let reviewed_percent = 55 + 8 * m;
        for day in 2..=28 {
            if rng.below(100) < 25 {
                continue;
            }
            let n = out.len();
            let (name, email) = PEOPLE[rng.below(5)];
            let subject = SUBJECTS[rng.below(SUBJECTS.len())];
            let ai = rng.below(100) < ai_percent;
            let mut trailers = Vec::new();
            if ai {
                trailers.push(TOOLS[rng.below(TOOLS.len())].to_string());
            }
            let date = format!("2026-{month}-{day:02}");
            let reviewer = pick_reviewer(&mut rng, email, reviewed_percent);
            let mark = format!("c{n}");
            let by_merge = n % 3 == 0;
            if let (Some((rn, re)), false) = (reviewer, by_merge) {
                trailers.push(format!("Reviewed-by: {rn} <{re}>"));
            }
            let body = format!(
                "{subject}\n\nPart of the {month}/2026 work.\n\n{}\n",
                trailers.join("\n")
            );
            let mut commit = C {
                author: (name.into(), email.into()),
                ..c(&mark, &date, &[&tip], body)
            };
            if by_merge {
                // A pull request: its commit on a branch, then a merge
                // commit carrying the review.
                commit.branch = format!("refs/heads/pr-{n}");
                commit.time -= 3600;
                out.push(commit);
                let merge = format!("m{n}");
                let review = reviewer
                    .filter(|(_, re)| *re != email)
                    .map(|(rn, re)| format!("\n\nReviewed-by: {rn} <{re}>"))
                    .unwrap_or_default();
                out.push(C {
                    author: (PEOPLE[1].0.into(), PEOPLE[1].1.into()),
                    ..c(
                        &merge,
                        &date,
                        &[&tip, &mark],
                        format!("Merge pull request #{n} from acme/pr-{n}{review}\n"),
                    )
                });
                tip = merge;
            } else {
                out.push(commit);
                tip = mark;
            }
        }
    }
    out
}

/// Build the example and pin its clock (the report's date).
fn example_repo(root: &Path) -> std::path::PathBuf {
    let (repo, _) = import(root, &example());
    let mut g = util::git_cmd(&repo);
    g.args(["config", "reviewgate.now", "2026-12-01T09:00:00Z"]);
    util::ok(g);
    repo
}

fn docs(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name)
}

/// Compare with the committed file, or write it (`UPDATE_SNAPSHOTS=1`).
fn held(path: &Path, got: &str) {
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, got).expect("write");
    }
    let want = std::fs::read_to_string(path).expect("the example (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(
        got,
        want,
        "{} is not what the report prints now (UPDATE_SNAPSHOTS=1)",
        path.display()
    );
}

fn report(repo: &Path, args: &[&str]) -> String {
    let mut all = vec!["report", "--repo", repo.to_str().expect("utf-8")];
    all.extend(args);
    let (code, out) = cli(repo, &all);
    assert_eq!(code, 0, "{out}");
    // The path of a temporary directory, as the docs show it.
    out.replace(
        &repo.display().to_string(),
        "/srv/git/acme/payments-api.git",
    )
}

/// docs/report-example.txt, docs/report-example.html and the README's
/// example are what the report prints for the example now.
#[test]
fn the_documented_example_is_real() {
    let root = tempfile::tempdir().expect("tempdir");
    let repo = example_repo(root.path());
    let text = report(&repo, &[]);
    held(&docs("report-example.txt"), &text);
    let html = report(&repo, &["--format", "html"]);
    held(&docs("report-example.html"), &html);
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    assert!(
        readme.contains(&text),
        "the README's report example must be docs/report-example.txt, verbatim"
    );
}

/// The example's HTML page in a real browser: headless Chromium renders it
/// (no network), its DOM has the charts' elements (a bar and a point per
/// period, a bar per tool), no console message, and the screenshot is a
/// PNG of the window's size (written to docs/ with UPDATE_SNAPSHOTS=1).
#[test]
fn the_html_report_renders_in_chromium() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        util::skip_or_fail(
            "the_html_report_renders_in_chromium",
            "chromium is not installed",
        );
        return;
    };
    let root = tempfile::tempdir().expect("tempdir");
    let repo = example_repo(root.path());
    let page = root.path().join("report.html");
    std::fs::write(&page, report(&repo, &["--format", "html"])).expect("write the page");
    let json: serde_json::Value =
        serde_json::from_str(&report(&repo, &["--format", "json"])).expect("json");
    let periods = json["periods"].as_array().expect("periods").len();
    let tools = json["tools"].as_array().expect("tools").len().min(12);
    let browse = |extra: &[&str]| {
        let mut c = std::process::Command::new(chromium);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--window-size=1000,2200",
        ])
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .env("HOME", root.path());
        let out = c.output().expect("run chromium");
        assert!(
            out.status.success(),
            "chromium: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let dom = browse(&["--dump-dom"]);
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let count = |needle: &str| dom_text.matches(needle).count();
    assert_eq!(count("<svg id=\"chart-share\""), 1, "{dom_text}");
    assert_eq!(count("<svg id=\"chart-tools\""), 1);
    assert_eq!(count("class=\"bar-ai\""), periods);
    assert_eq!(count("class=\"point-coverage\""), periods);
    assert_eq!(count("class=\"line-coverage\""), 1);
    assert_eq!(count("class=\"bar-tool\""), tools);
    assert!(count("<script") == 0 && count("<link") == 0 && count(" src=") == 0);
    let shot = root.path().join("report.png");
    let run = browse(&[&format!("--screenshot={}", shot.display())]);
    let log = String::from_utf8_lossy(&run.stderr);
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let png = std::fs::read(&shot).expect("screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let dim = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!(
        (dim(16), dim(20)),
        (1000, 2200),
        "the IHDR's width and height"
    );
    assert!(
        png.len() > 30_000,
        "a rendered page, not a blank one: {} bytes",
        png.len()
    );
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::copy(&shot, docs("report-example.png")).expect("copy");
    }
}
