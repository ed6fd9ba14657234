//! `reviewgate policy test NEW.toml`: the pushes the audit log recorded,
//! re-judged under a new policy and under the one that judged them, and
//! the decisions that would flip.
//!
//! Both policies judge each recorded ref update the same way, now, with the
//! pusher and the time the log recorded (freeze windows are judged at the
//! push's time): so a flip is the policy's doing, not the repository's.
//! The objects must still exist (a ref update whose commits were pruned is
//! skipped and counted). A new ref is judged from its first commit, as a
//! history report judges it (which refs were protected at the time is not
//! in the log); an update of an existing ref, from its old value.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use git2::Oid;

use crate::audit::{self, Record};
use crate::hook;
use crate::policy::{LoadedPolicy, PolicySource};
use crate::push::RefUpdate;
use crate::repo::HookRepo;
use crate::rule::{Rule, Severity};
use crate::verdict::{short_id, Verdict};

/// A decision on one ref update: rejected or not, and the rejecting rules
/// with their commits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// Whether the update would be refused.
    pub rejected: bool,
    /// The rejecting rule codes, each with the commits it names (full ids;
    /// empty for a finding about the update itself).
    pub rules: BTreeMap<String, Vec<String>>,
}

impl Decision {
    fn of(verdict: &Verdict) -> Self {
        let mut rules: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for v in &verdict.violations {
            if v.severity != Severity::Error {
                continue;
            }
            let list = rules.entry(v.rule.code().to_string()).or_default();
            if let Some(c) = &v.commit {
                let id = c.id.to_string();
                if !list.contains(&id) {
                    list.push(id);
                }
            }
        }
        Self {
            rejected: verdict.rejects(),
            rules,
        }
    }

    fn word(&self) -> &'static str {
        if self.rejected {
            "rejected"
        } else {
            "accepted"
        }
    }
}

/// A recorded ref update whose decision would change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Flip {
    /// When it was pushed.
    pub time: String,
    /// Who pushed it (login or email), if the server said.
    pub pusher: Option<String>,
    /// The ref.
    #[serde(rename = "ref")]
    pub refname: String,
    /// Its old and new values (full ids; none for a creation or deletion).
    pub old: Option<String>,
    /// Its new value.
    pub new: Option<String>,
    /// Under the policy that judged it.
    pub before: Decision,
    /// Under the new policy.
    pub after: Decision,
}

/// What `policy test` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WhatIf {
    /// `reviewgate-policy-test`.
    pub schema: &'static str,
    /// The schema version.
    pub version: u32,
    /// The new policy's file.
    pub policy: String,
    /// The audit log read.
    pub audit_log: String,
    /// Records from this time on (RFC 3339), if limited.
    pub since: Option<String>,
    /// Audit records read (in the window).
    pub records: usize,
    /// Ref updates re-judged.
    pub judged: usize,
    /// Ref updates skipped, and why (objects gone, policy unreadable).
    pub skipped: Vec<String>,
    /// The updates whose decision flips, oldest first.
    pub flips: Vec<Flip>,
    /// Accepted then, rejected under the new policy.
    pub newly_rejected: usize,
    /// Rejected then, accepted under the new policy.
    pub newly_accepted: usize,
    /// Rejecting rule codes under the new policy, by the updates they
    /// would reject (all re-judged updates).
    pub rules_after: BTreeMap<String, usize>,
    /// The same under the policies that judged them.
    pub rules_before: BTreeMap<String, usize>,
}

fn oid(text: &str) -> Option<Oid> {
    Oid::from_str(text).ok().filter(|o| !o.is_zero())
}

