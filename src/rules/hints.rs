//! Fix advice, computed from each finding's [`Fix`] and what the update
//! looks like (one commit at the tip, or several): the one place that words
//! how to add a review.

use super::{Ask, Fix};

/// What the advice for one ref's findings depends on.
#[derive(Debug, Clone)]
pub struct HintContext<'a> {
    /// The reviewer trailer key (`Reviewed-by`).
    pub trailer: &'a str,
    /// Whether exactly one commit needs a review, and it is the tip.
    pub only_tip: bool,
    /// The last commit before the ones needing review (short id), or `BASE`.
    pub base: String,
}

/// The words of a fix.
pub fn hint(fix: &Fix, ctx: &HintContext<'_>) -> String {
    match fix {
        Fix::Advice(text) => text.clone(),
        Fix::Review(ask) => review(*ask, ctx),
    }
}

fn review(ask: Ask, ctx: &HintContext<'_>) -> String {
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
