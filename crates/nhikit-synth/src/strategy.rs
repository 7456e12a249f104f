//! `proptest` strategies for households and persons (feature `proptest`), for property tests
//! in other crates. Values come from the real generator — a seed strategy mapped through it —
//! so they are as realistic as `nhikit gen`'s, names with their readings, identifiers with
//! valid check digits; they shrink toward small seeds and households with fewer members.
//!
//! ```
//! use nhikit_synth::strategy;
//! use proptest::prelude::*;
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(8))]
//!     // In a test module this function carries `#[test]`; here the example calls it.
//!     fn every_household_has_a_head(h in strategy::household()) {
//!         prop_assert!(!h.members.is_empty());
//!         prop_assert_eq!(h.members[0].relationship, "01"); // 世帯主
//!     }
//! }
//! # every_household_has_a_head();
//! ```

use crate::Profile;
use crate::record::{HouseholdRecord, PersonRecord, sample};
use proptest::prelude::*;

/// The largest household size the strategies ask for; shrinking lowers it toward 1.
const MAX_MEMBERS: usize = 8;

/// Realistic households ([`Profile::Realistic`]).
pub fn household() -> impl Strategy<Value = HouseholdRecord> {
    household_with(Profile::Realistic)
}

/// Households of `profile`: [`Profile::Edge`] gives the edge cases (thresholds, caps,
/// 擬制世帯主, 外字 names …) three times in five.
pub fn household_with(profile: Profile) -> impl Strategy<Value = HouseholdRecord> {
    (0..=u64::from(u32::MAX), 1..=MAX_MEMBERS)
        .prop_map(move |(seed, max_members)| sample::household(profile, seed, max_members))
}

/// Persons of realistic households.
pub fn person() -> impl Strategy<Value = PersonRecord> {
    person_with(Profile::Realistic)
}

/// Persons of households of `profile`.
pub fn person_with(profile: Profile) -> impl Strategy<Value = PersonRecord> {
    (household_with(profile), any::<prop::sample::Index>()).prop_filter_map(
        "a household with members",
        |(h, i)| {
            let n = h.members.len();
            (n > 0).then(|| h.members[i.index(n)].clone())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    /// Shrinking a household ends at a smaller one: the simplest value is a one-member
    /// household of seed 0 (the generator's first households include single persons).
    #[test]
    fn households_shrink_toward_few_members() {
        let mut runner = TestRunner::deterministic();
        let mut tree = household().new_tree(&mut runner).unwrap();
        let first = tree.current().members.len();
        while tree.simplify() {}
        let simplest = tree.current();
        assert!(simplest.members.len() <= first);
        assert_eq!(simplest.members.len(), 1, "{simplest:?}");
    }

    /// Readings match names member by member: the same number of `　`-separated parts, a
    /// reading in katakana.
    #[test]
    fn persons_have_readings() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..8 {
            let p = person().new_tree(&mut runner).unwrap().current();
            assert_eq!(p.name.name.split('\u{3000}').count(), 2, "{p:?}");
            assert_eq!(p.name.reading.split('\u{3000}').count(), 2, "{p:?}");
            assert!(
                p.name
                    .reading
                    .chars()
                    .all(|c| c == '\u{3000}' || ('\u{30A0}'..='\u{30FF}').contains(&c)),
                "{p:?}"
            );
        }
    }
}
