#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| xieshang::fuzzing::multipart_form(data));
