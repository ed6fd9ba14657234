//! `reviewgate policy` and `reviewgate explain`: a policy file validated and
//! put in words, the built-in template, and the rule codes explained.

use reviewgate::policy::codeowners::{self, Forge};
use reviewgate::policy::{LoadedPolicy, PolicySource, DEFAULT_POLICY_TOML, POLICY_FILE};
use reviewgate::verdict::{ExitStatus, Rule};

use crate::Out;

pub fn policy_template(out: Out<'_>) -> anyhow::Result<u8> {
    out.write_all(DEFAULT_POLICY_TOML.as_bytes())?;
    Ok(0)
}

/// The branch a server would read the policy at `path` from, as the
/// repository around it knows: a bare repository's `HEAD`, a clone's
/// `origin/HEAD` (as `refs/heads/...`); `None` when unknown.
fn default_branch_near(path: &str) -> Option<String> {
    let dir = match std::path::Path::new(path).parent() {
        Some(d) if path != "-" && !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let repo = git2::Repository::discover(dir).ok()?;
    if repo.is_bare() {
        let head = repo.find_reference("HEAD").ok()?;
        return head.symbolic_target().map(str::to_string);
    }
    let origin = repo.find_reference("refs/remotes/origin/HEAD").ok()?;
    let target = origin.symbolic_target()?;
    target
        .strip_prefix("refs/remotes/origin/")
        .map(|b| format!("refs/heads/{b}"))
}

/// Validate a policy file (`-`: standard input) and print it in its own words.
pub fn policy_check(out: Out<'_>, file: Option<String>) -> anyhow::Result<u8> {
    let path = file.unwrap_or_else(|| POLICY_FILE.to_string());
    let bytes = if path == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
            .map_err(|e| anyhow::anyhow!("reading standard input: {e}"))?;
        b
    } else {
        std::fs::read(&path).map_err(|e| anyhow::anyhow!("reading {path}: {e}"))?
    };
    let name = if path == "-" {
        "<stdin>"
    } else {
        path.as_str()
    };
    match LoadedPolicy::from_bytes(&bytes, PolicySource::File(name.to_string())) {
        Ok(p) => {
            writeln!(out, "{name}: ok (sha256 {})", p.sha256)?;
            for line in p.policy.describe() {
                writeln!(out, "{line}")?;
            }
            let read_from = default_branch_near(&path);
            let warnings = p
                .policy
                .warnings()
                .into_iter()
                .chain(p.policy.self_protection_warning(read_from.as_deref()));
            for w in warnings {
                writeln!(out, "warning: {w}")?;
            }
            Ok(0)
        }
        Err(e) => {
            writeln!(out, "{e}")?;
            Ok(ExitStatus::ConfigError.code())
        }
    }
}

/// Where a forge looks for its CODEOWNERS file, in this order.
const CODEOWNERS_PLACES: &[&str] = &[
    "CODEOWNERS",
    ".github/CODEOWNERS",
    ".gitlab/CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitea/CODEOWNERS",
];

/// Print a CODEOWNERS file as `[[signoff]]` rules and `[groups]`.
pub fn import_codeowners(
    out: Out<'_>,
    file: Option<String>,
    forge: Option<&str>,
    map: &[String],
) -> anyhow::Result<u8> {
    let path = match file {
        Some(f) => f,
        None => CODEOWNERS_PLACES
            .iter()
            .find(|p| std::path::Path::new(p).is_file())
            .map(|p| (*p).to_string())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no CODEOWNERS file here (looked for {}); name one",
                    CODEOWNERS_PLACES.join(", ")
                )
            })?,
    };
    let text =
        std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("reading {path}: {e}"))?;
    let forge = match forge {
        Some(word) => {
            Forge::from_word(word).ok_or_else(|| anyhow::anyhow!("unknown forge `{word}`"))?
        }
        None => Forge::guess(&path, &text),
    };
    let mut identities = std::fs::read(POLICY_FILE)
        .ok()
        .and_then(|b| LoadedPolicy::from_bytes(&b, PolicySource::File(POLICY_FILE.into())).ok())
        .map(|p| p.policy.identities)
        .unwrap_or_default();
    for m in map {
        let (login, email) = m
            .split_once('=')
            .filter(|(l, e)| !l.is_empty() && e.contains('@'))
            .ok_or_else(|| anyhow::anyhow!("--map {m}: write LOGIN=EMAIL"))?;
        identities
            .entry(login.trim_start_matches('@').to_string())
            .or_default()
            .push(email.to_lowercase());
    }
    let imported = codeowners::import(&text, &path, forge, &identities);
    out.write_all(imported.toml.as_bytes())?;
    let mut err = std::io::stderr().lock();
    use std::io::Write as _;
    for w in &imported.warnings {
        writeln!(err, "warning: {w}")?;
    }
    writeln!(
        err,
        "{path}: {} rule(s) from {} CODEOWNERS; check them with `reviewgate policy check` once added",
        imported.rules,
        forge.name()
    )?;
    Ok(0)
}

pub fn explain(out: Out<'_>, code: Option<&str>) -> anyhow::Result<u8> {
    let Some(code) = code else {
        for r in Rule::ALL {
            writeln!(out, "{:<24} {}", r.code(), r.summary())?;
        }
        return Ok(0);
    };
    match Rule::from_code(code) {
        Some(r) => {
            writeln!(out, "{}: {}\n\n{}", r.code(), r.summary(), r.explanation())?;
            if r == Rule::AiUnreviewed {
                let tools: Vec<&str> = reviewgate::detect::catalog::tools()
                    .into_iter()
                    .filter(|t| !t.ends_with(" trailer"))
                    .collect();
                writeln!(out, "\nThe built-in catalog knows these tools:\n")?;
                for line in wrap(&tools.join(", "), 76) {
                    writeln!(out, "    {line}")?;
                }
                writeln!(
                    out,
                    "\nand the disclosure trailers Assisted-by: (when it names an AI),\nGenerated-by: and Co-authored-by-AI:."
                )?;
            }
            Ok(0)
        }
        None => {
            writeln!(
                out,
                "unknown rule code `{code}`; run `reviewgate explain` for the list"
            )?;
            Ok(ExitStatus::InternalError.code())
        }
    }
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let Some(line) = lines.last_mut() else { break };
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}
