//! A branch's history, surveyed with the hooks' own engine: how much of it
//! is AI-assisted (by tool and model), how much carried a valid review (by
//! whom), and what the policy would reject had it been pushed now
//! (`reviewgate report`); and what a new policy would decide differently on
//! the pushes the audit log recorded (`reviewgate policy test`, [`whatif`]).
//!
//! The survey is one engine run over one synthetic update, the commit
//! before the window to the branch's tip: every commit is read once, by the
//! same walk, detection, trailers, review rules, merge coverage, sign-off
//! rules and signed approvals as a push; [`crate::check::CheckContext::survey`]
//! keeps every decision. Each commit is counted in the period of the
//! first-parent commit that brought it (a merged branch's commits count at
//! the merge).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use git2::{Oid, Repository};

use crate::hook;
use crate::policy::{LoadedPolicy, PolicySource};
use crate::push::RefUpdate;
use crate::repo::HookRepo;
use crate::rule::{Rule, Severity};
use crate::verdict::{CommitRecord, EvidenceSource, Verdict};

pub mod csv;
pub mod html;
pub mod text;
pub mod whatif;

/// The report's JSON schema version (`docs/report.md`).
pub const SCHEMA_VERSION: u32 = 1;

/// How many unreviewed AI-assisted commits the report lists by name.
pub const RECENT_UNREVIEWED: usize = 20;

/// The periods a report is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    /// Calendar months (`2026-01`).
    #[default]
    Month,
    /// ISO weeks (`2026-W03`).
    Week,
    /// Days (`2026-01-15`).
    Day,
}

impl Period {
    /// As the command line and the JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Week => "week",
            Self::Day => "day",
        }
    }

    /// The period holding time `t` (UTC).
    pub fn key(self, t: i64) -> String {
        let mut out = String::with_capacity(10);
        match self {
            Self::Month => {
                let (y, m, _, _) = civil(t);
                push_date(&mut out, y, &[m]);
            }
            Self::Week => {
                let w = Utc
                    .timestamp_opt(t, 0)
                    .single()
                    .unwrap_or_default()
                    .iso_week();
                push_date(&mut out, i64::from(w.year()), &[]);
                out.push_str("-W");
                push2(&mut out, w.week());
            }
            Self::Day => {
                let (y, m, d, _) = civil(t);
                push_date(&mut out, y, &[m, d]);
            }
        }
        out
    }
}

/// What to report on.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The branch (default: the default branch).
    pub refname: Option<String>,
    /// Commits brought to the branch from this time on.
    pub since: Option<DateTime<Utc>>,
    /// ... and until this time.
    pub until: Option<DateTime<Utc>>,
    /// A policy file instead of the branch tip's.
    pub policy_file: Option<std::path::PathBuf>,
    /// The periods.
    pub by: Period,
}

/// A `--since`/`--until` value: a date (`2026-01-01`, midnight UTC), an
/// RFC 3339 time, or a span back from `now` (`90d`, `12w`, `6m` as 30-day
/// months, `1y` as 365 days).
pub fn parse_when(value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        if let Some(t) = day.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    let unit_days = match v.chars().last() {
        Some('d') => Some(1),
        Some('w') => Some(7),
        Some('m') => Some(30),
        Some('y') => Some(365),
        _ => None,
    };
    if let (Some(days), Ok(n)) = (unit_days, v.get(..v.len() - 1).unwrap_or("").parse::<i64>()) {
        if (0..=100_000).contains(&n) {
            return Ok(now - chrono::Duration::days(n * days));
        }
    }
    bail!("`{value}`: expected a date (2026-01-01), an RFC 3339 time, or a span back from now (90d, 12w, 6m, 1y)")
}

/// One commit of the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommitRow {
    /// Its full id.
    #[serde(serialize_with = "ser_hex")]
    pub commit: Oid,
    /// Committer time; written as the date, RFC 3339 (UTC).
    #[serde(rename = "date", serialize_with = "ser_rfc3339")]
    pub time: i64,
    /// The period it is counted in (its first-parent commit's); rows of a
    /// period share one string.
    #[serde(serialize_with = "ser_str")]
    pub period: std::rc::Rc<str>,
    /// The first-parent commit that brought it to the branch (itself, or
    /// the merge that merged it).
    #[serde(serialize_with = "ser_hex")]
    pub brought_by: Oid,
    /// Author name (sanitized).
    pub author: String,
    /// Author email (sanitized).
    pub author_email: String,
    /// The first line of its message (sanitized).
    pub subject: String,
    /// AI-assisted.
    pub ai: bool,
    /// The tool, when AI-assisted.
    pub tool: Option<String>,
    /// The model, when its markers name one.
    pub model: Option<String>,
    /// Where the AI evidence was: `message`, `note`, `pull-request`.
    pub evidence: Option<EvidenceSource>,
    /// A valid review by the policy's rules (its own, or a reviewed merge's).
    pub reviewed: bool,
    /// Who reviewed it (lowercase emails).
    pub reviewers: Vec<String>,
    /// The reviewed merge that covered it, if its review came from one.
    pub covered_by: Option<String>,
    /// The rule codes the policy raises for it (errors and warnings).
    pub rules: Vec<String>,
    /// Those of them that reject (errors).
    pub rejected_by: Vec<String>,
    /// Whether one of them rejects.
    pub rejected: bool,
    /// Exempt from review rules as baseline history.
    pub baseline: bool,
}

