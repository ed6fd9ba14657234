//! An allowed_signers file and an approvals note on arbitrary bytes (split at
//! the first NUL): parsing never panics, an error names a line of the file,
//! and every approval the note holds is verified without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reviewgate::approval::{self, Block};
use reviewgate::signers::AllowedSigners;

fuzz_target!(|data: &[u8]| {
    let (file, note) = match data.iter().position(|&c| c == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let file = String::from_utf8_lossy(file);
    let signers = match AllowedSigners::parse(&file, "allowed_signers") {
        Ok(s) => s,
        Err(e) => {
            let lines = file.lines().count().max(1);
            assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
            AllowedSigners::default()
        }
    };
    let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
    for block in approval::parse_note(&String::from_utf8_lossy(note)) {
        if let Block::Approval(a) = block {
            let _ = signers.verify(
                &a.signature,
                a.payload().as_bytes(),
                approval::NAMESPACE,
                &a.reviewer,
                at,
            );
        }
    }
});
