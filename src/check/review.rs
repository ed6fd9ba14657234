//! Review rules (pure): which commits need a human review, which reviews
//! count, and the one function that decides whether a commit's reviews meet
//! a requirement ([`decide`]): the branch's review, the policy-change gate
//! and merge coverage all go through it, with every review setting applied
//! (who may review, how many distinct people, whether one is the pusher).

use super::judge::{Ask, Finding, Fix, Judge};
use super::reviewers::{
    decide, CommitFacts, MergeReview, Requirement, ReviewAssessment, Reviewed, ReviewerStatus,
    Shortfall, MAX_LISTED_REVIEWS,
};
use crate::detect::AiEvidence;
use crate::policy::{EmailPattern, Policy, ReviewScope};
use crate::push::{Pusher, IDENTITY_VARIABLES};
use crate::rule::Rule;

/// A commit that needs a review: why, and the reviews it carries itself.
#[derive(Debug, Clone)]
pub struct Need {
    /// How messages name it: `AI-assisted commit (Claude Code: ...)` or `commit`.
    pub what: String,
    /// Whether it is AI-assisted (`ai-unreviewed`) or all commits need review
    /// (`unreviewed`).
    pub ai: bool,
    /// Who wrote it and its own reviews, judged against the branch's review.
    pub commit: Reviewed,
    /// Where a review line sits that git does not read as a trailer (when
    /// the commit carries no review trailer), for the message.
    pub misplaced: Option<String>,
}

/// Where the first line that looks like a review (`Reviewed-by: ...`, any
/// of the policy's keys, any case) sits in a message whose trailer block
/// has none, in words; `None` when there is no such line. Names the policy's
/// key and the line's position, never the commit's text.
pub fn misplaced_review(policy: &Policy, message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let (mut paragraphs, mut in_paragraph, mut found) = (0usize, false, None);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            in_paragraph = false;
            continue;
        }
        if !in_paragraph {
            paragraphs += 1;
            in_paragraph = true;
        }
        if found.is_some() {
            continue;
        }
        let Some((key, _)) = line.split_once(':') else {
            continue;
        };
        if let Some(k) = policy
            .review
            .trailers
            .iter()
            .find(|k| k.eq_ignore_ascii_case(key.trim_end()))
        {
            found = Some((k.clone(), n + 1, paragraphs));
        }
    }
    let (key, line, paragraph) = found?;
    let place = format!("the {key}: line (line {line} of the message)");
    Some(if paragraph == 1 {
        format!("{place} is in the subject's paragraph, where git never reads trailers: only the last paragraph, the trailer block, counts; put it there, after a blank line")
    } else if paragraph < paragraphs {
        format!("{place} is in paragraph {paragraph} of {paragraphs}, and git reads trailers only in the last paragraph (the trailer block), so it is no review: move it into the last paragraph, beside the other trailers")
    } else {
        format!("{place} is in the last paragraph, which git does not read as a trailer block (it holds lines that are not `Key: value` trailers): end the message with a paragraph of trailers only")
    })
}

/// Whether the commit needs a review on a ref with `scope`: `Ok(None)` when
/// not, `Err` with a finding when it cannot be judged at all (a message git
/// shows re-encoded from an encoding reviewgate cannot decode). `evidence`
/// is why it is AI-assisted, if it is (from its message, or from outside
/// it: notes, a pull request).
pub fn need(
    judge: &Judge<'_>,
    scope: ReviewScope,
    facts: &CommitFacts<'_>,
    evidence: Option<AiEvidence>,
) -> Result<Option<Need>, Finding> {
    if scope == ReviewScope::None {
        return Ok(None);
    }
    if let Some(encoding) = &facts.undecodable {
        return Err(undecodable(judge, encoding));
    }
    if scope == ReviewScope::Ai && evidence.is_none() {
        return Ok(None);
    }
    let policy = judge.policy;
    let commit = Reviewed::of(policy, &Requirement::review(policy), facts);
    let misplaced = (commit.own.reviews.is_empty() && !policy.review.signed)
        .then(|| misplaced_review(policy, &facts.message))
        .flatten();
    Ok(Some(Need {
        what: match &evidence {
            Some(e) => format!("AI-assisted commit ({}: {})", e.tool, e.evidence),
            None => "commit".to_string(),
        },
        ai: evidence.is_some(),
        commit,
        misplaced,
    }))
}