impl CommitRow {
    /// Its committer date, RFC 3339 (UTC).
    pub fn date(&self) -> String {
        rfc3339(self.time)
    }
}

impl Report {
    /// The row of commit `id` (full hex), if the report has it.
    pub fn row(&self, id: &str) -> Option<&CommitRow> {
        let id = Oid::from_str(id).ok()?;
        self.commits.iter().find(|r| r.commit == id)
    }
}

fn ser_hex<S: serde::Serializer>(id: &Oid, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex(*id))
}

fn ser_rfc3339<S: serde::Serializer>(t: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn ser_str<S: serde::Serializer>(
    v: &std::rc::Rc<str>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

/// Counts over a set of commits.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    /// Commits.
    pub commits: u64,
    /// AI-assisted commits.
    pub ai: u64,
    /// AI-assisted commits with a valid review.
    pub ai_reviewed: u64,
    /// AI-assisted commits without one.
    pub ai_unreviewed: u64,
    /// `ai / commits` (0 when there are none).
    pub ai_share: f64,
    /// `ai_reviewed / ai` (1 when none is AI-assisted).
    pub review_coverage: f64,
    /// Commits with a valid review (AI-assisted or not).
    pub reviewed: u64,
    /// Commits the policy would reject.
    pub rejected: u64,
    /// Squashed or rebased commits whose AI evidence came only from their
    /// pull request.
    pub ai_from_pull_request: u64,
}

impl Counts {
    fn add(&mut self, row: &CommitRow) {
        self.commits += 1;
        self.reviewed += u64::from(row.reviewed);
        self.rejected += u64::from(row.rejected);
        if row.ai {
            self.ai += 1;
            if row.reviewed {
                self.ai_reviewed += 1;
            } else {
                self.ai_unreviewed += 1;
            }
            self.ai_from_pull_request +=
                u64::from(row.evidence == Some(EvidenceSource::PullRequest));
        }
    }

    fn finish(&mut self) {
        self.ai_share = ratio(self.ai, self.commits, 0.0);
        self.review_coverage = ratio(self.ai_reviewed, self.ai, 1.0);
    }
}

fn ratio(n: u64, d: u64, none: f64) -> f64 {
    if d == 0 {
        none
    } else {
        // Four decimals: stable in JSON and snapshots.
        ((n as f64 / d as f64) * 10_000.0).round() / 10_000.0
    }
}

/// A reviewer and how many AI-assisted commits their review made valid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReviewerCount {
    /// Their email (lowercase).
    pub email: String,
    /// AI-assisted commits.
    pub ai_commits: u64,
}

/// How many of a period's AI-assisted commits a sign-off rule's reviewers
/// reviewed (reviewer load).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SignoffLoad {
    /// The rule's name.
    pub rule: String,
    /// AI-assisted commits with a valid review by someone on its list.
    pub ai_reviewed: u64,
    /// Their share of the period's AI-assisted commits.
    pub share: f64,
}

/// One period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PeriodRow {
    /// `2026-01`, `2026-W03` or `2026-01-15`.
    pub period: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// Who reviewed its AI-assisted commits, most first.
    pub reviewers: Vec<ReviewerCount>,
    /// Each sign-off rule's reviewers' share.
    pub signoff: Vec<SignoffLoad>,
}

/// A tool (and model) and its commits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ToolRow {
    /// The tool.
    pub tool: String,
    /// The model, when the markers name one.
    pub model: Option<String>,
    /// Its AI-assisted commits.
    pub commits: u64,
    /// How many of them carry a valid review.
    pub reviewed: u64,
}

/// A rule code and how many commits the policy raises it for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleCount {
    /// The code.
    pub rule: String,
    /// `error` (rejects) or `warning`.
    pub severity: Severity,
    /// Commits.
    pub commits: u64,
}

