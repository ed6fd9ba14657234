//! The docs stay true to the code: the policy reference documents every rule
//! code and exit code, shows the built-in template and the complete example
//! verbatim; the trust page's attack table names real tests; the front page
//! stays small and every page it links exists.

use reviewgate::policy::{LoadedPolicy, PolicySource, DEFAULT_POLICY_TOML};
use reviewgate::verdict::{ExitStatus, Rule};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

/// A page of `docs/`.
fn doc(name: &str) -> String {
    let path = format!("{}/docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path}"))
}

#[test]
fn the_front_page_starts_small_and_its_links_exist() {
    let r = readme();
    assert!(r.len() <= 25 * 1024, "README.md is {} bytes", r.len());
    for section in [
        "## Two commands",
        "## Your first policy",
        "## What a pusher sees",
        "## Installing on a server",
        "## Documentation",
    ] {
        assert!(r.contains(section), "README lacks {section}");
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut links = 0;
    for page in [
        "README.md",
        "docs/policy.md",
        "docs/operations.md",
        "docs/forges.md",
        "docs/trust.md",
        "docs/catalog.md",
        "docs/benchmarks.md",
    ] {
        let text = std::fs::read_to_string(root.join(page)).expect(page);
        let dir = root.join(page).parent().expect("dir").to_path_buf();
        for (i, _) in text.match_indices("](") {
            let target: String = text[i + 2..].chars().take_while(|c| *c != ')').collect();
            let file = target.split('#').next().unwrap_or_default();
            if file.is_empty() || file.contains("://") {
                continue;
            }
            assert!(
                dir.join(file).exists(),
                "{page} links to {target}, which does not exist"
            );
            links += 1;
        }
    }
    assert!(links > 20, "only {links} links checked");
}

/// Every file path the docs name in backticks (`src/...`, `tests/...`, ...)
/// exists: a moved file takes its mentions with it.
#[test]
fn the_docs_name_files_that_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![
        root.join("README.md"),
        root.join("CONTRIBUTING.md"),
        root.join("SECURITY.md"),
    ];
    for e in std::fs::read_dir(root.join("docs")).expect("docs") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "md") {
            pages.push(p);
        }
    }
    let mut checked = 0;
    for page in pages {
        let text = std::fs::read_to_string(&page).expect("page");
        for quoted in text.split('`').skip(1).step_by(2) {
            let path = quoted.split([':', ' ']).next().unwrap_or_default();
            let named = [
                "src/",
                "tests/",
                "benches/",
                "fuzz/",
                "hooks/",
                ".ci/",
                "docs/",
                "examples/",
            ]
            .iter()
            .any(|p| path.starts_with(p));
            // `hooks/...` also names a repository's hook folder on a server.
            let server_hooks = path.starts_with("hooks/") && !path.ends_with(".rs");
            if !named || server_hooks || path.contains(['*', '<', '{']) {
                continue;
            }
            assert!(
                root.join(path).exists(),
                "{} names {path}, which does not exist",
                page.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} paths checked");
}

/// CONTRIBUTING.md's table of `tests/it/` names every file there, and only
/// those.
#[test]
fn the_contributing_guide_names_every_test_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("CONTRIBUTING.md")).expect("CONTRIBUTING.md");
    let mut named: Vec<String> = guide
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| l.split('|').nth(1).unwrap_or_default().split(','))
        .map(|f| f.trim().trim_matches('`').to_string())
        .collect();
    named.sort();
    let mut files: Vec<String> = std::fs::read_dir(root.join("tests/it"))
        .expect("tests/it")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".rs") && n != "main.rs")
        .collect();
    files.sort();
    assert_eq!(named, files, "CONTRIBUTING.md's test table");
}

#[test]
fn the_policy_page_documents_every_rule_code() {
    let r = doc("policy.md");
    for rule in Rule::ALL {
        assert!(
            r.contains(&format!("| `{}` |", rule.code())),
            "docs/policy.md lacks a row for `{}`",
            rule.code()
        );
    }
}

