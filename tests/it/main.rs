//! One integration-test binary (links once): real pushes, git as oracle, CLI.
mod push;
mod util;