/// The policy the history was judged by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyUsed {
    /// Where it was read.
    pub source: String,
    /// SHA-256 of its text.
    pub sha256: String,
    /// What the report could not judge as a push would (the pusher).
    pub notes: Vec<String>,
}

/// The report: one document (`--format json` prints it as is).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// `reviewgate-report`.
    pub schema: &'static str,
    /// [`SCHEMA_VERSION`].
    pub version: u32,
    /// The repository's path.
    pub repository: String,
    /// The branch.
    #[serde(rename = "ref")]
    pub refname: String,
    /// Its tip (within the window).
    pub tip: String,
    /// The first-parent commit before the window, if any.
    pub base: Option<String>,
    /// The window.
    pub since: Option<String>,
    /// The window's end.
    pub until: Option<String>,
    /// When the report was made.
    pub generated: String,
    /// `month`, `week` or `day`.
    pub by: &'static str,
    /// The policy.
    pub policy: PolicyUsed,
    /// The whole window.
    pub totals: Counts,
    /// Per period, oldest first.
    pub periods: Vec<PeriodRow>,
    /// By tool and model, most commits first.
    pub tools: Vec<ToolRow>,
    /// By reviewer, most first.
    pub reviewers: Vec<ReviewerCount>,
    /// The impact preview: rule codes the policy raises, by commits.
    pub rules: Vec<RuleCount>,
    /// The most recent AI-assisted commits without a valid review (ids).
    pub recent_unreviewed: Vec<String>,
    /// Every commit, newest first.
    pub commits: Vec<CommitRow>,
}

/// The repository and the branch a report reads.
struct Target {
    hr: HookRepo,
    /// The branch as the server names it (`refs/heads/main`).
    refname: String,
    tip: Oid,
}

/// Open the repository (bare, or a clone: then the branch is the
/// remote-tracking one, as last fetched) and find the branch.
fn target(repo_dir: &Path, refname: Option<&str>) -> Result<Target> {
    let repo = Repository::discover(repo_dir)
        .map_err(|_| anyhow::anyhow!("{} is not inside a git repository", repo_dir.display()))?;
    let origin_head = (!repo.is_bare())
        .then(|| repo.find_reference("refs/remotes/origin/HEAD").ok())
        .flatten()
        .and_then(|r| r.symbolic_target().map(String::from));
    let hr = match &origin_head {
        Some(t) => {
            let default = t
                .strip_prefix("refs/remotes/origin/")
                .map(|b| format!("refs/heads/{b}"));
            HookRepo::client_view(Repository::open(repo.path())?, "origin", default)
        }
        None => HookRepo::from_repository(Repository::open(repo.path())?),
    };
    let refname = match refname {
        Some(r) if r.starts_with("refs/") => r.to_string(),
        Some(r) => format!("refs/heads/{r}"),
        None => hr
            .default_branch()
            .context("cannot tell the default branch (HEAD names none): pass --ref")?,
    };
    let found = hr.ref_target(&refname)?.or_else(|| {
        // In a clone, a local branch the remote may not have.
        hr.repo.refname_to_id(&refname).ok()
    });
    let Some(tip) = found.map(|t| hr.peel_to_commit(t)).transpose()?.flatten() else {
        bail!("{refname} does not exist here (or names no commit)");
    };
    Ok(Target { hr, refname, tip })
}

/// The policy to judge with: `--policy`, else the branch tip's, else the
/// built-in default.
fn policy_for(t: &Target, file: Option<&Path>) -> Result<LoadedPolicy> {
    if let Some(path) = file {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(LoadedPolicy::from_bytes(
            &bytes,
            PolicySource::File(path.display().to_string()),
        )?);
    }
    match crate::policy::load::blob_at(&t.hr, t.tip)? {
        Some(found) => Ok(LoadedPolicy::from_bytes(
            &found.bytes,
            PolicySource::Repository {
                refname: t.refname.clone(),
                commit: found.commit,
                blob: found.blob,
            },
        )?),
        None => Ok(LoadedPolicy::builtin()?),
    }
}

