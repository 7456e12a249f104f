//! Writing to stdout without panicking when the reader goes away (`nhikit … | head`).

use std::io::{ErrorKind, Write};

/// Writes `text` to stdout; a closed pipe ends the output quietly, other errors are returned.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = stdout();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Stdout for every command's output (`println!` panics when the reader has gone, as in
/// `nhikit … | head -1`): once a write finds the pipe closed, that and every later write and
/// flush succeed without writing, so the command ends quietly with its own exit code; other
/// errors are returned. Buffered: flush it (or drop it) at the end.
pub struct Stdout {
    inner: std::io::BufWriter<std::io::StdoutLock<'static>>,
    closed: bool,
}

/// The shared stdout writer (see [`Stdout`]).
pub fn stdout() -> Stdout {
    Stdout {
        inner: std::io::BufWriter::new(std::io::stdout().lock()),
        closed: false,
    }
}

impl Stdout {
    fn quiet<T>(&mut self, r: std::io::Result<T>, none: T) -> std::io::Result<T> {
        match r {
            Err(e) if e.kind() == ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(none)
            }
            other => other,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.quiet(r, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.quiet(r, ())
    }
}

impl Drop for Stdout {
    fn drop(&mut self) {
        // BufWriter's own drop would flush and ignore the error; flush here so that a closed
        // pipe is recognised the same way.
        let _ = self.flush();
    }
}

/// `eprintln!` that cannot panic: when stderr is closed or full the line is lost (a note or a
/// summary is not worth a crash; `nhikit … 2>&1 | head -1` closes both).
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}
pub(crate) use errln;

/// `println!` that cannot panic: when stdout is closed (`nhikit … | head -1`) the line is lost
/// and the command goes on to its own exit code.
macro_rules! sayln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
pub(crate) use sayln;

/// `eprint!` that cannot panic (see [`errln!`]).
macro_rules! errprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr().lock(), $($arg)*);
    }};
}
pub(crate) use errprint;

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

/// When to colour output (`--color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Only on a terminal, and not when `NO_COLOR` is set or `TERM=dumb`.
    #[default]
    Auto,
    /// Always (e.g. for a CI log viewer that renders ANSI colours).
    Always,
    /// Never.
    Never,
}

/// The run-wide output settings (`--quiet`, `--color`), set once in `main`.
#[derive(Clone, Copy, Debug, Default)]
struct Ui {
    quiet: bool,
    color_stdout: bool,
    color_stderr: bool,
}

static UI: std::sync::OnceLock<Ui> = std::sync::OnceLock::new();

/// Sets the run-wide output settings; the first call wins.
pub fn init(quiet: bool, color: ColorChoice) {
    use std::io::IsTerminal;
    let auto_ok = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
    let on = |terminal: bool| match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => auto_ok && terminal,
    };
    let _ = UI.set(Ui {
        quiet,
        color_stdout: on(std::io::stdout().is_terminal()),
        color_stderr: on(std::io::stderr().is_terminal()),
    });
}

/// Whether `--quiet` was given: no progress, no notes, no summaries; results and errors only.
pub fn quiet() -> bool {
    UI.get().is_some_and(|u| u.quiet)
}

/// What a coloured word means.
#[derive(Clone, Copy, Debug)]
pub enum Tone {
    /// Passed, ok (green).
    Good,
    /// Failed, breached (red).
    Bad,
    /// Expected failure, warning (yellow).
    Warn,
}

fn paint(on: bool, tone: Tone, text: &str) -> String {
    if !on {
        return text.to_owned();
    }
    let code = match tone {
        Tone::Good => "32",
        Tone::Bad => "1;31",
        Tone::Warn => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// `text` coloured for stderr when colour is on there.
pub fn paint_err(tone: Tone, text: &str) -> String {
    paint(UI.get().is_some_and(|u| u.color_stderr), tone, text)
}

/// `text` coloured for stdout when colour is on there.
pub fn paint_out(tone: Tone, text: &str) -> String {
    paint(UI.get().is_some_and(|u| u.color_stdout), tone, text)
}

/// Adds the key `{rate}` to a progress style: items per second rounded to a whole number
/// (`1,736/s`, not indicatif's `{per_sec}` `1,735.6794/s`).
pub fn with_rate(style: indicatif::ProgressStyle) -> indicatif::ProgressStyle {
    style.with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}/s", thousands(state.per_sec().round() as u64));
        },
    )
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A progress bar on stderr counting `len` `unit` (the message shows the last item done);
/// hidden when quiet or stderr is not a terminal. Finish it with `finish_and_clear()`.
pub fn progress(len: u64, unit: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:30}} {{pos}}/{{len}} {unit} {{elapsed}} {{msg}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// A spinner on stderr saying `message` with the elapsed time, for work of unknown length
/// over a second; hidden when quiet or stderr is not a terminal. Finish it with
/// `finish_and_clear()` before printing the result.
pub fn spinner(message: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
