//! What the server already has, read once per push: the protected refs'
//! tips (with their protection), the policy file's blobs on them, the walks
//! that new refs share, and the baseline's reach.

use anyhow::{Context, Result};
use git2::Oid;

use super::context::CheckContext;
use crate::policy::{Effective, Mode, RefPattern, ReviewScope};
use crate::push::UpdateKind;
use crate::walk::Walk;

/// The commits of one update, peeled.
pub(super) struct Span {
    pub(super) kind: UpdateKind,
    pub(super) old: Option<Oid>,
    pub(super) new: Oid,
    /// Whether the policy gate applies (the update changes the policy file).
    pub(super) gate: bool,
}

/// What a push's checks share: the object database, the tips of protected
/// refs (read once per push, with each ref's protection, so a new ref trusts
/// only refs at least as strict), and one walk per kind of new ref, so a push
/// creating many refs reads each commit once, not once per ref.
pub(super) struct PushState<'o> {
    pub(super) odb: &'o git2::Odb<'o>,
    pub(super) protected: Option<Vec<ProtectedTip>>,
    pub(super) policy_blobs: Option<std::collections::HashSet<Oid>>,
    pub(super) creation_walks: Vec<((ReviewScope, Mode), Walk<'o>)>,
}

/// A protected ref's tip and its protection.
pub(super) struct ProtectedTip {
    pub(super) name: String,
    pub(super) tip: Oid,
    pub(super) review: ReviewScope,
    pub(super) mode: Mode,
}

impl<'o> PushState<'o> {
    /// Nothing read yet.
    pub(super) fn new(odb: &'o git2::Odb<'o>) -> Self {
        Self {
            odb,
            protected: None,
            policy_blobs: None,
            creation_walks: Vec::new(),
        }
    }

    /// The tips of the protected refs (listed once per push).
    pub(super) fn protected(&mut self, ctx: &CheckContext<'_>) -> Result<&[ProtectedTip]> {
        if self.protected.is_none() {
            let policy = &ctx.policy.policy;
            let mut tips = Vec::new();
            for name in protected_refs(ctx)? {
                let Some(target) = ctx.repo.ref_target(&name)? else {
                    continue;
                };
                let (Some(tip), Some(eff)) = (
                    ctx.repo.peel_to_commit(target)?,
                    Effective::for_ref(policy, &name, ctx.default_branch),
                ) else {
                    continue;
                };
                tips.push(ProtectedTip {
                    name,
                    tip,
                    review: eff.review,
                    mode: eff.mode,
                });
            }
            self.protected = Some(tips);
        }
        Ok(self.protected.as_deref().unwrap_or_default())
    }

    /// The policy file's blobs at the tips of the protected branches.
    pub(super) fn protected_policy_blobs(
        &mut self,
        ctx: &CheckContext<'_>,
    ) -> Result<&std::collections::HashSet<Oid>> {
        if self.policy_blobs.is_none() {
            let mut blobs = std::collections::HashSet::new();
            for p in self.protected(ctx)? {
                if p.name.starts_with("refs/heads/") {
                    blobs.extend(crate::policy::load::blob_id(ctx.repo, p.tip)?);
                }
            }
            self.policy_blobs = Some(blobs);
        }
        self.policy_blobs
            .as_ref()
            .context("policy blobs not loaded")
    }

    /// The tips of the protected refs whose commits a new ref with
    /// protection `eff` takes as judged.
    pub(super) fn creation_hides(
        &mut self,
        ctx: &CheckContext<'_>,
        eff: &Effective<'_>,
    ) -> Result<Vec<Oid>> {
        if ctx.survey {
            // A surveyed history is judged from its first commit.
            return Ok(Vec::new());
        }
        let mut hide: Vec<Oid> = self
            .protected(ctx)?
            .iter()
            .filter(|p| trusts(eff, p.review, p.mode))
            .map(|p| p.tip)
            .collect();
        hide.sort();
        hide.dedup();
        Ok(hide)
    }

