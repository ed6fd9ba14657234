//! The import on realistic files of each flavour, in the shapes the forges'
//! docs show: what each line becomes, and that the result parses and
//! matches the paths the forge's owners own.

use std::collections::BTreeMap;

use super::*;
use crate::policy::{Policy, PolicySource};

const GITHUB: &str = r"# This is a comment.
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most precedence.
*.js    @js-owner #This is an inline comment.

*.go docs@example.com

*.txt @octo-org/octocats

/build/logs/ @doctocat

docs/*  docs@example.com

apps/ @octocat

/docs/ @doctocat

**/logs @octocat

/apps/ @octocat
/apps/github
";

const GITLAB: &str = r"# Required for all files
* @general-approvers

[Documentation][2] @docs-team
docs/
README.md
*.txt

^[Database] @database-team
model/db/
config/db/database-setup.md @docs-team

[Ruby]
*.rb @ruby-devs
!/config/*

[Security] security@example.com @@maintainer
/app/auth/**
";

const GITEA: &str = r".*\\.go @user1 @user2 # This is comment
frontend/src/.*\\.js @org1/team1 @user3
!frontend/src/.* @org1/team3 @user5
docs/(aws|google|azure)/[^/]*\\.(md|txt) @user8
lib/[a-z]+\\.c @user9
dir/with\#hashtag @user1
";

fn ids() -> BTreeMap<String, Vec<String>> {
    let mut m = BTreeMap::new();
    m.insert(
        "global-owner1".to_string(),
        vec!["g1@example.com".to_string()],
    );
    m.insert("js-owner".to_string(), vec!["js@example.com".to_string()]);
    m
}

/// The import, with every empty group filled in, parsed.
fn parsed(i: &Import) -> Policy {
    let filled = i
        .toml
        .lines()
        .map(|l| {
            if l.ends_with(" = []") {
                l.replace(" = []", " = [\"someone@example.com\"]")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!("[[protect]]\nrefs = [\"@default\"]\n{filled}");
    Policy::parse(&text, &PolicySource::Builtin).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The rules whose files match `path`, by the CODEOWNERS line they came from.
fn owners_of(p: &Policy, path: &str) -> Vec<String> {
    p.signoffs
        .iter()
        .filter(|s| s.file_match(path).is_some())
        .map(|s| s.name.split(':').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn github_lines_become_rules_with_their_traps_named() {
    let i = import(GITHUB, ".github/CODEOWNERS", Forge::Github, &ids());
    assert_eq!(i.rules, 10, "{}", i.toml);
    let p = parsed(&i);
    let table: &[(&str, &[&str])] = &[
        ("README.md", &["CODEOWNERS line 3"]),
        ("src/app.js", &["CODEOWNERS line 3", "CODEOWNERS line 6"]),
        (
            "build/logs/x.log",
            &[
                "CODEOWNERS line 3",
                "CODEOWNERS line 12",
                "CODEOWNERS line 20",
            ],
        ),
        (
            "docs/a.md",
            &[
                "CODEOWNERS line 3",
                "CODEOWNERS line 14",
                "CODEOWNERS line 18",
            ],
        ),
        (
            "docs/deep/a.md",
            &["CODEOWNERS line 3", "CODEOWNERS line 18"],
        ),
        ("x/apps/a.rs", &["CODEOWNERS line 3", "CODEOWNERS line 16"]),
        ("deep/logs", &["CODEOWNERS line 3", "CODEOWNERS line 20"]),
    ];
    for (path, want) in table {
        assert_eq!(owners_of(&p, path), *want, "{path}");
    }
    let rule = |line: &str| {
        p.signoffs
            .iter()
            .find(|s| s.name.starts_with(line))
            .expect(line)
    };
    let emails = |s: &crate::policy::Signoff| -> Vec<String> {
        s.reviewers
            .iter()
            .map(|r| {
                r.group()
                    .map_or(r.as_str().to_string(), |g| format!("@{g}"))
            })
            .collect()
    };
    assert_eq!(
        emails(rule("CODEOWNERS line 3:")),
        ["g1@example.com", "@global-owner2"]
    );
    assert_eq!(emails(rule("CODEOWNERS line 6:")), ["js@example.com"]);
    assert_eq!(emails(rule("CODEOWNERS line 8:")), ["docs@example.com"]);
    assert_eq!(emails(rule("CODEOWNERS line 10:")), ["@octo-org-octocats"]);
}

#[test]
fn github_traps_are_named_and_unfilled_groups_refused() {
    let i = import(GITHUB, ".github/CODEOWNERS", Forge::Github, &ids());
    let warned = |needle: &str| i.warnings.iter().any(|w| w.contains(needle));
    assert!(
        warned(".github/CODEOWNERS:23: `/apps/github` has no owners: on GitHub that removes"),
        "{:?}",
        i.warnings
    );
    assert!(warned(".github/CODEOWNERS:6: files `*.js` matches may be matched by line(s) 3 too: on GitHub the later line's owners replace the earlier ones"), "{:?}", i.warnings);
    assert!(
        warned(".github/CODEOWNERS:8: files `*.go` matches may be matched by line(s) 3 too"),
        "{:?}",
        i.warnings
    );
    assert!(warned(".github/CODEOWNERS:18: files `/docs/` matches may be matched by line(s) 3, 6, 8, 10, 14, 16 too"), "{:?}", i.warnings);
    assert!(
        warned("one code owner's approval covers a line"),
        "{:?}",
        i.warnings
    );
    assert!(
        !warned(".github/CODEOWNERS:23: files"),
        "a line without owners is no rule: {:?}",
        i.warnings
    );
    assert!(
        warned("[groups] octo-org-octocats is empty: @octo-org/octocats is a team"),
        "{:?}",
        i.warnings
    );
    assert!(i.toml.contains("# warning: "));
    // Unfilled, the groups are refused: nothing passes unnoticed.
    let text = format!("[[protect]]\nrefs = [\"@default\"]\n{}", i.toml);
    let err = Policy::parse(&text, &PolicySource::Builtin).expect_err("empty groups");
    assert!(err.to_string().contains("is empty"), "{err}");
}

#[test]
fn gitlab_sections_approvals_optional_sections_and_exclusions() {
    let i = import(
        GITLAB,
        ".gitlab/CODEOWNERS",
        Forge::Gitlab,
        &BTreeMap::new(),
    );
    let p = parsed(&i);
    let docs: Vec<&crate::policy::Signoff> = p
        .signoffs
        .iter()
        .filter(|s| s.name.starts_with("CODEOWNERS [Documentation]"))
        .collect();
    assert_eq!(docs.len(), 3);
    assert!(docs.iter().all(|s| s.min_reviewers == 2));
    assert!(
        p.signoffs.iter().all(|s| !s.name.contains("[Database]")),
        "optional: not imported"
    );
    assert_eq!(
        owners_of(&p, "app/auth/login.rb"),
        [
            "CODEOWNERS line 2",
            "CODEOWNERS [Ruby] line 14",
            "CODEOWNERS [Security] line 18"
        ]
    );
    assert_eq!(
        owners_of(&p, "README.md"),
        ["CODEOWNERS line 2", "CODEOWNERS [Documentation] line 6"]
    );
    let security = p
        .signoffs
        .iter()
        .find(|s| s.name.contains("[Security]"))
        .expect("security");
    assert_eq!(security.reviewers[0].as_str(), "security@example.com");
    assert_eq!(security.reviewers[1].group(), Some("maintainer"));
    let warned = |needle: &str| i.warnings.iter().any(|w| w.contains(needle));
    assert!(
        warned(".gitlab/CODEOWNERS:9: optional section ^[Database]"),
        "{:?}",
        i.warnings
    );
    assert!(
        warned(".gitlab/CODEOWNERS:15: the exclusion `!/config/*` cannot be said"),
        "{:?}",
        i.warnings
    );
    assert!(warned("@@maintainer is a GitLab role"), "{:?}", i.warnings);
}

#[test]
fn gitea_regular_expressions_become_globs_where_they_can() {
    let i = import(GITEA, ".gitea/CODEOWNERS", Forge::Gitea, &BTreeMap::new());
    let p = parsed(&i);
    let files = |line: &str| -> Vec<String> {
        p.signoffs
            .iter()
            .find(|s| s.name.starts_with(line))
            .map(|s| s.files.iter().map(|f| f.as_str().to_string()).collect())
            .unwrap_or_default()
    };
    assert_eq!(files("CODEOWNERS line 1:"), ["**/*.go"]);
    assert_eq!(files("CODEOWNERS line 2:"), ["frontend/src/**/*.js"]);
    assert_eq!(
        files("CODEOWNERS line 4:"),
        ["docs/{aws,google,azure}/*.{md,txt}"]
    );
    assert_eq!(files("CODEOWNERS line 6:"), ["dir/with#hashtag"]);
    assert_eq!(owners_of(&p, "cmd/main.go"), ["CODEOWNERS line 1"]);
    assert_eq!(owners_of(&p, "docs/aws/setup.md"), ["CODEOWNERS line 4"]);
    assert!(owners_of(&p, "docs/aws/deep/setup.md").is_empty());
    let warned = |needle: &str| i.warnings.iter().any(|w| w.contains(needle));
    assert!(
        warned(".gitea/CODEOWNERS:3: `!frontend/src/.*` owns every file except"),
        "{:?}",
        i.warnings
    );
    assert!(
        warned(".gitea/CODEOWNERS:5: the regular expression `lib/[a-z]+\\\\.c` has no exact glob"),
        "{:?}",
        i.warnings
    );
}

