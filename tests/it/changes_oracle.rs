//! The paths a commit changes against `git diff-tree -r --no-renames`, on
//! random histories of file operations (adds, edits, deletes, renames, mode
//! changes, symlinks, a file becoming a folder and back, names that sort
//! around `/`), with every path and with sign-off patterns that prune the
//! folders the diff enters.

use std::collections::BTreeSet;

use git2::Oid;
use reviewgate::changes::{changed_paths, Changes, Filter, OdbTrees};
use reviewgate::policy::{Policy, PolicySource};

use crate::util::*;

/// Names chosen to sort around `/` in git's tree order (`a-b`, `a.b`, `a`
/// as a folder and `a0`), at three depths.
const NAMES: &[&str] = &["a", "a-b", "a.b", "a0", "b", "CLAUDE.md", "x.tf", "é.rs"];

fn random_path(rng: &mut Rng) -> String {
    let depth = 1 + rng.below(3);
    (0..depth)
        .map(|_| rng.pick(NAMES).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// One commit's file operations, appended to `stream`; `files` is the
/// tree as it stands.
fn random_ops(
    rng: &mut Rng,
    files: &mut BTreeSet<String>,
    stream: &mut String,
    type_changes: &mut usize,
) {
    for _ in 0..1 + rng.below(4) {
        let existing: Vec<String> = files.iter().cloned().collect();
        match rng.below(6) {
            // Add or edit. A path under an existing file turns the
            // file into a folder, and a path where a folder is turns
            // the folder into a file: the old ones are deleted first.
            0 | 1 => {
                let p = random_path(rng);
                let clash: Vec<String> = files
                    .iter()
                    .filter(|f| p.starts_with(&format!("{f}/")) || f.starts_with(&format!("{p}/")))
                    .cloned()
                    .collect();
                for f in &clash {
                    stream.push_str(&format!("D {f}\n"));
                    files.remove(f);
                    *type_changes += 1;
                }
                let mode = if rng.below(4) == 0 {
                    "100755"
                } else {
                    "100644"
                };
                stream.push_str(&format!(
                    "M {mode} inline {p}\ndata 4\n{:04}",
                    rng.below(10_000)
                ));
                stream.push('\n');
                files.insert(p);
            }
            2 if !existing.is_empty() => {
                let p = &existing[rng.below(existing.len())];
                stream.push_str(&format!("D {p}\n"));
                files.remove(p);
            }
            3 if !existing.is_empty() => {
                let from = existing[rng.below(existing.len())].clone();
                let to = random_path(rng);
                if to == from
                    || files.iter().any(|f| {
                        to.starts_with(&format!("{f}/"))
                            || f.starts_with(&format!("{to}/"))
                            || *f == to
                    })
                {
                    continue;
                }
                stream.push_str(&format!("R {from} {to}\n"));
                files.remove(&from);
                files.insert(to);
            }
            4 if !existing.is_empty() => {
                // A mode change only, or a symlink.
                let p = &existing[rng.below(existing.len())];
                if rng.below(2) == 0 {
                    stream.push_str(&format!(
                        "M 100755 inline {p}\ndata 4\n{:04}\n",
                        rng.below(10)
                    ));
                } else {
                    stream.push_str(&format!("M 120000 inline {p}\ndata 6\ntarget\n"));
                }
            }
            _ => {}
        }
    }
}

/// A linear history of `n` commits of random file operations; its commit
/// ids in order.
fn random_history(
    root: &std::path::Path,
    n: usize,
    seed: u64,
    type_changes: &mut usize,
) -> (std::path::PathBuf, Vec<String>) {
    let dir = root.join(format!("c{seed}.git"));
    let mut c = git_cmd(root);
    c.args(["init", "-q", "--bare"]).arg(&dir);
    ok(c);
    let mut rng = Rng(seed);
    let mut files: BTreeSet<String> = BTreeSet::new();
    let mut stream = String::new();
    for i in 1..=n {
        let msg = format!("c{i}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{i}\ncommitter D <d@x> {} +0000\ndata {}\n{msg}",
            1_700_000_000 + i * 60,
            msg.len()
        ));
        random_ops(&mut rng, &mut files, &mut stream, type_changes);
        stream.push('\n');
        stream.push_str(&format!("reset refs/tags/t{i}\nfrom :{i}\n\n"));
    }
    let mut c = git_cmd(&dir);
    c.args(["fast-import", "--quiet", "--force"]);
    feed_ok(c, stream.as_bytes());
    let ids = (1..=n)
        .map(|i| {
            let mut c = git_cmd(&dir);
            c.args(["rev-parse", &format!("refs/tags/t{i}")]);
            ok(c)
        })
        .collect();
    (dir, ids)
}

/// git's answer: `git diff-tree -r --no-renames --name-only -z`.
fn git_paths(dir: &std::path::Path, id: &str) -> BTreeSet<String> {
    let mut c = git_cmd(dir);
    c.args([
        "diff-tree",
        "-r",
        "--no-renames",
        "--no-commit-id",
        "--name-only",
        "-z",
        "--root",
        id,
    ]);
    let out = run(c);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

/// Every path (also for `tree_oracle`'s diffs).
pub struct Everything;

impl Filter for Everything {
    fn may_matter_under(&self, _: &str) -> bool {
        true
    }
    fn matters(&self, _: &str) -> bool {
        true
    }
}

/// A sign-off rule's `files`, as the hook filters with them.
struct Files(Policy);

impl Filter for Files {
    fn may_matter_under(&self, dir: &str) -> bool {
        self.0.signoffs[0]
            .files
            .iter()
            .any(|f| f.may_match_under(dir))
    }
    fn matters(&self, path: &str) -> bool {
        self.0.signoffs[0].file_match(path).is_some()
    }
}

fn ours(dir: &std::path::Path, id: &str, filter: &impl Filter) -> Changes {
    let repo = git2::Repository::open_bare(dir).expect("open");
    let odb = repo.odb().expect("odb");
    let mut trees = OdbTrees::new(&odb);
    let id = Oid::from_str(id).expect("oid");
    let commit = repo.find_commit(id).expect("commit");
    let parent = commit
        .parent_ids()
        .next()
        .map(|p| trees.tree_of(p).expect("parent tree"));
    changed_paths(&mut trees, parent, commit.tree_id(), filter).expect("diff")
}

#[test]
fn the_paths_a_commit_changes_are_gits() {
    let root = tempfile::tempdir().expect("tmp");
    let patterns = [
        "[\"a/**\"]",
        "[\"**/x.tf\"]",
        "[\"a/*/b\", \"a-b\"]",
        "[\"@agent-config\"]",
        "[\"a.b/**/*.rs\", \"b/a0\"]",
    ];
    let filters: Vec<Files> = patterns
        .iter()
        .map(|f| {
            let text = format!("[[protect]]\nrefs = [\"refs/heads/main\"]\n[[signoff]]\nname = \"t\"\nfiles = {f}\n");
            Files(Policy::parse(&text, &PolicySource::Builtin).expect("policy"))
        })
        .collect();
    let mut compared = 0;
    let mut type_changes = 0;
    for seed in 1..=6u64 {
        let (dir, ids) = random_history(root.path(), 60, seed * 7919, &mut type_changes);
        for id in &ids {
            let git = git_paths(&dir, id);
            let all = ours(&dir, id, &Everything);
            assert!(!all.truncated);
            let got: BTreeSet<String> = all.paths.iter().cloned().collect();
            assert_eq!(got.len(), all.paths.len(), "{id}: a path listed twice");
            assert_eq!(got, git, "seed {seed}, commit {id}");
            for f in &filters {
                let want: BTreeSet<String> = git.iter().filter(|p| f.matters(p)).cloned().collect();
                let got: BTreeSet<String> = ours(&dir, id, f).paths.into_iter().collect();
                assert_eq!(
                    got, want,
                    "seed {seed}, commit {id}, files {:?}",
                    f.0.signoffs[0].files
                );
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 360);
    assert!(
        type_changes > 20,
        "only {type_changes} file/folder swaps generated"
    );
}
