//! reviewgate: server-side git hooks that keep unreviewed AI-assisted commits
//! off protected branches.
pub mod config;
pub mod detect;
pub mod trailers;
