//! The detection matrix: the fault-free reference passes the whole catalog, and each seeded
//! fault makes at least one scenario fail (docs/conformance.md lists which, measured with
//! `nhikit conform --fault NAME`). To keep the test short, each fault's run stops at the first
//! chunk of scenarios with a failure.

use crate::*;
use nhikit_conform::Outcome;
use std::collections::BTreeMap;

#[test]
fn clean_reference_passes_and_every_fault_is_caught() {
    let (_, scenarios) = catalog();
    assert!(scenarios.len() >= 15, "{} scenarios", scenarios.len());
    let runner = Runner::new().unwrap();
    let clean = run_with(&runner, &scenarios, &[]);
    let not_passing: Vec<String> = clean
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .map(|r| format!("{} {:?}: {:?}", r.id, r.outcome, r.failure))
        .collect();
    assert!(not_passing.is_empty(), "clean reference: {not_passing:#?}");

    let mut caught: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for fault in Fault::ALL {
        let mut failing = Vec::new();
        for chunk in scenarios.chunks(4) {
            let results = run_with(&runner, chunk, &[fault]);
            failing.extend(
                results
                    .iter()
                    .filter(|r| r.outcome == Outcome::Fail)
                    .map(|r| r.id.clone()),
            );
            if !failing.is_empty() {
                break;
            }
        }
        caught.insert(fault.name(), failing);
    }
    eprintln!("fault → first failing scenarios:");
    for (f, ids) in &caught {
        eprintln!("  {f}: {}", ids.join(", "));
    }
    let missed: Vec<&&str> = caught
        .iter()
        .filter(|(_, ids)| ids.is_empty())
        .map(|(f, _)| f)
        .collect();
    assert!(missed.is_empty(), "faults no scenario catches: {missed:?}");
}
