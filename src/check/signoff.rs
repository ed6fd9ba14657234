//! Sign-off rules (pure): which `[[signoff]]` rules apply to a commit (who
//! wrote it, whether it is AI-assisted, what it changes, where it lands),
//! and whether its reviews meet each; and the two rules about AI itself on
//! a ref: `ai = "forbid"` and an AI's `Signed-off-by:`.
//!
//! Cheap questions first: a rule is a candidate for a commit only when it
//! covers the ref, the author and the kind of commit, and the commit's own
//! reviews do not already meet it; only then are the paths it changes asked
//! for, and only the paths a candidate's `files` may match.

use super::judge::{Ask, Finding, Fix, Judge};
use super::review::{list_text, pusher_text, reasons};
use super::reviewers::{decide, CommitFacts, MergeReview, Requirement, Reviewed, Shortfall};
use crate::changes::{Changes, Filter, MAX_CHANGED_PATHS};
use crate::detect::AiEvidence;
use crate::policy::{Effective, PathPattern, Policy, Signoff, SignoffCommits};
use crate::push::Pusher;
use crate::rule::Rule;

/// How many matching paths a message names before it counts the rest.
const MAX_NAMED_PATHS: usize = 3;

/// The sign-off rules that cover one ref (by their `refs`), as indices
/// into the policy's list.
#[derive(Debug, Clone, Default)]
pub struct RulesHere {
    rules: Vec<usize>,
    asks_ai: bool,
}

impl RulesHere {
    /// The rules `eff` (a protected ref's protections) lists.
    pub fn of(policy: &Policy, eff: &Effective<'_>) -> Self {
        let asks_ai = eff.signoffs.iter().any(|&i| {
            policy
                .signoffs
                .get(i)
                .is_some_and(|s| s.commits == SignoffCommits::Ai)
        });
        Self {
            rules: eff.signoffs.clone(),
            asks_ai,
        }
    }

    /// Whether no rule covers the ref.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a rule here asks whether commits are AI-assisted.
    pub fn asks_ai(&self) -> bool {
        self.asks_ai
    }
}

/// A rule that may apply to a commit, before its paths are known: it covers
/// the author and the kind of commit, and the commit's own reviews do not
/// meet it (an index into the policy's `signoffs`).
pub type Candidate = usize;

/// Whether `message` may contain `key` in any letter case: a scan for one of
/// its bytes that letter case does not change (the `-` of `Reviewed-by`),
/// else for its first letter, then a comparison.
fn mentions(message: &[u8], key: &[u8]) -> bool {
    let at = |i: usize, off: usize| {
        i.checked_sub(off)
            .and_then(|start| message.get(start..start + key.len()))
            .is_some_and(|w| w.eq_ignore_ascii_case(key))
    };
    if let Some(off) = key.iter().position(|c| !c.is_ascii_alphabetic()) {
        let byte = key.get(off).copied().unwrap_or_default();
        return memchr::memchr_iter(byte, message).any(|i| at(i, off));
    }
    let Some(&first) = key.first() else {
        return false;
    };
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        message,
    )
    .any(|i| at(i, 0))
}

/// Whether `message` may carry a trailer with one of `keys`.
fn may_carry(message: &[u8], keys: &[String]) -> bool {
    keys.iter().any(|k| mentions(message, k.as_bytes()))
}

