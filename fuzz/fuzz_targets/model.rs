//! Arbitrary bytes as a model file: reading it must never panic, and a model
//! that reads must read back from its own file and read the sample programme.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

fuzz_target!(|data: &[u8]| {
    fuzz_checks::check_model_bytes(data);
});
