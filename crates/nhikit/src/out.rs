//! Writing to stdout without panicking when the reader goes away (`nhikit … | head`).

use std::io::{ErrorKind, Write};

/// Writes `text` to stdout; a closed pipe ends the output quietly, other errors are returned.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// `println!` into a `String`, for commands that print through [`print()`].
macro_rules! outln {
    ($buf:expr) => { $buf.push('\n') };
    ($buf:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        // Writing into a String cannot fail.
        let _ = writeln!($buf, $($arg)*);
    }};
}
pub(crate) use outln;
