//! The one parallel work loop: items taken in turn by a few scoped threads, results returned
//! in item order whatever thread finished first.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Runs `f` on every item, on up to `threads` threads (at least 1, at most one per item),
/// and returns the results in the order of `items`. The first error stops the loop: no item
/// is started after it, and of the errors met the one of the earliest item is returned.
///
/// ```
/// let squares = nhikit_dataset::for_each_parallel(&[1u64, 2, 3], 2, |n| {
///     Ok::<u64, std::convert::Infallible>(n * n)
/// });
/// assert_eq!(squares, Ok(vec![1, 4, 9]));
/// ```
pub fn for_each_parallel<T, R, E, F>(items: &[T], threads: usize, f: F) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
    F: Fn(&T) -> Result<R, E> + Sync,
{
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let done: Mutex<Vec<(usize, Result<R, E>)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    // A poisoned lock means another worker panicked: the scope re-raises it.
                    if let Ok(mut all) = done.lock() {
                        all.push((i, r));
                    }
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_item_order_for_any_thread_count() {
        let items: Vec<u32> = (0..200).collect();
        for threads in [0, 1, 3, 8, 500] {
            let out = for_each_parallel(&items, threads, |&i| {
                // Later items finish first.
                std::thread::sleep(std::time::Duration::from_micros(u64::from(200 - i)));
                Ok::<_, ()>(i * 2)
            });
            assert_eq!(out, Ok(items.iter().map(|i| i * 2).collect()), "{threads}");
        }
    }

    #[test]
    fn the_first_error_stops_the_loop() {
        let items: Vec<u32> = (0..1000).collect();
        let started = AtomicUsize::new(0);
        let out = for_each_parallel(&items, 4, |&i| {
            started.fetch_add(1, Ordering::Relaxed);
            if i >= 10 { Err(i) } else { Ok(i) }
        });
        // Items are taken in order, so item 10 always runs and fails first in item order.
        assert_eq!(out, Err(10));
        assert!(started.load(Ordering::Relaxed) < 1000);
        let empty: [u32; 0] = [];
        assert_eq!(
            for_each_parallel(&empty, 4, |&i| Ok::<_, ()>(i)),
            Ok(vec![])
        );
    }
}
