//! One integration-test binary (links once): real pushes, git as oracle, CLI.
mod catalog;
mod push;
mod trailers_oracle;
mod util;
