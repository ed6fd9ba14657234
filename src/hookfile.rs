//! reviewgate's hook files, defined once: the wrapper the installer writes
//! into a hooks folder (which calls a binary by absolute path, and may run a
//! hook that was there first), how a file on disk is recognised as ours
//! (this version's, or one written by the earlier bash installer) and as
//! unedited (a checksum of its body), and the client-side pre-push hook.
//! The installer writes them, the update hook recognises them, and
//! `install-client-hook` writes the client one.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The first comment line of every wrapper (any version): what marks a hook
/// file as reviewgate's.
pub const MARK: &str = "# reviewgate hook wrapper";

/// The suffix a hook that was there first is kept under, run before ours.
pub const CHAINED_SUFFIX: &str = ".reviewgate-orig";

/// The suffix an edited wrapper is kept under when it is uninstalled.
pub const EDITED_SUFFIX: &str = ".reviewgate-edited";

/// The server hooks reviewgate provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `pre-receive`: every ref of a push at once.
    PreReceive,
    /// `update`: one ref.
    Update,
}

impl HookKind {
    /// The hook's name, as git calls it.
    pub fn name(self) -> &'static str {
        match self {
            HookKind::PreReceive => "pre-receive",
            HookKind::Update => "update",
        }
    }

    /// The binary that implements it.
    pub fn binary(self) -> &'static str {
        match self {
            HookKind::PreReceive => "reviewgate-pre-receive",
            HookKind::Update => "reviewgate-update",
        }
    }
}

/// A wrapper: which hook, the binary it calls (absolute), and the file name
/// of a hook it runs first (kept beside it), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapper {
    /// Which hook.
    pub kind: HookKind,
    /// The binary, by absolute path (no `'` or control characters:
    /// [`Wrapper::new`] refuses them).
    pub binary: PathBuf,
    /// The file name of the hook that runs first (`pre-receive.reviewgate-orig`).
    pub chained: Option<String>,
}

/// Why a path cannot go into a wrapper.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// It holds a single quote, which would end the quoted path.
    #[error("a path must not contain a single quote: {0}")]
    Quote(String),
    /// It holds a control character (a newline would split the command).
    #[error("a path must not contain control characters (newlines, tabs): {0:?}")]
    Control(String),
}

/// Whether `path` can be written single-quoted into a shell script.
pub fn check_path(path: &Path) -> Result<(), PathError> {
    let text = path.to_string_lossy();
    if text.contains('\'') {
        return Err(PathError::Quote(text.into_owned()));
    }
    if text.chars().any(char::is_control) {
        return Err(PathError::Control(text.into_owned()));
    }
    Ok(())
}

impl Wrapper {
    /// The wrapper for `kind` calling the binary in `bin_dir`.
    pub fn new(kind: HookKind, bin_dir: &Path, chained: Option<String>) -> Result<Self, PathError> {
        check_path(bin_dir)?;
        Ok(Self {
            kind,
            binary: bin_dir.join(kind.binary()),
            chained,
        })
    }

    /// The file's text. A chained pre-receive saves the ref list to a file
    /// first and checks every step, so neither hook ever sees a truncated
    /// list; the third line is a checksum of the rest, so an uninstall can
    /// tell an edited wrapper (kept) from its own (removed).
    pub fn text(&self) -> String {
        let body = self.body();
        format!(
            "#!/bin/sh\n{MARK} ({}); installed by reviewgate install, do not edit.\n# reviewgate-sum: {}\n{body}\n",
            self.kind.name(),
            checksum(&body)
        )
    }

