//! Concurrent writers and readers over HTTP on a file database: every request is answered and
//! the final state is exactly what the events say.

use crate::*;
use nhikit_server::Config;
use serde_json::json;

#[test]
fn thirty_two_concurrent_writers_and_readers() {
    let f = fixture(60);
    let db = f.tmp.path().join("served.sqlite");
    let server = Server::start(shared(loaded(&f, Some(&db))), Config::default());
    // 32 distinct persons with an open qualification.
    let mut persons: Vec<(Value, Value)> = records(&f, "qualification")
        .into_iter()
        .filter(|q| q["loss_date"].is_null())
        .map(|q| (q["lgcode"].clone(), q["address_number"].clone()))
        .collect();
    persons.dedup();
    assert!(persons.len() >= 32, "{} open qualifications", persons.len());
    persons.truncate(32);
    let contested = persons[0].clone();

    let contest_ok = std::thread::scope(|s| {
        let handles: Vec<_> = persons
            .iter()
            .map(|(lg, an)| {
                let (server, contested) = (&server, &contested);
                s.spawn(move || {
                    let agent = agent();
                    let url = |op: &str| server.url(&format!("/v1/{op}"));
                    // Each thread: a lookup, a loss of its own person, a lookup after it, and
                    // a loss of the contested person (exactly one of these may succeed).
                    let before = post(
                        &agent,
                        &url("lookup_person"),
                        &json!({ "lgcode": lg, "address_number": an, "as_of": "2026-04-01" }),
                    );
                    let loss = post(
                        &agent,
                        &url("register_event"),
                        &json!({ "lgcode": lg, "address_number": an, "kind": "loss",
                                 "date": "2026-06-01", "reason": "11" }),
                    );
                    let after = post(
                        &agent,
                        &url("lookup_person"),
                        &json!({ "lgcode": lg, "address_number": an, "as_of": "2026-06-01" }),
                    );
                    let contest = post(
                        &agent,
                        &url("register_event"),
                        &json!({ "lgcode": contested.0, "address_number": contested.1,
                                 "kind": "acquisition", "date": "2026-07-01", "reason": "01" }),
                    );
                    (before, loss, after, contest)
                })
            })
            .collect();
        let mut contest_ok = 0;
        let mut contest_conflict = 0;
        for h in handles {
            let (before, loss, after, contest) = h.join().unwrap();
            assert_eq!(before.status, 200);
            assert_eq!(before.json()["insured"], true);
            // The contested person may already have lost their qualification through the
            // thread that owns them; every other loss succeeds.
            assert_eq!(loss.status, 200, "{}", String::from_utf8_lossy(&loss.body));
            assert_eq!(loss.json()["qualification"]["loss_date"], "2026-06-01");
            assert_eq!(after.status, 200);
            assert_eq!(after.json()["insured"], false);
            match contest.status {
                200 => contest_ok += 1,
                409 => contest_conflict += 1,
                other => panic!(
                    "contest: {other} {}",
                    String::from_utf8_lossy(&contest.body)
                ),
            }
        }
        // The re-acquisition of the contested person needs their loss first (409 before it);
        // after it, exactly one acquisition wins and every later one conflicts.
        assert!(contest_ok <= 1, "{contest_ok} acquisitions of one person");
        assert_eq!(contest_ok + contest_conflict, 32);
        contest_ok
    });
    // One more acquisition, alone: it conflicts exactly when one of the 32 won.
    let last = post(
        &agent(),
        &server.url("/v1/register_event"),
        &json!({ "lgcode": contested.0, "address_number": contested.1,
                 "kind": "acquisition", "date": "2026-07-01", "reason": "01" }),
    );
    assert_eq!(
        last.status,
        if contest_ok == 1 { 409 } else { 200 },
        "{}",
        String::from_utf8_lossy(&last.body)
    );

    // The final state, read back through a fresh reference on the same file.
    drop(server);
    let reread = Reference::open(&db).unwrap();
    for (i, (lg, an)) in persons.iter().enumerate() {
        let q = nhikit_target::PersonQuery {
            lgcode: lg.as_str().unwrap().into(),
            address_number: Some(an.as_str().unwrap().into()),
            mynumber: None,
            as_of: nhikit_core::date::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap(),
        };
        let r = nhikit_target::Target::lookup_person(&reread, &q).unwrap();
        assert!(
            !r.insured,
            "person {i} {lg}/{an} still insured after the loss"
        );
    }
    let q = nhikit_target::PersonQuery {
        lgcode: contested.0.as_str().unwrap().into(),
        address_number: Some(contested.1.as_str().unwrap().into()),
        mynumber: None,
        as_of: nhikit_core::date::NaiveDate::from_ymd_opt(2026, 7, 15).unwrap(),
    };
    let r = nhikit_target::Target::lookup_person(&reread, &q).unwrap();
    assert!(
        r.insured,
        "the contested person is insured again from 2026-07-01"
    );
    assert_eq!(
        r.qualification.unwrap().acquisition_date,
        nhikit_core::date::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
    );
}
