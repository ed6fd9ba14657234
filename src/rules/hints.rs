//! Fix advice, computed from each finding's [`Fix`] and what the update
//! looks like (one commit at the tip, or several): the one place that words
//! how to add a review.

use super::{Ask, Fix};
use crate::push::{Forge, ForgePush};

/// What the advice for one ref's findings depends on.
#[derive(Debug, Clone)]
pub struct HintContext<'a> {
    /// The reviewer trailer key (`Reviewed-by`).
    pub trailer: &'a str,
    /// Whether exactly one commit needs a review, and it is the tip.
    pub only_tip: bool,
    /// The last commit before the ones needing review (short id), or `BASE`.
    pub base: String,
    /// The forge that made this push as a pull-request merge, if one did:
    /// the fix is then in the forge, not in `git commit --amend`.
    pub forge_merge: Option<&'a ForgePush>,
}

/// The words of a fix.
pub fn hint(fix: &Fix, ctx: &HintContext<'_>) -> String {
    match fix {
        Fix::Advice(text) => text.clone(),
        Fix::Review(ask) => review(*ask, ctx),
    }
}

fn review(ask: Ask, ctx: &HintContext<'_>) -> String {
    if let Some(f) = ctx.forge_merge {
        return forge_review(ask, f, ctx.trailer);
    }
    let ask = match ask {
        Ask::NotTheAuthor => "ask someone other than the author to review, then",
        Ask::Human => "ask a human to review, then",
        Ask::Listed => "ask a listed reviewer to review, then",
        Ask::AnyHuman => "after a human review,",
    };
    let trailer = ctx.trailer;
    if ctx.only_tip {
        format!(
            "{ask} add their trailer:\n  git commit --amend --trailer \"{trailer}: Name <email>\""
        )
    } else {
        format!(
            "{ask} add the trailer to each commit (BASE = last commit before them):\n  git rebase --exec 'git commit --amend --no-edit --trailer \"{trailer}: Name <email>\"' {}",
            ctx.base
        )
    }
}

/// The fix in the forge's words, for a pull-request merge the forge made.
fn forge_review(ask: Ask, f: &ForgePush, trailer: &str) -> String {
    let who = match ask {
        Ask::NotTheAuthor => "someone who did not write these commits",
        Ask::Human => "a person (not an AI or a bot)",
        Ask::Listed => "a reviewer the policy lists",
        Ask::AnyHuman => "a human reviewer",
    };
    match (f.forge, f.pull_request) {
        (Forge::Gitea, Some(n)) => format!(
            "ask {who} to approve pull request #{n} (an official approval), then merge it with a merge commit: Gitea and Forgejo write each approval as {trailer} on the merge, which covers the commits it merges"
        ),
        (Forge::Gitea, None) => format!(
            "ask {who} to approve the pull request, then merge it with a merge commit: Gitea and Forgejo write each approval as {trailer} on the merge"
        ),
        (Forge::Gitlab, _) => format!(
            "ask {who} to approve the merge request, and add %{{approved_by}} to the project's merge commit template (Settings > Merge requests) so the merge carries Approved-by; then merge again"
        ),
        (Forge::Github, _) => format!(
            "GitHub Enterprise Server writes no review trailers on a merge: ask {who} to review, then merge locally with their {trailer} on the merge commit (git merge --no-ff, git commit --amend --trailer), or add it to each commit"
        ),
    }
}
