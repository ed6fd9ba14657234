//! What git shows is what we judge: crafted raw commit objects
//! (`git hash-object -t commit --literally`) read by our parser and by git.
//!
//! - headers: parents, author and committer agree with `git log
//!   --format=%P %an %ae %cn %ce` and `git merge-base --is-ancestor`, and every
//!   object we flag as ambiguous is one that `git fsck` rejects or that has a
//!   header git reads two ways;
//! - messages: trailers and subject agree with `git log
//!   --format=%(trailers:only,unfold)` and `%s` on messages with leading blank
//!   lines, CRLF on every line (comment and scissors lines too) and NULs;
//! - encodings: author and message agree with what `git log` shows after
//!   re-encoding, or we say we cannot decode them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;

use reviewgate::commit::CommitView;

use crate::util::*;

struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    tree: String,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("r.git");
        let mut c = git_cmd(tmp.path());
        c.args(["init", "-q", "--bare"]).arg(&dir);
        ok(c);
        let tree = ok({
            let mut c = git_cmd(&dir);
            c.args(["mktree"]).stdin(Stdio::null());
            c
        });
        Repo {
            _tmp: tmp,
            dir,
            tree,
        }
    }

    fn git(&self) -> std::process::Command {
        git_cmd(&self.dir)
    }

    /// Write raw commit objects; their ids, in order.
    fn write(&self, objects: &[Vec<u8>]) -> Vec<String> {
        let files = self.dir.join("objects-in");
        std::fs::create_dir_all(&files).expect("mkdir");
        let mut paths = String::new();
        for (i, o) in objects.iter().enumerate() {
            let p = files.join(i.to_string());
            std::fs::write(&p, o).expect("write");
            paths.push_str(&format!("{}\n", p.display()));
        }
        let mut c = self.git();
        c.args([
            "hash-object",
            "-t",
            "commit",
            "--literally",
            "-w",
            "--stdin-paths",
        ]);
        let out = feed_ok(c, paths.as_bytes());
        String::from_utf8(out)
            .expect("ids")
            .lines()
            .map(String::from)
            .collect()
    }

    /// `git log --no-walk=unsorted --format=FORMAT ids`, split per commit.
    fn log(&self, format: &str, ids: &[String]) -> HashMap<String, Vec<u8>> {
        let mut c = self.git();
        c.args(["log", "--no-walk=unsorted", "--stdin"])
            .arg(format!("--format=%H%x01{format}%x02"));
        let out = feed_ok(c, ids.join("\n").as_bytes());
        let mut map = HashMap::new();
        for rec in out.split(|&b| b == 2) {
            let rec = rec.strip_prefix(b"\n").unwrap_or(rec);
            if rec.is_empty() {
                continue;
            }
            let sep = rec.iter().position(|&b| b == 1).expect("separator");
            let id = String::from_utf8_lossy(&rec[..sep]).into_owned();
            map.insert(id, rec[sep + 1..].to_vec());
        }
        map
    }
}

/// Raw object ids git fsck reports an error or warning for.
fn fsck_complaints(repo: &Repo) -> HashMap<String, String> {
    let mut c = repo.git();
    c.args(["fsck", "--strict", "--no-dangling"]);
    let out = run(c);
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let mut map = HashMap::new();
    for line in text.lines() {
        for prefix in ["error in commit ", "warning in commit "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                if let Some((id, why)) = rest.split_once(": ") {
                    map.insert(id.to_string(), why.to_string());
                }
            }
        }
    }
    map
}

const AUTHORS: &[&str] = &[
    "Ann Lee <ann@example.com> 1700000000 +0000",
    "Eve <eve@example.com> <noreply@anthropic.com> 1700000000 +0000",
    "Name<tight@example.com>1700000000 +0000",
    " <nameless@example.com> 1700000000 +0000",
    "Spaced \t <spaced@example.com>  1700000000 +0000",
    "No Email 1700000000 +0000",
    "Unclosed <open@example.com 1700000000 +0000",
];

