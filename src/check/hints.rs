//! Fix advice, computed from each finding's [`Fix`] and what the update
//! looks like (one commit at the tip, or several): the one place that words
//! how to add a review.

use super::{Ask, Fix};
use crate::push::{Forge, ForgePush};

/// The reviewer a hint's command names: a placeholder that never validates
/// as a review (it has no `@`), so a hint pasted verbatim is refused.
pub const REVIEWER_PLACEHOLDER: &str = "REVIEWER-NAME <REVIEWER-EMAIL>";

/// What the advice for one ref's findings depends on.
#[derive(Debug, Clone)]
pub struct HintContext<'a> {
    /// The reviewer trailer key (`Reviewed-by`).
    pub trailer: &'a str,
    /// How many commits on the ref need a review.
    pub needing_review: usize,
    /// Whether exactly one commit needs a review, and it is the tip.
    pub only_tip: bool,
    /// What `git rebase` starts from: the last commit before the ones
    /// needing review (short id), `--root` when they go back to a root
    /// commit, or `BASE` when it is unknown.
    pub base: String,
    /// Whether the commits include merges, which the rebase must keep
    /// (`--rebase-merges`; a plain rebase would linearise them).
    pub keep_merges: bool,
    /// The new tip's full id, when the update looks like an imported
    /// history (it creates the default branch, or [`IMPORT_COMMITS`] or more
    /// commits need a review): a baseline is offered beside the rewrite.
    pub import_tip: Option<String>,
    /// The forge that made this push as a pull-request merge, if one did:
    /// the fix is then in the forge, not in `git commit --amend`.
    pub forge_merge: Option<&'a ForgePush>,
}

/// From how many commits needing a review an update looks like an import.
pub const IMPORT_COMMITS: usize = 100;

/// The words of a fix.
pub fn hint(fix: &Fix, ctx: &HintContext<'_>) -> String {
    match fix {
        Fix::Advice(text) => text.clone(),
        Fix::Review(ask) => review(*ask, ctx),
        Fix::Approve(ask) => format!(
            "ask {} to review it and approve it with their signing key, in their clone: `reviewgate approve <commit>` (or a range, BASE..BRANCH), then `git push origin refs/notes/reviewgate`; then push again",
            whom(*ask)
        ),
    }
}

/// The words of a fix for a finding that is only a warning (warn mode,
/// break-glass): the push goes in, so say what enforce would need, never a
/// rewrite of what is about to be published.
pub fn warned(fix: &Fix, ctx: &HintContext<'_>) -> String {
    match fix {
        Fix::Review(ask) | Fix::Approve(ask) => format!(
            "under enforce this would need a review by {} before the push; it goes in now, so have it reviewed after the fact (amending a pushed commit would need a force-push)",
            whom(*ask)
        ),
        Fix::Advice(_) => hint(fix, ctx),
    }
}

/// Whom to ask, as a hint says it.
fn whom(ask: Ask) -> &'static str {
    match ask {
        Ask::NotTheAuthor => "someone who is neither the commit's author nor its committer",
        Ask::Human => "a person (not an AI or a bot)",
        Ask::Listed => "a reviewer the policy lists",
        Ask::SignOff => "someone the rule names (above)",
        Ask::AnyHuman => "a human",
    }
}

/// The command that adds the review to the tip commit.
pub fn amend_command(trailer: &str) -> String {
    format!("git commit --amend --no-edit --trailer \"{trailer}: {REVIEWER_PLACEHOLDER}\"")
}

/// The command that adds the review to every commit after `base`; with
/// `keep_merges`, merges are recreated as merges (and amended too), so the
/// history keeps its shape.
pub fn rebase_command(trailer: &str, base: &str, keep_merges: bool) -> String {
    let merges = if keep_merges { "--rebase-merges " } else { "" };
    format!(
        "git rebase {merges}--exec 'git commit --amend --no-edit --trailer \"{trailer}: {REVIEWER_PLACEHOLDER}\"' {base}"
    )
}

fn review(ask: Ask, ctx: &HintContext<'_>) -> String {
    if let Some(f) = ctx.forge_merge {
        return forge_review(ask, f, ctx.trailer);
    }
    let who = whom(ask);
    if ctx.only_tip {
        // The author adds the trailer: a reviewer who amends becomes the
        // committer, and a commit's committer never reviews it.
        format!(
            "ask {who} to review it; then its author adds the reviewer's trailer (a reviewer who amends becomes the committer and no longer counts):\n  {}",
            amend_command(ctx.trailer)
        )
    } else {
        format!("ask {who} to review it (the command that adds the reviews is below)")
    }
}

/// The one command after the list when several commits on a ref need a
/// review: the trailer on every commit since the base.
pub fn ref_fix(ctx: &HintContext<'_>) -> Option<String> {
    if ctx.forge_merge.is_some() || ctx.only_tip || ctx.needing_review == 0 {
        return None;
    }
    let base = match ctx.base.as_str() {
        "--root" => "with --root, as they go back to the first commit".to_string(),
        "BASE" => "from BASE, the last commit before them".to_string(),
        b => format!("from {b}, the last commit before them"),
    };
    let mut text = format!(
        "after the reviews, the author (not the reviewer: whoever amends becomes the committer, whose review does not count) adds the reviewer's trailer to the {} commits, {base}:\n  {}",
        ctx.needing_review,
        rebase_command(ctx.trailer, &ctx.base, ctx.keep_merges)
    );
    if let Some(tip) = &ctx.import_tip {
        text.push_str(&format!(
            "\nimporting a history written before reviewgate? rather than rewrite it, an administrator can exempt it on the server, naming the tip you are pushing:\n  git config --add {} {tip}\n(README: \"Importing an existing history\")",
            crate::keys::BASELINE
        ));
    }
    Some(text)
}

/// The fix in the forge's words, for a pull-request merge the forge made.
fn forge_review(ask: Ask, f: &ForgePush, trailer: &str) -> String {
    let who = match ask {
        Ask::NotTheAuthor => "someone who did not write these commits",
        Ask::AnyHuman => "a human reviewer",
        other => whom(other),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_never_validates() {
        assert!(crate::ident::Person::parse(REVIEWER_PLACEHOLDER).is_err());
        assert!(crate::ident::identity_readings(REVIEWER_PLACEHOLDER)
            .iter()
            .all(|r| crate::ident::Person::parse(r).is_err()));
    }
}
