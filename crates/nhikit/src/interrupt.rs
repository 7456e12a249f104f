//! Ctrl-C (SIGINT) and SIGTERM, handled in one place.
//!
//! Commands that write a dataset or a copy (`gen`, `reference import`/`export`, `decrypt`,
//! `manifest merge`) stop at once: every unfinished output this process registered with
//! `nhikit_io` (temporary directories, a database being created, output locks) is removed,
//! each removal is said on stderr, and the process exits with [`EXIT`]. Runs (`conform`,
//! `load`) stop gracefully instead: the first signal runs their hooks ([`graceful`]), they
//! write what they have marked *interrupted* and exit with [`EXIT`]; a second signal stops at
//! once like a writer.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The exit code of an interrupted command (128 + SIGINT, as a shell reports it).
pub const EXIT: u8 = 130;

static GRACEFUL: AtomicBool = AtomicBool::new(false);
type Hook = Box<dyn Fn() + Send>;
static HOOKS: Mutex<Vec<Hook>> = Mutex::new(Vec::new());
static NOTE: Mutex<Option<String>> = Mutex::new(None);

/// Makes the first signal a request to stop (see the module doc) and runs `hook` when it
/// comes (e.g. to stop a load run's clients).
pub fn graceful(hook: impl Fn() + Send + 'static) {
    GRACEFUL.store(true, Ordering::SeqCst);
    HOOKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(Box::new(hook));
}

/// A line said when the process is stopped by a signal (e.g. what stays as it was).
pub fn note(text: impl Into<String>) {
    *NOTE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(text.into());
}

/// Starts listening for SIGINT and SIGTERM (a thread of its own). Until this is called, a
/// signal ends the process the default way.
pub fn install() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    // Registered here, before returning: a signal from now on is ours.
    let (mut int, mut term) = runtime.block_on(async {
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        ))
    })?;
    std::thread::Builder::new()
        .name("nhikit-signals".into())
        .spawn(move || {
            runtime.block_on(async move {
                let mut first_at: Option<std::time::Instant> = None;
                loop {
                    let name = tokio::select! {
                        _ = int.recv() => "Ctrl-C",
                        _ = term.recv() => "SIGTERM",
                    };
                    // One signal sent to the process and again to its group (`timeout`, some
                    // CI runners) arrives twice at once: a second within a second is the same.
                    if first_at.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1)) {
                        continue;
                    }
                    let first = first_at.is_none();
                    first_at.get_or_insert_with(std::time::Instant::now);
                    if first && GRACEFUL.load(Ordering::SeqCst) {
                        crate::out::errln!(
                            "\ninterrupted ({name}): stopping — finishing what is in flight and \
                             writing the results so far, marked interrupted (again to stop at once)"
                        );
                        for hook in HOOKS
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .iter()
                        {
                            hook();
                        }
                        continue;
                    }
                    stop_now(name);
                }
            });
        })?;
    Ok(())
}

/// Removes the unfinished outputs, says so, and exits with [`EXIT`].
fn stop_now(name: &str) -> ! {
    let removed = nhikit_io::remove_partials();
    crate::out::errln!();
    for path in &removed {
        // Lock files are bookkeeping, not output: removed without a word.
        if path.to_string_lossy().ends_with(".nhikit-lock") {
            continue;
        }
        crate::out::errln!("removed the unfinished output {}", path.display());
    }
    if let Some(note) = NOTE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
    {
        crate::out::errln!("{note}");
    }
    crate::out::errln!(
        "error: interrupted ({name}): stopped before the end; nothing half-written is left"
    );
    std::process::exit(i32::from(EXIT));
}