#[test]
fn the_policy_page_documents_exit_codes() {
    let r = doc("policy.md");
    for s in [
        ExitStatus::Accepted,
        ExitStatus::Rejected,
        ExitStatus::InternalError,
        ExitStatus::ConfigError,
    ] {
        assert!(
            r.contains(&format!("| {} |", s.code())),
            "docs/policy.md lacks exit code {}",
            s.code()
        );
    }
}

#[test]
fn the_policy_page_shows_the_builtin_template_verbatim() {
    assert!(
        doc("policy.md").contains(DEFAULT_POLICY_TOML),
        "docs/policy.md must contain src/policy/default-policy.toml verbatim"
    );
}

/// The policy page lists `@agent-config` as the code holds it.
#[test]
fn the_policy_page_lists_the_agent_config_group() {
    let page = doc("policy.md");
    let start = page.find("**`@agent-config`**").expect("section");
    let listed: Vec<&str> = page[start..]
        .lines()
        .skip_while(|l| !l.starts_with("- `"))
        .take_while(|l| l.starts_with("- `"))
        .map(|l| l.trim_start_matches("- `").trim_end_matches('`'))
        .collect();
    assert_eq!(listed, reviewgate::policy::glob::AGENT_CONFIG);
}

#[test]
fn complete_example_parses_and_the_policy_page_shows_it() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/reviewgate.toml"
    ))
    .expect("example");
    let p = LoadedPolicy::from_text(&text, PolicySource::File("examples/reviewgate.toml".into()))
        .expect("parses");
    assert_eq!(p.policy.protect.len(), 3);
    assert_eq!(p.policy.signoffs.len(), 3);
    assert_eq!(p.policy.groups.len(), 2);
    assert!(p.policy.warnings().is_empty(), "{:?}", p.policy.warnings());
    assert!(
        doc("policy.md").contains(&text),
        "docs/policy.md must show examples/reviewgate.toml verbatim"
    );
}

#[test]
fn the_attack_table_names_real_tests() {
    let r = doc("trust.md");
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
                "docs/trust.md names {module}::{name}, which {file} lacks"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} test names checked");
}