/// The finding for a commit whose message git shows re-encoded from
/// `encoding`, which reviewgate cannot decode exactly as git does.
pub fn undecodable(judge: &Judge<'_>, encoding: &str) -> Finding {
    judge.finding(
        Rule::UndecodableMessage,
        format!("git shows this commit re-encoded from `{encoding}`, which reviewgate cannot decode exactly as git does, so its markers and reviews cannot be judged"),
        Fix::Advice("recreate the commit with a UTF-8 message (git config i18n.commitEncoding UTF-8; git commit --amend), then push again".into()),
    )
}

/// The review finding for one commit on a ref whose `scope` requires review
/// of some commits, if it needs a review and lacks one (no merge covers it).
pub fn check(
    judge: &Judge<'_>,
    scope: ReviewScope,
    facts: &CommitFacts<'_>,
    pusher: Option<&Pusher>,
) -> Option<Finding> {
    match need(judge, scope, facts, facts.ai_evidence(judge.policy)) {
        Err(f) => Some(f),
        Ok(None) => None,
        Ok(Some(n)) => decide_need(judge, &n, &[], pusher, None).err(),
    }
}

/// Decide a commit that needs review ([`decide`] with the branch's
/// requirement) and word a shortfall; `note` explains, in a rejection, why
/// no merge covered it.
pub fn decide_need<'m>(
    judge: &Judge<'_>,
    need: &Need,
    covering: &[&'m MergeReview],
    pusher: Option<&Pusher>,
    note: Option<String>,
) -> Result<Option<&'m MergeReview>, Finding> {
    let policy = judge.policy;
    decide(
        policy,
        &Requirement::review(policy),
        &need.commit,
        covering,
        pusher,
    )
    .map_err(|short| finding(judge, need, &short, note))
}

/// The finding for a commit whose reviews fall short.
pub fn finding(judge: &Judge<'_>, need: &Need, short: &Shortfall, note: Option<String>) -> Finding {
    let what = &need.what;
    match short {
        Shortfall::TooFew { valid } => {
            let mut f = missing_review(judge, &need.commit.own, what, need.ai, *valid);
            if let (0, Some(m)) = (*valid, &need.misplaced) {
                f.message.push_str(&format!("; {m}"));
            }
            if let Some(note) = note {
                f.message.push_str(&format!("; {note}"));
            }
            f
        }
        Shortfall::Unauthenticated => judge.finding(
            Rule::PusherUnauthenticated,
            format!("{what}: the policy requires that a reviewer pushes it, and the server gave no authenticated identity (looked for {IDENTITY_VARIABLES})"),
            Fix::Advice("push over the server's authenticated transport (the reviewer named in the trailer pushes), or ask the administrator to pass an identity".into()),
        ),
        Shortfall::NotThePusher { .. } => judge.finding(
            Rule::PusherNotReviewer,
            format!("{what}: {}", pusher_text(short)),
            Fix::Advice("the reviewer named in the trailer pushes the commit (the policy binds review to the authenticated pusher)".into()),
        ),
    }
}

/// Why the pusher does not count, in words (for [`Shortfall::NotThePusher`]).
pub fn pusher_text(short: &Shortfall) -> String {
    let Shortfall::NotThePusher {
        pusher,
        stands_for,
        valid,
    } = short
    else {
        return String::new();
    };
    let known = if stands_for.is_empty() {
        "no reviewer emails are mapped to this login in [identities]".to_string()
    } else {
        format!("they stand for {}", stands_for.join(", "))
    };
    let listed: Vec<&str> = valid
        .iter()
        .take(MAX_LISTED_REVIEWS)
        .map(String::as_str)
        .collect();
    format!(
        "the pusher {pusher} is not one of its valid reviewers ({}); {known}",
        listed.join(", ")
    )
}

