#![no_main]

libfuzzer_sys::fuzz_target!(
    init: fraudlink_fuzz::warm_up(),
    |data: &[u8]| fraudlink_fuzz::email(data)
);