/// The policy a record names: its blob when the repository still has it,
/// the built-in default, or a pinned file when it still has the same text.
fn judged_by(hr: &HookRepo, r: &Record) -> Result<LoadedPolicy, String> {
    let origin = &r.policy.origin;
    let sha_ok = |p: LoadedPolicy| {
        if p.sha256 == r.policy.sha256 {
            Ok(p)
        } else {
            Err(format!(
                "its policy ({}) has changed since",
                r.policy.source
            ))
        }
    };
    if let Some(blob) = origin.blob.as_deref().and_then(oid) {
        let bytes = hr
            .repo
            .find_blob(blob)
            .map(|b| b.content().to_vec())
            .map_err(|_| format!("its policy blob {} is gone", short_id(blob)))?;
        let source = PolicySource::Repository {
            refname: origin.refname.clone().unwrap_or_default(),
            commit: origin
                .commit
                .as_deref()
                .and_then(oid)
                .unwrap_or(Oid::zero()),
            blob,
        };
        return LoadedPolicy::from_bytes(&bytes, source)
            .map_err(|e| format!("its policy does not load: {e}"))
            .and_then(sha_ok);
    }
    if let Some(file) = &origin.file {
        let bytes = std::fs::read(file).map_err(|e| format!("its policy {file}: {e}"))?;
        return LoadedPolicy::from_bytes(&bytes, PolicySource::File(file.clone()))
            .map_err(|e| format!("its policy does not load: {e}"))
            .and_then(sha_ok);
    }
    LoadedPolicy::builtin()
        .map_err(|e| format!("the built-in policy: {e}"))
        .and_then(sha_ok)
}

/// The server repository, the new policy, and the audit log to read.
fn open(repo_dir: &Path, new_file: &Path) -> Result<(HookRepo, LoadedPolicy, std::path::PathBuf)> {
    let repo = git2::Repository::open(repo_dir)
        .map_err(|_| anyhow::anyhow!("{} is not a git repository", repo_dir.display()))?;
    if !repo.is_bare() {
        bail!("the audit log lives on the server: run `reviewgate policy test` in the bare repository the hooks run in (--repo /path/to/project.git)");
    }
    let hr = HookRepo::from_repository(repo);
    let bytes =
        std::fs::read(new_file).with_context(|| format!("reading {}", new_file.display()))?;
    let new_policy =
        LoadedPolicy::from_bytes(&bytes, PolicySource::File(new_file.display().to_string()))?;
    let log = hr.settings.audit_log.clone();
    if !log.exists() {
        bail!(
            "{}: no audit log yet (the hooks write one on every push)",
            log.display()
        );
    }
    Ok((hr, new_policy, log))
}

/// Re-judge the audit log's ref updates (from `since` on) under `new_file`.
pub fn policy_test(
    repo_dir: &Path,
    new_file: &Path,
    since: Option<DateTime<Utc>>,
) -> Result<WhatIf> {
    let (hr, new_policy, log) = open(repo_dir, new_file)?;
    let mut out = WhatIf {
        schema: "reviewgate-policy-test",
        version: 1,
        policy: new_file.display().to_string(),
        audit_log: log.display().to_string(),
        since: since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        records: 0,
        judged: 0,
        skipped: Vec::new(),
        flips: Vec::new(),
        newly_rejected: 0,
        newly_accepted: 0,
        rules_after: BTreeMap::new(),
        rules_before: BTreeMap::new(),
    };
    let mut policies: HashMap<String, Result<LoadedPolicy, String>> = HashMap::new();
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    for (_, record) in audit::read_all(&log)? {
        let Ok(r) = record else { continue };
        let Ok(time) = DateTime::parse_from_rfc3339(&r.time).map(|t| t.with_timezone(&Utc)) else {
            continue;
        };
        if since.is_some_and(|s| time < s) {
            continue;
        }
        out.records += 1;
        for u in &r.refs {
            // Both hooks may record the same update.
            if !seen.insert((u.name.clone(), u.old.clone(), u.new.clone())) {
                continue;
            }
            let before = policies
                .entry(r.policy.sha256.clone())
                .or_insert_with(|| judged_by(&hr, &r));
            let before = before.as_ref().map_err(String::clone);
            rejudge(&hr, (&r, u, time), before, &new_policy, &mut out)?;
        }
    }
    Ok(out)
}

