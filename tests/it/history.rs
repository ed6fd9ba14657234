//! `reviewgate report` and `reviewgate policy test` on histories whose
//! every count is known: each tool, reviewed and not, a self-review, a
//! reviewed merge covering a branch, a squash whose AI evidence is only in
//! its pull request, and a policy that changes mid-window.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{self, cli, git_cmd, ok, Setup, Transport, CLAUDE, REVIEW_ANN};

/// The policy in force first: it protects only release branches.
const POLICY_V1: &str = "[[protect]]\nrefs = [\"refs/heads/release/*\"]\n";

/// The policy from February on: main needs review of AI-assisted commits,
/// a reviewed merge covers what it merges, and a sign-off rule whose
/// reviewers are the seniors (it applies to nobody's commits: only its
/// reviewers' load is reported).
const POLICY_V2: &str = "[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n\n[review]\nmerges-cover = true\n\n[[signoff]]\nname = \"seniors\"\nauthors = [\"nobody@example.com\"]\nreviewers = [\"bob@example.com\"]\n";

const BOB: &str = "Reviewed-by: Bob Stone <bob@example.com>";

/// One commit of a generated history (`import` writes it).
pub struct C {
    pub mark: String,
    /// Committer and author time (seconds).
    pub time: i64,
    pub parents: Vec<String>,
    pub author: (String, String),
    pub message: String,
    pub policy: Option<String>,
    /// The ref fast-import writes it on.
    pub branch: String,
}

