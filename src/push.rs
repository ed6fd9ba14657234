//! What a push asks for: ref updates (from pre-receive stdin or update argv),
//! push options and the pusher's identity as the server authenticated it.
//!
//! Parsing is strict and never panics: a malformed line is an [`InputError`]
//! that the hook turns into a rejection.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;

use git2::Oid;

/// The hook's environment, captured once by the binary (the library never reads
/// the process environment itself, so tests can pass their own).
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, OsString>,
}

impl Env {
    /// Capture the process environment.
    pub fn from_process() -> Self {
        Self::from_pairs(std::env::vars_os())
    }

    /// Build from name/value pairs (non-UTF-8 names are dropped).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let vars = pairs
            .into_iter()
            .filter_map(|(k, v)| k.into_string().ok().map(|k| (k, v)))
            .collect();
        Self { vars }
    }

    /// A variable's value, if set and valid UTF-8.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).and_then(|v| v.to_str())
    }

    /// A variable's value, if set and non-empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// A variable's raw value (for paths).
    pub fn get_os(&self, name: &str) -> Option<&OsString> {
        self.vars.get(name)
    }

    /// Set a variable (tests and wrappers).
    pub fn set(&mut self, name: &str, value: impl Into<OsString>) {
        self.vars.insert(name.to_string(), value.into());
    }
}

/// One ref update: `old` is `None` for a creation, `new` is `None` for a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// Full ref name as the client sent it (`refs/heads/main`), not namespaced.
    pub name: String,
    /// The ref's value before the push.
    pub old: Option<Oid>,
    /// The value the push asks for.
    pub new: Option<Oid>,
}

/// The kind of a ref update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// The ref does not exist yet.
    Create,
    /// The ref is removed.
    Delete,
    /// The ref moves.
    Update,
}

impl RefUpdate {
    /// Create, delete or update.
    pub fn kind(&self) -> UpdateKind {
        match (self.old, self.new) {
            (None, _) => UpdateKind::Create,
            (Some(_), None) => UpdateKind::Delete,
            (Some(_), Some(_)) => UpdateKind::Update,
        }
    }
}

/// Why the hook's input could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// A pre-receive line or update argument is not `<old> <new> <ref>`.
    #[error("malformed input line {line}: {reason}")]
    Malformed {
        /// 1-based line (or argument) number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The repository uses SHA-256 object ids, which libgit2 cannot read here.
    #[error("this repository uses SHA-256 object ids, which reviewgate does not support yet")]
    Sha256,
}

fn malformed(line: usize, reason: impl Into<String>) -> InputError {
    InputError::Malformed {
        line,
        reason: reason.into(),
    }
}

/// Parse an object id: 40 hex digits; all zeros means "no object".
fn parse_oid(text: &str, line: usize, what: &str) -> Result<Option<Oid>, InputError> {
    if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(malformed(line, format!("{what} id is not hexadecimal")));
    }
    match text.len() {
        40 => {}
        64 => return Err(InputError::Sha256),
        n => {
            return Err(malformed(
                line,
                format!("{what} id has {n} hex digits, expected 40"),
            ))
        }
    }
    if text.bytes().all(|c| c == b'0') {
        return Ok(None);
    }
    Oid::from_str(text)
        .map(Some)
        .map_err(|e| malformed(line, format!("{what} id: {}", e.message())))
}

fn parse_refname(name: &str, line: usize) -> Result<String, InputError> {
    if name.is_empty() {
        return Err(malformed(line, "empty ref name"));
    }
    if !name.starts_with("refs/") && name != "HEAD" {
        return Err(malformed(line, "ref name does not start with refs/"));
    }
    if name.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err(malformed(line, "ref name contains control characters"));
    }
    Ok(name.to_string())
}

fn parse_triple(old: &str, new: &str, name: &str, line: usize) -> Result<RefUpdate, InputError> {
    let old = parse_oid(old, line, "old")?;
    let new = parse_oid(new, line, "new")?;
    let name = parse_refname(name, line)?;
    if old.is_none() && new.is_none() {
        return Err(malformed(line, "both old and new ids are zero"));
    }
    Ok(RefUpdate { name, old, new })
}