    fn body(&self) -> String {
        let bin = self.binary.display();
        let Some(chained) = &self.chained else {
            return format!("exec '{bin}' \"$@\"");
        };
        let first = format!("# Runs the previous hook ({chained}) first; either can reject.\n");
        match self.kind {
            HookKind::PreReceive => format!(
                "{first}tmp=$(mktemp \"${{TMPDIR:-/tmp}}/reviewgate-refs.XXXXXX\") || {{ echo \"reviewgate: cannot create a temporary file in \\$TMPDIR; push refused\" >&2; exit 2; }}\ntrap 'rm -f \"$tmp\"' EXIT\ncat >\"$tmp\" || {{ echo \"reviewgate: cannot save the pushed ref list (is \\$TMPDIR full?); push refused\" >&2; exit 2; }}\n\"$(dirname \"$0\")/{chained}\" \"$@\" <\"$tmp\" || exit $?\n'{bin}' \"$@\" <\"$tmp\""
            ),
            HookKind::Update => format!(
                "{first}\"$(dirname \"$0\")/{chained}\" \"$@\" || exit $?\nexec '{bin}' \"$@\""
            ),
        }
    }
}

/// SHA-256 of a wrapper body as its checksum line has it (the body and the
/// newline after it, as `printf '%s\n' "$body" | sha256sum` gave).
fn checksum(body: &str) -> String {
    let digest = Sha256::digest(format!("{body}\n").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hook file recognised as reviewgate's wrapper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// Which hook it says it is.
    pub kind: Option<HookKind>,
    /// Whether it is exactly as written (its checksum matches its body).
    pub pristine: bool,
    /// The binaries it names by absolute path.
    pub binaries: Vec<PathBuf>,
}

/// Whether `text` is one of our wrappers (this version's, or one the bash
/// installer wrote: same mark, same checksum rule), and what it says.
pub fn recognise(text: &[u8]) -> Option<Recognised> {
    let text = std::str::from_utf8(text).ok()?;
    let mut lines = text.split('\n');
    if lines.next() != Some("#!/bin/sh") {
        return None;
    }
    let mark = lines.next()?.strip_prefix(MARK)?;
    let kind = match mark.strip_prefix(" (").and_then(|m| m.split(')').next()) {
        Some("pre-receive") => Some(HookKind::PreReceive),
        Some("update") => Some(HookKind::Update),
        _ => None,
    };
    let sum = lines
        .next()
        .and_then(|l| l.strip_prefix("# reviewgate-sum: "));
    // The body: everything after the third line, less the final newline.
    let body = text.splitn(4, '\n').nth(3).unwrap_or_default();
    let body = body.strip_suffix('\n').unwrap_or(body);
    let pristine = sum.is_some_and(|s| s != "none" && s == checksum(body));
    let binaries = body
        .lines()
        .flat_map(|line| line.split('\'').skip(1).step_by(2))
        .filter(|p| p.starts_with('/'))
        .map(PathBuf::from)
        .collect();
    Some(Recognised {
        kind,
        pristine,
        binaries,
    })
}

/// Whether the file at `path` is one of our wrappers.
pub fn is_ours(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|t| recognise(&t).is_some())
}

/// The first comment line of the client-side pre-push hook.
pub const CLIENT_MARK: &str = "# reviewgate client hook";

/// Where `install-client-hook --force` keeps a pre-push hook it found.
pub const CLIENT_BACKUP: &str = "pre-push.reviewgate-orig";

