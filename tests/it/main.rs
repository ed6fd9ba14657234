//! One integration-test binary (links once): real pushes, git as oracle, CLI.
mod audit_faults;
mod battery;
mod catalog;
mod commit_oracle;
mod docs;
mod failures;
mod forges;
mod git_shows;
mod identities;
mod install;
mod policy_trust;
mod push;
mod snapshots;
mod trailers_oracle;
mod trust;
mod util;
mod walk_oracle;
