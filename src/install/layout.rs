//! Where hooks go on each kind of server (the layout), how a repository's
//! layout is recognised, and the slots reviewgate may occupy.

use std::path::{Path, PathBuf};

use crate::hookfile::HookKind;

/// How a server runs repository hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Plain git: `hooks/pre-receive` (and `hooks/update`).
    Plain,
    /// Gitea/Forgejo: their `hooks/pre-receive` runs `hooks/pre-receive.d/*`.
    Gitea,
    /// GitLab (Gitaly): `custom_hooks/pre-receive.d/*`.
    Gitlab,
    /// gitolite: `hooks/pre-receive`; gitolite owns `hooks/update`.
    Gitolite,
}

impl Layout {
    /// The layout's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Plain => "plain",
            Layout::Gitea => "gitea",
            Layout::Gitlab => "gitlab",
            Layout::Gitolite => "gitolite",
        }
    }

    /// A layout by name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Layout::Plain,
            Layout::Gitea,
            Layout::Gitlab,
            Layout::Gitolite,
        ]
        .into_iter()
        .find(|l| l.name() == name)
    }

    /// The layout a repository shows (its hooks folder is `hooks`).
    pub fn detect(repo: &Path, hooks: &Path) -> Self {
        let mentions = |file: &Path, words: &[&str]| {
            std::fs::read(file).is_ok_and(|t| {
                let t = String::from_utf8_lossy(&t);
                words.iter().any(|w| t.contains(w))
            })
        };
        let pre_receive = hooks.join("pre-receive");
        if hooks.join("pre-receive.d/gitea").exists()
            || mentions(&pre_receive, &["gitea", "forgejo"])
        {
            return Layout::Gitea;
        }
        if repo.join("custom_hooks").is_dir()
            || hooks.join("gitlab-shell").exists()
            || mentions(&pre_receive, &["gitlab"])
        {
            return Layout::Gitlab;
        }
        if mentions(&hooks.join("update"), &["gitolite"]) || repo.join("gl-conf").exists() {
            return Layout::Gitolite;
        }
        Layout::Plain
    }

    /// The slots this layout fills in `repo` (hooks folder `hooks`).
    pub fn slots(self, repo: &Path, hooks: &Path, with_update: bool) -> Vec<Slot> {
        let pair = |pre: PathBuf, update: PathBuf| {
            let mut v = vec![Slot {
                path: pre,
                kind: HookKind::PreReceive,
            }];
            if with_update {
                v.push(Slot {
                    path: update,
                    kind: HookKind::Update,
                });
            }
            v
        };
        match self {
            Layout::Plain => pair(hooks.join("pre-receive"), hooks.join("update")),
            Layout::Gitea => pair(
                hooks.join("pre-receive.d/reviewgate"),
                hooks.join("update.d/reviewgate"),
            ),
            Layout::Gitlab => pair(
                repo.join("custom_hooks/pre-receive.d/reviewgate"),
                repo.join("custom_hooks/update.d/reviewgate"),
            ),
            // gitolite owns `update`.
            Layout::Gitolite => pair(hooks.join("pre-receive"), PathBuf::new())
                .into_iter()
                .take(1)
                .collect(),
        }
    }

    /// The folder this layout's hooks go in, as messages name it.
    pub fn folder(self, repo: &Path, hooks: &Path) -> PathBuf {
        match self {
            Layout::Plain | Layout::Gitolite => hooks.to_path_buf(),
            Layout::Gitea => hooks.join("pre-receive.d"),
            Layout::Gitlab => repo.join("custom_hooks/pre-receive.d"),
        }
    }
}

/// A place a hook of ours goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The file.
    pub path: PathBuf,
    /// Which hook.
    pub kind: HookKind,
}

/// Every slot reviewgate can occupy in a repository, in any layout.
pub fn all_slots(repo: &Path, hooks: &Path) -> Vec<PathBuf> {
    vec![
        hooks.join("pre-receive"),
        hooks.join("update"),
        hooks.join("pre-receive.d/reviewgate"),
        hooks.join("update.d/reviewgate"),
        repo.join("custom_hooks/pre-receive.d/reviewgate"),
        repo.join("custom_hooks/update.d/reviewgate"),
    ]
}