/// The window on the first-parent chain: the newest commit at or before
/// `until` (the tip judged) and the newest one before `since` (the base,
/// hidden). Follows only first-parent commits, only when a window is asked:
/// through the commit-graph where the repository has one (nothing
/// inflated), else by reading them.
fn window(repo: &Repository, tip: Oid, opts: &Options) -> Result<(Option<Oid>, Option<Oid>)> {
    if opts.since.is_none() && opts.until.is_none() {
        return Ok((Some(tip), None));
    }
    let graph = repo
        .config()
        .ok()
        .and_then(|c| crate::graph::CommitGraph::open(repo.commondir(), &c));
    let mut chain = FirstParents {
        odb: repo.odb()?,
        graph: graph.as_ref(),
        reads: 0,
    };
    let (since, until) = (
        opts.since.map(|t| t.timestamp()),
        opts.until.map(|t| t.timestamp()),
    );
    // Commits are named (their ids read) only for the two ends.
    let mut top = None;
    let mut at = Some(Step::Id(tip));
    while let Some(step) = at {
        let (here, time, parent) = chain.step(step)?;
        let mut is_top = false;
        if top.is_none() {
            if until.is_some_and(|u| time > u) {
                at = parent;
                continue;
            }
            top = Some(here);
            is_top = true;
        }
        if since.is_some_and(|s| time < s) {
            let top = if is_top { None } else { top };
            return Ok((top.map(|t| chain.id(t)).transpose()?, Some(chain.id(here)?)));
        }
        at = parent;
    }
    Ok((top.map(|t| chain.id(t)).transpose()?, None))
}

/// A commit on the first-parent chain: by id, or by its place in the
/// commit-graph.
#[derive(Clone, Copy)]
enum Step {
    Id(Oid),
    Graph(crate::graph::Position),
}

/// The first-parent chain, followed through the commit-graph where it
/// holds the commit, else through the objects.
struct FirstParents<'r> {
    odb: git2::Odb<'r>,
    graph: Option<&'r crate::graph::CommitGraph>,
    /// Commits read from the object database so far.
    reads: u32,
}

/// Commits the chain reads before it asks libgit2 to keep what it reads
/// (no graph): the survey then reads the window's first-parent commits
/// from memory.
const CACHE_AFTER: u32 = 64;

impl FirstParents<'_> {
    /// The commit at `step`.
    fn id(&self, step: Step) -> Result<Oid> {
        match step {
            Step::Id(id) => Ok(id),
            Step::Graph(p) => self
                .graph
                .and_then(|g| g.id(p))
                .context("internal error: a commit-graph position out of range"),
        }
    }

    /// `step`'s commit (in the graph if it is there), committer time and
    /// first parent.
    fn step(&mut self, step: Step) -> Result<(Step, i64, Option<Step>)> {
        let id = match step {
            Step::Graph(p) => {
                if let Some((time, parent)) = self
                    .graph
                    .and_then(|g| Some((g.time(p)?, g.first_parent(p)?)))
                {
                    return Ok((step, time, parent.map(Step::Graph)));
                }
                self.id(step)?
            }
            Step::Id(id) => match self.graph.and_then(|g| g.position(id)) {
                Some(p) => return self.step(Step::Graph(p)),
                None => id,
            },
        };
        self.reads += 1;
        if self.reads == CACHE_AFTER {
            // Commits up to 4 KiB are cached, at most 256 MiB in all.
            git2::opts::enable_caching(true);
        }
        let object = self
            .odb
            .read(id)
            .with_context(|| format!("reading commit {id}"))?;
        let c = crate::commit::CommitView::parse(id, object.data());
        Ok((Step::Id(id), c.time(), c.first_parent().map(Step::Id)))
    }
}

/// Survey the branch: the engine's records and violations, and the period
/// each commit is counted in.
pub fn report(
    repo_dir: &Path,
    opts: &Options,
    now: DateTime<Utc>,
    progress: Option<&dyn Fn(u64)>,
) -> Result<Report> {
    let t = target(repo_dir, opts.refname.as_deref())?;
    // A pinned clock (`reviewgate.now`) dates the report, as it does a push.
    let now = t.hr.settings.now.unwrap_or(now);
    let mut loaded = policy_for(&t, opts.policy_file.as_deref())?;
    let notes = surveyable(&mut loaded);
    let (top, base) = window(&t.hr.repo, t.tip, opts)?;
    let mut verdict = match top {
        Some(top) => survey(&t.hr, &loaded, &t.refname, base, top, now, progress)?,
        None => Verdict::new(crate::check::policy_info(&loaded)),
    };
    let mut records = std::mem::take(&mut verdict.records);
    let rows = rows(&mut records, &verdict, top, opts.by);
    drop(records);
    Ok(assemble(
        Header {
            repository: t
                .hr
                .repo
                .path()
                .display()
                .to_string()
                .trim_end_matches('/')
                .to_string(),
            refname: t.refname,
            tip: top.unwrap_or(t.tip),
            base,
            opts,
            now,
            policy: PolicyUsed {
                source: loaded.source.to_string(),
                sha256: loaded.sha256.clone(),
                notes,
            },
        },
        &loaded,
        rows,
    ))
}