/// Header lines a crafted commit is assembled from (after `tree`).
fn header_pool(b1: &str, b2: &str) -> Vec<String> {
    vec![
        format!("parent {b1}"),
        format!("parent {b2}"),
        "parent 12345".to_string(),
        "author Ann Lee <ann@example.com> 1700000000 +0000".to_string(),
        "author Mallory <noreply@anthropic.com> 1700000000 +0000".to_string(),
        "committer Bo <bo@example.com> 1700000001 +0000".to_string(),
        "committer Claude <noreply@anthropic.com> 1700000001 +0000".to_string(),
        "encoding UTF-8".to_string(),
        "x-unknown-header some value".to_string(),
        format!("mergetag object {b2}\n type commit\n tag v1\n tagger T <t@x> 1 +0000\n \n msg"),
        format!("gpgsig -----BEGIN PGP SIGNATURE-----\n author Fake <fake@example.com> 1 +0000\n parent {b2}\n -----END PGP SIGNATURE-----"),
        " a bare continuation line".to_string(),
        format!("tree {}", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"),
    ]
}

/// A well-formed commit, then perturbed: headers inserted, duplicated,
/// moved or dropped.
fn crafted(rng: &mut Rng, tree: &str, pool: &[String], author: &str) -> Vec<u8> {
    let mut lines: Vec<String> = Vec::new();
    for p in pool.iter().take(2) {
        if rng.below(3) == 0 {
            lines.push(p.clone());
        }
    }
    lines.push(format!("author {author}"));
    lines.push("committer Bo <bo@example.com> 1700000001 +0000".into());
    if rng.below(3) == 0 {
        lines.push(pool[9].clone());
    }
    if rng.below(3) == 0 {
        lines.push(pool[10].clone());
    }
    for _ in 0..rng.below(3) {
        let extra = pool[rng.below(pool.len())].clone();
        let at = rng.below(lines.len() + 1);
        lines.insert(at, extra);
    }
    if rng.below(8) == 0 && !lines.is_empty() {
        let at = rng.below(lines.len());
        lines.remove(at);
    }
    let mut raw = format!("tree {tree}\n");
    for l in lines {
        raw.push_str(&l);
        raw.push('\n');
    }
    raw.push_str("\nSubject\n\nBody.\n");
    raw.into_bytes()
}

/// Whether a reader going by header names could read `raw` differently from
/// git, which goes by position: a `tree`, `author`, `committer` or `encoding`
/// header that appears twice, or a `tree`/`parent` line after the leading
/// `tree`, `parent`... run.
fn ambiguous_headers(raw: &[u8]) -> bool {
    let mut seen = HashMap::new();
    let mut in_leading_run = true;
    for (i, line) in raw.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' {
            in_leading_run = false;
            continue;
        }
        let key = line.split(|&b| b == b' ').next().unwrap_or(line).to_vec();
        let positional = key == b"tree" || key == b"parent";
        if positional && (i == 0 || in_leading_run) && !(key == b"tree" && i > 0) {
            continue;
        }
        in_leading_run = false;
        if positional {
            return true;
        }
        if [&b"author"[..], b"committer", b"encoding"].contains(&key.as_slice()) {
            *seen.entry(key).or_insert(0) += 1;
        }
    }
    seen.values().any(|&n| n > 1)
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "a table of crafted headers against git, one per row"
)]
fn headers_agree_with_git() {
    let repo = Repo::new();
    let base = |m: &str| {
        let mut c = repo.git();
        c.args(["commit-tree", &repo.tree, "-m", m]);
        ok(c)
    };
    let (b1, b2) = (base("base one"), base("base two"));
    let pool = header_pool(&b1, &b2);
    let mut rng = Rng(0x5eed_c0ff_ee00_0001);
    let mut objects = Vec::new();
    for i in 0..240 {
        let author = AUTHORS[i % AUTHORS.len()];
        objects.push(crafted(&mut rng, &repo.tree, &pool, author));
    }
    // Fixed cases the issue names, beside the generated ones.
    let t = &repo.tree;
    for raw in [
        format!("tree {t}\nauthor A <a@x> 1 +0000\nparent {b1}\ncommitter C <c@x> 1 +0000\n\nm\n"),
        format!("tree {t}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\nparent {b1}\n\nm\n"),
        format!("tree {t}\nparent {b1}\nauthor A <a@x> 1 +0000\nauthor B <b@x> 1 +0000\ncommitter C <c@x> 1 +0000\n\nm\n"),
        format!("tree {t}\nparent {b1}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\ncommitter D <d@x> 1 +0000\n\nm\n"),
        format!("tree {t}\ntree {t}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\n\nm\n"),
        format!("tree {t}\nparent {b1}\nparent {b2}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\nmergetag object {b1}\n type commit\n parent {b2}\n\nm\n"),
    ] {
        objects.push(raw.into_bytes());
    }
    let ids = repo.write(&objects);
    let fsck = fsck_complaints(&repo);

    // Objects git cannot parse at all (bad parent lines) make `git log` fail.
    let mut loggable = Vec::new();
    let mut flagged = 0;
    for (id, raw) in ids.iter().zip(&objects) {
        let view = CommitView::parse(git2::Oid::from_str(id).expect("id"), raw);
        let mut c = repo.git();
        c.args(["log", "-1", "--format=%P", id]);
        let git_parses = run(c).status.success();
        if !git_parses {
            assert_eq!(
                view.anomaly(),
                Some(reviewgate::commit::Anomaly::BadTreeOrParent),
                "git cannot parse {id} but we did not flag it:\n{}",
                String::from_utf8_lossy(raw)
            );
            flagged += 1;
            continue;
        }
        loggable.push(id.clone());
    }
    let log = repo.log("%P%x00%an%x00%ae%x00%cn%x00%ce", &loggable);
    let mut clean = 0;
    for (id, raw) in ids.iter().zip(&objects) {
        let Some(git) = log.get(id) else { continue };
        let fields: Vec<&[u8]> = git.split(|&b| b == 0).collect();
        let view = CommitView::parse(git2::Oid::from_str(id).expect("id"), raw);
        let text = String::from_utf8_lossy(raw);
        let ours_parents: Vec<String> = view.parents().map(|p| p.to_string()).collect();
        assert_eq!(
            ours_parents.join(" ").as_bytes(),
            fields[0],
            "parents of {id} differ from git's %P:\n{text}"
        );
        // The fast-forward question, asked of git directly.
        for candidate in [&b1, &b2] {
            let mut c = repo.git();
            c.args(["merge-base", "--is-ancestor", candidate, id]);
            let git_says = run(c).status.success();
            assert_eq!(
                git_says,
                ours_parents.contains(candidate),
                "is {candidate} an ancestor of {id}? git and we disagree:\n{text}"
            );
        }
        match view.anomaly() {
            None => {
                clean += 1;
                let a = view.raw_author();
                let c = view.raw_committer();
                assert_eq!(a.name, fields[1], "%an of {id}:\n{text}");
                assert_eq!(a.email, fields[2], "%ae of {id}:\n{text}");
                assert_eq!(c.name, fields[3], "%cn of {id}:\n{text}");
                assert_eq!(c.email, fields[4], "%ce of {id}:\n{text}");
                // fsck may still dislike how an ident is formatted (git
                // reads it one way, compared above), never the structure.
                assert!(
                    !fsck.contains_key(id) || fsck[id].contains("invalid author/committer line"),
                    "we read {id} as unambiguous but git fsck says: {}\n{text}",
                    fsck[id]
                );
            }
            Some(anomaly) => {
                flagged += 1;
                assert!(
                    fsck.contains_key(id) || ambiguous_headers(raw),
                    "we flag {id} ({anomaly}) but git fsck accepts it and no header is ambiguous:\n{text}"
                );
            }
        }
    }
    assert!(
        clean > 60 && flagged > 40,
        "clean {clean}, flagged {flagged}"
    );
}

