//! The fuzz targets' committed seed corpus (fuzz/corpus/<target>/) and the
//! inputs fuzzing found panics with (fuzz/regressions/<target>/, kept out of
//! the corpus: the fuzzer's panic hook aborts even on a panic the app
//! catches), through the same entry points under the normal test build: a
//! parser that panics on one of them fails here, without nightly.

use std::path::Path;

fn each_input(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let dir = root.join("corpus").join(target);
    let found = root.join("regressions").join(target);
    let mut n = 0;
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.chain(std::fs::read_dir(&found).into_iter().flatten()) {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read input");
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        assert!(outcome.is_ok(), "{target} panicked on {}", path.display());
        n += 1;
    }
    assert!(n > 0, "no seed inputs in {}", dir.display());
}

#[test]
fn roster_import() {
    each_input("roster_import", xieshang::fuzzing::roster_import);
}

#[test]
fn search_query() {
    each_input("search_query", xieshang::fuzzing::search_query);
}

#[test]
fn multipart_form() {
    each_input("multipart_form", xieshang::fuzzing::multipart_form);
}

#[test]
fn image_check() {
    each_input("image_check", xieshang::fuzzing::image_check);
}