    /// With a baseline (`reviewgate.baseline`): the commits the update brings
    /// that are not reachable from it; the others are exempt from review
    /// rules. `None` without a baseline. Costs one more walk of the same
    /// range (the baseline's own history is hidden, never walked).
    pub(super) fn outside_baseline(
        &mut self,
        ctx: &CheckContext<'_>,
        eff: &Effective<'_>,
        span: &Span,
    ) -> Result<Option<std::collections::HashSet<Oid>>> {
        if ctx.baseline.is_empty() {
            return Ok(None);
        }
        let mut hide = ctx.baseline.to_vec();
        match (span.kind, span.old) {
            (UpdateKind::Update, Some(old)) => hide.push(old),
            _ => hide.extend(self.creation_hides(ctx, eff)?),
        }
        let mut outside = std::collections::HashSet::new();
        let mut walk = Walk::new(self.odb, &hide)?.read_packs(ctx.repo.object_dirs());
        walk.from(span.new, |c| -> Result<bool> {
            outside.insert(c.id());
            Ok(true)
        })?;
        Ok(Some(outside))
    }

    /// The walk for new refs with protection `eff`: it hides the tips of
    /// protected refs that `eff` trusts.
    pub(super) fn creation_walk(
        &mut self,
        ctx: &CheckContext<'_>,
        eff: &Effective<'_>,
    ) -> Result<&mut Walk<'o>> {
        let class = (eff.review, eff.mode);
        let index = match self.creation_walks.iter().position(|(c, _)| *c == class) {
            Some(i) => i,
            None => {
                let hide = self.creation_hides(ctx, eff)?;
                let walk = Walk::new(self.odb, &hide)?.read_packs(ctx.repo.object_dirs());
                self.creation_walks.push((class, walk));
                self.creation_walks.len() - 1
            }
        };
        self.creation_walks
            .get_mut(index)
            .map(|(_, w)| w)
            .context("no walk for this kind of ref")
    }
}

/// Whether commits already on a ref with `review` and `mode` count as judged
/// for a new ref with protection `eff`: the other ref must require review of
/// at least as many commits, and enforce if the new ref enforces.
pub(super) fn trusts(eff: &Effective<'_>, review: ReviewScope, mode: Mode) -> bool {
    review >= eff.review && (eff.mode == Mode::Warn || mode == Mode::Enforce)
}

/// The names of the refs the policy protects that exist. Literal names are
/// looked up directly and globs list only the refs under their literal
/// prefix, so the cost follows the protected refs, not all of them.
pub(super) fn protected_refs(ctx: &CheckContext<'_>) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for pattern in ctx.policy.policy.protect.iter().flat_map(|p| &p.refs) {
        match pattern {
            RefPattern::DefaultBranch => names.extend(ctx.default_branch.map(String::from)),
            RefPattern::Glob { pattern, matcher } => {
                match pattern.find(['*', '?', '[', '{', '\\']) {
                    None => names.push(pattern.clone()),
                    Some(i) => {
                        let prefix = pattern.get(..i).unwrap_or_default();
                        names.extend(
                            ctx.repo
                                .refs_under(prefix)?
                                .into_iter()
                                .filter(|n| matcher.is_match(n)),
                        );
                    }
                }
            }
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{eff_of, policy};

    #[test]
    fn new_refs_trust_only_refs_at_least_as_strict() {
        let p = policy("[[protect]]\nrefs = [\"refs/heads/main\"]\n[[protect]]\nrefs = [\"refs/heads/scratch\"]\nreview = \"none\"\n[[protect]]\nrefs = [\"refs/heads/exp\"]\nmode = \"warn\"\n[[protect]]\nrefs = [\"refs/heads/audited\"]\nreview = \"all\"\n");
        let main = eff_of(&p, "refs/heads/main");
        let other = |r: &str| {
            let e = eff_of(&p, r);
            (e.review, e.mode)
        };
        let table = [
            ("refs/heads/main", true),
            ("refs/heads/scratch", false),
            ("refs/heads/exp", false),
            ("refs/heads/audited", true),
        ];
        for (r, want) in table {
            let (review, mode) = other(r);
            assert_eq!(trusts(&main, review, mode), want, "{r}");
        }
        let exp = eff_of(&p, "refs/heads/exp");
        assert!(
            trusts(&exp, ReviewScope::Ai, Mode::Warn),
            "a warn ref trusts a warn ref"
        );
    }
}