/// Parse pre-receive's standard input: one `<old> SP <new> SP <ref> LF` per ref.
#[expect(
    clippy::indexing_slicing,
    reason = "valid_up_to() is within the input by definition"
)]
pub fn parse_pre_receive(input: &[u8]) -> Result<Vec<RefUpdate>, InputError> {
    let text = std::str::from_utf8(input).map_err(|e| {
        let line = input[..e.valid_up_to()]
            .iter()
            .filter(|&&c| c == b'\n')
            .count()
            + 1;
        malformed(line, "not valid UTF-8 (ref names must be UTF-8)")
    })?;
    let mut updates = Vec::new();
    for (i, raw) in text.split_terminator('\n').enumerate() {
        let line = i + 1;
        let mut fields = raw.split(' ');
        let (Some(old), Some(new), Some(name), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(malformed(line, "expected `<old-id> <new-id> <ref-name>`"));
        };
        updates.push(parse_triple(old, new, name, line)?);
    }
    if updates.is_empty() {
        return Err(malformed(1, "no ref updates on standard input"));
    }
    Ok(updates)
}

/// Parse the update hook's arguments: `<ref-name> <old-id> <new-id>`.
pub fn parse_update_args(args: &[OsString]) -> Result<RefUpdate, InputError> {
    let [name, old, new] = args else {
        return Err(malformed(
            1,
            format!(
                "expected 3 arguments `<ref-name> <old-id> <new-id>`, got {}",
                args.len()
            ),
        ));
    };
    let (Some(name), Some(old), Some(new)) = (name.to_str(), old.to_str(), new.to_str()) else {
        return Err(malformed(1, "arguments are not valid UTF-8"));
    };
    parse_triple(old, new, name, 1)
}

/// Options sent with `git push -o`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOptions {
    /// The options in order, as sent.
    pub options: Vec<String>,
    /// Whether the server passed push options at all (`GIT_PUSH_OPTION_COUNT` set).
    pub advertised: bool,
}

impl PushOptions {
    /// Read `GIT_PUSH_OPTION_COUNT` and `GIT_PUSH_OPTION_<n>`.
    pub fn from_env(env: &Env) -> Self {
        let Some(count) = env.get("GIT_PUSH_OPTION_COUNT") else {
            return Self::default();
        };
        let count: usize = count.trim().parse().unwrap_or(0);
        let options = (0..count.min(1000))
            .filter_map(|i| env.get(&format!("GIT_PUSH_OPTION_{i}")).map(String::from))
            .collect();
        Self {
            options,
            advertised: true,
        }
    }

    /// The value of the first `key=value` option with this key.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find_map(|o| o.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
    }
}

/// Which server mechanism vouched for the pusher's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentitySource {
    /// Gitea / Forgejo: `GITEA_PUSHER_NAME`.
    Gitea,
    /// GitLab: `GL_USERNAME`.
    Gitlab,
    /// gitolite: `GL_USER`.
    Gitolite,
    /// GitHub Enterprise Server: `GITHUB_USER_LOGIN`.
    Github,
    /// A good signed push: `GIT_PUSH_CERT_SIGNER` with `GIT_PUSH_CERT_STATUS=G`.
    PushCertificate,
    /// A web server in front of `git http-backend`: `REMOTE_USER`.
    RemoteUser,
}

impl fmt::Display for IdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentitySource::Gitea => "GITEA_PUSHER_NAME",
            IdentitySource::Gitlab => "GL_USERNAME",
            IdentitySource::Gitolite => "GL_USER",
            IdentitySource::Github => "GITHUB_USER_LOGIN",
            IdentitySource::PushCertificate => "GIT_PUSH_CERT_SIGNER",
            IdentitySource::RemoteUser => "REMOTE_USER",
        })
    }
}

/// The variables searched for a pusher identity, in order of precedence.
pub const IDENTITY_VARIABLES: &str =
    "GITEA_PUSHER_NAME, GL_USERNAME, GL_USER, GITHUB_USER_LOGIN, REMOTE_USER, GIT_PUSH_CERT_SIGNER (with GIT_PUSH_CERT_STATUS=G and GIT_PUSH_CERT_NONCE_STATUS=OK)";

/// The person who pushed, as the server authenticated them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pusher {
    /// The server login, as the server gave it (compared exactly). `None` for
    /// a push certificate: its signer is an email identity, never a login.
    pub login: Option<String>,
    /// An email, when the server provides one (lowercase).
    pub email: Option<String>,
    /// Where the identity came from.
    pub source: IdentitySource,
    /// A push certificate's signer as written (`Name <email>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
}

impl Pusher {
    /// The login, or a certificate's signer (or email): who, in a message.
    pub fn name(&self) -> &str {
        self.login
            .as_deref()
            .or(self.signer.as_deref())
            .or(self.email.as_deref())
            .unwrap_or("")
    }
}

impl fmt::Display for Pusher {
    /// `ann (GL_USERNAME)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.source)
    }
}