/// The client-side pre-push hook calling the CLI at `exe`. git feeds it
/// `<local ref> <local id> <remote ref> <remote id>` lines; violations
/// (exit 1) stop the push, a check that cannot run (exit 2, e.g. the
/// remote's new commits are not fetched) only warns. With `chained`, the
/// hook kept as [`CLIENT_BACKUP`] runs first on the same ref list.
pub fn client_hook(exe: &str, chained: bool) -> String {
    let exe = exe.replace('\'', "'\\''");
    let (save, chain, input) = if chained {
        (
            "refs=$(mktemp \"${TMPDIR:-/tmp}/reviewgate-pre-push.XXXXXX\") || exit 1\ntrap 'rm -f \"$refs\"' EXIT\ncat >\"$refs\" || exit 1\n",
            format!("\"$(dirname \"$0\")/{CLIENT_BACKUP}\" \"$@\" <\"$refs\" || exit $?\n"),
            " <\"$refs\"",
        )
    } else {
        ("", String::new(), "")
    };
    format!(
        r#"#!/bin/sh
{CLIENT_MARK} (installed by `reviewgate install-client-hook`; advisory:
# the server decides. Skip once with `git push --no-verify`.)
remote="$1"
zero=0000000000000000000000000000000000000000
{save}{chain}status=0
while read -r _ local_id remote_ref remote_id; do
  [ "$local_id" = "$zero" ] && continue
  range="$local_id"
  if [ "$remote_id" != "$zero" ] && git cat-file -e "$remote_id^{{commit}}" 2>/dev/null; then
    range="$remote_id..$local_id"
  fi
  '{exe}' check --quiet --remote "$remote" --remote-ref "$remote_ref" "$range" >&2
  rc=$?
  if [ $rc -eq 1 ]; then
    status=1
  elif [ $rc -ne 0 ]; then
    echo "reviewgate: could not check $remote_ref locally (exit $rc); the server will." >&2
  fi
done{input}
if [ $status -ne 0 ]; then
  echo "reviewgate: push stopped by the client-side check (the server would refuse it too)." >&2
fi
exit $status
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wrapper exactly as the bash installer (install.sh before the
    /// installer moved into `reviewgate install`) wrote it.
    const BASH_ERA: &str = "#!/bin/sh\n# reviewgate hook wrapper (pre-receive); installed by reviewgate install.sh, do not edit.\n# reviewgate-sum: 55d3a4f09d1f7d7e3ad8ef5dac6d8e4e04d4c1ad9c1c58d5a6efc8ff0d4c2a0e\nexec '/usr/local/libexec/reviewgate/reviewgate-pre-receive' \"$@\"\n";

    #[test]
    fn a_wrapper_is_recognised_as_ours_and_pristine() {
        let w = Wrapper::new(
            HookKind::PreReceive,
            Path::new("/opt/rg bin"),
            Some("pre-receive.reviewgate-orig".into()),
        )
        .expect("path");
        let text = w.text();
        let r = recognise(text.as_bytes()).expect("ours");
        assert_eq!(r.kind, Some(HookKind::PreReceive));
        assert!(r.pristine);
        assert_eq!(
            r.binaries,
            vec![PathBuf::from("/opt/rg bin/reviewgate-pre-receive")]
        );
        let edited = format!("{text}# a local tweak\n");
        assert!(!recognise(edited.as_bytes()).expect("still ours").pristine);
        assert!(recognise(b"#!/bin/sh\nexit 0\n").is_none());
    }

    #[test]
    fn a_bash_installer_wrapper_is_ours_and_its_checksum_is_checked() {
        // The checksum line above is not this body's: edited, but ours.
        let r = recognise(BASH_ERA.as_bytes()).expect("ours");
        assert_eq!(r.kind, Some(HookKind::PreReceive));
        assert!(!r.pristine);
        // With the checksum the bash installer computed (sha256 of the body
        // and its newline), pristine.
        let body = "exec '/usr/local/libexec/reviewgate/reviewgate-pre-receive' \"$@\"";
        let fixed = BASH_ERA.replace(
            "55d3a4f09d1f7d7e3ad8ef5dac6d8e4e04d4c1ad9c1c58d5a6efc8ff0d4c2a0e",
            &checksum(body),
        );
        assert!(recognise(fixed.as_bytes()).expect("ours").pristine);
    }

    #[test]
    fn paths_that_would_break_the_quoting_are_refused() {
        for bad in ["/a'b", "/a\nb", "/a\tb"] {
            assert!(
                Wrapper::new(HookKind::Update, Path::new(bad), None).is_err(),
                "{bad:?}"
            );
        }
        assert!(Wrapper::new(
            HookKind::Update,
            Path::new("/a $HOME `id` \"q\" ;&|*"),
            None
        )
        .is_ok());
    }
}
