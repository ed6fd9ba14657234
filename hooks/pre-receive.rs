//! The `pre-receive` hook: reads `<old> <new> <ref>` lines from stdin, judges
//! the whole push, prints the verdict (reaching the pusher as `remote:` lines)
//! and exits 0 to accept or non-zero to reject every ref.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    // git runs pre-receive without arguments: `--version` is a person asking.
    if std::env::args_os().nth(1).is_some_and(|a| a == "--version") {
        let _ = writeln!(
            std::io::stdout(),
            "reviewgate-pre-receive {}",
            reviewgate::status::VERSION
        );
        return ExitCode::SUCCESS;
    }
    // A panic is turned into a rejection by `guarded`; nothing of it may
    // reach the pusher's terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = reviewgate::hook::guarded(|| {
        let mut stdin = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut stdin) {
            return reviewgate::hook::stdin_failure(&e);
        }
        reviewgate::hook::pre_receive(&stdin, &reviewgate::push::Env::from_process())
    });
    let mut err = std::io::stderr().lock();
    for line in &outcome.lines {
        let _ = writeln!(err, "{line}");
    }
    ExitCode::from(outcome.status.code())
}
