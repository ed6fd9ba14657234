//! Trailer parsing and AI detection on arbitrary bytes: never panic, and the
//! trailer block is a range inside the message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reviewgate::detect::{CommitText, DetectConfig, Detector};

fuzz_target!(|data: &[u8]| {
    let range = reviewgate::trailers::block_range(data);
    assert!(range.start <= range.end && range.end <= data.len());
    for t in reviewgate::trailers::parse(data) {
        assert!(!t.key.is_empty());
        assert!(!t.value.contains('\n'));
    }
    thread_local! {
        static DETECTOR: Detector = Detector::new(&DetectConfig { builtin: true, ..Default::default() })
            .expect("the built-in catalog compiles");
    }
    let author = String::from_utf8_lossy(data.get(..data.len().min(64)).unwrap_or(&[])).into_owned();
    DETECTOR.with(|d| {
        let _ = d.detect(&CommitText { author: &author, committer: &author, message: data });
    });
});
