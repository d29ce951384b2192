//! Issue 14: the server's log, written to a file, holds no colour codes.

use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_log_written_to_a_file_has_no_colour_codes() {
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("serve.log");
    let db = dir.path().join("x.db");
    let mut server = Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url"])
        .arg(&db)
        .current_dir(dir.path())
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stdout(std::fs::File::create(&log).expect("log file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut text = String::new();
    for _ in 0..300 {
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("is running at") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(text.contains("is running at"), "the server started: {text}");
    assert!(text.contains("INFO"), "a log line was written: {text}");
    assert!(!text.contains('\u{1b}'), "no colour codes in a file: {text:?}");
}