/// What the survey cannot judge as a push would, set aside in `loaded`:
/// with `require-pusher`, who pushed each commit is unknown afterwards, so
/// reviews are judged without the pusher binding (said in the report).
fn surveyable(loaded: &mut LoadedPolicy) -> Vec<String> {
    let mut notes = Vec::new();
    if loaded.policy.review.require_pusher {
        loaded.policy.review.require_pusher = false;
        notes.push("require-pusher is not judged: who pushed each commit is not in the history (the audit log has it: `reviewgate policy test`)".into());
    }
    notes
}

/// Run the engine over `base..top` on `refname`, every decision kept;
/// an internal error is an error here (a report never guesses).
fn survey(
    hr: &HookRepo,
    policy: &LoadedPolicy,
    refname: &str,
    base: Option<Oid>,
    top: Oid,
    now: DateTime<Utc>,
    progress: Option<&dyn Fn(u64)>,
) -> Result<Verdict> {
    let update = RefUpdate {
        name: refname.to_string(),
        old: base,
        new: Some(top),
    };
    let updates = std::slice::from_ref(&update);
    let verdict = hook::survey(hr, policy, &hook::Push::local(updates, now), progress);
    if let Some(v) = verdict
        .violations
        .iter()
        .find(|v| v.rule == Rule::InternalError)
    {
        bail!("{}", v.message);
    }
    Ok(verdict)
}

/// Where commit `id` is among `records`: the walk records a commit's parent
/// right after it more often than not (a linear stretch), so `near` is
/// tried before the index.
fn locate(
    records: &[CommitRecord],
    index: &HashMap<Oid, usize>,
    id: &Oid,
    near: usize,
) -> Option<usize> {
    match records.get(near) {
        Some(r) if r.id == *id => Some(near),
        _ => index.get(id).copied(),
    }
}

/// For each record (by index), the index of the first-parent commit that
/// brought it: first-parent commits bring themselves; a merge brings what
/// its other parents reach that no older first-parent commit brought.
fn brought_by(
    records: &[CommitRecord],
    index: &HashMap<Oid, usize>,
    top: Option<Oid>,
) -> Vec<usize> {
    let mut by: Vec<Option<usize>> = vec![None; records.len()];
    let mut mainline = Vec::new();
    let mut at = top.and_then(|t| index.get(&t).copied());
    while let Some(i) = at {
        if by.get(i).is_some_and(Option::is_some) {
            break;
        }
        if let Some(slot) = by.get_mut(i) {
            *slot = Some(i);
        }
        mainline.push(i);
        at = records
            .get(i)
            .and_then(|r| r.parents.first())
            .and_then(|p| locate(records, index, p, i + 1));
    }
    // Oldest first: an older merge claims what it merged first.
    let mut stack = Vec::new();
    for &m in mainline.iter().rev() {
        let Some(r) = records.get(m) else { continue };
        stack.extend(
            r.parents
                .iter()
                .skip(1)
                .filter_map(|p| index.get(p).copied()),
        );
        while let Some(i) = stack.pop() {
            match by.get_mut(i) {
                Some(slot @ None) => *slot = Some(m),
                _ => continue,
            }
            if let Some(c) = records.get(i) {
                stack.extend(
                    c.parents
                        .iter()
                        .filter_map(|p| locate(records, index, p, i + 1)),
                );
            }
        }
    }
    by.iter().enumerate().map(|(i, b)| b.unwrap_or(i)).collect()
}

/// The rule codes each commit's violations raise, with the strongest
/// severity of each.
fn rules_by_commit(verdict: &Verdict) -> HashMap<Oid, Vec<(String, Severity)>> {
    let mut rules: HashMap<Oid, Vec<(String, Severity)>> = HashMap::new();
    for v in &verdict.violations {
        let Some(c) = &v.commit else { continue };
        let list = rules.entry(c.id).or_default();
        let code = v.rule.code();
        match list.iter_mut().find(|(r, _)| r == code) {
            Some(entry) if v.severity == Severity::Error => entry.1 = Severity::Error,
            Some(_) => {}
            None => list.push((code.to_string(), v.severity)),
        }
    }
    rules
}

