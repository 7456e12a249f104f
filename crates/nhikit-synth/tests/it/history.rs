//! Life histories (issue 4, item 1): schema-valid rows, the snapshot unchanged, periods and
//! events that fit together, every kind of event present.

use crate::rec::{date, int, s};
use crate::{generate, reference, schema};
use nhikit_core::date::NaiveDate;
use nhikit_schema::{Record, RecordCollector};
use nhikit_synth::{ExtraSinks, Extras, Generator, Options, Profile, Window};
use std::collections::{BTreeMap, BTreeSet};

struct Run {
    households: Vec<Record>,
    persons: Vec<Record>,
    qualifications: Vec<Record>,
    events: Vec<Record>,
}

fn run(options: &Options, profile: Profile, window: Window) -> Run {
    let s = schema();
    let g = Generator::new(reference(), options)
        .unwrap()
        .with_extras(Extras {
            profile,
            history: Some(window),
            ..Extras::default()
        })
        .unwrap();
    let e = |n: &str| s.entity(n).unwrap();
    let mut h = RecordCollector::new(e("household"));
    let mut p = RecordCollector::new(e("person"));
    let mut q = RecordCollector::new(e("qualification"));
    let mut x = RecordCollector::new(e("qualification_event"));
    for part in &g.plan().parts {
        let mut sinks = ExtraSinks {
            event: Some(&mut x),
            ..ExtraSinks::default()
        };
        g.write_part_with(part, &mut h, &mut p, &mut q, &mut sinks);
    }
    for (name, c) in [
        ("household", &h),
        ("person", &p),
        ("qualification", &q),
        ("qualification_event", &x),
    ] {
        crate::assert_valid(name, c);
    }
    Run {
        households: h.records,
        persons: p.records,
        qualifications: q.records,
        events: x.records,
    }
}

fn person(r: &Record) -> (String, String) {
    (
        s(r, "lgcode").unwrap().to_owned(),
        s(r, "address_number").unwrap().to_owned(),
    )
}

fn options(households: u64) -> Options {
    Options {
        households,
        seed: 21,
        ..Options::default()
    }
}

#[test]
fn the_snapshot_records_are_kept_and_the_history_only_adds() {
    let o = options(2000);
    let [plain_h, plain_p, plain_q] = generate(&o);
    let run = run(&o, Profile::Realistic, Window::default_for(o.as_of));
    // Every snapshot record is still there, in order.
    for (plain, with) in [
        (&plain_h, &run.households),
        (&plain_p, &run.persons),
        (&plain_q, &run.qualifications),
    ] {
        let mut it = with.iter();
        for r in plain {
            assert!(it.any(|x| x == r), "{r:?} lost or reordered");
        }
        assert!(with.len() > plain.len());
    }
    let household = |r: &Record| {
        (
            s(r, "lgcode").unwrap().to_owned(),
            s(r, "household_number").unwrap().to_owned(),
        )
    };
    let current: BTreeSet<_> = plain_h.iter().map(household).collect();
    // Former households left NHI within the window.
    let former: BTreeSet<_> = run
        .households
        .iter()
        .filter(|r| !current.contains(&household(r)))
        .inspect(|r| {
            let lost = date(r, "nhi_loss_date").expect("a former household has a loss date");
            assert!(lost <= o.as_of);
        })
        .map(household)
        .collect();
    assert!(former.len() > 500, "{} former households", former.len());
    // Added persons: former members of a current household left it (転出者, 死亡者); members
    // of a former household may still live in the municipality.
    let kept: BTreeSet<_> = plain_p.iter().map(person).collect();
    let added: Vec<_> = run
        .persons
        .iter()
        .filter(|r| !kept.contains(&person(r)))
        .collect();
    assert!(added.len() > 1000, "{} former members", added.len());
    for r in &added {
        match s(r, "resident_status") {
            Some("2") => assert!(date(r, "moved_out_date").is_some()),
            Some("3") => assert!(date(r, "death_date").is_some()),
            Some("1") => assert!(former.contains(&household(r)), "{r:?}"),
            other => panic!("former member with 住民状態 {other:?}"),
        }
    }
}

