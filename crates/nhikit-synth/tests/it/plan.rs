//! The plan: exact allocation, restriction, shards.

use crate::reference;
use nhikit_synth::{Plan, Shard};
use std::collections::BTreeSet;

#[test]
fn every_household_is_allocated_exactly_once() {
    for n in [0, 1, 7, 1000, 123_457] {
        let plan = Plan::new(reference(), n, &[]).unwrap();
        assert_eq!(plan.households(), n);
        assert_eq!(plan.parts.iter().map(|p| p.count).sum::<u64>(), n);
    }
}

#[test]
fn allocation_follows_the_weights() {
    let plan = Plan::new(reference(), 1_000_000, &[]).unwrap();
    let total: u64 = reference().municipalities.iter().map(|m| m.weight).sum();
    for pm in &plan.municipalities {
        let exact = 1_000_000f64 * pm.municipality.weight as f64 / total as f64;
        assert!(
            (pm.households as f64 - exact).abs() <= 1.0,
            "{}",
            pm.municipality.name
        );
    }
}

#[test]
fn restriction_to_municipalities_and_clear_errors() {
    let plan = Plan::new(reference(), 500, &["131016".into(), "011002".into()]).unwrap();
    let codes: BTreeSet<&str> = plan
        .municipalities
        .iter()
        .map(|m| m.municipality.lgcode.as_str())
        .collect();
    assert_eq!(codes, BTreeSet::from(["011002", "131016"]));
    assert_eq!(plan.households(), 500);
    let e = Plan::new(reference(), 5, &["13101".into()]).unwrap_err();
    assert!(e.to_string().contains("check digit"), "{e}");
    // A prefecture is not an NHI insurer.
    assert!(Plan::new(reference(), 5, &["130001".into()]).is_err());
}

#[test]
fn shards_are_disjoint_and_complete() {
    let plan = Plan::new(reference(), 100_000, &["141003".into(), "271403".into()]).unwrap();
    assert!(plan.parts.len() > 3);
    for n in 1..=4u32 {
        let mut seen = Vec::new();
        for i in 0..n {
            seen.extend(plan.parts_of(Shard { index: i, count: n }).cloned());
        }
        seen.sort_by_key(|p| (p.prefecture, p.number));
        assert_eq!(seen, plan.parts, "{n} shards");
    }
    assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 1, count: 3 });
    for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn parts_cover_every_household_once_within_one_prefecture() {
    let plan = Plan::new(reference(), 200_000, &[]).unwrap();
    let mut covered = vec![0u64; plan.municipalities.len()];
    for part in &plan.parts {
        assert!(part.count <= nhikit_synth::plan::PART_HOUSEHOLDS);
        assert_eq!(
            part.count,
            part.segments.iter().map(|s| s.count).sum::<u64>()
        );
        for s in &part.segments {
            let m = &plan.municipalities[s.municipality];
            assert_eq!(m.municipality.prefecture_code, part.prefecture);
            assert_eq!(s.first, covered[s.municipality], "segments are consecutive");
            covered[s.municipality] += s.count;
        }
    }
    for (m, c) in plan.municipalities.iter().zip(covered) {
        assert_eq!(m.households, c);
    }
    // Part numbers run 0, 1, 2 … within each prefecture.
    let mut next = std::collections::BTreeMap::new();
    for part in &plan.parts {
        let n = next.entry(part.prefecture).or_insert(0u32);
        assert_eq!(part.number, *n);
        *n += 1;
    }
}