#[test]
fn the_forge_is_guessed_from_the_folder_then_the_content() {
    assert_eq!(Forge::guess(".gitlab/CODEOWNERS", ""), Forge::Gitlab);
    assert_eq!(Forge::guess(".gitea/CODEOWNERS", ""), Forge::Gitea);
    assert_eq!(Forge::guess(".github/CODEOWNERS", GITLAB), Forge::Github);
    assert_eq!(Forge::guess("CODEOWNERS", GITLAB), Forge::Gitlab);
    assert_eq!(Forge::guess("CODEOWNERS", GITEA), Forge::Gitea);
    assert_eq!(Forge::guess("docs/CODEOWNERS", GITHUB), Forge::Github);
}

#[test]
fn gitignore_patterns_translate_as_the_forges_read_them() {
    let table: &[(&str, &[&str])] = &[
        ("*", &["**"]),
        ("*.js", &["**/*.js"]),
        ("*.min.js", &["**/*.min.js"]),
        ("/docs/", &["docs/**"]),
        ("apps/", &["**/apps/**"]),
        ("docs/*", &["docs/*"]),
        ("/build/logs/", &["build/logs/**"]),
        ("**/logs", &["**/logs", "**/logs/**"]),
        ("README.md", &["**/README.md", "**/README.md/**"]),
        ("/app/auth/**", &["app/auth/**"]),
        ("src/lib", &["src/lib", "src/lib/**"]),
        ("\\#notes", &["**/#notes", "**/#notes/**"]),
    ];
    for (pattern, want) in table {
        assert_eq!(gitignore_globs(pattern), *want, "{pattern}");
    }
}
