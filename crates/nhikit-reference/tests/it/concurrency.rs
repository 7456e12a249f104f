//! Reads on a file database: the pool of read-only connections answers as the single
//! connection does, sees every committed write, and never half of one (issue 10).

use crate::lookup::{event, person_query};
use crate::*;
use nhikit_target::{EventKind, HouseholdQuery, Target};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn import(r: &Reference, f: &Fixture) {
    r.import(&ImportRequest {
        dataset: Some(f.dir.clone()),
        files: Vec::new(),
    })
    .unwrap();
}

#[test]
fn pooled_reads_equal_in_memory_reads_and_follow_writes() {
    let f = fixture(60, &[Format::Jsonl]);
    let memory = loaded(&f, &[]);
    let file = Reference::temporary().unwrap();
    import(&file, &f);
    let recs = records(60, 7, MUNICIPALITIES);
    for q in &recs.qualifications {
        let (lg, an) = (s(q, "lgcode"), s(q, "address_number"));
        for on in [d(q, "acquisition_date").unwrap(), date("2026-04-01")] {
            assert_eq!(
                file.lookup_person(&person_query(lg, an, on)),
                memory.lookup_person(&person_query(lg, an, on)),
                "{lg}/{an} on {on}"
            );
        }
    }
    for h in &recs.households {
        let query = HouseholdQuery {
            lgcode: s(h, "lgcode").into(),
            household_number: s(h, "household_number").into(),
            as_of: date("2026-04-01"),
        };
        assert_eq!(
            file.lookup_household(&query),
            memory.lookup_household(&query)
        );
    }
    // A committed event is seen by the next read, whichever pooled connection serves it.
    let q = recs
        .qualifications
        .iter()
        .find(|q| {
            d(q, "acquisition_date").unwrap() < date("2025-01-01") && d(q, "loss_date").is_none()
        })
        .unwrap();
    let (lg, an) = (s(q, "lgcode"), s(q, "address_number"));
    for r in [&file, &memory] {
        // Fill the pool with connections that have read the person before the event.
        for _ in 0..8 {
            assert!(
                r.lookup_person(&person_query(lg, an, date("2025-10-15")))
                    .unwrap()
                    .insured
            );
        }
        r.register_event(&event(q, EventKind::Loss, "2025-10-15", Some("03")))
            .unwrap();
        for _ in 0..8 {
            assert!(
                !r.lookup_person(&person_query(lg, an, date("2025-10-15")))
                    .unwrap()
                    .insured
            );
        }
    }
}

#[test]
fn a_read_never_sees_half_an_import() {
    let f = fixture(200, &[Format::Jsonl]);
    let r = Arc::new(Reference::temporary().unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (r, done) = (Arc::clone(&r), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let counts = r.counts().unwrap();
                if seen.last() != Some(&counts) {
                    seen.push(counts);
                }
                if finished {
                    return seen;
                }
            }
        })
    };
    import(&r, &f);
    done.store(true, Ordering::SeqCst);
    let seen = reader.join().unwrap();
    let all = r.counts().unwrap();
    assert!(all.len() >= 4, "{all:?}");
    for counts in &seen {
        assert!(
            counts.is_empty() || *counts == all,
            "a read saw {counts:?}; the import holds {all:?}"
        );
    }
    assert_eq!(seen.last(), Some(&all));
}
