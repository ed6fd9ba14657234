//! The tree diff on arbitrary tree objects: the input split at a byte 0xff
//! into up to four raw trees (the old and new roots and two subtrees their
//! entries may name); never panic, every listed path is one the filter
//! asked about, and the work stays bounded.
#![no_main]
use std::collections::HashMap;
use std::rc::Rc;

use git2::Oid;
use libfuzzer_sys::fuzz_target;
use reviewgate::changes::{changed_paths, Error, Filter, Trees, MAX_CHANGED_PATHS};

struct Memory(HashMap<Oid, Rc<[u8]>>);

impl Trees for Memory {
    fn tree(&mut self, id: Oid) -> Result<Rc<[u8]>, Error> {
        self.0.get(&id).cloned().ok_or(Error::Missing(id))
    }
}

/// Paths under `a` or named `x`.
struct Asked;

impl Filter for Asked {
    fn may_matter_under(&self, dir: &str) -> bool {
        dir == "a" || dir.starts_with("a/") || !dir.contains('/')
    }
    fn matters(&self, path: &str) -> bool {
        path.starts_with("a/") || path.ends_with("/x") || path == "x"
    }
}

fuzz_target!(|data: &[u8]| {
    let mut trees = HashMap::new();
    let mut ids = Vec::new();
    for (i, part) in data.split(|&c| c == 0xff).take(4).enumerate() {
        // Ids a fuzzer can write into entries: 20 bytes of the index.
        let id = Oid::from_bytes(&[i as u8 + 1; 20]).expect("oid");
        trees.insert(id, Rc::from(part));
        ids.push(id);
    }
    let Some(&new) = ids.get(1) else {
        return;
    };
    let mut m = Memory(trees);
    if let Ok(c) = changed_paths(&mut m, ids.first().copied(), new, &Asked) {
        assert!(c.paths.len() <= MAX_CHANGED_PATHS);
        assert!(c.paths.iter().all(|p| Asked.matters(p)));
    }
});