/// The candidates among `here`'s rules for a commit (`ai`: whether it is
/// AI-assisted). Cheap on the common commit: the author's address is read
/// only when a rule names authors, and reviews only when the message may
/// carry one.
pub fn candidates(
    policy: &Policy,
    here: &RulesHere,
    facts: &CommitFacts<'_>,
    (ai, branch_review): (bool, Option<&Reviewed>),
    pusher: Option<&Pusher>,
) -> Vec<Candidate> {
    let mut author: Option<String> = None;
    let mut out = Vec::new();
    for &i in &here.rules {
        let Some(rule) = policy.signoffs.get(i) else {
            continue;
        };
        if rule.commits == SignoffCommits::Ai && !ai {
            continue;
        }
        if !rule.authors.is_empty() || !rule.except_authors.is_empty() {
            let email = author.get_or_insert_with(|| facts.author.email_lower());
            if !rule.covers_author(email) {
                continue;
            }
        }
        out.push(i);
    }
    if !out.is_empty() && may_carry(&facts.message, &policy.review.trailers) {
        out.retain(|&i| {
            policy.signoffs.get(i).is_some_and(|rule| {
                let req = Requirement::signoff(policy, rule);
                // The branch's review judged the same list already.
                let same = same_list(&rule.reviewers, &policy.review.reviewers);
                let commit = match branch_review.filter(|_| same) {
                    Some(r) => std::borrow::Cow::Borrowed(r),
                    None => std::borrow::Cow::Owned(Reviewed::of(policy, &req, facts)),
                };
                decide(policy, &req, &commit, &[], pusher).is_err()
            })
        });
    }
    out
}

/// Whether two reviewer lists are written the same (then they judge every
/// review the same).
fn same_list(a: &[crate::policy::EmailPattern], b: &[crate::policy::EmailPattern]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.as_str() == y.as_str())
}

/// The paths some candidate's `files` may match: what a tree diff reads.
pub struct Asked<'p> {
    patterns: Vec<&'p PathPattern>,
}

/// What the candidates ask of the commit's paths; `None` when none has
/// `files` (each then applies whatever the commit changes: no diff).
pub fn asked<'p>(policy: &'p Policy, candidates: &[Candidate]) -> Option<Asked<'p>> {
    let asks = |c: &Candidate| policy.signoffs.get(*c).is_some_and(|r| !r.files.is_empty());
    if !candidates.iter().any(asks) {
        return None;
    }
    let patterns: Vec<&PathPattern> = candidates
        .iter()
        .filter_map(|&c| policy.signoffs.get(c))
        .flat_map(|r| r.files.iter())
        .collect();
    (!patterns.is_empty()).then_some(Asked { patterns })
}

impl Filter for Asked<'_> {
    fn may_matter_under(&self, dir: &str) -> bool {
        self.patterns.iter().any(|p| p.may_match_under(dir))
    }
    fn matters(&self, path: &str) -> bool {
        let parts = crate::policy::glob::PathParts::of(path);
        self.patterns.iter().any(|p| p.matches_parts(&parts))
    }
}

/// Whether a candidate applies given what the commit changes (`changes`:
/// the diff, when one was made): a rule without `files` always does.
fn applies_to(rule: &Signoff, changes: Option<&Changes>) -> bool {
    rule.files.is_empty()
        || changes
            .is_none_or(|ch| ch.truncated || ch.paths.iter().any(|p| rule.file_match(p).is_some()))
}

/// Whether any candidate applies (before the commit is read again for the
/// words and reviews of [`applies`]).
pub fn any_applies(policy: &Policy, candidates: &[Candidate], changes: Option<&Changes>) -> bool {
    candidates
        .iter()
        .filter_map(|&c| policy.signoffs.get(c))
        .any(|r| applies_to(r, changes))
}

/// A rule that applies to a commit, why, and the commit's own reviews.
#[derive(Debug, Clone)]
pub struct Applies {
    /// The rule (an index into the policy's `signoffs`).
    pub rule: usize,
    /// Why it applies, in words.
    pub why: String,
    /// Who wrote the commit and its own reviews, judged against the rule.
    pub commit: Reviewed,
}

