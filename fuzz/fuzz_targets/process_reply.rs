//! The process adapter's decoding of a reply line (`docs/adapter-protocol.md`) and the
//! response's shape check, for every operation: any bytes give a result or an error, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nhikit_target::wire::Operation;

fuzz_target!(|data: &[u8]| {
    let Some((&first, line)) = data.split_first() else {
        return;
    };
    let op = Operation::ALL[usize::from(first) % Operation::ALL.len()];
    if let Err(e) = nhikit_adapters::fuzzing::process_reply(op, line) {
        assert!(!e.is_empty());
    }
});