/// Noon UTC on `date` (`2026-01-05`).
pub fn noon(date: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .expect("date")
        .and_hms_opt(12, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp()
}

pub fn c(mark: &str, date: &str, parents: &[&str], message: String) -> C {
    C {
        mark: mark.to_string(),
        time: noon(date),
        parents: parents.iter().map(|p| p.to_string()).collect(),
        author: ("Dev Eloper".into(), "dev@example.com".into()),
        message,
        policy: None,
        branch: "refs/heads/main".into(),
    }
}

fn ai(subject: &str, trailers: &[&str]) -> String {
    let mut m = format!("{subject}\n\nA change.\n\n");
    for t in trailers {
        m.push_str(t);
        m.push('\n');
    }
    m
}

/// The history, in the order fast-import writes it. Marks are the names
/// the tests use.
#[expect(clippy::too_many_lines, reason = "the history, one commit per entry")]
fn history() -> Vec<C> {
    vec![
        C {
            policy: Some(POLICY_V1.into()),
            ..c(
                "J1",
                "2026-01-05",
                &[],
                format!("Add policy\n\n{REVIEW_ANN}\n"),
            )
        },
        c("J2", "2026-01-10", &["J1"], ai("Add parser", &[CLAUDE])),
        c("J3", "2026-01-12", &["J2"], "Fix typo\n".into()),
        c(
            "J4",
            "2026-01-20",
            &["J3"],
            ai(
                "Add retries",
                &[
                    "Co-authored-by: aider (gpt-4o) <aider@aider.chat>",
                    REVIEW_ANN,
                ],
            ),
        ),
        // A branch from January, merged in February by a reviewed merge.
        C {
            branch: "refs/heads/side".into(),
            ..c("S1", "2026-01-25", &["J4"], ai("Side one", &[CLAUDE]))
        },
        C {
            branch: "refs/heads/side".into(),
            ..c("S2", "2026-01-28", &["S1"], ai("Side two", &[CLAUDE]))
        },
        C {
            policy: Some(POLICY_V2.into()),
            ..c(
                "F1",
                "2026-02-02",
                &["J4"],
                format!("Protect main\n\n{REVIEW_ANN}\n"),
            )
        },
        c(
            "F2",
            "2026-02-05",
            &["F1"],
            ai(
                "Add cache",
                &[
                    "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
                    BOB,
                ],
            ),
        ),
        C {
            author: ("Dana Diaz".into(), "dana@example.com".into()),
            ..c(
                "F3",
                "2026-02-10",
                &["F2"],
                ai(
                    "Tune pool",
                    &[
                        "Assisted-by: Crush:glm-5.2",
                        "Reviewed-by: Dana Diaz <dana@example.com>",
                    ],
                ),
            )
        },
        c(
            "F4",
            "2026-02-15",
            &["F3", "S2"],
            format!("Merge branch 'side'\n\n{REVIEW_ANN}\n"),
        ),
        c("M1", "2026-03-01", &["F4"], "Update docs\n".into()),
        c("M2", "2026-03-03", &["M1"], ai("Add metrics", &[CLAUDE])),
        c(
            "M3",
            "2026-03-05",
            &["M2"],
            ai("Add alerts", &[CLAUDE, BOB]),
        ),
        // Pull request #7's own commit, and its squash on main.
        C {
            branch: "refs/pull/7/head".into(),
            ..c("P1", "2026-03-06", &["M3"], ai("WIP cache", &[CLAUDE]))
        },
        c("M4", "2026-03-07", &["M3"], "Add cache layer (#7)\n".into()),
    ]
}

/// A bare repository holding the history: main at M4, the pull request's
/// head at refs/pull/7/head. Returns the repository and each mark's id.
fn build(root: &Path) -> (PathBuf, HashMap<String, String>) {
    import(root, &history())
}

/// Write `commits` into a new bare repository with `git fast-import`; the
/// repository and each mark's commit id.
pub fn import(root: &Path, commits: &[C]) -> (PathBuf, HashMap<String, String>) {
    let repo = root.join("srv.git");
    ok({
        let mut g = git_cmd(root);
        g.args(["init", "-q", "--bare", "-b", "main"]).arg(&repo);
        g
    });
    let index: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(n, k)| (k.mark.as_str(), n + 1))
        .collect();
    let mut stream = String::new();
    for (n, k) in commits.iter().enumerate() {
        let (name, email) = &k.author;
        let when = k.time;
        stream.push_str(&format!("commit {}\nmark :{}\n", k.branch, n + 1));
        stream.push_str(&format!(
            "author {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n"
        ));
        stream.push_str(&format!("data {}\n{}\n", k.message.len(), k.message));
        for (i, p) in k.parents.iter().enumerate() {
            let verb = if i == 0 { "from" } else { "merge" };
            stream.push_str(&format!("{verb} :{}\n", index[p.as_str()]));
        }
        let body = format!("{}\n", k.mark);
        // A bounded tree: fast-import rewrites the folder for each commit.
        let path = format!("src/{}.txt", n % 64);
        stream.push_str(&format!(
            "M 644 inline {path}\ndata {}\n{body}\n",
            body.len()
        ));
        if let Some(p) = &k.policy {
            stream.push_str(&format!(
                "M 644 inline .reviewgate.toml\ndata {}\n{p}\n",
                p.len()
            ));
        }
    }
    let marks_file = root.join("marks");
    let mut g = git_cmd(&repo);
    g.args(["fast-import", "--quiet"])
        .arg(format!("--export-marks={}", marks_file.display()));
    util::feed_ok(g, stream.as_bytes());
    let marks = std::fs::read_to_string(&marks_file).expect("marks");
    let ids = marks
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(m, id)| {
            let n: usize = m.trim_start_matches(':').parse().expect("mark");
            (commits[n - 1].mark.clone(), id.to_string())
        })
        .collect();
    (repo, ids)
}

fn report(repo: &Path, args: &[&str]) -> String {
    let mut all = vec!["report", "--repo", repo.to_str().expect("utf-8")];
    all.extend(args);
    let (code, out) = cli(repo, &all);
    assert_eq!(code, 0, "{out}");
    out
}

fn json(repo: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    serde_json::from_str(&report(repo, &all)).expect("the report is JSON")
}

fn row<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .find(|c| c["commit"] == id)
        .unwrap_or_else(|| panic!("no row for {id}"))
}

