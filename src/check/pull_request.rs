//! A forge's pull request, examined: its own commits, and what the pushed
//! copies of them (a rebase merge, a squash) inherit.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use git2::Oid;

use super::context::CheckContext;
use super::reviewers;
use crate::commit::CommitView;
use crate::detect::AiEvidence;
use crate::verdict::short_id;
use crate::walk::Walk;

/// A forge's pull request, examined: which pushed commits are its own, and
/// what each copy of its commits (a rebase merge, a squash) inherits.
pub(super) struct PullRequestEvidence {
    /// The pull request's own commits (`refs/pull/<n>/head`, those not on
    /// the target ref): judged as themselves.
    pub(super) commits: HashSet<Oid>,
    /// What each pushed copy inherits: the evidence of the commit it copies
    /// (`None` for a copy of a human commit), or, for a commit that copies
    /// none of them, the whole pull request's.
    pub(super) copies: HashMap<Oid, Option<AiEvidence>>,
    /// What a pushed commit not in `copies` inherits.
    pub(super) rest: Option<AiEvidence>,
}

impl PullRequestEvidence {
    /// The evidence a pushed single-parent commit inherits.
    pub(super) fn inherited(&self, id: Oid) -> Option<AiEvidence> {
        if self.commits.contains(&id) {
            return None;
        }
        match self.copies.get(&id) {
            Some(e) => e.clone(),
            None => self.rest.clone(),
        }
    }
}

/// The pull request a squash merge's subject names, as Gitea, Forgejo and
/// GitHub write it: `Subject (#N)`.
pub(super) fn named_in(subject: &str) -> Option<u64> {
    let inner = subject.trim_end().strip_suffix(')')?;
    let (_, number) = inner.rsplit_once("(#")?;
    number.parse().ok().filter(|n| *n > 0)
}

/// The most commits of a pull request, and of the pushed range, examined
/// (beyond, the pushed commits inherit the whole pull request's evidence:
/// the safe side).
pub(super) const MAX_PR_COMMITS: usize = 10_000;

/// What makes a commit a copy of another under a rebase: the same author
/// (name, email and date, as the header has them) and the same message.
pub(super) fn copy_key(c: &CommitView<'_>) -> Vec<u8> {
    let mut key = c.author_line().to_vec();
    key.push(0);
    key.extend_from_slice(c.raw_message());
    key
}

/// On a Gitea/Forgejo pull-request merge, the pull request's own commits
/// (`refs/pull/<n>/head`, those not already on the target ref) and what the
/// pushed commits inherit from them. A rebase merge writes a copy of each:
/// a copy (same author, author date and message) inherits the evidence of
/// the commit it copies, so a human commit's copy stays human. A pushed
/// commit that copies none (a squash) inherits the whole pull request's
/// evidence; and if an AI-assisted commit of the pull request reaches the
/// ref neither as itself nor as a copy, its evidence went into some pushed
/// commit, so every pushed commit inherits it (a squash dressed as a copy of
/// a human commit launders nothing). Cost: the pull request's range and the
/// pushed range, each bounded.
pub(super) fn pull_request_evidence(
    ctx: &CheckContext<'_>,
    odb: &git2::Odb<'_>,
    target: Option<Oid>,
    new: Oid,
    number: u64,
) -> Result<Option<PullRequestEvidence>> {
    let head_ref = format!("refs/pull/{number}/head");
    let everything = |why: String| PullRequestEvidence {
        commits: HashSet::new(),
        copies: HashMap::new(),
        rest: Some(AiEvidence {
            tool: format!("pull request #{number}"),
            evidence: why,
        }),
    };
    let Some(head) = ctx.repo.ref_target(&head_ref)? else {
        return Ok(Some(everything(format!(
            "its commits could not be read ({head_ref} is missing), so they may be AI-assisted"
        ))));
    };
    let Some(pr) = PullRequest::read(ctx, odb, target, head, number)? else {
        return Ok(Some(everything(format!(
            "it has more than {MAX_PR_COMMITS} commits not on this ref, not all examined"
        ))));
    };
    let Some((_, any)) = pr.ai.first() else {
        return Ok(None);
    };
    let any = Some(any.clone());
    let Some((mut copies, accounted)) = pr.match_copies(odb, target, new)? else {
        return Ok(Some(PullRequestEvidence {
            commits: pr.own,
            copies: HashMap::new(),
            rest: any,
        }));
    };
    let missing = pr.ai.iter().find(|(id, _)| !accounted.contains(id));
    let Some((_, leak)) = missing else {
        return Ok(Some(PullRequestEvidence {
            commits: pr.own,
            copies,
            rest: any,
        }));
    };
    // An AI commit arrived as neither itself nor a copy: every pushed
    // commit may hold it.
    for e in copies.values_mut() {
        if e.is_none() {
            *e = Some(leak.clone());
        }
    }
    Ok(Some(PullRequestEvidence {
        commits: pr.own,
        copies,
        rest: Some(leak.clone()),
    }))
}