/// One row per surveyed commit, newest first. Each record's author and
/// subject move into its row (copied only when sanitizing changes them).
fn rows(
    records: &mut [CommitRecord],
    verdict: &Verdict,
    top: Option<Oid>,
    by: Period,
) -> Vec<CommitRow> {
    let Across {
        bringers,
        merge_reviewers,
        covered,
        mut rules,
    } = Across::of(records, verdict, top);
    let s = crate::report::sanitize;
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by_key(|&i| {
        records
            .get(i)
            .map(|r| (std::cmp::Reverse(r.time), std::cmp::Reverse(r.id)))
    });
    let mut period = Periods::new(by);
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        let (Some(&(bringer_time, bringer)), Some(r)) = (bringers.get(i), records.get_mut(i))
        else {
            continue;
        };
        out.push({
            let found = rules.remove(&r.id).unwrap_or_default();
            let covered_by = covered.get(&r.id).copied();
            let mut reviewers = std::mem::take(&mut r.reviewers);
            if let Some(merge) = covered_by.and_then(|m| merge_reviewers.get(&m)) {
                let author = r.author_email.to_lowercase();
                for e in merge {
                    if *e != author && !reviewers.contains(e) {
                        reviewers.push(e.clone());
                    }
                }
            }
            let (tool, evidence) = match &r.ai {
                Some((e, src)) => (Some(s(&e.tool)), Some(*src)),
                None => (None, None),
            };
            let reviewed = !r.exempt
                && (r.reviewed || covered_by.is_some())
                && !found.iter().any(|(code, _)| review_rule(code));
            let rejected_by: Vec<String> = found
                .iter()
                .filter(|(_, sev)| *sev == Severity::Error)
                .map(|(code, _)| code.clone())
                .collect();
            CommitRow {
                commit: r.id,
                time: r.time,
                period: period.of(bringer_time),
                brought_by: bringer,
                author: sanitized(std::mem::take(&mut r.author_name)),
                author_email: sanitized(std::mem::take(&mut r.author_email)),
                subject: sanitized(std::mem::take(&mut r.subject)),
                ai: r.ai.is_some(),
                tool,
                model: r.model.take().map(sanitized),
                evidence,
                reviewed,
                reviewers: reviewers.into_iter().map(sanitized).collect(),
                covered_by: covered_by.map(|m| m.to_string()),
                rejected: !rejected_by.is_empty(),
                rejected_by,
                rules: found.into_iter().map(|(code, _)| code).collect(),
                baseline: r.exempt,
            }
        });
    }
    out
}

/// What a row reads of other records and of the verdict, gathered before
/// the records are emptied into rows.
struct Across {
    /// Per record: the time and id of the first-parent commit that brought it.
    bringers: Vec<(i64, Oid)>,
    /// Each covering merge's own reviewers.
    merge_reviewers: HashMap<Oid, Vec<String>>,
    /// The reviewed merge covering a commit.
    covered: HashMap<Oid, Oid>,
    /// The rule codes raised per commit.
    rules: HashMap<Oid, Vec<(String, Severity)>>,
}

impl Across {
    fn of(records: &[CommitRecord], verdict: &Verdict, top: Option<Oid>) -> Self {
        let index: HashMap<Oid, usize> =
            records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let bringers = brought_by(records, &index, top)
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let r = records.get(b).or_else(|| records.get(i));
                r.map_or((0, Oid::zero()), |r| (r.time, r.id))
            })
            .collect();
        let covered: HashMap<Oid, Oid> = verdict
            .covered
            .iter()
            .map(|c| (c.commit, c.merge))
            .collect();
        let merge_reviewers = covered
            .values()
            .filter_map(|m| {
                let r = records.get(*index.get(m)?)?;
                Some((*m, r.reviewers.clone()))
            })
            .collect();
        Self {
            bringers,
            merge_reviewers,
            covered,
            rules: rules_by_commit(verdict),
        }
    }
}

/// `text` as a report prints it: itself when nothing needs escaping.
fn sanitized(text: String) -> String {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        text
    } else {
        crate::report::sanitize(&text)
    }
}

/// The period key of each time, one shared string per period (rows come
/// newest first, so a period's rows mostly follow each other).
struct Periods {
    by: Period,
    last: Option<(i64, i64, std::rc::Rc<str>)>,
    seen: HashMap<String, std::rc::Rc<str>>,
}

impl Periods {
    fn new(by: Period) -> Self {
        Self {
            by,
            last: None,
            seen: HashMap::new(),
        }
    }

    fn of(&mut self, t: i64) -> std::rc::Rc<str> {
        // Within the last time's UTC day, the period is the same.
        if let Some((from, to, key)) = &self.last {
            if (*from..*to).contains(&t) {
                return key.clone();
            }
        }
        let text = self.by.key(t);
        let key = match self.seen.get(&text) {
            Some(k) => k.clone(),
            None => {
                let k: std::rc::Rc<str> = text.as_str().into();
                self.seen.insert(text, k.clone());
                k
            }
        };
        let day = t.div_euclid(86_400) * 86_400;
        self.last = Some((day, day + 86_400, key.clone()));
        key
    }
}

/// Whether a rule code says the commit's review falls short.
fn review_rule(code: &str) -> bool {
    [
        Rule::AiUnreviewed,
        Rule::Unreviewed,
        Rule::SelfReview,
        Rule::ReviewNotSigned,
        Rule::BadReviewSignature,
    ]
    .iter()
    .any(|r| r.code() == code)
}

