//! SSH signatures as OpenSSH checks them: the `allowed_signers` file an
//! administrator pins (`git config reviewgate.allowedSigners FILE`, outside
//! the repository's content) and SSHSIG verification in process (the
//! RustCrypto `ssh-key` crate: ed25519, ECDSA P-256/P-384, RSA), for signed
//! approvals (namespace `reviewgate-review`) and signed commits (`git`).
//!
//! The file's format is ssh-keygen(1)'s ALLOWED SIGNERS: `PRINCIPALS
//! [OPTIONS] KEYTYPE BASE64 [COMMENT]` per line, principals comma-separated
//! with `*` and `?` patterns, options `namespaces="..."`, `valid-after=`,
//! `valid-before=` (honoured) and `cert-authority` (parsed; certificates are
//! not verified, and a signature by one is refused, saying so).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use ssh_key::{PublicKey, SshSig};

/// One line of an allowed_signers file.
#[derive(Debug, Clone)]
pub struct Signer {
    /// 1-based line number.
    pub line: usize,
    /// Principal patterns (emails, `*` and `?` allowed).
    pub principals: Vec<String>,
    /// The namespaces the key may sign in (`None`: any).
    pub namespaces: Option<Vec<String>>,
    /// Not valid before this time.
    pub valid_after: Option<DateTime<Utc>>,
    /// Not valid from this time on.
    pub valid_before: Option<DateTime<Utc>>,
    /// The key is a certificate authority (not honoured: see the module).
    pub cert_authority: bool,
    /// The public key.
    pub key: PublicKey,
}

/// An allowed_signers file, parsed.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    /// Where it was read from, for messages.
    pub path: String,
    /// Its lines with keys, in order.
    pub signers: Vec<Signer>,
}

/// A problem in an allowed_signers file, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ParseError {
    /// The file.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The armor or the SSHSIG blob does not parse.
    #[error("the signature does not parse ({0})")]
    Malformed(String),
    /// Made for another namespace.
    #[error("the signature was made for namespace \"{found}\", not \"{wanted}\"")]
    Namespace {
        /// The namespace in the signature.
        found: String,
        /// The one required.
        wanted: String,
    },
    /// No line of allowed_signers has the key.
    #[error("its key ({0}) is not in the allowed signers")]
    UnknownKey(String),
    /// The key is listed, but not for this principal.
    #[error("its key ({fingerprint}) is listed for {listed}, not for {principal}")]
    OtherPrincipal {
        /// The key's fingerprint.
        fingerprint: String,
        /// The principals its lines list.
        listed: String,
        /// The principal asked about.
        principal: String,
    },
    /// The key's line limits it to other namespaces.
    #[error("its key's line {line} allows namespaces {allowed}, not \"{namespace}\"")]
    NamespaceNotAllowed {
        /// The line.
        line: usize,
        /// The namespaces listed.
        allowed: String,
        /// The namespace of the signature.
        namespace: String,
    },
    /// Outside the key's validity.
    #[error("its key's line {line} is valid {window}, not at {at}")]
    NotValidAt {
        /// The line.
        line: usize,
        /// The validity window, in words.
        window: String,
        /// The time it was checked at.
        at: String,
    },
    /// Made by a certificate, which reviewgate does not verify.
    #[error("it was made with an SSH certificate; reviewgate verifies plain keys only (list the signer's own key)")]
    Certificate,
    /// The cryptography says no (tampered message or signature).
    #[error("the signature does not match what it signs (tampered, or made over other bytes)")]
    BadSignature,
}

/// The SHA256 fingerprint of a key, as ssh-keygen prints it.
pub fn fingerprint(key: &ssh_key::public::KeyData) -> String {
    key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
}

/// Whether `text` matches the ssh_config-style `pattern` (`*`, `?`),
/// letters compared without case (principals here are email addresses).
fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = t.get(ti) {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&q) if q == '?' || q == c => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    pi = sp + 1;
                    ti = st + 1;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// `YYYYMMDD[HHMM[SS]][Z]`: UTC with `Z`, else the server's local time.
