#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fraudlink_fuzz::query(data));