/// The candidates that apply to the commit `facts` shows, given what it
/// changes (`changes`: the diff, when one was made) and why it is
/// AI-assisted.
pub fn applies(
    policy: &Policy,
    candidates: Vec<Candidate>,
    facts: &CommitFacts<'_>,
    evidence: Option<&AiEvidence>,
    changes: Option<&Changes>,
) -> Vec<Applies> {
    let mut out = Vec::new();
    for c in candidates {
        let Some(rule) = policy.signoffs.get(c).filter(|r| applies_to(r, changes)) else {
            continue;
        };
        let commit = Reviewed::of(policy, &Requirement::signoff(policy, rule), facts);
        let mut why = Vec::new();
        if let Some(a) = rule.authors.iter().find(|a| a.matches(&commit.author)) {
            let set = a
                .group()
                .map_or_else(|| a.as_str().to_string(), |g| format!("@{g}"));
            why.push(format!("its author {} is in {set}", commit.author));
        }
        if rule.commits == SignoffCommits::Ai {
            if let Some(e) = evidence {
                why.push(format!("it is AI-assisted ({}: {})", e.tool, e.evidence));
            }
        }
        if !rule.files.is_empty() {
            why.push(match changes {
                Some(ch) if ch.truncated => format!(
                    "it changes more than {MAX_CHANGED_PATHS} paths (counted as touching every path)"
                ),
                Some(ch) => {
                    let hits: Vec<&str> = ch
                        .paths
                        .iter()
                        .filter(|p| rule.file_match(p).is_some())
                        .map(String::as_str)
                        .collect();
                    format!("it changes {}", paths_text(rule, &hits))
                }
                // The caller could not read the paths: the safe side.
                None => "its paths could not be read".to_string(),
            });
        }
        out.push(Applies {
            rule: c,
            why: if why.is_empty() {
                "it applies to every commit on this ref".to_string()
            } else {
                why.join(", ")
            },
            commit,
        });
    }
    out
}

/// Up to [`MAX_NAMED_PATHS`] matching paths, then a count; a built-in
/// group's match says so (`CLAUDE.md (@agent-config)`).
fn paths_text(rule: &Signoff, hits: &[&str]) -> String {
    let mut shown: Vec<String> = hits
        .iter()
        .take(MAX_NAMED_PATHS)
        .map(|p| match rule.file_match(p).and_then(PathPattern::group) {
            Some(g) => format!("{p} ({g})"),
            None => (*p).to_string(),
        })
        .collect();
    if hits.len() > MAX_NAMED_PATHS {
        shown.push(format!("{} more", hits.len() - MAX_NAMED_PATHS));
    }
    shown.join(", ")
}

/// Decide a rule that applies, counting the reviewed merges `covering` the
/// commit (a merge's reviewer counts only if the rule's list allows them),
/// and word a shortfall; `note` says why no merge covered it.
pub fn decide_rule<'m>(
    judge: &Judge<'_>,
    a: &Applies,
    covering: &[&'m MergeReview],
    pusher: Option<&Pusher>,
    note: Option<String>,
) -> Result<Option<&'m MergeReview>, Finding> {
    let policy = judge.policy;
    let Some(rule) = policy.signoffs.get(a.rule) else {
        return Ok(None);
    };
    let req = Requirement::signoff(policy, rule);
    decide(policy, &req, &a.commit, covering, pusher)
        .map_err(|short| missing(judge, rule, a, &short, note))
}

/// The `signoff-missing` finding.
fn missing(
    judge: &Judge<'_>,
    rule: &Signoff,
    a: &Applies,
    short: &Shortfall,
    note: Option<String>,
) -> Finding {
    let who = if rule.reviewers.is_empty() {
        "any valid human reviewer".to_string()
    } else {
        list_text(&rule.reviewers)
    };
    let need = rule.min_reviewers;
    let mut message = format!("[[signoff]] \"{}\" applies ({})", rule.name, a.why);
    match short {
        Shortfall::TooFew { valid } => {
            message.push_str(&format!(
                ": it needs {need} sign-off(s) from {who}, and has {valid}"
            ));
            let own = &a.commit.own;
            if own.reviews.len() > own.distinct_valid() {
                message.push_str(&format!(" ({})", reasons(own)));
            }
        }
        Shortfall::Unauthenticated => message.push_str(&format!(
            ": it needs {need} sign-off(s) from {who}, one of them the pusher, and the server named no pusher"
        )),
        Shortfall::NotThePusher { .. } => {
            message.push_str(&format!(": {}", pusher_text(short)));
        }
    }
    if let Some(note) = note {
        message.push_str(&format!("; {note}"));
    }
    let fix = if judge.policy.review.signed {
        Fix::Approve(Ask::SignOff)
    } else {
        Fix::Review(Ask::SignOff)
    };
    judge.finding(Rule::SignoffMissing, message, fix)
}