/// The whole history by the tip's policy, number by number.
#[test]
fn known_counts_in_json() {
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, id) = build(root.path());
    let r = json(&repo, &[]);
    assert_eq!(r["schema"], "reviewgate-report");
    assert_eq!(r["version"], 1);
    assert_eq!(r["ref"], "refs/heads/main");
    assert_eq!(r["tip"], id["M4"].as_str());
    let t = &r["totals"];
    let want = [
        ("commits", 14),
        ("ai", 9),
        ("ai_reviewed", 5),
        ("ai_unreviewed", 4),
        ("reviewed", 8),
        ("rejected", 4),
        ("ai_from_pull_request", 1),
    ];
    for (k, n) in want {
        assert_eq!(t[k], n, "totals.{k}: {t}");
    }
    // Per month: the side branch's January commits count in February,
    // when the reviewed merge brought them.
    let periods: Vec<(String, u64, u64, u64, u64, u64)> = r["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| {
            let n = |k: &str| p[k].as_u64().expect(k);
            (
                p["period"].as_str().expect("period").to_string(),
                n("commits"),
                n("ai"),
                n("ai_reviewed"),
                n("ai_unreviewed"),
                n("ai_from_pull_request"),
            )
        })
        .collect();
    assert_eq!(
        periods,
        vec![
            ("2026-01".into(), 4, 2, 1, 1, 0),
            ("2026-02".into(), 6, 4, 3, 1, 0),
            ("2026-03".into(), 4, 3, 1, 2, 1),
        ]
    );
    assert_eq!(r["periods"][1]["ai_share"], 0.6667);
    assert_eq!(r["periods"][1]["review_coverage"], 0.75);
}

/// By tool and model, by reviewer, and the sign-off rule's reviewers' share.
#[test]
fn known_tools_and_reviewers() {
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, _) = build(root.path());
    let r = json(&repo, &[]);
    let tools: Vec<(String, Option<String>, u64, u64)> = r["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| {
            (
                t["tool"].as_str().expect("tool").to_string(),
                t["model"].as_str().map(String::from),
                t["commits"].as_u64().expect("n"),
                t["reviewed"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        tools,
        vec![
            // M4 inherits its pull request's commit's evidence.
            ("Claude Code".into(), None, 6, 3),
            ("Aider".into(), Some("gpt-4o".into()), 1, 1),
            ("Charm Crush".into(), Some("glm-5.2".into()), 1, 0),
            ("Claude Code".into(), Some("Claude Opus 4.6".into()), 1, 1),
        ]
    );
    // Reviewers, and the seniors' share per month.
    assert_eq!(
        r["reviewers"],
        serde_json::json!([
            {"email": "ann@example.com", "ai_commits": 3},
            {"email": "bob@example.com", "ai_commits": 2}
        ])
    );
    let seniors: Vec<(u64, f64)> = r["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| {
            let s = &p["signoff"][0];
            assert_eq!(s["rule"], "seniors");
            (
                s["ai_reviewed"].as_u64().expect("n"),
                s["share"].as_f64().expect("f"),
            )
        })
        .collect();
    assert_eq!(seniors, vec![(0, 0.0), (1, 0.25), (1, 0.3333)]);
}

/// The impact preview, and what each commit was decided.
#[test]
fn known_rules_and_rows() {
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, id) = build(root.path());
    let r = json(&repo, &[]);
    assert_eq!(
        r["rules"],
        serde_json::json!([
            {"rule": "ai-unreviewed", "severity": "error", "commits": 3},
            {"rule": "self-review", "severity": "error", "commits": 1}
        ])
    );
    let j2 = row(&r, &id["J2"]);
    assert_eq!(j2["ai"], true);
    assert_eq!(j2["reviewed"], false);
    assert_eq!(j2["rules"], serde_json::json!(["ai-unreviewed"]));
    assert_eq!(j2["date"], "2026-01-10T12:00:00Z");
    let s1 = row(&r, &id["S1"]);
    assert_eq!(s1["reviewed"], true, "{s1}");
    assert_eq!(s1["covered_by"], id["F4"].as_str());
    assert_eq!(s1["reviewers"], serde_json::json!(["ann@example.com"]));
    assert_eq!(s1["period"], "2026-02");
    assert_eq!(s1["brought_by"], id["F4"].as_str());
    let f3 = row(&r, &id["F3"]);
    assert_eq!(f3["rules"], serde_json::json!(["self-review"]));
    assert_eq!(f3["reviewers"], serde_json::json!([]));
    let m4 = row(&r, &id["M4"]);
    assert_eq!(
        (m4["ai"].clone(), m4["evidence"].clone()),
        (Value::Bool(true), "pull-request".into())
    );
    let j3 = row(&r, &id["J3"]);
    assert_eq!(
        (j3["ai"].clone(), j3["rules"].clone()),
        (Value::Bool(false), serde_json::json!([]))
    );
    // Newest first; the pull request's own commit is not on main.
    assert_eq!(r["commits"][0]["commit"], id["M4"].as_str());
    assert!(r["commits"]
        .as_array()
        .expect("rows")
        .iter()
        .all(|c| c["commit"] != id["P1"].as_str()));
    assert_eq!(
        r["recent_unreviewed"],
        serde_json::json!([id["M4"], id["M2"], id["F3"], id["J2"]])
    );
}