/// A committer time as RFC 3339, UTC (`2026-01-05T12:00:00Z`).
pub fn rfc3339(t: i64) -> String {
    let (y, m, d, secs) = civil(t);
    let mut out = String::with_capacity(20);
    push_date(&mut out, y, &[m, d]);
    out.push('T');
    push2(&mut out, secs / 3600);
    out.push(':');
    push2(&mut out, secs / 60 % 60);
    out.push(':');
    push2(&mut out, secs % 60);
    out.push('Z');
    out
}

/// The UTC date of `t` and the seconds into its day (the days-to-civil
/// algorithm of Howard Hinnant's date library: no time-zone data, no
/// allocation; a history report formats a date per commit).
fn civil(t: i64) -> (i64, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = u32::try_from(t.rem_euclid(86_400)).unwrap_or(0);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs)
}

/// `YYYY` then `-NN` for each of `parts`.
fn push_date(out: &mut String, year: i64, parts: &[u32]) {
    use std::fmt::Write as _;
    if (0..10_000).contains(&year) {
        for div in [1000, 100, 10, 1] {
            out.push(digit(u32::try_from(year / div % 10).unwrap_or(0)));
        }
    } else {
        let _ = write!(out, "{year}");
    }
    for p in parts {
        out.push('-');
        push2(out, *p);
    }
}

fn push2(out: &mut String, n: u32) {
    out.push(digit(n / 10 % 10));
    out.push(digit(n % 10));
}

fn digit(n: u32) -> char {
    char::from_digit(n, 10).unwrap_or('0')
}

/// An object id in hex, without the formatting machinery.
pub(crate) fn hex(id: Oid) -> String {
    let mut out = String::with_capacity(40);
    for b in id.as_bytes() {
        for n in [b >> 4, b & 15] {
            out.push(char::from_digit(u32::from(n), 16).unwrap_or('0'));
        }
    }
    out
}

/// The report's header fields.
struct Header<'a> {
    repository: String,
    refname: String,
    tip: Oid,
    base: Option<Oid>,
    opts: &'a Options,
    now: DateTime<Utc>,
    policy: PolicyUsed,
}

/// One period's tallies while counting: its counts, its reviewers, and
/// each sign-off rule's reviewers' AI-assisted commits.
#[derive(Default)]
struct PeriodTally {
    counts: Counts,
    reviewers: BTreeMap<String, u64>,
    signoff: Vec<u64>,
}

/// Everything counted over the rows.
#[derive(Default)]
struct Tally {
    totals: Counts,
    periods: BTreeMap<String, PeriodTally>,
    /// By tool, then model: commits and reviewed ones.
    tools: BTreeMap<String, BTreeMap<Option<String>, (u64, u64)>>,
    reviewers: BTreeMap<String, u64>,
    /// By code, then whether it rejects.
    rules: BTreeMap<String, BTreeMap<bool, u64>>,
}

impl Tally {
    fn add(&mut self, row: &CommitRow, signoffs: &[crate::policy::Signoff]) {
        self.totals.add(row);
        if !self.periods.contains_key(&*row.period) {
            self.periods
                .insert(row.period.to_string(), PeriodTally::default());
        }
        let Some(p) = self.periods.get_mut(&*row.period) else {
            return;
        };
        p.signoff.resize(signoffs.len(), 0);
        p.counts.add(row);
        for code in &row.rules {
            let error = row.rejected_by.contains(code);
            let by_code = match self.rules.get_mut(code.as_str()) {
                Some(m) => m,
                None => self.rules.entry(code.clone()).or_default(),
            };
            *by_code.entry(error).or_default() += 1;
        }
        if !row.ai {
            return;
        }
        let tool = row.tool.as_deref().unwrap_or_default();
        let by_tool = match self.tools.get_mut(tool) {
            Some(m) => m,
            None => self.tools.entry(tool.to_string()).or_default(),
        };
        let t = match by_tool.get_mut(&row.model) {
            Some(t) => t,
            None => by_tool.entry(row.model.clone()).or_default(),
        };
        t.0 += 1;
        t.1 += u64::from(row.reviewed);
        if !row.reviewed {
            return;
        }
        for e in &row.reviewers {
            count(&mut self.reviewers, e);
            count(&mut p.reviewers, e);
        }
        for (rule, n) in signoffs.iter().zip(p.signoff.iter_mut()) {
            let by_rule = !rule.reviewers.is_empty()
                && row
                    .reviewers
                    .iter()
                    .any(|e| rule.reviewers.iter().any(|m| m.matches(e)));
            *n += u64::from(by_rule);
        }
    }
}