/// Re-judge one recorded ref update under the policy that judged it and
/// under the new one; record a flip.
fn rejudge(
    hr: &HookRepo,
    (r, u, time): (&Record, &audit::RefRecord, DateTime<Utc>),
    before: Result<&LoadedPolicy, String>,
    new_policy: &LoadedPolicy,
    out: &mut WhatIf,
) -> Result<()> {
    let what = format!(
        "{} {} {}..{}",
        r.time,
        u.name,
        short_id(&u.old),
        short_id(&u.new)
    );
    let update = RefUpdate {
        name: u.name.clone(),
        old: oid(&u.old),
        new: oid(&u.new),
    };
    let gone = [update.old, update.new]
        .into_iter()
        .flatten()
        .find(|id| !hr.repo.odb().is_ok_and(|odb| odb.exists(*id)));
    if let Some(id) = gone {
        out.skipped
            .push(format!("{what}: object {} is gone", short_id(id)));
        return Ok(());
    }
    let before = match before {
        Ok(p) => p,
        Err(why) => {
            out.skipped.push(format!("{what}: {why}"));
            return Ok(());
        }
    };
    let push = hook::Push {
        updates: std::slice::from_ref(&update),
        pusher: r.pusher.clone(),
        forge: None,
        options: Default::default(),
        now: time,
    };
    let judge = |p: &LoadedPolicy| -> Result<Decision> {
        let v = hook::survey(hr, p, &push, None);
        if let Some(e) = v.violations.iter().find(|v| v.rule == Rule::InternalError) {
            bail!("{what}: {}", e.message);
        }
        Ok(Decision::of(&v))
    };
    let (then, now) = (judge(before)?, judge(new_policy)?);
    out.judged += 1;
    for (d, counts) in [(&then, &mut out.rules_before), (&now, &mut out.rules_after)] {
        for code in d.rules.keys() {
            *counts.entry(code.clone()).or_default() += 1;
        }
    }
    if then.rejected == now.rejected {
        return Ok(());
    }
    if now.rejected {
        out.newly_rejected += 1;
    } else {
        out.newly_accepted += 1;
    }
    out.flips.push(Flip {
        time: r.time.clone(),
        pusher: r
            .pusher
            .as_ref()
            .and_then(|p| p.login.clone().or_else(|| p.email.clone())),
        refname: u.name.clone(),
        old: update.old.map(|o| o.to_string()),
        new: update.new.map(|o| o.to_string()),
        before: then,
        after: now,
    });
    Ok(())
}

/// How many commits a flip's rules list by name.
const LISTED: usize = 5;

/// The what-if as a person reads it.
pub fn render(w: &WhatIf) -> String {
    use std::fmt::Write;
    let s = crate::report::sanitize;
    let mut o = String::new();
    let since = w
        .since
        .as_deref()
        .map_or_else(String::new, |t| format!(" since {t}"));
    let _ = writeln!(
        o,
        "Re-judged {} ref update(s) from {} audit record(s){since} under {} and under the policies that judged them.",
        w.judged,
        w.records,
        s(&w.policy)
    );
    for flip in &w.flips {
        let _ = writeln!(
            o,
            "\n{} {} {} {}..{}: {} -> {}",
            s(&flip.time),
            s(flip.pusher.as_deref().unwrap_or("-")),
            s(&flip.refname),
            flip.old.as_deref().map_or("(new)".into(), short_id),
            flip.new.as_deref().map_or("(deleted)".into(), short_id),
            flip.before.word(),
            flip.after.word()
        );
        let (gained, from) = if flip.after.rejected {
            (&flip.after.rules, "would be rejected by")
        } else {
            (&flip.before.rules, "was rejected by, no longer")
        };
        for (code, commits) in gained {
            let mut ids: Vec<String> = commits.iter().take(LISTED).map(short_id).collect();
            if commits.len() > LISTED {
                ids.push(format!("(+{} more)", commits.len() - LISTED));
            }
            let list = if ids.is_empty() {
                "the update itself".to_string()
            } else {
                format!("commit(s) {}", ids.join(", "))
            };
            let _ = writeln!(o, "  {from} {code}: {list}");
        }
    }
    let unchanged = w.judged - w.flips.len();
    let _ = writeln!(
        o,
        "\nTotals: {} would flip ({} accepted -> rejected, {} rejected -> accepted); {unchanged} unchanged.",
        w.flips.len(),
        w.newly_rejected,
        w.newly_accepted
    );
    let counts = |m: &BTreeMap<String, usize>| -> String {
        if m.is_empty() {
            return "none".into();
        }
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        o,
        "Updates each rule would reject: new policy: {}; then: {}.",
        counts(&w.rules_after),
        counts(&w.rules_before)
    );
    if !w.skipped.is_empty() {
        let _ = writeln!(o, "Skipped {} update(s):", w.skipped.len());
        for why in w.skipped.iter().take(10) {
            let _ = writeln!(o, "  {}", s(why));
        }
    }
    o
}