/// The policy that was in force in January (main unprotected) would reject
/// nothing; AI-assisted commits are the same, and without merge coverage
/// the merged branch's commits count as unreviewed.
#[test]
fn another_policy_previews_its_impact() {
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, _) = build(root.path());
    let v1 = root.path().join("v1.toml");
    std::fs::write(&v1, POLICY_V1).expect("write");
    let r = json(&repo, &["--policy", v1.to_str().expect("utf-8")]);
    assert_eq!(r["totals"]["rejected"], 0);
    assert_eq!(r["rules"], serde_json::json!([]));
    assert_eq!(r["totals"]["ai"], 9);
    assert_eq!(r["totals"]["ai_reviewed"], 3, "{}", r["totals"]);
    assert!(r["policy"]["source"]
        .as_str()
        .expect("source")
        .contains("v1.toml"));
}

/// A window: February only; the merge brings the side branch with it.
#[test]
fn a_window_counts_what_reached_the_branch_in_it() {
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, id) = build(root.path());
    let r = json(&repo, &["--since", "2026-02-01", "--until", "2026-02-28"]);
    assert_eq!(r["base"], id["J4"].as_str());
    assert_eq!(r["tip"], id["F4"].as_str());
    assert_eq!(r["totals"]["commits"], 6);
    assert_eq!(r["totals"]["ai"], 4);
    assert_eq!(r["periods"].as_array().expect("periods").len(), 1);
    let by_day = json(
        &repo,
        &[
            "--since",
            "2026-02-01",
            "--until",
            "2026-02-28",
            "--by",
            "day",
        ],
    );
    let days: Vec<&str> = by_day["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| p["period"].as_str().expect("period"))
        .collect();
    assert_eq!(
        days,
        ["2026-02-02", "2026-02-05", "2026-02-10", "2026-02-15"]
    );
    let by_week = json(&repo, &["--by", "week", "--since", "2026-03-01"]);
    assert_eq!(by_week["periods"][0]["period"], "2026-W09");
}