impl Pusher {
    /// Read the pusher from the server's variables; `None` when no server
    /// vouched for anyone. A server's own authentication (forge, gitolite,
    /// web server) ranks above a push certificate, and a certificate counts
    /// only when git says it is good *and* fresh: `GIT_PUSH_CERT_STATUS=G`
    /// and `GIT_PUSH_CERT_NONCE_STATUS=OK` (a replayed, stale, missing or
    /// unsolicited nonce is not an identity; `SLOP` is not accepted).
    pub fn from_env(env: &Env) -> Option<Pusher> {
        let simple = |var: &str, source: IdentitySource| {
            env.non_empty(var).map(|login| Pusher {
                login: Some(login.to_string()),
                email: None,
                source,
                signer: None,
            })
        };
        if let Some(mut p) = simple("GITEA_PUSHER_NAME", IdentitySource::Gitea) {
            p.email = env
                .non_empty("GITEA_PUSHER_EMAIL")
                .map(|e| e.to_lowercase());
            return Some(p);
        }
        if let Some(p) = simple("GL_USERNAME", IdentitySource::Gitlab)
            .or_else(|| simple("GL_USER", IdentitySource::Gitolite))
            .or_else(|| simple("GITHUB_USER_LOGIN", IdentitySource::Github))
            .or_else(|| simple("REMOTE_USER", IdentitySource::RemoteUser))
        {
            return Some(p);
        }
        let good = env.get("GIT_PUSH_CERT_STATUS") == Some("G")
            && env.get("GIT_PUSH_CERT_NONCE_STATUS") == Some("OK");
        if !good {
            return None;
        }
        let signer = env.non_empty("GIT_PUSH_CERT_SIGNER")?;
        let email = crate::ident::Person::parse(signer).ok()?.email;
        Some(Pusher {
            login: None,
            email: Some(email),
            source: IdentitySource::PushCertificate,
            signer: Some(signer.to_string()),
        })
    }
}

/// The forge that made a push, when a forge did (its environment says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Forge {
    /// Gitea or Forgejo.
    Gitea,
    /// GitLab.
    Gitlab,
    /// GitHub Enterprise Server.
    Github,
}

/// What the forge's environment says about a push.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ForgePush {
    /// Which forge.
    pub forge: Forge,
    /// Whether the forge itself made this push merging a pull request
    /// (Gitea/Forgejo `GITEA_PUSH_TRIGGER=pr-merge-to-base`, GitLab
    /// `GL_PROTOCOL=web`, GHES `GITHUB_VIA` naming a merge).
    pub merge: bool,
    /// The pull request's number people see (Gitea/Forgejo `GITEA_PR_INDEX`;
    /// `0` means none).
    pub pull_request: Option<u64>,
    /// Whether the push came through the web UI (GitLab `GL_PROTOCOL=web`),
    /// which shows a hook's output only on `GL-HOOK-ERR:` lines.
    pub web: bool,
}