#[test]
fn periods_and_events_fit_together_and_every_kind_occurs() {
    for profile in [Profile::Realistic, Profile::Edge] {
        let o = options(5000);
        let run = run(&o, profile, Window::default_for(o.as_of));
        let (w0, w1) = Window::default_for(o.as_of).days(o.as_of).unwrap();
        let mut periods: BTreeMap<_, Vec<&Record>> = BTreeMap::new();
        for r in &run.qualifications {
            periods.entry(person(r)).or_default().push(r);
        }
        let mut events: BTreeMap<_, Vec<&Record>> = BTreeMap::new();
        for r in &run.events {
            events.entry(person(r)).or_default().push(r);
        }
        let deaths: BTreeMap<_, NaiveDate> = run
            .persons
            .iter()
            .filter_map(|r| Some((person(r), date(r, "death_date")?)))
            .collect();
        let mut kinds = BTreeSet::new();
        let mut reasons = BTreeSet::new();
        for (who, ps) in &periods {
            // Numbered 1, 2, … in order; each closed before the next starts.
            for (i, p) in ps.iter().enumerate() {
                assert_eq!(int(p, "qualification_seq"), i as i64 + 1, "{who:?}");
                let a = date(p, "acquisition_date").unwrap();
                if let Some(l) = date(p, "loss_date") {
                    assert!(a < l, "{who:?}: lost {l} before acquired {a}");
                    assert!(l <= o.as_of);
                    reasons.insert(format!("loss {}", s(p, "loss_reason").unwrap()));
                }
                if let Some(next) = ps.get(i + 1) {
                    let l = date(p, "loss_date").expect("closed before the next period");
                    assert!(date(next, "acquisition_date").unwrap() >= l);
                }
                reasons.insert(format!("acq {}", s(p, "acquisition_reason").unwrap()));
            }
            let es = events.get(who).map(Vec::as_slice).unwrap_or(&[]);
            for p in ps {
                let seq = int(p, "qualification_seq");
                let find = |kind: &str| {
                    es.iter().find(|e| {
                        int(e, "qualification_seq") == seq && s(e, "event_kind") == Some(kind)
                    })
                };
                let a = date(p, "acquisition_date").unwrap();
                if a >= w0 && a <= w1 {
                    let e = find("01").unwrap_or_else(|| panic!("{who:?}: no acquisition event"));
                    assert_eq!(date(e, "event_date"), Some(a));
                    assert_eq!(s(e, "acquisition_reason"), s(p, "acquisition_reason"));
                    assert_eq!(
                        date(e, "notified_date"),
                        date(p, "acquisition_notified_date")
                    );
                }
                if let Some(l) = date(p, "loss_date") {
                    let e = find("02").unwrap_or_else(|| panic!("{who:?}: no loss event"));
                    assert_eq!(date(e, "event_date"), Some(l));
                    assert_eq!(s(e, "loss_reason"), s(p, "loss_reason"));
                }
            }
            if let Some(d) = deaths.get(who) {
                // Nothing after death: the loss is the day after.
                for p in ps {
                    let l = date(p, "loss_date").expect("no open period after death");
                    assert!(l <= d.succ_opt().unwrap());
                }
            }
        }
        for (who, es) in &events {
            let mut last = None;
            for (i, e) in es.iter().enumerate() {
                assert_eq!(int(e, "event_seq"), i as i64 + 1, "{who:?}");
                let d = date(e, "event_date").unwrap();
                assert!(
                    d >= w0 && d <= w1,
                    "{who:?}: event on {d} outside the window"
                );
                assert!(last.is_none_or(|l| l <= d), "{who:?}: events out of order");
                last = Some(d);
                if let Some(n) = date(e, "notified_date") {
                    assert!(n >= d && n <= o.as_of);
                }
                assert!(date(e, "processed_date").unwrap() <= o.as_of);
                kinds.insert(s(e, "event_kind").unwrap().to_owned());
                assert_eq!(
                    s(e, "event_kind") == Some("05"),
                    s(e, "previous_name").is_some()
                );
                assert!(
                    periods.contains_key(who),
                    "{who:?}: events without a period"
                );
            }
        }
        for k in ["01", "02", "03", "04", "05"] {
            assert!(kinds.contains(k), "{profile:?}: no event of kind {k}");
        }
        for r in [
            "acq 01", "acq 02", "acq 04", "acq 05", "loss 01", "loss 02", "loss 03", "loss 11",
            "loss 13",
        ] {
            assert!(reasons.contains(r), "{profile:?}: no {r}: {reasons:?}");
        }
    }
}

#[test]
fn histories_are_deterministic_and_an_earlier_window_ends_earlier() {
    let o = options(1500);
    let w = Window::default_for(o.as_of);
    let a = run(&o, Profile::Realistic, w);
    let b = run(&o, Profile::Realistic, w);
    assert_eq!(a.events, b.events);
    assert_eq!(a.persons, b.persons);
    let short = Window {
        from: 2021,
        to: 2023,
    };
    let (s0, s1) = short.days(o.as_of).unwrap();
    let c = run(&o, Profile::Realistic, short);
    assert!(!c.events.is_empty());
    for e in &c.events {
        let d = date(e, "event_date").unwrap();
        assert!(d >= s0 && d <= s1, "{d} outside FY2021–FY2023");
    }
}