/// The same numbers in CSV, row by row, and in the text summary.
#[test]
fn csv_and_text_say_the_same() {
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, id) = build(root.path());
    let csv = report(&repo, &["--format", "csv"]);
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    for col in [
        "commit",
        "date",
        "author",
        "ai",
        "tool",
        "model",
        "reviewed",
        "reviewers",
        "rules",
    ] {
        assert!(header.split(',').any(|h| h == col), "{col} in {header}");
    }
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 14);
    let cols: Vec<&str> = header.split(',').collect();
    let field = |line: &str, name: &str| -> String {
        let i = cols.iter().position(|c| *c == name).expect("column");
        line.split(',').nth(i).expect("field").to_string()
    };
    let ai = rows.iter().filter(|l| field(l, "ai") == "true").count();
    let unreviewed = rows
        .iter()
        .filter(|l| field(l, "ai") == "true" && field(l, "reviewed") == "false")
        .count();
    assert_eq!((ai, unreviewed), (9, 4));
    let f2 = rows
        .iter()
        .find(|l| l.starts_with(&id["F2"]))
        .expect("F2 row");
    assert_eq!(field(f2, "model"), "Claude Opus 4.6");
    assert_eq!(field(f2, "reviewers"), "bob@example.com");
    assert_eq!(field(f2, "date"), "2026-02-05T12:00:00Z");
    let text = report(&repo, &[]);
    for want in [
        "14 commits, 9 AI-assisted (64.3%): 5 with a valid review (55.6%), 4 without",
        "2026-02           6      4   66.7%         3           1        0",
        "Impact: enforced now, the policy would reject 4 commit(s); by rule: ai-unreviewed 3, self-review 1",
        "ann@example.com",
        "seniors",
        &format!(
            "{} 2026-03-07 Dev Eloper <dev@example.com>  Add cache layer (#7)",
            &id["M4"][..12]
        ),
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

/// `--output` writes the file and says what is in it; a bad date is a
/// clear error.
#[test]
fn output_file_and_bad_dates() {
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, _) = build(root.path());
    let out = root.path().join("r.html");
    let said = report(
        &repo,
        &["--format", "html", "--output", out.to_str().expect("utf-8")],
    );
    assert!(
        said.contains("14 commits, 9 AI-assisted, 4 of them without a valid review"),
        "{said}"
    );
    let html = std::fs::read_to_string(&out).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script") && !html.contains(" src=") && !html.contains("<link"));
    let (code, text) = cli(&repo, &["report", "--since", "last tuesday"]);
    assert_ne!(code, 0);
    assert!(text.contains("expected a date (2026-01-01)"), "{text}");
}

/// The JSON document's shape (keys and types, not values) is a snapshot:
/// a change to it is a schema change, and needs a version bump.
#[test]
fn json_schema_snapshot() {
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, _) = build(root.path());
    let r = json(&repo, &[]);
    let mut shape = Vec::new();
    describe(&r, "", &mut shape);
    shape.sort();
    shape.dedup();
    let got = shape.join("\n") + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/report-schema.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &got).expect("write snapshot");
    }
    let want = std::fs::read_to_string(&path).expect("snapshot (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(got, want, "the report's JSON schema changed: bump history::SCHEMA_VERSION and docs/report.md, then UPDATE_SNAPSHOTS=1");
}

fn describe(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                describe(x, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(a) => {
            out.push(format!("{at}: array"));
            for x in a {
                describe(x, &format!("{at}[]"), out);
            }
        }
        Value::Null => out.push(format!("{at}: null")),
        Value::Bool(_) => out.push(format!("{at}: bool")),
        Value::Number(n) if n.is_f64() => out.push(format!("{at}: number")),
        Value::Number(_) => out.push(format!("{at}: integer")),
        Value::String(_) => out.push(format!("{at}: string")),
    }
}