/// Messages the way raw objects can carry them.
fn commit_message(rng: &mut Rng) -> Vec<u8> {
    let mut msg = String::new();
    for _ in 0..rng.below(3) {
        msg.push_str(rng.pick(&["\n", " \n", "\t\n", "\r\n", " \r\n"]));
    }
    msg.push_str(rng.pick(&[
        "Fix the parser",
        "Reviewed-by: Ann Lee <ann@example.com>",
        "aider: change things",
        "Subject\nsecond title line",
    ]));
    msg.push('\n');
    for _ in 0..rng.below(3) {
        msg.push_str(rng.pick(&["\n", " \n", "\x0b\n", "\x0c\n"]));
        msg.push_str(rng.pick(&[
            "Prose line.\n",
            "Reviewed-by: in prose <p@example.com>\n",
            "# a comment line\n",
            "# ------------------------ >8 ------------------------\n",
            "Conflicts:\n\tsrc/a.c\n",
        ]));
    }
    msg.push('\n');
    for _ in 0..1 + rng.below(4) {
        msg.push_str(rng.pick(&[
            "Reviewed-by: Ann Lee <ann@example.com>\n",
            "Co-Authored-By: Claude <noreply@anthropic.com>\n",
            "Signed-off-by: Dev <dev@example.com>\n",
            "Key:\n",
            " continued\n",
            "# comment in the block\n",
            "prose in the block\n",
            "# ------------------------ >8 ------------------------\n",
        ]));
    }
    if rng.below(3) == 0 {
        msg.push_str(rng.pick(&[
            "\n# Please enter the commit message\n",
            "\n# ------------------------ >8 ------------------------\nAfter: x\n",
            "\n\n",
        ]));
    }
    let mut bytes = if rng.below(3) == 0 {
        msg.replace('\n', "\r\n").into_bytes()
    } else {
        msg.into_bytes()
    };
    if rng.below(6) == 0 {
        let at = rng.below(bytes.len() + 1);
        bytes.insert(at, 0);
        bytes.extend_from_slice(b"\nAfter-Nul: x\n");
    }
    bytes
}