/// One more for `key` (copied only the first time).
fn count(m: &mut BTreeMap<String, u64>, key: &str) {
    match m.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            m.insert(key.to_string(), 1);
        }
    }
}

/// Reviewers, most AI-assisted commits first.
fn most_first(m: BTreeMap<String, u64>) -> Vec<ReviewerCount> {
    let mut v: Vec<ReviewerCount> = m
        .into_iter()
        .map(|(email, ai_commits)| ReviewerCount { email, ai_commits })
        .collect();
    v.sort_by(|a, b| b.ai_commits.cmp(&a.ai_commits).then(a.email.cmp(&b.email)));
    v
}

fn period_rows(
    periods: BTreeMap<String, PeriodTally>,
    signoffs: &[crate::policy::Signoff],
) -> Vec<PeriodRow> {
    periods
        .into_iter()
        .map(|(period, mut p)| {
            p.counts.finish();
            let signoff = signoffs
                .iter()
                .zip(p.signoff)
                .map(|(rule, n)| SignoffLoad {
                    rule: rule.name.clone(),
                    ai_reviewed: n,
                    share: ratio(n, p.counts.ai, 0.0),
                })
                .collect();
            PeriodRow {
                period,
                counts: p.counts,
                reviewers: most_first(p.reviewers),
                signoff,
            }
        })
        .collect()
}

fn tool_rows(tools: BTreeMap<String, BTreeMap<Option<String>, (u64, u64)>>) -> Vec<ToolRow> {
    let mut tools: Vec<ToolRow> = tools
        .into_iter()
        .flat_map(|(tool, models)| {
            models
                .into_iter()
                .map(move |(model, (commits, reviewed))| ToolRow {
                    tool: tool.clone(),
                    model,
                    commits,
                    reviewed,
                })
        })
        .collect();
    tools.sort_by(|a, b| b.commits.cmp(&a.commits).then(a.tool.cmp(&b.tool)));
    tools
}

/// The impact preview: rejecting rules first, most commits first.
fn rule_rows(rules: BTreeMap<String, BTreeMap<bool, u64>>) -> Vec<RuleCount> {
    let mut rules: Vec<RuleCount> = rules
        .into_iter()
        .flat_map(|(rule, by)| {
            by.into_iter().map(move |(error, commits)| RuleCount {
                rule: rule.clone(),
                severity: if error {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                commits,
            })
        })
        .collect();
    rules.sort_by(|a, b| {
        (b.severity == Severity::Error)
            .cmp(&(a.severity == Severity::Error))
            .then(b.commits.cmp(&a.commits))
            .then(a.rule.cmp(&b.rule))
    });
    rules
}

/// Count the rows into the report.
fn assemble(h: Header<'_>, loaded: &LoadedPolicy, rows: Vec<CommitRow>) -> Report {
    let signoffs = &loaded.policy.signoffs;
    let mut tally = Tally::default();
    for row in &rows {
        tally.add(row, signoffs);
    }
    tally.totals.finish();
    let recent_unreviewed = rows
        .iter()
        .filter(|r| r.ai && !r.reviewed && !r.baseline)
        .take(RECENT_UNREVIEWED)
        .map(|r| hex(r.commit))
        .collect();
    let time =
        |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    Report {
        schema: "reviewgate-report",
        version: SCHEMA_VERSION,
        repository: crate::report::sanitize(&h.repository),
        refname: h.refname,
        tip: h.tip.to_string(),
        base: h.base.map(|b| b.to_string()),
        since: time(h.opts.since),
        until: time(h.opts.until),
        generated: h.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        by: h.opts.by.as_str(),
        policy: h.policy,
        totals: tally.totals,
        periods: period_rows(tally.periods, signoffs),
        tools: tool_rows(tally.tools),
        reviewers: most_first(tally.reviewers),
        rules: rule_rows(tally.rules),
        recent_unreviewed,
        commits: rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_chrono_formats_them() {
        let mut t: i64 = -2_000_000_000;
        while t < 40_000_000_000 {
            let at = Utc.timestamp_opt(t, 0).single().expect("time");
            assert_eq!(
                rfc3339(t),
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "{t}"
            );
            assert_eq!(Period::Month.key(t), at.format("%Y-%m").to_string());
            assert_eq!(Period::Day.key(t), at.format("%Y-%m-%d").to_string());
            assert_eq!(Period::Week.key(t), at.format("%G-W%V").to_string());
            t += 7_654_321;
        }
    }

    #[test]
    fn hex_is_the_display() {
        let id = Oid::from_str("0123456789abcdef0123456789abcdef01234567").expect("oid");
        assert_eq!(hex(id), id.to_string());
    }
}
