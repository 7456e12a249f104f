//! `fake::Dummy` values of the record types (feature `fake`): households, persons, names with
//! readings and addresses drawn from the real generator with our own name and reading data
//! (`schemas/reference/`), not the `fake` crate's locales (its `ja_JP` names have no
//! readings). The identifiers (個人番号, 保険者番号, 被保険者記号番号 …) implement `Dummy` in
//! `nhikit-core` with the same feature.
//!
//! ```
//! use fake::{Fake, Faker};
//! use nhikit_synth::record::{HouseholdRecord, NameReading, PersonRecord};
//!
//! let household: HouseholdRecord = Faker.fake();
//! assert!(!household.members.is_empty());
//! let person: PersonRecord = Faker.fake();
//! let name: NameReading = Faker.fake();
//! assert!(name.reading.contains('\u{3000}')); // セイ　メイ
//! let my_number: nhikit_core::id::MyNumber = Faker.fake();
//! assert_eq!(my_number.to_string().len(), 12);
//! # let _ = person;
//! ```

use crate::Profile;
use crate::record::{Address, HouseholdRecord, NameReading, PersonRecord, sample};
use fake::rand::Rng;
use fake::{Dummy, Faker};

/// The largest household a dummy household is picked at (realistic sizes).
const MAX_MEMBERS: usize = 8;

fn household<R: Rng + ?Sized>(rng: &mut R) -> HouseholdRecord {
    let seed = u64::from(rng.next_u32());
    let max_members = 1 + (rng.next_u32() as usize) % MAX_MEMBERS;
    sample::household(Profile::Realistic, seed, max_members)
}

fn member<R: Rng + ?Sized>(rng: &mut R) -> PersonRecord {
    let mut h = household(rng);
    let i = (rng.next_u32() as usize) % h.members.len().max(1);
    // A sampled household has its 世帯主 at least.
    h.members
        .swap_remove(i.min(h.members.len().saturating_sub(1)))
}

impl Dummy<Faker> for HouseholdRecord {
    fn dummy_with_rng<R: fake::RngExt + ?Sized>(_: &Faker, rng: &mut R) -> Self {
        household(rng)
    }
}

impl Dummy<Faker> for PersonRecord {
    fn dummy_with_rng<R: fake::RngExt + ?Sized>(_: &Faker, rng: &mut R) -> Self {
        member(rng)
    }
}

impl Dummy<Faker> for NameReading {
    fn dummy_with_rng<R: fake::RngExt + ?Sized>(_: &Faker, rng: &mut R) -> Self {
        member(rng).name
    }
}

impl Dummy<Faker> for Address {
    fn dummy_with_rng<R: fake::RngExt + ?Sized>(_: &Faker, rng: &mut R) -> Self {
        household(rng).address
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake::Fake;

    /// Dummy persons are members of generated households: a 12-digit 個人番号 when present,
    /// a reading with as many parts as the name.
    #[test]
    fn dummy_persons_are_generated_persons() {
        for _ in 0..5 {
            let p: PersonRecord = Faker.fake();
            if let Some(n) = p.my_number {
                assert_eq!(n.to_string().len(), 12);
            }
            assert_eq!(
                p.name.name.split('\u{3000}').count(),
                p.name.reading.split('\u{3000}').count()
            );
        }
        let h: HouseholdRecord = Faker.fake();
        assert_eq!(h.members[0].relationship, "01");
    }
}
