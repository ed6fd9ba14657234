//! `reviewgate policy` and `reviewgate explain`: a policy file validated and
//! put in words, the built-in template, and the rule codes explained.

use reviewgate::policy::{LoadedPolicy, PolicySource, DEFAULT_POLICY_TOML, POLICY_FILE};
use reviewgate::verdict::{ExitStatus, Rule};

use crate::Out;

pub fn policy_template(out: Out<'_>) -> anyhow::Result<u8> {
    out.write_all(DEFAULT_POLICY_TOML.as_bytes())?;
    Ok(0)
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
            for w in p.policy.warnings() {
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
