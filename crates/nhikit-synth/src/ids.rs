//! Identifiers of generated entities: unique by construction, random-looking, and stable —
//! each is a keyed bijection ([`Permutation`]) of the entity's position, so a household keeps
//! its numbers when more households are generated.
//!
//! Positions: a municipality's households are numbered from 0 (local index); a person slot is
//! `local_household × 16 + member`. Nationally unique values (個人番号) use the municipality's
//! ordinal in the reference list × [`crate::plan::MAX_MUNICIPALITY_HOUSEHOLDS`] + local index.

use crate::permute::Permutation;
use crate::plan::MAX_MUNICIPALITY_HOUSEHOLDS;
use nhikit_core::id::MyNumber;

/// Members per household slot: a household has at most this many persons.
pub const MEMBER_SLOTS: u64 = 16;

/// The identifier permutations of one run and municipality.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    address: Permutation,
    household: Permutation,
    insured: Permutation,
    my_number: Permutation,
    ordinal: u64,
}

impl Ids {
    /// The permutations for `seed` and the municipality with reference `ordinal`.
    pub fn new(seed: u64, ordinal: u32) -> Ids {
        let k = nhikit_rng::mix64(seed ^ 0x6E68_696B_6974_0001);
        let local = nhikit_rng::mix64(k ^ u64::from(ordinal));
        Ids {
            // 宛名番号 and 世帯番号: 10 digits, unique within the municipality.
            address: Permutation::new(local ^ 1, 100_000, 100_000),
            household: Permutation::new(local ^ 2, 100_000, 100_000),
            // 被保険者番号: 8 digits, unique within the municipality.
            insured: Permutation::new(local ^ 3, 10_000, 10_000),
            // 個人番号 body: 11 digits, unique nationally.
            my_number: Permutation::new(k ^ 4, 100_000, 1_000_000),
            ordinal: u64::from(ordinal),
        }
    }

    /// 宛名番号 of member `member` of local household `household`.
    pub fn address_number(&self, household: u64, member: u64) -> u64 {
        self.address.apply(household * MEMBER_SLOTS + member)
    }

    /// 世帯番号 of local household `household`.
    pub fn household_number(&self, household: u64) -> u64 {
        self.household.apply(household)
    }

    /// 被保険者番号 (per household) of local household `household`.
    pub fn insured_number(&self, household: u64) -> u64 {
        self.insured.apply(household)
    }

    /// 個人番号 of member `member` of local household `household`.
    pub fn my_number(&self, household: u64, member: u64) -> MyNumber {
        let slot = (self.ordinal * MAX_MUNICIPALITY_HOUSEHOLDS + household) * MEMBER_SLOTS + member;
        MyNumber::from_body(self.my_number.apply(slot))
    }
}
