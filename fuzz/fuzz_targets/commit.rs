//! The commit-object parser on arbitrary bytes: never panic; parents are the
//! well-formed `parent` lines right after `tree`; an object git would read
//! more than one way is flagged; identities and the message lie inside it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reviewgate::commit::CommitView;

fuzz_target!(|data: &[u8]| {
    let c = CommitView::parse(git2::Oid::zero(), data);
    // In two steps, as a walk reads it: the same.
    let read = reviewgate::commit::ParentsRead::of(data);
    assert_eq!(CommitView::parse_rest(git2::Oid::zero(), data, read), c);
    assert_eq!(c.parents().count(), c.parent_count());
    if c.parent_count() > 0 {
        assert!(data.starts_with(b"tree "));
    }
    if data.contains(&0) {
        assert!(c.anomaly().is_some(), "a NUL is always an anomaly");
    }
    let msg = c.raw_message();
    assert!(msg.len() <= data.len());
    let shown = c.shown();
    let _ = (shown.author.display(), shown.committer.display(), c.subject());
    let _ = reviewgate::commit::time_of(data);
    let _ = reviewgate::ident::identity_readings(&String::from_utf8_lossy(data));
    let _ = reviewgate::ident::Person::parse(&String::from_utf8_lossy(data));
});
