//! The HTTP adapter's mapping of an answer (status, body) to a result or a target error, and
//! the response's shape check, for every operation under the default mapping.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nhikit_target::wire::Operation;

fuzz_target!(|data: &[u8]| {
    let [a, b, c, rest @ ..] = data else {
        return;
    };
    let op = Operation::ALL[usize::from(*a) % Operation::ALL.len()];
    // Statuses 100..=599, biased to the ones adapters map.
    let status = 100 + u16::from_le_bytes([*b, *c]) % 500;
    let body = String::from_utf8_lossy(rest);
    if let Err(e) = nhikit_adapters::fuzzing::http_response(op, status, &body) {
        assert!(!e.is_empty());
    }
});
