//! The docs stay true to the code: README documents every rule code and exit
//! code, shows the built-in template verbatim, and its examples parse.

use reviewgate::config::{LoadedPolicy, PolicySource, DEFAULT_POLICY_TOML};
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
