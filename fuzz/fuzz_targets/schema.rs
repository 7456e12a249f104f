//! The schema loader: the embedded schema (`schemas/`) with one of its files replaced by the
//! input (the first byte picks which), so that cross-file checks run on a realistic whole.
//! Any text gives a schema or errors naming a file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let files = nhikit_schema::embedded_files();
    let which = usize::from(first) % files.len();
    let texts = files
        .iter()
        .enumerate()
        .map(|(i, &(path, original))| (path, if i == which { text } else { original }));
    if let Err(errors) = nhikit_schema::load_texts(texts) {
        assert!(!errors.to_string().is_empty());
    }
});
