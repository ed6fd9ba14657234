//! Policies that parse but cannot work as written: a quorum larger than the
//! people its list names, a rule whose only reviewer is an author it
//! applies to, a rule for a ref nothing protects. `reviewgate policy check`
//! prints these as warnings; none of them rejects a policy.

use super::glob::email_names;
use super::{EmailPattern, Policy};

impl Policy {
    /// What cannot work as written, in words.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let r = &self.review;
        out.extend(quorum(
            "[review] reviewers",
            &r.reviewers,
            r.min_reviewers,
            "min-reviewers",
        ));
        out.extend(quorum(
            "[policy] owners",
            &self.owners,
            r.min_reviewers,
            "[review] min-reviewers",
        ));
        for s in &self.signoffs {
            let what = format!("[[signoff]] {:?}", s.name);
            out.extend(quorum(
                &format!("{what} reviewers"),
                &s.reviewers,
                s.min_reviewers,
                "min-reviewers",
            ));
            // Enough people overall, but not for each one's own commits.
            let min = s.min_reviewers as usize;
            if let Some(exact) = exact_people(&s.reviewers).filter(|e| e.len() >= min) {
                for person in &exact {
                    let left = exact.len() - 1;
                    if s.covers_author(person) && left < min {
                        out.push(format!(
                            "{what}: {person} is one of its authors and on its reviewer list, and the list names {left} other(s) for the {} sign-off(s) it needs: {person}'s own commits can never be signed off",
                            s.min_reviewers
                        ));
                    }
                }
            }
            for r in &s.refs {
                let text = r.as_str();
                let literal = !text.contains(['*', '?', '[', '{', '@']);
                if literal && !self.is_protected(text, None) {
                    out.push(format!(
                        "{what}: refs names {text}, which no [[protect]] entry protects; rules apply only on protected refs"
                    ));
                }
            }
        }
        out
    }
}

impl Policy {
    /// Whether this policy protects `branch`, the branch it is read from
    /// (`None`: the server's default branch, whichever it is: only
    /// `@default` or a pattern every branch matches protects it).
    pub fn protects_its_branch(&self, branch: Option<&str>) -> bool {
        const ANY_DEFAULT: &str = "refs/heads/\u{0}default";
        match branch {
            Some(b) => self.is_protected(b, Some(b)),
            None => self.is_protected(ANY_DEFAULT, Some(ANY_DEFAULT)),
        }
    }

    /// The warning `policy check` prints when the policy does not protect
    /// the branch it would be read from (see [`Policy::protects_its_branch`]).
    pub fn self_protection_warning(&self, branch: Option<&str>) -> Option<String> {
        if self.protects_its_branch(branch) {
            return None;
        }
        let on = branch.map_or_else(
            || "the default branch".to_string(),
            |b| format!("{b}, the default branch here"),
        );
        Some(format!(
            "no [[protect]] entry protects @default: read from {on}, this policy would not protect itself, so the server refuses it there (policy-change-invalid); add \"@default\" to a [[protect]] entry's refs"
        ))
    }
}

/// Why a policy read from `branch` that does not protect it cannot be
/// trusted (the loader's and the policy gate's words).
pub fn unprotected_branch(branch: &str) -> String {
    format!(
        "this policy is read from {branch}, which it does not protect, so anyone could change it unreviewed; add \"@default\" or \"{branch}\" to a [[protect]] entry's refs"
    )
}

/// The lowercase addresses a list names, when every entry is one exact
/// address (a wildcard names people we cannot count).
fn exact_people(list: &[EmailPattern]) -> Option<Vec<String>> {
    if list.is_empty() || !list.iter().all(EmailPattern::is_exact) {
        return None;
    }
    let mut people: Vec<String> = list.iter().map(|p| p.as_str().to_lowercase()).collect();
    people.sort();
    people.dedup();
    Some(people)
}

/// A warning when `list` names fewer exact people than `min` asks for.
fn quorum(what: &str, list: &[EmailPattern], min: u32, key: &str) -> Option<String> {
    let people = exact_people(list)?;
    (people.len() < min as usize).then(|| {
        format!(
            "{what} ({}) names {} person(s), fewer than the {min} that {key} asks for: it can never be met",
            email_names(list).join(", "),
            people.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::policy::{Policy, PolicySource};

    fn warnings(text: &str) -> Vec<String> {
        Policy::parse(text, &PolicySource::Builtin)
            .expect("parses")
            .warnings()
    }

    #[test]
    fn rules_that_can_never_be_met_are_named() {
        let main = "[[protect]]\nrefs = [\"refs/heads/main\"]\n";
        let table: &[(&str, &[&str])] = &[
            ("", &[]),
            (
                "[review]\nreviewers = [\"ann@example.com\"]\nmin-reviewers = 2\n",
                &["[review] reviewers (ann@example.com) names 1 person(s), fewer than the 2"],
            ),
            // A wildcard names people we cannot count.
            ("[review]\nreviewers = [\"*@example.com\"]\nmin-reviewers = 2\n", &[]),
            (
                "[groups]\nseniors = [\"ann@example.com\", \"bo@example.com\"]\n[[signoff]]\nname = \"infra\"\nreviewers = [\"@seniors\"]\nmin-reviewers = 3\n",
                &["[[signoff]] \"infra\" reviewers (@seniors) names 2 person(s), fewer than the 3"],
            ),
            (
                "[groups]\nleads = [\"ann@example.com\"]\n[[signoff]]\nname = \"leads\"\nauthors = [\"*@example.com\"]\nreviewers = [\"@leads\"]\n",
                &["[[signoff]] \"leads\": ann@example.com is one of its authors and on its reviewer list, and the list names 0 other(s)"],
            ),
            // Excepted from the authors: fine.
            (
                "[groups]\nleads = [\"ann@example.com\"]\n[[signoff]]\nname = \"leads\"\nauthors = [\"*@example.com\"]\nexcept-authors = [\"@leads\"]\nreviewers = [\"@leads\"]\n",
                &[],
            ),
            (
                "[[signoff]]\nname = \"prod\"\nrefs = [\"refs/heads/prod\"]\n",
                &["[[signoff]] \"prod\": refs names refs/heads/prod, which no [[protect]] entry protects"],
            ),
        ];
        for (text, want) in table {
            let got = warnings(&format!("{main}{text}"));
            assert_eq!(got.len(), want.len(), "{text}: {got:?}");
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(
                    g.starts_with(w),
                    "{text}:\n{g}\nwanted it to start with\n{w}"
                );
            }
        }
    }

    #[test]
    fn a_policy_must_protect_the_branch_it_is_read_from() {
        let table: &[(&str, Option<&str>, bool)] = &[
            ("@default", None, true),
            ("@default", Some("refs/heads/trunk"), true),
            ("refs/heads/*", None, true),
            ("refs/heads/release/*", None, false),
            ("refs/heads/release/*", Some("refs/heads/main"), false),
            // Named, it protects that branch only.
            ("refs/heads/main", Some("refs/heads/main"), true),
            ("refs/heads/main", Some("refs/heads/trunk"), false),
            ("refs/heads/main", None, false),
        ];
        for (refs, branch, protects) in table {
            let p = Policy::parse(
                &format!("[[protect]]\nrefs = [\"{refs}\"]\n"),
                &PolicySource::Builtin,
            )
            .expect("parses");
            assert_eq!(
                p.protects_its_branch(*branch),
                *protects,
                "{refs} {branch:?}"
            );
            assert_eq!(p.self_protection_warning(*branch).is_none(), *protects);
        }
    }
}
