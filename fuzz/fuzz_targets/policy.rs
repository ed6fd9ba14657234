//! The policy loader on arbitrary bytes: never panic; an error always names a
//! location inside the text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reviewgate::policy::{LoadedPolicy, PolicySource};

fuzz_target!(|data: &[u8]| {
    if let Err(e) = LoadedPolicy::from_bytes(data, PolicySource::File("fuzz.toml".into())) {
        let lines = data.iter().filter(|&&c| c == b'\n').count() + 1;
        for d in &e.diagnostics {
            assert!(d.line >= 1 && d.line <= lines + 1, "line {} of {lines}", d.line);
            assert!(d.column >= 1);
        }
    }
});