/// A pull request's own commits: which are AI-assisted (in walk order,
/// newest first, so messages name the same commit every time), keyed for
/// finding their copies.
struct PullRequest {
    own: HashSet<Oid>,
    by_key: HashMap<Vec<u8>, (Oid, Option<AiEvidence>)>,
    ai: Vec<(Oid, AiEvidence)>,
}

/// The pushed commits that copy a pull request's commit, each with the AI
/// evidence it inherits (`None`: the copied commit is human).
type Copies = HashMap<Oid, Option<AiEvidence>>;

impl PullRequest {
    /// The commits `head` has and `target` does not; `None` past
    /// [`MAX_PR_COMMITS`].
    fn read(
        ctx: &CheckContext<'_>,
        odb: &git2::Odb<'_>,
        target: Option<Oid>,
        head: Oid,
        number: u64,
    ) -> Result<Option<Self>> {
        let hide: Vec<Oid> = target.into_iter().collect();
        let mut pr = Self {
            own: HashSet::new(),
            by_key: HashMap::new(),
            ai: Vec::new(),
        };
        Walk::new(odb, &hide)?.from(head, |c| -> Result<bool> {
            pr.own.insert(c.id());
            let facts = reviewers::CommitFacts::from(c.shown());
            let evidence = facts
                .ai_evidence(&ctx.policy.policy)
                .or_else(|| ctx.notes.evidence(c.id()))
                .map(|e| AiEvidence {
                    tool: e.tool,
                    evidence: format!(
                        "pull request #{number} commit {}: {}",
                        short_id(c.id()),
                        e.evidence
                    ),
                });
            if let Some(e) = &evidence {
                pr.ai.push((c.id(), e.clone()));
            }
            if c.parent_count() < 2 {
                pr.by_key.entry(copy_key(c)).or_insert((c.id(), evidence));
            }
            Ok(pr.own.len() < MAX_PR_COMMITS)
        })?;
        Ok((pr.own.len() < MAX_PR_COMMITS).then_some(pr))
    }

    /// The pushed commits (`target..new`) that copy one of ours, with what
    /// each inherits, and which of ours reached the ref (as themselves or
    /// copied); `None` past [`MAX_PR_COMMITS`].
    fn match_copies(
        &self,
        odb: &git2::Odb<'_>,
        target: Option<Oid>,
        new: Oid,
    ) -> Result<Option<(Copies, HashSet<Oid>)>> {
        let hide: Vec<Oid> = target.into_iter().collect();
        let mut copies = HashMap::new();
        let mut accounted = HashSet::new();
        let mut pushed = 0;
        Walk::new(odb, &hide)?.from(new, |c| -> Result<bool> {
            pushed += 1;
            if self.own.contains(&c.id()) {
                accounted.insert(c.id());
            } else if c.parent_count() < 2 {
                if let Some((original, evidence)) = self.by_key.get(&copy_key(c)) {
                    accounted.insert(*original);
                    copies.insert(c.id(), evidence.clone());
                }
            }
            Ok(pushed < MAX_PR_COMMITS)
        })?;
        Ok((pushed < MAX_PR_COMMITS).then_some((copies, accounted)))
    }
}