/// `policy test`: the pushes the audit log recorded, re-judged. A stricter
/// reviewer list flips an accepted push; warn mode flips a rejected one.
#[test]
fn policy_test_names_the_flips() {
    let s = Setup::with_policy(
        Transport::Path,
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n",
    );
    let reviewed = s
        .client
        .commit(&util::ai_message("Reviewed by Ann", &[REVIEW_ANN]));
    util::accepted(&s.client.push(&["main"]));
    // The refused commit's objects stay on the server through an
    // unprotected branch (a refused push's own objects are discarded).
    s.client.commit(&util::ai_message("Nobody reviewed", &[]));
    util::accepted(&s.client.push(&["HEAD:refs/heads/wip"]));
    util::rejected(&s.client.push(&["main"]), "ai-unreviewed");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.commit("Human change\n");
    util::accepted(&s.client.push(&["main"]));
    let dir = s.server.dir.clone();
    let new = dir.join("bob-only.toml");
    std::fs::write(
        &new,
        "[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n\n[review]\nreviewers = [\"bob@example.com\"]\n",
    )
    .expect("write");
    let (code, text) = cli(&dir, &["policy", "test", new.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{text}");
    let short = &reviewed[..7];
    for want in [
        "Re-judged 4 ref update(s) from 4 audit record(s)",
        ": accepted -> rejected",
        &format!("would be rejected by reviewer-not-allowed: commit(s) {short}"),
        "Totals: 1 would flip (1 accepted -> rejected, 0 rejected -> accepted); 3 unchanged.",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let warn = "mode = \"warn\"\n[[protect]]\nrefs = [\"@default\"]\nreview = \"ai\"\n";
    std::fs::write(dir.join("warn.toml"), warn).expect("write");
    let (code, out) = cli(&dir, &["policy", "test", "warn.toml", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let w: Value = serde_json::from_str(&out).expect("json");
    let flipped = (&w["newly_accepted"], &w["newly_rejected"]);
    assert_eq!(flipped, (&1.into(), &0.into()));
    let commits = &w["flips"][0]["before"]["rules"]["ai-unreviewed"];
    assert_eq!(commits.as_array().map(Vec::len), Some(1));
    assert_eq!(w["rules_before"]["ai-unreviewed"], 1);
    // Nothing recorded is as recent as the window's start.
    let (_, out) = cli(
        &dir,
        &["policy", "test", "warn.toml", "--since", "2099-01-01"],
    );
    assert!(
        out.contains("Re-judged 0 ref update(s) from 0 audit record(s)"),
        "{out}"
    );
    let (code, out) = cli(&s.client.dir, &["policy", "test", "warn.toml"]);
    assert!(
        code != 0 && out.contains("the audit log lives on the server"),
        "in a clone: {out}"
    );
}

/// docs/report.md names every key of the JSON document and every CSV
/// column.
#[test]
fn the_docs_name_every_key_and_column() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.md"))
            .expect("docs/report.md");
    let shape = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/report-schema.txt"),
    )
    .expect("snapshot");
    let mut checked = 0;
    for line in shape.lines() {
        let path = line.split(':').next().expect("path");
        let key = path.rsplit('.').next().expect("key").trim_end_matches("[]");
        assert!(
            docs.contains(&format!("`{key}`")),
            "docs/report.md does not name `{key}`"
        );
        checked += 1;
    }
    let root = tempfile::tempdir().expect("tempdir");
    let (repo, _) = build(root.path());
    let csv = report(&repo, &["--format", "csv"]);
    let header = csv.lines().next().expect("header");
    let columns = docs.split("### CSV").nth(1).expect("a CSV section");
    for col in header.split(',') {
        assert!(
            columns.contains(&format!("`{col}`")),
            "docs/report.md's CSV section lacks `{col}`"
        );
        checked += 1;
    }
    assert!(checked > 80, "{checked}");
}

/// A long history shows its progress on a terminal's stderr, and nothing
/// when stderr is not a terminal (`script` gives the command a terminal).
#[test]
fn progress_only_on_a_terminal() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut commits = vec![c("c0", "2026-01-01", &[], "First\n".into())];
    for n in 1..5000 {
        let (mark, parent) = (format!("c{n}"), format!("c{}", n - 1));
        commits.push(C {
            time: noon("2026-01-01") + n * 60,
            ..c(&mark, "2026-01-01", &[&parent], format!("Change {n}\n"))
        });
    }
    let (repo, _) = import(root.path(), &commits);
    let repo_arg = repo.to_str().expect("utf-8");
    let out = util::run({
        let mut c = std::process::Command::new(util::CLI);
        util::hermetic(&mut c, root.path());
        c.args(["report", "--repo", repo_arg, "--format", "csv"]);
        c
    });
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "not a terminal: no progress"
    );
    let line = format!(
        "{} report --repo {repo_arg} --format csv > /dev/null",
        util::CLI
    );
    let out = util::run({
        let mut c = std::process::Command::new("script");
        util::hermetic(&mut c, root.path());
        c.args(["-qec", &line, "/dev/null"]);
        c
    });
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("reading history: 4096 commits"), "{shown:?}");
    assert!(
        shown.contains("\x1b[K"),
        "the line is cleared at the end: {shown:?}"
    );
}
