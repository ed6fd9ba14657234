//! The `update` hook: `update <ref> <old> <new>`, once per ref after
//! pre-receive; a non-zero exit rejects that ref only.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    // git runs update with three arguments: `--version` alone is a person asking.
    if args.len() == 1 && args[0] == "--version" {
        let _ = writeln!(
            std::io::stdout(),
            "reviewgate-update {}",
            reviewgate::status::VERSION
        );
        return ExitCode::SUCCESS;
    }
    // A panic is turned into a rejection by `guarded`; nothing of it may
    // reach the pusher's terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = reviewgate::hook::guarded(|| {
        reviewgate::hook::update(&args, &reviewgate::push::Env::from_process())
    });
    let mut err = std::io::stderr().lock();
    for line in &outcome.lines {
        let _ = writeln!(err, "{line}");
    }
    ExitCode::from(outcome.status.code())
}
