//! pre-receive stdin and update argv parsing on arbitrary bytes: never panic;
//! whatever parses is a well-formed update.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(updates) = reviewgate::push::parse_pre_receive(data) {
        for u in updates {
            assert!(u.name.starts_with("refs/") || u.name == "HEAD");
            assert!(u.old.is_some() || u.new.is_some());
        }
    }
    let args: Vec<std::ffi::OsString> = data
        .split(|&c| c == 0)
        .map(|a| std::ffi::OsString::from(String::from_utf8_lossy(a).into_owned()))
        .collect();
    let _ = reviewgate::push::parse_update_args(&args);
    // Reports escape anything: no control character survives sanitising.
    let text = String::from_utf8_lossy(data);
    assert!(!reviewgate::report::sanitize(&text).chars().any(|c| c.is_control()));
});
