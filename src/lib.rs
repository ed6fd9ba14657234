//! reviewgate: server-side git hooks that keep unreviewed AI-assisted commits
//! off protected branches.
//!
//! The library decides and never prints; the hook binaries in `hooks/` and the
//! `reviewgate` CLI wire input and output to it. The flow of a push:
//!
//! - [`push`] parses the ref updates, push options and pusher identity;
//! - [`repo`] opens the repository (quarantine and namespace aware) and reads
//!   the trusted [`config`] policy from the default branch before the push;
//! - [`commits`] finds the commits each protected update brings;
//! - [`trailers`] parses their trailer blocks with git's exact rules and
//!   [`detect`] decides which are AI-tagged;
//! - [`rules`] turns all that into a [`verdict::Verdict`] of violations with
//!   stable rule codes, which [`report`] renders for the pusher.
//!
//! ```
//! use reviewgate::policy::{LoadedPolicy, Policy};
//! let policy = LoadedPolicy::builtin().expect("the built-in policy parses");
//! assert!(policy.policy.is_protected("refs/heads/main", None));
//! assert!(!policy.policy.is_protected("refs/heads/feature", None));
//! ```
#![warn(missing_docs)]
// The hook path must never panic on input: no unwrap/expect/panic and no
// unchecked indexing in library code (tests may use them). The byte parsers
// that index carry an `expect` naming why their offsets are in bounds, and are
// fuzzed. Hooks also catch panics and reject (hook::guarded).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented,
        clippy::unreachable,
        clippy::indexing_slicing
    )
)]

pub mod audit;
pub mod commit;
pub mod detect;
pub mod hook;
pub mod ident;
pub mod local_check;
pub mod policy;
pub mod push;
pub mod repo;
pub mod report;
pub mod rule;
pub mod rules;
pub mod trailers;
pub mod verdict;
pub mod walk;
