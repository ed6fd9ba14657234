//! Instruction and memory budgets: each budgeted push of the smoke
//! repositories run once under `valgrind --tool=cachegrind --cache-sim=no`,
//! its instruction count ("I refs", which machine noise does not move)
//! compared with the budget in `bench/budgets.toml`; and the pushes with a
//! heap budget run once more under `valgrind --tool=massif` on one thread,
//! their peak heap (the bytes malloc holds at the highest point, exactly:
//! `--peak-inaccuracy=0`) compared with theirs. CI runs this (`--budgets bench/budgets.toml`): a
//! change that needs more says so in its commit and raises the budget there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

/// The budget file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    /// How far above its budget a count may be (0.03: 3 %).
    pub tolerance: f64,
    #[serde(rename = "budget")]
    pub budgets: Vec<Budget>,
    /// How far above its budget a peak heap may be (0.05: 5 %).
    pub heap_tolerance: f64,
    #[serde(rename = "heap")]
    pub heaps: Vec<HeapBudget>,
}

/// One push's peak heap budget.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeapBudget {
    /// The scenario's key (see [`super::budget_pushes`]).
    pub scenario: String,
    /// The most heap the push may hold at once, in KiB.
    pub peak_kib: u64,
    /// The same push's peak at the fixed reference build (for the record).
    #[serde(default)]
    pub reference: Option<u64>,
}

/// One budgeted push.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// The scenario's key (see [`super::budget_pushes`]).
    pub scenario: String,
    /// Instructions the push may take.
    pub instructions: u64,
    /// The same push's count at the fixed reference build, when it could
    /// run there (for the record; not checked).
    #[serde(default)]
    pub reference: Option<u64>,
}

/// A push to count: the repository, the hook's input, whether it is refused.
pub struct Push {
    pub key: &'static str,
    pub what: String,
    pub dir: PathBuf,
    pub stdin: String,
    pub pinned_policy: Option<PathBuf>,
    /// Whether the hook must refuse it (else accept): a count of a hook
    /// that failed early would be a budget met for nothing.
    pub refused: bool,
}

/// `hook` run on `push` under valgrind with `tool` (its arguments): what
/// valgrind printed, once the hook accepted or refused as it should.
fn under_valgrind(tool: &[&str], hook: &str, push: &Push, env: &[(&str, &str)]) -> String {
    let mut c = Command::new("valgrind");
    c.args(tool)
        .arg(hook)
        .current_dir(&push.dir)
        // A clean environment: the count is the same wherever it runs.
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C")
        .env("GIT_DIR", &push.dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", &push.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .envs(env.iter().copied());
    let mut child = c
        .spawn()
        .expect("valgrind (Debian package valgrind) runs the budgets");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        let _ = stdin.write_all(push.stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("valgrind");
    let text = String::from_utf8_lossy(&out.stderr);
    // valgrind exits with the hook's own status.
    let want = i32::from(push.refused);
    assert_eq!(
        out.status.code(),
        Some(want),
        "{}: the hook should {} this push; it said:\n{text}",
        push.key,
        if push.refused { "refuse" } else { "accept" }
    );
    text.into_owned()
}

/// The instructions `hook` takes on `push`, under cachegrind.
pub fn count(hook: &str, push: &Push) -> u64 {
    let text = under_valgrind(
        &[
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
        ],
        hook,
        push,
        &[],
    );
    text.lines()
        .find_map(|l| {
            let rest = l.split_once("I")?.1.trim_start();
            let n = rest.strip_prefix("refs:")?;
            n.trim().replace(',', "").parse().ok()
        })
        .unwrap_or_else(|| panic!("no instruction count from valgrind:\n{text}"))
}

/// The peak heap (KiB) `hook` holds on `push`: the largest of massif's
/// snapshots (heap plus malloc's own overhead), its peak taken exactly. On
/// one thread (`REVIEWGATE_THREADS=1`): with two, the peak moves with how
/// they interleave (2,849 to 3,171 KiB in six runs of the 10,000 commits);
/// on one, runs agree to the KiB. What the second thread adds, the commits
/// in flight, is bounded by count and bytes in the walk itself.
pub fn peak_heap(hook: &str, push: &Push) -> u64 {
    let out = std::env::temp_dir().join(format!("reviewgate-massif-{}", std::process::id()));
    let file = format!("--massif-out-file={}", out.display());
    under_valgrind(
        &["--tool=massif", "--peak-inaccuracy=0.0", &file],
        hook,
        push,
        &[("REVIEWGATE_THREADS", "1")],
    );
    let text = std::fs::read_to_string(&out).expect("massif's output");
    let _ = std::fs::remove_file(&out);
    let field = |l: &str, key: &str| -> Option<u64> { l.strip_prefix(key)?.parse().ok() };
    let mut lines = text.lines();
    let mut peak = 0;
    while let Some(l) = lines.next() {
        if let Some(heap) = field(l, "mem_heap_B=") {
            let extra = lines
                .next()
                .and_then(|l| field(l, "mem_heap_extra_B="))
                .unwrap_or(0);
            peak = peak.max(heap + extra);
        }
    }
    assert!(peak > 0, "no heap snapshot from massif:\n{text}");
    peak.div_ceil(1024)
}

/// Check every budget; the table, and whether all hold.
pub fn check(file: &Path, hook: &str, pushes: &[Push]) -> (String, bool) {
    let text = std::fs::read_to_string(file).expect("budget file");
    let budgets: Budgets = toml::from_str(&text).expect("budget file parses");
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| push | instructions | budget | ratio | reference | result |\n|---|---|---|---|---|---|"
    );
    let mut all = true;
    for b in &budgets.budgets {
        let push = find(pushes, &b.scenario);
        let n = count(hook, push);
        let measured = (n, b.instructions, b.reference);
        all &= row(&mut table, push, measured, budgets.tolerance, "");
    }
    let _ = writeln!(
        table,
        "\n| push | peak heap | budget | ratio | reference | result |\n|---|---|---|---|---|---|"
    );
    for b in &budgets.heaps {
        let push = find(pushes, &b.scenario);
        let kib = peak_heap(hook, push);
        let measured = (kib, b.peak_kib, b.reference);
        all &= row(&mut table, push, measured, budgets.heap_tolerance, " KiB");
    }
    (table, all)
}

/// The push a budget names.
fn find<'p>(pushes: &'p [Push], scenario: &str) -> &'p Push {
    pushes
        .iter()
        .find(|p| p.key == scenario)
        .unwrap_or_else(|| panic!("a budget for an unknown push {scenario:?}"))
}

/// A table row for `push`: what was measured, its budget and the fixed
/// reference's figure (in `unit`); whether it is within the budget.
fn row(
    table: &mut String,
    push: &Push,
    (got, budget, reference): (u64, u64, Option<u64>),
    tolerance: f64,
    unit: &str,
) -> bool {
    let ratio = got as f64 / budget as f64;
    let ok = ratio <= 1.0 + tolerance;
    let reference = reference.map_or_else(
        || "-".to_string(),
        |r| format!("{:.2}x", got as f64 / r as f64),
    );
    let _ = writeln!(
        table,
        "| {} ({}) | {got}{unit} | {budget}{unit} | {ratio:.3} | {reference} | {} |",
        push.what,
        push.key,
        if ok { "within" } else { "OVER" }
    );
    ok
}
