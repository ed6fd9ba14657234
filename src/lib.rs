//! reviewgate: server-side git hooks that keep unreviewed AI-assisted commits
//! off protected branches.
//!
//! The library decides and never prints; the hook binaries in `hooks/` and the
//! `reviewgate` CLI wire input and output to it. The modules, in the order a
//! push flows through them (each uses only modules above it; a test in
//! `tests/it/docs.rs` holds the code to this list):
//!
//! 1. [`rule`]: the rule codes, and the [`rule::Mode`] and
//!    [`rule::Severity`] every finding carries;
//! 2. [`keys`]: the git config keys of the server's settings;
//! 3. [`ident`]: identities, as git splits an author line and as a trailer
//!    value names a person;
//! 4. [`trailers`]: git's trailer rules, exactly (and `%s`);
//! 5. [`detect`]: which commits are AI-assisted (the catalog);
//! 6. [`push`]: what a push asks for: ref updates, push options, the pusher;
//! 7. [`commit`]: the commit object as git reads it (parents, idents,
//!    encodings, anomalies);
//! 8. [`graph`]: the commit-graph file as git reads it (first parents and
//!    dates without inflating commits);
//! 9. [`pack`]: commits read straight from pack files, for long walks;
//! 10. [`walk`]: the commits an update brings;
//! 11. [`changes`]: the paths a commit changes (a tree diff that reads only
//!     what a rule asks about);
//! 12. [`signers`]: SSH signatures, verified against an allowed_signers file;
//! 13. [`approval`]: signed approvals, as notes hold them;
//! 14. [`hookfile`]: our hook files, defined once (written, recognised);
//! 15. [`repo`]: git access (quarantine and namespace aware) and the server's
//!     settings;
//! 16. [`policy`]: the policy file, its patterns, and where the trusted one
//!     comes from (never the pushed commits);
//! 17. [`verdict`]: violations and the exit status;
//! 18. [`check`]: the engine: for each update, named passes over it, the
//!     checks (pure) and the facts they read;
//! 19. [`report`]: every word a pusher reads;
//! 20. [`audit`]: the hash-chained log of decisions;
//! 21. [`hook`]: the two hooks, orchestrated;
//! 22. [`local_check`]: the same engine on a developer's machine;
//! 23. [`install`]: the hooks into repositories or server-wide;
//! 24. [`status`]: what is in effect on a server repository;
//! 25. [`history`]: a branch's history surveyed with the same engine (the
//!     report), and a new policy tried on the audit log's pushes.
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

pub mod approval;
pub mod audit;
pub mod changes;
pub mod check;
pub mod commit;
pub mod detect;
pub mod graph;
pub mod history;
pub mod hook;
pub mod hookfile;
pub mod ident;
pub mod install;
pub mod keys;
pub mod local_check;
pub mod pack;
pub mod policy;
pub mod push;
pub mod repo;
pub mod report;
pub mod rule;
pub mod signers;
pub mod status;
pub mod trailers;
pub mod verdict;
pub mod walk;
