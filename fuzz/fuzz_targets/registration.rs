//! Arbitrary bytes as the mentors and mentees files (and as a history file):
//! reading and validating them must never panic and must hold together.
//! Input: two bytes (little-endian) giving the mentors file's length, then the
//! mentors file, then the mentees file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

fuzz_target!(|data: &[u8]| {
    fuzz_checks::check_registration_bytes(data);
});
