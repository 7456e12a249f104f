//! `fake::Dummy` for every identifier (feature `fake`): a valid value from one random draw
//! through the type's `from_draw`, so a faked 個人番号 or 保険者番号 passes its check digit.
//!
//! ```
//! use fake::{Fake, Faker};
//! use nhikit_core::id::{InsuredSymbolNumber, InsurerNumber, MyNumber};
//!
//! let n: MyNumber = Faker.fake();
//! assert_eq!(n.to_string().parse::<MyNumber>(), Ok(n));
//! let i: InsurerNumber = Faker.fake();
//! assert_eq!(i.to_string().len(), 6);
//! let s: InsuredSymbolNumber = Faker.fake();
//! assert!(s.symbol().is_some());
//! ```

use super::{
    AddressNumber, Edaban, HouseholdNumber, InsuredSymbolNumber, InsurerNumber, LgCode, MyNumber,
};
use fake::{Dummy, Faker};

macro_rules! dummy_from_draw {
    ($($t:ty),*) => {$(
        impl Dummy<Faker> for $t {
            fn dummy_with_rng<R: fake::RngExt + ?Sized>(_: &Faker, rng: &mut R) -> Self {
                <$t>::from_draw(rng.next_u64())
            }
        }
    )*};
}

dummy_from_draw!(
    MyNumber,
    InsurerNumber,
    LgCode,
    InsuredSymbolNumber,
    Edaban,
    HouseholdNumber,
    AddressNumber
);