impl ForgePush {
    /// Read the forge's variables; `None` for a push no forge made.
    pub fn from_env(env: &Env) -> Option<ForgePush> {
        if env.non_empty("GITEA_PUSHER_NAME").is_some()
            || env.non_empty("GITEA_PUSH_TRIGGER").is_some()
        {
            return Some(ForgePush {
                forge: Forge::Gitea,
                merge: env.get("GITEA_PUSH_TRIGGER") == Some("pr-merge-to-base"),
                pull_request: env
                    .get("GITEA_PR_INDEX")
                    .and_then(|i| i.trim().parse().ok())
                    .filter(|&i| i != 0),
                web: false,
            });
        }
        if let Some(protocol) = env.non_empty("GL_PROTOCOL") {
            let web = protocol == "web";
            return Some(ForgePush {
                forge: Forge::Gitlab,
                merge: web,
                pull_request: None,
                web,
            });
        }
        if env.non_empty("GITHUB_USER_LOGIN").is_some() {
            let via = env.get("GITHUB_VIA").unwrap_or("").to_ascii_lowercase();
            return Some(ForgePush {
                forge: Forge::Github,
                merge: via.contains("merge"),
                pull_request: None,
                web: false,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_create_update_delete() {
        let input =
            format!("{Z} {A} refs/heads/new\n{A} {B} refs/heads/main\n{B} {Z} refs/tags/v1\n");
        let u = parse_pre_receive(input.as_bytes()).expect("parses");
        assert_eq!(u[0].kind(), UpdateKind::Create);
        assert_eq!(u[1].kind(), UpdateKind::Update);
        assert_eq!(u[2].kind(), UpdateKind::Delete);
    }

    #[test]
    fn malformed_lines_are_errors_not_panics() {
        for bad in [
            "".to_string(),
            "\n".to_string(),
            format!("{A} {B}\n"),
            format!("{A} {B} refs/heads/x extra\n"),
            format!("{A}  {B} refs/heads/x\n"),
            format!("{A} xyz refs/heads/x\n"),
            format!("{A} {B} main\n"),
            format!("{Z} {Z} refs/heads/x\n"),
            format!("{A} {B} refs/heads/a\u{1b}b\n"),
            format!("{} {B} refs/heads/x\n", &A[..39]),
        ] {
            assert!(parse_pre_receive(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(parse_pre_receive(b"\xff\xfe").is_err());
    }

    #[test]
    fn sha256_ids_are_reported() {
        let a = "1".repeat(64);
        let input = format!("{a} {a} refs/heads/main\n");
        assert_eq!(parse_pre_receive(input.as_bytes()), Err(InputError::Sha256));
    }

    #[test]
    fn pusher_precedence_and_cert_status() {
        let mut env = Env::default();
        assert_eq!(Pusher::from_env(&env), None);
        env.set("GIT_PUSH_CERT_SIGNER", "Ann <Ann@Example.com>");
        env.set("GIT_PUSH_CERT_STATUS", "G");
        // Good signature, no fresh nonce: not an identity.
        for nonce in ["", "BAD", "MISSING", "UNSOLICITED", "SLOP"] {
            env.set("GIT_PUSH_CERT_NONCE_STATUS", nonce);
            assert_eq!(Pusher::from_env(&env), None, "nonce {nonce:?}");
        }
        env.set("GIT_PUSH_CERT_NONCE_STATUS", "OK");
        let p = Pusher::from_env(&env).expect("cert");
        assert_eq!(p.login, None, "a signer is never a login");
        assert_eq!(p.email.as_deref(), Some("ann@example.com"));
        env.set("GIT_PUSH_CERT_STATUS", "B");
        assert_eq!(Pusher::from_env(&env), None);
        env.set("GIT_PUSH_CERT_STATUS", "G");
        // The server's own authentication ranks above a certificate.
        env.set("REMOTE_USER", "web");
        let p = Pusher::from_env(&env).expect("remote user");
        assert_eq!(
            (p.login.as_deref(), p.source),
            (Some("web"), IdentitySource::RemoteUser)
        );
        env.set("GL_USERNAME", "ann");
        assert_eq!(
            Pusher::from_env(&env).map(|p| p.source),
            Some(IdentitySource::Gitlab)
        );
    }

    #[test]
    fn forge_pushes() {
        let mut env = Env::default();
        assert_eq!(ForgePush::from_env(&env), None);
        env.set("GITEA_PUSHER_NAME", "ann");
        env.set("GITEA_PUSH_TRIGGER", "pr-merge-to-base");
        env.set("GITEA_PR_INDEX", "7");
        let f = ForgePush::from_env(&env).expect("gitea");
        assert_eq!(
            (f.forge, f.merge, f.pull_request),
            (Forge::Gitea, true, Some(7))
        );
        env.set("GITEA_PR_INDEX", "0");
        env.set("GITEA_PUSH_TRIGGER", "");
        let f = ForgePush::from_env(&env).expect("gitea");
        assert_eq!((f.merge, f.pull_request), (false, None));
        let mut env = Env::default();
        env.set("GL_USERNAME", "ann");
        env.set("GL_PROTOCOL", "web");
        let f = ForgePush::from_env(&env).expect("gitlab");
        assert_eq!((f.forge, f.merge, f.web), (Forge::Gitlab, true, true));
        env.set("GL_PROTOCOL", "ssh");
        assert!(!ForgePush::from_env(&env).expect("gitlab").merge);
        let mut env = Env::default();
        env.set("GITHUB_USER_LOGIN", "ann");
        env.set("GITHUB_VIA", "pull request merge button");
        assert!(ForgePush::from_env(&env).expect("ghes").merge);
        env.set("GITHUB_VIA", "blob#save");
        assert!(!ForgePush::from_env(&env).expect("ghes").merge);
    }

    #[test]
    fn push_options() {
        let mut env = Env::default();
        env.set("GIT_PUSH_OPTION_COUNT", "2");
        env.set("GIT_PUSH_OPTION_0", "ci.skip");
        env.set("GIT_PUSH_OPTION_1", "reviewgate.bypass=outage 42");
        let o = PushOptions::from_env(&env);
        assert!(o.advertised);
        assert_eq!(o.value("reviewgate.bypass"), Some("outage 42"));
    }
}