fn ours_trailers(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in reviewgate::trailers::parse(msg) {
        out.extend_from_slice(format!("{}: {}\n", t.key, t.value).as_bytes());
    }
    out
}

#[test]
fn messages_agree_with_git_log() {
    let repo = Repo::new();
    let mut rng = Rng(0x0dd_ba11_5eed_0002);
    let head = format!(
        "tree {}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\n",
        repo.tree
    );
    let messages: Vec<Vec<u8>> = (0..400).map(|_| commit_message(&mut rng)).collect();
    let objects: Vec<Vec<u8>> = messages
        .iter()
        .map(|m| [head.as_bytes(), m].concat())
        .collect();
    let ids = repo.write(&objects);
    let log = repo.log("%(trailers:only,unfold)%x00%s", &ids);
    let mut with_trailers = 0;
    for (id, msg) in ids.iter().zip(&messages) {
        let git = &log[id];
        let (trailers, subject) = git.split_at(git.iter().position(|&b| b == 0).expect("nul"));
        assert_eq!(
            String::from_utf8_lossy(&ours_trailers(msg)),
            String::from_utf8_lossy(trailers),
            "trailers of {id} differ from git log:\n{:?}",
            String::from_utf8_lossy(msg)
        );
        assert_eq!(
            reviewgate::trailers::subject(msg).as_bytes(),
            &subject[1..],
            "subject of {id} differs from git log %s:\n{:?}",
            String::from_utf8_lossy(msg)
        );
        // Through the commit parser, as the hooks read it.
        let view = CommitView::parse(
            git2::Oid::from_str(id).expect("id"),
            &objects[ids.iter().position(|i| i == id).expect("i")],
        );
        assert_eq!(view.raw_message(), msg.as_slice());
        if !trailers.is_empty() {
            with_trailers += 1;
        }
    }
    assert!(with_trailers > 100, "only {with_trailers} had trailers");
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "a table of encodings against git, one per row"
)]
fn encodings_agree_with_git_log_or_are_refused() {
    let repo = Repo::new();
    let t = &repo.tree;
    let obj = |enc: &str, author: &[u8], msg: &[u8]| -> Vec<u8> {
        [
            format!("tree {t}\nauthor ").as_bytes(),
            author,
            b" 1700000000 +0000\ncommitter C <c@example.com> 1700000000 +0000\n",
            format!("encoding {enc}\n\n").as_bytes(),
            msg,
        ]
        .concat()
    };
    let latin1_msg: &[u8] = b"Caf\xe9 fix\n\nDetails \xe0 la carte.\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nReviewed-by: J\xf6rg <j\xf6rg@example.com>\n";
    let ascii_msg: &[u8] = b"Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nReviewed-by: Ann <ann@example.com>\n";
    // Decodable exactly: (encoding, author, message).
    let exact: Vec<(&str, &[u8], &[u8])> = vec![
        ("ISO-8859-1", b"J\xf6rg <j\xf6rg@example.com>", latin1_msg),
        ("latin1", b"J\xf6rg <j\xf6rg@example.com>", latin1_msg),
        ("iso8859-1", b"Ann <ann@example.com>", latin1_msg),
        (
            "utf-8",
            b"Ann <ann@example.com>",
            "Caf\u{e9}\n\nReviewed-by: Ann <ann@example.com>\n".as_bytes(),
        ),
        ("windows-1252", b"Ann <ann@example.com>", ascii_msg),
        ("ISO-8859-15", b"Ann <ann@example.com>", ascii_msg),
        ("KOI8-R", b"Ann <ann@example.com>", ascii_msg),
    ];
    // Not decodable exactly: git re-encodes with iconv in ways we do not mirror.
    let refused: Vec<(&str, &[u8], &[u8])> = vec![
        (
            "UTF-7",
            b"Ann <ann@example.com>",
            b"Fix +AGk-\n\nCo-Authored-By: Claude +ADw-noreply+AEA-anthropic.com+AD4-\n",
        ),
        ("UTF-16LE", b"Ann <ann@example.com>", b"F\0i\0x\0"),
        (
            "ISO-2022-JP",
            b"Ann <ann@example.com>",
            b"Fix \x1b$B$\"\x1b(B\n",
        ),
        (
            "windows-1252",
            b"Ann <ann@example.com>",
            b"Caf\xe9\n\nReviewed-by: Ann <ann@example.com>\n",
        ),
        ("x-no-such-encoding", b"Ann <ann@example.com>", ascii_msg),
    ];
    let mut objects = Vec::new();
    for (e, a, m) in exact.iter().chain(&refused) {
        objects.push(obj(e, a, m));
    }
    let ids = repo.write(&objects);
    let log = repo.log("%an%x00%ae%x00%B", &ids);
    let mut reencoded = 0;
    for (i, (id, raw)) in ids.iter().zip(&objects).enumerate() {
        let view = CommitView::parse(git2::Oid::from_str(id).expect("id"), raw);
        let shown = view.shown();
        let git = &log[id];
        let f: Vec<&[u8]> = git.splitn(3, |&b| b == 0).collect();
        if i < exact.len() {
            assert!(shown.undecodable.is_none(), "{}", exact[i].0);
            assert_eq!(shown.author.name.as_bytes(), f[0], "%an, {}", exact[i].0);
            assert_eq!(shown.author.email.as_bytes(), f[1], "%ae, {}", exact[i].0);
            assert_eq!(&*shown.message, f[2], "%B, {}", exact[i].0);
            // And the trailers git log shows come from the decoded text.
            let mut c = repo.git();
            c.args(["log", "-1", "--format=%(trailers:only,unfold)", id]);
            let git_trailers = run(c).stdout;
            assert_eq!(
                String::from_utf8_lossy(&ours_trailers(&shown.message)),
                String::from_utf8_lossy(git_trailers.strip_suffix(b"\n").unwrap_or(&git_trailers)),
                "{}",
                exact[i].0
            );
        } else {
            let (e, _, m) = refused[i - exact.len()];
            assert_eq!(shown.undecodable.as_deref(), Some(e), "{e}");
            if f[2] != m {
                reencoded += 1;
            }
        }
    }
    // git shows at least some of them re-encoded: their raw bytes are not what
    // git shows, which is why we refuse to judge them.
    assert!(
        reencoded >= 2,
        "git re-encoded only {reencoded} of the refused commits"
    );
}