/// The `ai-forbidden` finding for an AI-assisted commit on a ref whose
/// policy says `ai = "forbid"`.
pub fn forbidden(judge: &Judge<'_>, evidence: &AiEvidence) -> Finding {
    judge.finding(
        Rule::AiForbidden,
        format!(
            "AI-assisted commit ({}: {}): this ref does not accept AI-generated contributions, reviewed or not ([[protect]] ai = \"forbid\")",
            evidence.tool, evidence.evidence
        ),
        Fix::Advice("rewrite the change without AI assistance, or land it on a branch that accepts AI-assisted work".into()),
    )
}

/// Whether `message` may hold a `Signed-off-by:` trailer (any letter case):
/// a scan for the key before any trailer is parsed.
pub fn may_sign_off(message: &[u8]) -> bool {
    mentions(message, b"signed-off-by")
}

/// The `ai-signoff` finding, when a `Signed-off-by:` trailer names an AI.
pub fn ai_signoff(judge: &Judge<'_>, facts: &CommitFacts<'_>) -> Option<Finding> {
    let detector = &judge.policy.detector;
    let (value, tool) = crate::trailers::parse(&facts.message)
        .into_iter()
        .filter(|t| t.key_is("signed-off-by"))
        .find_map(|t| Some((detector.person_is_ai(&t.value)?, t.value)))
        .map(|(tool, value)| (value, tool))?;
    Some(judge.finding(
        Rule::AiSignoff,
        format!("\"Signed-off-by: {value}\" names an AI identity ({tool}): only a human can certify the Developer Certificate of Origin"),
        Fix::Advice("remove the AI's Signed-off-by line (git commit --amend) and sign off yourself (git commit --amend --no-edit -s); credit the tool with Assisted-by: instead".into()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{eff_of, facts, policy, CLAUDE};
    use crate::policy::Mode;
    use crate::rule::Severity;

    const SENIORS: &str = "[groups]\nseniors = [\"ann@example.com\", \"*@sre.example.com\"]\njuniors = [\"*@example.com\"]\n\n[[protect]]\nrefs = [\"refs/heads/main\"]\n\n[[signoff]]\nname = \"seniors sign off AI changes by junior staff\"\nauthors = [\"@juniors\"]\nexcept-authors = [\"@seniors\"]\ncommits = \"ai\"\nreviewers = [\"@seniors\"]\n\n[[signoff]]\nname = \"production infrastructure\"\nfiles = [\"infra/**\", \"**/*.tf\"]\ncommits = \"all\"\nreviewers = [\"@seniors\"]\nmin-reviewers = 2\n";

    fn judge(p: &Policy) -> Judge<'_> {
        Judge {
            policy: p,
            mode: Mode::Enforce,
            bypass: false,
        }
    }

    fn changes(paths: &[&str]) -> Changes {
        Changes {
            paths: paths.iter().map(|p| p.to_string()).collect(),
            truncated: false,
        }
    }

    /// The names of the rules a commit by `author` with `message`, changing
    /// `paths`, fails on main.
    fn failing(p: &Policy, author: &str, message: &str, paths: &[&str]) -> Vec<String> {
        let f = facts(author, message);
        let evidence = f.ai_evidence(p);
        let here = RulesHere::of(p, &eff_of(p, "refs/heads/main"));
        let cands = candidates(p, &here, &f, (evidence.is_some(), None), None);
        let ch = changes(paths);
        let applying = applies(p, cands, &f, evidence.as_ref(), Some(&ch));
        applying
            .iter()
            .filter(|a| decide_rule(&judge(p), a, &[], None, None).is_err())
            .map(|a| p.signoffs[a.rule].name.clone())
            .collect()
    }

    /// A case: what it shows, the author, the message, the paths it
    /// changes, and the rules it fails.
    type Case<'a> = (&'a str, &'a str, String, &'a [&'a str], Vec<&'a str>);

    #[test]
    fn who_wrote_it_what_it_changes_and_who_signed_decide() {
        let p = policy(SENIORS);
        let junior = "Jo Junior <jo@example.com>";
        let senior = "Ann Senior <ann@example.com>";
        let ai = |trailers: &str| format!("Add parser\n\nBody.\n\n{CLAUDE}\n{trailers}");
        let by = |who: &str| format!("Reviewed-by: {who}\n");
        let juniors_rule = "seniors sign off AI changes by junior staff";
        let infra = "production infrastructure";
        let table: Vec<Case<'_>> = vec![
            (
                "a junior's AI commit reviewed by a non-senior",
                junior,
                ai(&by("Bo Peer <bo@example.com>")),
                &["src/lib.rs"],
                vec![juniors_rule],
            ),
            (
                "... and by a senior",
                junior,
                ai(&by("Ann Senior <ann@example.com>")),
                &["src/lib.rs"],
                vec![],
            ),
            (
                "... and by a senior from the SRE domain",
                junior,
                ai(&by("Sam <sam@sre.example.com>")),
                &["src/lib.rs"],
                vec![],
            ),
            (
                "a senior's AI commit, reviewed by any human (the juniors rule never applies)",
                senior,
                ai(&by("Bo Peer <bo@example.com>")),
                &["src/lib.rs"],
                vec![],
            ),
            (
                "a junior's human commit",
                junior,
                "Fix typo\n".to_string(),
                &["src/lib.rs"],
                vec![],
            ),
            (
                "a human commit under infra/ with one senior where two are needed",
                junior,
                format!("Tune VPC\n\n{}", by("Ann Senior <ann@example.com>")),
                &["infra/net/vpc.tf"],
                vec![infra],
            ),
            (
                "... with two seniors",
                junior,
                format!(
                    "Tune VPC\n\n{}{}",
                    by("Ann Senior <ann@example.com>"),
                    by("Sam <sam@sre.example.com>")
                ),
                &["infra/net/vpc.tf"],
                vec![],
            ),
            (
                "a nested **/*.tf outside infra/",
                senior,
                "Add module\n".to_string(),
                &["modules/a/b/main.tf"],
                vec![infra],
            ),
            (
                "the same senior twice",
                junior,
                format!(
                    "Tune\n\n{}{}",
                    by("Ann Senior <ann@example.com>"),
                    by("Ann S <ANN@example.com>")
                ),
                &["infra/x"],
                vec![infra],
            ),
            (
                "a junior's AI commit under infra/: both rules, each on its own",
                junior,
                ai(&by("Ann Senior <ann@example.com>")),
                &["infra/main.tf"],
                vec![infra],
            ),
            (
                "... with no review at all",
                junior,
                ai(""),
                &["infra/main.tf"],
                vec![juniors_rule, infra],
            ),
            (
                "a senior reviewing their own commit does not count",
                senior,
                format!(
                    "Tune\n\n{}{}",
                    by("Ann <ann@example.com>"),
                    by("Sam <sam@sre.example.com>")
                ),
                &["infra/main.tf"],
                vec![infra],
            ),
            (
                "an AI reviewer never signs off",
                junior,
                format!(
                    "Tune\n\n{}{}",
                    by("Claude <noreply@anthropic.com>"),
                    by("Sam <sam@sre.example.com>")
                ),
                &["infra/main.tf"],
                vec![infra],
            ),
            (
                "paths are case-sensitive, as git's",
                junior,
                "Tune\n".to_string(),
                &["Infra/main.TF"],
                vec![],
            ),
        ];
        for (case, author, message, paths, want) in table {
            assert_eq!(failing(&p, author, &message, paths), want, "{case}");
        }
    }

    #[test]
    fn a_truncated_diff_touches_every_path() {
        let p = policy(SENIORS);
        let f = facts("Jo <jo@example.com>", "Huge\n");
        let here = RulesHere::of(&p, &eff_of(&p, "refs/heads/main"));
        let cands = candidates(&p, &here, &f, (false, None), None);
        let ch = Changes {
            paths: vec!["docs/a.md".into()],
            truncated: true,
        };
        let a = applies(&p, cands, &f, None, Some(&ch));
        assert_eq!(a.len(), 1);
        assert!(
            a[0].why.contains("counted as touching every path"),
            "{}",
            a[0].why
        );
    }

    #[test]
    fn the_message_names_the_rule_why_and_who() {
        let p = policy(SENIORS);
        let f = facts(
            "Jo Junior <jo@example.com>",
            "Add parser\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nReviewed-by: Bo <bo@example.com>\n",
        );
        let evidence = f.ai_evidence(&p);
        let here = RulesHere::of(&p, &eff_of(&p, "refs/heads/main"));
        let cands = candidates(&p, &here, &f, (true, None), None);
        let ch = changes(&["infra/a.tf", "infra/b.tf", "infra/c.tf", "x/d.tf", "README"]);
        let all = applies(&p, cands, &f, evidence.as_ref(), Some(&ch));
        let msgs: Vec<String> = all
            .iter()
            .map(|a| {
                decide_rule(&judge(&p), a, &[], None, None)
                    .expect_err("short")
                    .message
            })
            .collect();
        assert_eq!(
            msgs[0],
            "[[signoff]] \"seniors sign off AI changes by junior staff\" applies (its author jo@example.com is in @juniors, it is AI-assisted (Claude Code: trailer Co-Authored-By: Claude <noreply@anthropic.com>)): it needs 1 sign-off(s) from @seniors, and has 0 (\"Bo <bo@example.com>\" is not in the reviewer list)"
        );
        assert_eq!(
            msgs[1],
            "[[signoff]] \"production infrastructure\" applies (it changes infra/a.tf, infra/b.tf, infra/c.tf, 1 more): it needs 2 sign-off(s) from @seniors, and has 0 (\"Bo <bo@example.com>\" is not in the reviewer list)"
        );
    }

    #[test]
    fn forbidden_and_ai_signoffs() {
        let p = policy("[[protect]]\nrefs = [\"refs/heads/legacy\"]\nai = \"forbid\"\n");
        let j = judge(&p);
        let table = [
            (
                "Fix\n\nSigned-off-by: Claude <noreply@anthropic.com>\n",
                true,
            ),
            (
                "Fix\n\nSigned-off-by: Claude Opus 4.6 <claude@example.org>\n",
                true,
            ),
            (
                "Fix\n\nsigned-off-by: Copilot <175728472+Copilot@users.noreply.github.com>\n",
                true,
            ),
            (
                "Fix\n\nSigned-off-by: Claude Monet <claude@example.org>\n",
                false,
            ),
            (
                "Fix\n\nSigned-off-by: Dev Eloper <dev@example.com>\n",
                false,
            ),
            (
                "Signed-off-by: Claude <noreply@anthropic.com> in the subject\n",
                false,
            ),
        ];
        for (message, want) in table {
            let f = facts("Dev <dev@example.com>", message);
            let got = ai_signoff(&j, &f);
            assert_eq!(got.is_some(), want, "{message}");
            if let Some(g) = got {
                assert_eq!((g.rule, g.severity), (Rule::AiSignoff, Severity::Error));
            }
        }
        let message = format!("Fix\n\n{CLAUDE}\nReviewed-by: Ann <ann@example.com>\n");
        let f = facts("Dev <dev@example.com>", &message);
        let e = f.ai_evidence(&p).expect("AI");
        let found = forbidden(&j, &e);
        assert_eq!(found.rule, Rule::AiForbidden);
        assert!(
            found.message.contains("reviewed or not"),
            "{}",
            found.message
        );
    }
}