/// The library's modules in pipeline order, as the crate docs list them
/// (`N. [`module`]: ...`), and the modules `lib.rs` declares.
fn pipeline() -> (Vec<String>, Vec<String>) {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs"))
        .expect("lib.rs");
    let listed = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! ").and_then(|l| l.split_once(". [`")))
        .filter_map(|(_, rest)| rest.split('`').next())
        .map(String::from)
        .collect();
    let declared = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    (listed, declared)
}

#[test]
fn modules_use_only_earlier_layers() {
    let (order, mut declared) = pipeline();
    let mut sorted = order.clone();
    sorted.sort();
    declared.sort();
    assert_eq!(
        sorted, declared,
        "the crate docs must list every module once"
    );
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for (i, module) in order.iter().enumerate() {
        let mut files = Vec::new();
        let single = src.join(format!("{module}.rs"));
        if single.exists() {
            files.push(single);
        } else {
            for e in std::fs::read_dir(src.join(module)).expect("module dir") {
                let p = e.expect("entry").path();
                if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
            for (pos, _) in code.match_indices("crate::") {
                let used: String = code[pos + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let Some(j) = order.iter().position(|m| *m == used) else {
                    continue;
                };
                assert!(
                    j <= i,
                    "{} uses crate::{used}, a later layer than {module}",
                    file.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} uses checked");
}

/// The first path segment of each `super::` or `crate::<folder>::` use in
/// `code` (a `{a, b::c}` group gives each of its items).
fn sibling_uses(code: &str, folder: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let prefix = format!("crate::{folder}::");
    for needle in ["super::", prefix.as_str()] {
        for (pos, _) in code.match_indices(needle) {
            let rest = &code[pos + needle.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or_default();
                for item in inner.split(',') {
                    let name = ident(item.trim());
                    if !name.is_empty() {
                        out.push(name);
                    }
                }
            } else {
                out.push(ident(rest));
            }
        }
    }
    out
}

#[test]
fn files_in_a_folder_use_only_earlier_siblings() {
    let mut checked = 0;
    for folder in ["check"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(folder);
        let docs = std::fs::read_to_string(dir.join("mod.rs")).expect("mod.rs");
        let order: Vec<String> = docs
            .lines()
            .filter_map(|l| l.strip_prefix("//! ").and_then(|l| l.split_once(". [`")))
            .filter_map(|(_, rest)| rest.split('`').next())
            .map(String::from)
            .collect();
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("folder")
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter_map(|n| n.strip_suffix(".rs").map(String::from))
            .filter(|n| n != "mod" && n != "testing")
            .collect();
        files.sort();
        let mut listed = order.clone();
        listed.sort();
        assert_eq!(
            listed, files,
            "src/{folder}/mod.rs must list every file once"
        );
        for (i, name) in order.iter().enumerate() {
            let text = std::fs::read_to_string(dir.join(format!("{name}.rs"))).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
            for used in sibling_uses(code, folder) {
                let Some(j) = order.iter().position(|m| *m == used) else {
                    continue;
                };
                assert!(
                    j <= i,
                    "src/{folder}/{name}.rs uses {used}, which comes after it in src/{folder}/mod.rs"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "only {checked} uses checked");
}

#[test]
fn readme_shows_the_rejection_snapshot() {
    // "What a pusher sees" is the real message, as the snapshot test has it.
    let snap = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/snapshots/it__snapshots__rejection_of_one_unreviewed_ai_commit.snap"
    ))
    .expect("snapshot");
    let body = snap.splitn(3, "---\n").nth(2).expect("snapshot body");
    let shown: Vec<String> = body
        .trim_end()
        .lines()
        .map(|l| {
            if l.is_empty() {
                "remote:".to_string()
            } else {
                format!("remote: {l}")
            }
        })
        .collect();
    assert!(
        readme().contains(&shown.join("\n")),
        "README's 'What a pusher sees' must match the snapshot:\n{}",
        shown.join("\n")
    );
}

/// The README shows the approval payload exactly as reviewgate signs it.
#[test]
fn readme_shows_the_approval_payload() {
    let payload = reviewgate::approval::payload(
        "0f3c9e1d2b4a6f8e0c1d3b5a7f9e1c3d5b7a9f1e",
        "ann@example.com",
    );
    assert!(
        readme().contains(&format!("```text\n{payload}```")),
        "{payload}"
    );
}

/// The README's sign-off rejection is the snapshot's, line for line.
#[test]
fn readme_shows_the_signoff_rejection_snapshot() {
    let snap = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/snapshots/it__snapshots__rejection_for_a_missing_signoff.snap"
    ))
    .expect("snapshot");
    let r = readme();
    let start = r.find("## Senior sign-off").expect("section");
    let block = r[start..]
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a text block");
    for line in block.lines() {
        let shown = line.strip_prefix("remote: ").expect("a remote: line");
        assert!(
            snap.lines().any(|l| l == shown),
            "README shows a line the snapshot lacks:\n{shown}"
        );
    }
}

#[test]
fn the_operations_page_shows_the_apache_configuration_the_tests_use() {
    use std::path::Path;
    let conf = crate::servers::apache_conf(
        Path::new("/etc/reviewgate-httpd"),
        8080,
        Path::new("/srv/git"),
        Path::new("/etc/reviewgate-httpd/htpasswd"),
        Path::new("/usr/lib/git-core/git-http-backend"),
        true,
    );
    assert!(
        doc("operations.md").contains(&conf),
        "docs/operations.md must show the tests' Apache configuration verbatim:\n{conf}"
    );
}
