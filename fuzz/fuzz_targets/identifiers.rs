//! Identifier and date parsing: every `FromStr` of nhikit-core on arbitrary text. A parse that
//! succeeds must print back to text that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nhikit_core::CharClass;
use nhikit_core::id::{
    AddressNumber, Edaban, HouseholdNumber, InsuredSymbolNumber, InsurerNumber, LgCode, MyNumber,
};
use nhikit_core::wareki::WarekiDate;
use std::str::FromStr;

fn round_trip<T>(s: &str)
where
    T: FromStr + ToString + PartialEq + std::fmt::Debug,
    T::Err: std::fmt::Debug,
{
    if let Ok(v) = s.parse::<T>() {
        let again = v.to_string().parse::<T>();
        assert!(
            matches!(&again, Ok(w) if *w == v),
            "{s:?} parsed to {v:?}, printed {:?}, which parses to {again:?}",
            v.to_string()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    round_trip::<MyNumber>(s);
    round_trip::<LgCode>(s);
    round_trip::<InsurerNumber>(s);
    round_trip::<InsuredSymbolNumber>(s);
    round_trip::<Edaban>(s);
    round_trip::<HouseholdNumber>(s);
    round_trip::<AddressNumber>(s);
    round_trip::<WarekiDate>(s);
    let _ = nhikit_core::chars::to_fullwidth_katakana(s);
    for class in CharClass::ALL {
        // The error names a position inside the text.
        if let Err(e) = class.check(s) {
            let _ = e.to_string();
        }
    }
});