/// The finding for a commit without enough valid reviews.
fn missing_review(
    judge: &Judge<'_>,
    a: &ReviewAssessment,
    what: &str,
    ai: bool,
    valid: usize,
) -> Finding {
    let policy = judge.policy;
    let trailer = policy.review.keys_text();
    let signed = policy.review.signed;
    let base_rule = if ai {
        Rule::AiUnreviewed
    } else {
        Rule::Unreviewed
    };
    let (rule, message) = if valid > 0 {
        (
            Rule::TooFewReviewers,
            format!(
                "{what} has {valid} distinct valid reviewer(s); the policy requires {}",
                policy.review.min_reviewers
            ),
        )
    } else if a.reviews.is_empty() && signed && a.unsigned_trailers > 0 {
        (
            Rule::ReviewNotSigned,
            format!(
                "{what} has {} typed review trailer(s) and no signed approval; the policy counts only approvals signed with a key the server lists ([review] signed = true)",
                a.unsigned_trailers
            ),
        )
    } else if a.reviews.is_empty() && signed {
        (
            base_rule,
            format!("{what} has no signed approval from a human"),
        )
    } else if a.reviews.is_empty() {
        (
            base_rule,
            format!("{what} has no {trailer} trailer from a human"),
        )
    } else {
        let rule = match a.reviews.first().map(|r| &r.1) {
            Some(ReviewerStatus::Invalid(_)) => Rule::ReviewerWithoutEmail,
            Some(ReviewerStatus::SelfReview) => Rule::SelfReview,
            Some(ReviewerStatus::Ai(_)) => Rule::AiReviewer,
            Some(ReviewerStatus::Bot) => Rule::BotReviewer,
            Some(ReviewerStatus::NotAllowed) => Rule::ReviewerNotAllowed,
            Some(ReviewerStatus::BadSignature(_)) => Rule::BadReviewSignature,
            Some(ReviewerStatus::Valid) | None => base_rule,
        };
        let mut message = format!("{what}: no valid review ({})", reasons(a));
        if a.reviews.iter().any(|r| r.1 == ReviewerStatus::NotAllowed) {
            message += &format!("; who may review: {}", allowed_reviewers(policy));
        }
        (rule, message)
    };
    let ask = match rule {
        Rule::SelfReview => Ask::NotTheAuthor,
        Rule::AiReviewer | Rule::BotReviewer => Ask::Human,
        Rule::ReviewerNotAllowed => Ask::Listed,
        _ => Ask::AnyHuman,
    };
    let fix = if signed {
        Fix::Approve(ask)
    } else {
        Fix::Review(ask)
    };
    judge.finding(rule, message, fix)
}

/// The policy's reviewer list, as a message names it (the first few patterns).
fn allowed_reviewers(policy: &Policy) -> String {
    format!(
        "{} ([review] reviewers)",
        list_text(&policy.review.reviewers)
    )
}

/// The first few entries of a list, then a count; the members of a
/// `[groups]` group as the group's name (`@seniors`).
pub fn list_text(all: &[EmailPattern]) -> String {
    let mut entries = crate::policy::glob::email_names(all);
    let more = entries.len().saturating_sub(MAX_LISTED_REVIEWS);
    entries.truncate(MAX_LISTED_REVIEWS);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{}{more}", entries.join(", "))
}

/// Whether a review's value is (or holds) the hints' placeholder.
fn is_placeholder(value: &str) -> bool {
    value.contains("REVIEWER-NAME") || value.contains("REVIEWER-EMAIL")
}

