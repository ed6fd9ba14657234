//! The AI detector's inputs on arbitrary bytes: a git-ai note
//! (`refs/notes/ai`), an `Assisted-by:` value and a person's `Name <email>`
//! never panic; a note either parses (its counted lines no more than its
//! ranges allow) or is refused; the detector reads any message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reviewgate::detect::{assisted, notes, CommitText, DetectConfig, Detector};

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = notes::parse(data) {
        assert!(data.len() <= notes::MAX_NOTE_BYTES);
        assert_eq!(a.is_ai(), a.total_lines() > 0 || !a.agent_lines.is_empty());
    }
    let text = String::from_utf8_lossy(data);
    let _ = assisted::classify(&text, |_| None);
    let _ = assisted::names_ai_person(&text);
    static DETECTOR: std::sync::OnceLock<Detector> = std::sync::OnceLock::new();
    let d = DETECTOR.get_or_init(|| {
        Detector::new(&DetectConfig {
            builtin: true,
            ..Default::default()
        })
        .expect("the catalog compiles")
    });
    let _ = d.person_is_ai(&text);
    let _ = d.detect(&CommitText {
        author: &text,
        committer: "A <a@example.com>",
        message: data,
    });
});
