//! The policy gate: whether an update changes the policy file on a
//! protected branch, the commits that change it (decided with merge
//! coverage, by a policy owner's review), and the new file's validity.

use anyhow::{Context, Result};
use git2::Oid;

use super::context::CheckContext;
use super::coverage;
use super::findings::RefFindings;
use super::judge::{Finding, Judge};
use super::policy_change;
use super::reviewers;
use super::server::PushState;
use crate::commit::CommitView;
use crate::policy::{LoadedPolicy, PolicySource};
use crate::push::Pusher;
use crate::repo::HookRepo;
use crate::verdict::{CommitRef, MAX_KEPT_VIOLATIONS};

#[derive(Default)]
pub(super) struct PolicyChanges {
    pub(super) changing: usize,
    /// The changing commits, until merge coverage is known.
    pub(super) pending: Vec<(Oid, CommitRef, reviewers::Reviewed)>,
    pub(super) unreviewed: Vec<(Finding, CommitRef)>,
}

impl PolicyChanges {
    /// A commit that changes the policy file: decided after the walk, when
    /// the merges that may cover it are known.
    pub(super) fn record(
        &mut self,
        judge: &Judge<'_>,
        facts: &reviewers::CommitFacts<'_>,
        c: &CommitView<'_>,
    ) {
        self.changing += 1;
        let policy = judge.policy;
        let req = reviewers::Requirement::policy_change(policy);
        self.pending.push((
            c.id(),
            CommitRef {
                id: c.id(),
                subject: c.subject(),
            },
            reviewers::Reviewed::of(policy, &req, facts),
        ));
    }

    /// Decide the changing commits (with the merges covering them, where
    /// merge reviews count): each without an owner's review is a finding.
    pub(super) fn resolve(
        &mut self,
        judge: &Judge<'_>,
        coverage: Option<&coverage::Coverage>,
        pusher: Option<&Pusher>,
        source: &PolicySource,
    ) {
        let req = reviewers::Requirement::policy_change(judge.policy);
        for (id, cref, commit) in std::mem::take(&mut self.pending) {
            let covering = coverage.map(|c| c.covering(id)).unwrap_or_default();
            if let Err(short) = reviewers::decide(judge.policy, &req, &commit, &covering, pusher) {
                if self.unreviewed.len() < MAX_KEPT_VIOLATIONS {
                    self.unreviewed
                        .push((policy_change::unreviewed(judge, &short, source), cref));
                }
            }
        }
    }
}

/// Whether the update changes the policy file on a protected branch: for an
/// update, the file differs between the old and the new tip; for a new
/// branch, its file is none of those on the protected branches already (a
/// release branch cut from main is not a change). With a server-pinned policy
/// the repository's file does not govern.
pub(super) fn policy_gate(
    ctx: &CheckContext<'_>,
    refname: &str,
    old: Option<Oid>,
    new: Oid,
    state: &mut PushState<'_>,
) -> Result<bool> {
    if !refname.starts_with("refs/heads/") || matches!(ctx.policy.source, PolicySource::File(_)) {
        return Ok(false);
    }
    let repo = ctx.repo;
    let new_blob = crate::policy::load::blob_id(repo, new)?;
    Ok(match old {
        Some(old) => crate::policy::load::blob_id(repo, old)? != new_blob,
        None => match new_blob {
            None => false,
            Some(blob) => !state.protected_policy_blobs(ctx)?.contains(&blob),
        },
    })
}

/// After the walk of a gated update: an owner's review on the tip covers the
/// whole change; otherwise every commit changing the file needs one (or, when
/// none does, as after a reset to an older commit, the tip). The new file
/// must parse.
pub(super) fn finish_gate(
    ctx: &CheckContext<'_>,
    judge: &Judge<'_>,
    refname: &str,
    new: Oid,
    changes: PolicyChanges,
    found: &mut RefFindings,
) -> Result<()> {
    let repo = ctx.repo;
    let odb = repo.repo.odb()?;
    let tip_obj = odb.read(new)?;
    let tip = CommitView::parse(new, tip_obj.data());
    let mut tip_facts = reviewers::CommitFacts::from(tip.shown());
    let policy = judge.policy;
    if policy.review.signed {
        tip_facts.approvals = Some(ctx.approvals.of(new).map_err(anyhow::Error::msg)?);
    }
    let req = reviewers::Requirement::policy_change(policy);
    let tip_review = reviewers::Reviewed::of(policy, &req, &tip_facts);
    if let Err(short) = reviewers::decide(policy, &req, &tip_review, &[], ctx.pusher) {
        if changes.changing == 0 {
            let cref = CommitRef {
                id: new,
                subject: tip.subject(),
            };
            found.gate.push((
                policy_change::unreviewed(judge, &short, &ctx.policy.source),
                Some(cref),
            ));
        }
        found
            .gate
            .extend(changes.unreviewed.into_iter().map(|(f, c)| (f, Some(c))));
    }
    if let Some(file) = crate::policy::load::blob_at(repo, new)? {
        let source = PolicySource::Repository {
            refname: refname.to_string(),
            commit: new,
            blob: file.blob,
        };
        match LoadedPolicy::from_bytes(&file.bytes, source) {
            Err(e) => found.gate.push((policy_change::invalid(judge, &e), None)),
            // Read from this branch, a policy that does not protect it would
            // refuse every later push (policy-invalid): refuse it now.
            Ok(next) => {
                let read_from = crate::policy::load::policy_branch(repo)?;
                if read_from.as_deref() == Some(refname)
                    && !next.policy.is_protected(refname, Some(refname))
                {
                    found
                        .gate
                        .push((policy_change::unprotected(judge, refname), None));
                }
            }
        }
    }
    Ok(())
}

/// The policy file's blob in recently seen trees: a walk meets each tree
/// twice (as a commit's and as its child's parent's), and most commits share
/// their parent's blob.
#[derive(Default)]
pub(super) struct TreeBlobs {
    pub(super) map: std::collections::HashMap<Oid, Option<Oid>>,
}

impl TreeBlobs {
    const CAPACITY: usize = 4096;

    pub(super) fn blob(&mut self, repo: &HookRepo, tree: Oid) -> Result<Option<Oid>> {
        if let Some(b) = self.map.get(&tree) {
            return Ok(*b);
        }
        if self.map.len() >= Self::CAPACITY {
            self.map.clear();
        }
        let blob = repo.blob_in_tree(tree, crate::policy::POLICY_FILE)?;
        self.map.insert(tree, blob);
        Ok(blob)
    }
}

/// Whether the commit changes the policy file against any of its parents (a
/// root commit: whether it has the file), so no merge shape hides a change.
pub(super) fn touches_policy(
    repo: &HookRepo,
    c: &CommitView<'_>,
    cache: &mut TreeBlobs,
) -> Result<bool> {
    let tree = c
        .tree()
        .with_context(|| format!("commit {} has no tree header git can read", c.id()))?;
    if c.parent_count() == 0 {
        return Ok(cache.blob(repo, tree)?.is_some());
    }
    let mut mine = None;
    for p in c.parents() {
        let parent_tree = repo.tree_of(p)?;
        if parent_tree == tree {
            continue;
        }
        let mine = match mine {
            Some(m) => m,
            None => *mine.insert(cache.blob(repo, tree)?),
        };
        if cache.blob(repo, parent_tree)? != mine {
            return Ok(true);
        }
    }
    Ok(false)
}