fn time(text: &str) -> Option<DateTime<Utc>> {
    let (digits, utc) = match text.strip_suffix(['Z', 'z']) {
        Some(d) => (d, true),
        None => (text, false),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits.get(r).and_then(|s| s.parse::<u32>().ok());
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(4..6)?, num(6..8)?)?;
    let (h, m, s) = match digits.len() {
        8 => (0, 0, 0),
        12 => (num(8..10)?, num(10..12)?, 0),
        14 => (num(8..10)?, num(10..12)?, num(12..14)?),
        _ => return None,
    };
    let naive = NaiveDateTime::new(date, chrono::NaiveTime::from_hms_opt(h, m, s)?);
    if utc {
        Some(Utc.from_utc_datetime(&naive))
    } else {
        chrono::Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// Split at unquoted whitespace (options may quote commas and spaces).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Split an options field at unquoted commas.
fn options(field: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in field.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Whether `word` starts a key (its type), rather than options.
fn is_key_type(word: &str) -> bool {
    ["ssh-", "ecdsa-", "sk-", "rsa-"]
        .iter()
        .any(|p| word.starts_with(p))
}

impl AllowedSigners {
    /// Read and parse the file at `path`.
    pub fn load(path: &str) -> Result<Self, ParseError> {
        let text = std::fs::read_to_string(path).map_err(|e| ParseError {
            path: path.to_string(),
            line: 0,
            message: format!("cannot read it: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// Parse allowed_signers `text` (read from `path`).
    pub fn parse(text: &str, path: &str) -> Result<Self, ParseError> {
        let mut signers = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |message: String| ParseError {
                path: path.to_string(),
                line: i + 1,
                message,
            };
            signers.push(Self::signer(line, i + 1).map_err(err)?);
        }
        Ok(Self {
            path: path.to_string(),
            signers,
        })
    }

    fn signer(line: &str, n: usize) -> Result<Signer, String> {
        let w = words(line);
        let mut it = w.iter().map(String::as_str);
        let principals: Vec<String> = it
            .next()
            .ok_or("no principals")?
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if principals.is_empty() {
            return Err("no principals".into());
        }
        let (mut namespaces, mut valid_after, mut valid_before) = (None, None, None);
        let mut cert_authority = false;
        let mut next = it.next().ok_or("no key")?;
        if !is_key_type(next) {
            for opt in options(next) {
                let (name, value) = opt.split_once('=').unwrap_or((opt.as_str(), ""));
                let when =
                    |v: &str| time(v).ok_or(format!("{name}={v} is not YYYYMMDD[HHMM[SS]][Z]"));
                match name.to_ascii_lowercase().as_str() {
                    "namespaces" => {
                        namespaces = Some(value.split(',').map(str::to_string).collect())
                    }
                    "valid-after" => valid_after = Some(when(value)?),
                    "valid-before" => valid_before = Some(when(value)?),
                    "cert-authority" => cert_authority = true,
                    other => return Err(format!("unknown option `{other}`")),
                }
            }
            next = it.next().ok_or("no key after the options")?;
        }
        let data = it.next().ok_or("the key has no base64 part")?;
        let key = PublicKey::from_openssh(&format!("{next} {data}"))
            .map_err(|e| format!("the key does not parse ({e})"))?;
        Ok(Signer {
            line: n,
            principals,
            namespaces,
            valid_after,
            valid_before,
            cert_authority,
            key,
        })
    }

    /// Verify the armored signature `armored` over `message`, made in
    /// `namespace` by a key listed for `principal`, at `at`: `Ok` when it
    /// does, else the reason it does not.
    pub fn verify(
        &self,
        armored: &str,
        message: &[u8],
        namespace: &str,
        principal: &str,
        at: DateTime<Utc>,
    ) -> Result<(), Refused> {
        let sig = SshSig::from_pem(armored).map_err(|e| {
            if armored.contains("-cert-v01@openssh.com") {
                Refused::Certificate
            } else {
                Refused::Malformed(e.to_string())
            }
        })?;
        if sig.namespace() != namespace {
            return Err(Refused::Namespace {
                found: sig.namespace().to_string(),
                wanted: namespace.to_string(),
            });
        }
        let fp = fingerprint(sig.public_key());
        let lines: Vec<&Signer> = self
            .signers
            .iter()
            .filter(|s| !s.cert_authority && s.key.key_data() == sig.public_key())
            .collect();
        if lines.is_empty() {
            return Err(Refused::UnknownKey(fp));
        }
        let mine: Vec<&&Signer> = lines
            .iter()
            .filter(|s| s.principals.iter().any(|p| matches(p, principal)))
            .collect();
        let Some(first) = mine.first() else {
            let listed: Vec<String> = lines.iter().flat_map(|s| s.principals.clone()).collect();
            return Err(Refused::OtherPrincipal {
                fingerprint: fp,
                listed: listed.join(", "),
                principal: principal.to_string(),
            });
        };
        // Any of the key's lines for this principal that allows the
        // namespace and the time will do, as ssh-keygen reads them.
        let mut refusal = None;
        for s in &mine {
            if let Some(ns) = &s.namespaces {
                if !ns.iter().any(|n| matches(n, namespace)) {
                    refusal.get_or_insert(Refused::NamespaceNotAllowed {
                        line: s.line,
                        allowed: ns.join(","),
                        namespace: namespace.to_string(),
                    });
                    continue;
                }
            }
            let early = s.valid_after.is_some_and(|a| at < a);
            let late = s.valid_before.is_some_and(|b| at >= b);
            if early || late {
                let show = |t: Option<DateTime<Utc>>| {
                    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                };
                let window = match (show(s.valid_after), show(s.valid_before)) {
                    (Some(a), Some(b)) => format!("from {a} until {b}"),
                    (Some(a), None) => format!("from {a}"),
                    (None, Some(b)) => format!("until {b}"),
                    (None, None) => String::new(),
                };
                refusal.get_or_insert(Refused::NotValidAt {
                    line: s.line,
                    window,
                    at: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                });
                continue;
            }
            return s
                .key
                .verify(namespace, message, &sig)
                .map_err(|_| Refused::BadSignature);
        }
        Err(refusal.unwrap_or(Refused::UnknownKey(fingerprint(first.key.key_data()))))
    }
}

#[cfg(test)]
mod tests;
