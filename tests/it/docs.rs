//! The docs stay true to the code: README documents every rule code and exit
//! code, shows the built-in template verbatim, and its examples parse.

use reviewgate::policy::{LoadedPolicy, PolicySource, DEFAULT_POLICY_TOML};
use reviewgate::verdict::{ExitStatus, Rule};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

#[test]
fn readme_documents_every_rule_code() {
    let r = readme();
    for rule in Rule::ALL {
        assert!(
            r.contains(&format!("| `{}` |", rule.code())),
            "README lacks a row for `{}`",
            rule.code()
        );
    }
}

#[test]
fn readme_documents_exit_codes() {
    let r = readme();
    for s in [
        ExitStatus::Accepted,
        ExitStatus::Rejected,
        ExitStatus::InternalError,
        ExitStatus::ConfigError,
    ] {
        assert!(
            r.contains(&format!("| {} |", s.code())),
            "README lacks exit code {}",
            s.code()
        );
    }
}

#[test]
fn readme_shows_the_builtin_template_verbatim() {
    assert!(
        readme().contains(DEFAULT_POLICY_TOML),
        "README must contain src/default-policy.toml verbatim"
    );
}

#[test]
fn complete_example_parses_and_readme_shows_it() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/reviewgate.toml"
    ))
    .expect("example");
    let p = LoadedPolicy::from_text(&text, PolicySource::File("examples/reviewgate.toml".into()))
        .expect("parses");
    assert_eq!(p.policy.protect.len(), 2);
    assert!(
        readme().contains(&text),
        "README must show examples/reviewgate.toml verbatim"
    );
}

#[test]
fn readme_attack_table_names_real_tests() {
    let r = readme();
    let start = r.find("## Tested attacks").expect("section");
    let section = &r[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
    let mut checked = 0;
    for row in section[..end].lines().filter(|l| l.starts_with("| ")) {
        let Some(tests) = row.trim_end_matches('|').rsplit('|').next() else {
            continue;
        };
        let mut module = String::new();
        for item in tests.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let name = match item.split_once("::") {
                Some((m, n)) => {
                    module = m.to_string();
                    n
                }
                None => item,
            };
            if module.is_empty() || name == "test" {
                continue;
            }
            let file = format!("{}/tests/it/{module}.rs", env!("CARGO_MANIFEST_DIR"));
            let src = std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("{file}"));
            assert!(
                src.contains(&format!("fn {name}")),
                "README names {module}::{name}, which {file} lacks"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} test names checked");
}