/// Why each review trailer does not count (the first few, then a count).
pub fn reasons(a: &ReviewAssessment) -> String {
    let mut reasons: Vec<String> = a
        .reviews
        .iter()
        .take(MAX_LISTED_REVIEWS)
        .map(|(value, status)| match status {
            ReviewerStatus::Invalid(_) if is_placeholder(value) => format!(
                "\"{value}\" is the hint's placeholder: put the reviewer's real name and email in its place"
            ),
            ReviewerStatus::Invalid(e) => format!("\"{value}\" {e}"),
            ReviewerStatus::SelfReview => {
                format!("\"{value}\" is the commit's author or committer")
            }
            ReviewerStatus::Ai(tool) => format!("\"{value}\" is an AI identity ({tool})"),
            ReviewerStatus::Bot => format!("\"{value}\" is a bot account"),
            ReviewerStatus::NotAllowed => format!("\"{value}\" is not in the reviewer list"),
            ReviewerStatus::BadSignature(why) => format!("\"{value}\" does not count: {why}"),
            ReviewerStatus::Valid => format!("\"{value}\" is valid"),
        })
        .collect();
    if a.reviews.len() > MAX_LISTED_REVIEWS {
        reasons.push(format!("and {} more", a.reviews.len() - MAX_LISTED_REVIEWS));
    }
    reasons.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::judge::Judge;
    use crate::check::testing::{facts, policy, pusher, CLAUDE, MAIN};
    use crate::check::{review, reviewers};
    use crate::policy::Mode;
    use crate::rule::Severity;

    type ReviewCase = (
        &'static str,
        &'static str,
        ReviewScope,
        Mode,
        &'static str,
        String,
        Option<&'static str>,
        Option<(Rule, Severity)>,
    );

    #[expect(clippy::too_many_lines, reason = "a table of cases, one per row")]
    fn review_cases() -> Vec<ReviewCase> {
        use ReviewScope::{Ai, All, None as No};
        use Severity::{Error as E, Warning as W};
        let ai = |t: &str| format!("Add parser\n\nBody.\n\n{CLAUDE}\n{t}\n");
        let dev = "Dev <dev@example.com>";
        vec![
            (
                "human commit, review ai",
                "",
                Ai,
                Mode::Enforce,
                dev,
                "Fix\n".into(),
                None,
                None,
            ),
            (
                "human commit, review all",
                "",
                All,
                Mode::Enforce,
                dev,
                "Fix\n".into(),
                None,
                Some((Rule::Unreviewed, E)),
            ),
            (
                "ai commit, review none",
                "",
                No,
                Mode::Enforce,
                dev,
                ai(""),
                None,
                None,
            ),
            (
                "ai commit unreviewed",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai(""),
                None,
                Some((Rule::AiUnreviewed, E)),
            ),
            (
                "ai commit unreviewed, warn",
                "",
                Ai,
                Mode::Warn,
                dev,
                ai(""),
                None,
                Some((Rule::AiUnreviewed, W)),
            ),
            (
                "ai commit reviewed",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                None,
                None,
            ),
            (
                "self review",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: D <DEV@example.com>"),
                None,
                Some((Rule::SelfReview, E)),
            ),
            (
                "ai reviewer",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Claude <noreply@anthropic.com> via CLI"),
                None,
                Some((Rule::AiReviewer, E)),
            ),
            (
                "bot reviewer",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: x[bot] <1+x[bot]@users.noreply.github.com>"),
                None,
                Some((Rule::BotReviewer, E)),
            ),
            (
                "no email",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann Lee"),
                None,
                Some((Rule::ReviewerWithoutEmail, E)),
            ),
            (
                "two emails",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <a@x.org> <b@x.org>"),
                None,
                Some((Rule::ReviewerWithoutEmail, E)),
            ),
            (
                "not listed",
                "[review]\nreviewers = [\"*@seniors.example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                None,
                Some((Rule::ReviewerNotAllowed, E)),
            ),
            (
                "listed",
                "[review]\nreviewers = [\"*@seniors.example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@SENIORS.example.com>"),
                None,
                None,
            ),
            (
                "too few",
                "[review]\nmin-reviewers = 2\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>\nReviewed-by: Ann L <ANN@example.com>"),
                None,
                Some((Rule::TooFewReviewers, E)),
            ),
            (
                "two reviewers",
                "[review]\nmin-reviewers = 2\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>\nReviewed-by: Bo <bo@example.com>"),
                None,
                None,
            ),
            (
                "per-rule warn",
                "[modes]\nai-unreviewed = \"warn\"\n",
                Ai,
                Mode::Enforce,
                dev,
                ai(""),
                None,
                Some((Rule::AiUnreviewed, W)),
            ),
            (
                "per-rule enforce in a warn ref",
                "[modes]\nai-unreviewed = \"enforce\"\n",
                Ai,
                Mode::Warn,
                dev,
                ai(""),
                None,
                Some((Rule::AiUnreviewed, E)),
            ),
            (
                "review key case",
                "",
                Ai,
                Mode::Enforce,
                dev,
                ai("reviewed-BY: Ann <ann@example.com>"),
                None,
                None,
            ),
            (
                "pusher unauthenticated",
                "[review]\nrequire-pusher = true\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                None,
                Some((Rule::PusherUnauthenticated, E)),
            ),
            (
                "pusher not reviewer",
                "[review]\nrequire-pusher = true\n[identities]\nbo = [\"bo@example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                Some("bo"),
                Some((Rule::PusherNotReviewer, E)),
            ),
            (
                "pusher is reviewer",
                "[review]\nrequire-pusher = true\n[identities]\nann = [\"ann@example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                Some("ann"),
                None,
            ),
            (
                "pusher login case",
                "[review]\nrequire-pusher = true\n[identities]\nann = [\"ann@example.com\"]\n",
                Ai,
                Mode::Enforce,
                dev,
                ai("Reviewed-by: Ann <ann@example.com>"),
                Some("Ann"),
                Some((Rule::PusherNotReviewer, E)),
            ),
        ]
    }

    #[test]
    fn review_rules() {
        let cases = review_cases();
        assert!(cases.len() >= 20);
        for (name, extra, scope, mode, author, message, who, want) in cases {
            let p = policy(&format!("{extra}{MAIN}"));
            let judge = Judge {
                policy: &p,
                mode,
                bypass: false,
            };
            let pusher = who.map(pusher);
            let got = review::check(&judge, scope, &facts(author, &message), pusher.as_ref());
            assert_eq!(got.map(|f| (f.rule, f.severity)), want, "{name}");
        }
    }

    #[test]
    #[expect(clippy::too_many_lines, reason = "a table of cases, one per row")]
    fn merge_coverage() {
        use crate::ident::Person;
        let merge = |emails: &[&str]| reviewers::MergeReview {
            id: git2::Oid::zero(),
            reviewers: emails
                .iter()
                .map(|e| Person::parse(&format!("R <{e}>")).expect("person"))
                .collect(),
        };
        let ai = format!("Add parser\n\n{CLAUDE}\n");
        let own_ann = format!("Add parser\n\n{CLAUDE}\nReviewed-by: Ann <ann@example.com>\n");
        let dev = "Dev <dev@example.com>";
        let ann_wrote = "Ann <ann@example.com>";
        // (name, extra policy, author, message, merge reviewers, pusher, expected rule, covered)
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a str,
            &'a str,
            Vec<&'a str>,
            Option<&'a str>,
            Option<Rule>,
            bool,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "merge review covers",
                "",
                dev,
                &ai,
                vec!["ann@example.com"],
                None,
                None,
                true,
            ),
            (
                "no merge",
                "",
                dev,
                &ai,
                vec![],
                None,
                Some(Rule::AiUnreviewed),
                false,
            ),
            (
                "the reviewer wrote it",
                "",
                ann_wrote,
                &ai,
                vec!["ann@example.com"],
                None,
                Some(Rule::AiUnreviewed),
                false,
            ),
            (
                "another merge reviewer counts",
                "",
                ann_wrote,
                &ai,
                vec!["ann@example.com", "bo@example.com"],
                None,
                None,
                true,
            ),
            (
                "own and merge, min 2, distinct",
                "[review]\nmin-reviewers = 2\n",
                dev,
                &own_ann,
                vec!["bo@example.com"],
                None,
                None,
                true,
            ),
            (
                "own and merge, min 2, same person",
                "[review]\nmin-reviewers = 2\n",
                dev,
                &own_ann,
                vec!["ann@example.com"],
                None,
                Some(Rule::TooFewReviewers),
                false,
            ),
            (
                "merge alone, min 2",
                "[review]\nmin-reviewers = 2\n",
                dev,
                &ai,
                vec!["ann@example.com"],
                None,
                Some(Rule::TooFewReviewers),
                false,
            ),
            ("own suffices", "", dev, &own_ann, vec![], None, None, false),
            (
                "require-pusher: the merge reviewer pushes",
                "[review]\nrequire-pusher = true\n[identities]\nann = [\"ann@example.com\"]\n",
                dev,
                &ai,
                vec!["ann@example.com"],
                Some("ann"),
                None,
                true,
            ),
            (
                "require-pusher: someone else pushes",
                "[review]\nrequire-pusher = true\n[identities]\nbo = [\"bo@example.com\"]\n",
                dev,
                &ai,
                vec!["ann@example.com"],
                Some("bo"),
                Some(Rule::PusherNotReviewer),
                false,
            ),
        ];
        for (name, extra, author, message, reviewers, who, want, covered) in cases {
            let p = policy(&format!("{extra}{MAIN}"));
            let judge = Judge {
                policy: &p,
                mode: Mode::Enforce,
                bypass: false,
            };
            let f = facts(author, message);
            let need = review::need(&judge, ReviewScope::Ai, &f, f.ai_evidence(&p))
                .expect("judged")
                .expect("needs review");
            let m = merge(&reviewers);
            let covering = [&m];
            let who = who.map(pusher);
            let (f, through) =
                match review::decide_need(&judge, &need, &covering, who.as_ref(), None) {
                    Ok(through) => (None, through),
                    Err(f) => (Some(f), None),
                };
            assert_eq!(f.map(|f| f.rule), want, "{name}");
            assert_eq!(through.is_some(), covered, "{name}");
        }
    }

    #[test]
    fn a_review_line_outside_the_trailer_block_is_located() {
        let p = policy("[[protect]]\nrefs = [\"refs/heads/main\"]\n");
        let table: &[(&str, Option<&str>)] = &[
            // The natural two -m: the review in the middle paragraph.
            (
                "Add parser\n\nReviewed-by: Ann <ann@example.com>\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
                Some("the Reviewed-by: line (line 3 of the message) is in paragraph 2 of 3"),
            ),
            (
                "Reviewed-by: Ann <ann@example.com>\n",
                Some("the Reviewed-by: line (line 1 of the message) is in the subject's paragraph"),
            ),
            // Last paragraph, but prose makes it no trailer block; any case.
            (
                "Add parser\n\nSome prose here.\nmore prose\nand more\napproved-by: Ann <ann@example.com>\n",
                Some("the Approved-by: line (line 6 of the message) is in the last paragraph, which git does not read as a trailer block"),
            ),
            ("Add parser\n\nNo review at all.\n", None),
            ("Add parser\n\nReviewed by Ann, in person.\n", None),
        ];
        for (message, want) in table {
            let got = misplaced_review(&p, message.as_bytes());
            match (want, &got) {
                (None, None) => {}
                (Some(w), Some(g)) => assert!(g.starts_with(w), "{message:?}:\n{g}"),
                _ => panic!("{message:?}: got {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn an_undecodable_message_needs_review_where_review_is_required() {
        let p = policy(MAIN);
        let judge = Judge {
            policy: &p,
            mode: Mode::Enforce,
            bypass: false,
        };
        let mut f = facts("Dev <dev@example.com>", "Fix\n");
        f.undecodable = Some("UTF-7".into());
        let got = review::check(&judge, ReviewScope::Ai, &f, None).map(|f| f.rule);
        assert_eq!(got, Some(Rule::UndecodableMessage));
        assert_eq!(review::check(&judge, ReviewScope::None, &f, None), None);
    }
}
