//! Identifiers: generation always validates; check digits catch what they should.

use nhikit_core::id::{
    AddressNumber, Edaban, HouseholdNumber, IdError, InsuredSymbolNumber, InsurerKind,
    InsurerNumber, LgCode, MyNumber,
};
use proptest::prelude::*;

/// r = Σ P·Q mod 11 for an 11-digit body written left to right, with the weights of
/// 総務省令第85号 第5条 read from the left (n = 11 … 1 → Q = 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2).
/// Written independently of the crate's right-to-left loop.
fn my_number_remainder(body: &[u8]) -> u32 {
    const Q_FROM_LEFT: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    body.iter()
        .zip(Q_FROM_LEFT)
        .map(|(&d, q)| u32::from(d) * q)
        .sum::<u32>()
        % 11
}

fn digits(text: &str) -> Vec<u8> {
    text.bytes().map(|b| b - b'0').collect()
}

// The check digit maps r = 0 and r = 1 both to 0, so a change of one body digit that
// moves r between 0 and 1 keeps the number valid: 000000000000 and 000000000060 (body
// 00000000006: Σ = 6·2 = 12, r = 1) are both valid. Every other single-digit change is
// caught (each weight is 2..=7, coprime to 11, so r always changes).
#[test]
fn the_check_digit_cannot_catch_a_change_between_r0_and_r1() {
    assert!("000000000000".parse::<MyNumber>().is_ok());
    assert!("000000000060".parse::<MyNumber>().is_ok());
}

proptest! {
    #[test]
    fn generated_my_numbers_validate(draw in any::<u64>()) {
        let n = MyNumber::from_draw(draw);
        let text = n.to_string();
        prop_assert_eq!(text.len(), 12);
        prop_assert_eq!(text.parse::<MyNumber>(), Ok(n));
        let body = digits(&text[..11]);
        let r = my_number_remainder(&body);
        let expected = if r <= 1 { 0 } else { 11 - r };
        prop_assert_eq!(u32::from(text.as_bytes()[11] - b'0'), expected);
    }

    // Exhaustive over the 12 positions × 9 other digits of each sampled number: a change is
    // accepted exactly when it is the r ∈ {0, 1} blind spot described above.
    #[test]
    fn single_digit_changes_of_a_my_number(body in 0u64..100_000_000_000) {
        let original = MyNumber::from_body(body).to_string();
        let r_original = my_number_remainder(&digits(&original[..11]));
        for position in 0..12 {
            for digit in b'0'..=b'9' {
                if original.as_bytes()[position] == digit {
                    continue;
                }
                let mut changed = original.clone().into_bytes();
                changed[position] = digit;
                let changed = String::from_utf8(changed).unwrap();
                let r_changed = my_number_remainder(&digits(&changed[..11]));
                let blind_spot = position < 11 && r_original <= 1 && r_changed <= 1;
                let result = changed.parse::<MyNumber>();
                if blind_spot {
                    prop_assert!(result.is_ok(), "{changed}");
                } else {
                    let is_check_digit_error = matches!(result, Err(IdError::CheckDigit { .. }));
                    prop_assert!(is_check_digit_error, "{} accepted ({:?})", changed, result);
                }
            }
        }
    }

    #[test]
    fn generated_insurer_numbers_validate(draw in any::<u64>()) {
        let n = InsurerNumber::from_draw(draw);
        prop_assert_eq!(n.kind(), InsurerKind::Municipal6);
        prop_assert_eq!(n.to_string().parse::<InsurerNumber>(), Ok(n));
        prop_assert!((1..=47).contains(&n.prefecture()));
    }

    #[test]
    fn insurer_numbers_from_fields_validate(
        houbetsu in proptest::option::of(1u8..=99),
        prefecture in 1u8..=47,
        insurer in 0u16..=999,
    ) {
        let n = InsurerNumber::from_body(houbetsu, prefecture, insurer).unwrap();
        let text = n.to_string();
        prop_assert_eq!(text.len(), if houbetsu.is_some() { 8 } else { 6 });
        prop_assert_eq!(text.parse::<InsurerNumber>(), Ok(n));
        prop_assert_eq!(n.houbetsu(), houbetsu);
        prop_assert_eq!(n.prefecture(), prefecture);
        prop_assert_eq!(n.insurer(), insurer);
        prop_assert_eq!(n.to_padded8().len(), 8);
        prop_assert!(n.to_padded8().ends_with(&text));
        // Every other check digit is rejected.
        for wrong in (b'0'..=b'9').filter(|&d| d != *text.as_bytes().last().unwrap()) {
            let mut t = text.clone().into_bytes();
            *t.last_mut().unwrap() = wrong;
            prop_assert!(String::from_utf8(t).unwrap().parse::<InsurerNumber>().is_err());
        }
    }

    #[test]
    fn generated_lg_codes_validate(draw in any::<u64>()) {
        let c = LgCode::from_draw(draw);
        let text = c.to_string();
        prop_assert_eq!(text.parse::<LgCode>(), Ok(c));
        prop_assert_eq!(LgCode::from_five(&text[..5]), Ok(c));
        prop_assert_eq!(format!("{:05}", c.five()), &text[..5]);
        prop_assert!((1..=47).contains(&c.prefecture()));
    }

    // The LG code check digit, (11 − r) mod 10, maps r = 0 and r = 1 to 1 and 0, so every
    // change of the check digit alone is caught.
    #[test]
    fn lg_code_check_digit_changes_are_rejected(draw in any::<u64>()) {
        let text = LgCode::from_draw(draw).to_string();
        for wrong in (b'0'..=b'9').filter(|&d| d != text.as_bytes()[5]) {
            let mut t = text.clone().into_bytes();
            t[5] = wrong;
            let is_check_digit_error = matches!(
                String::from_utf8(t).unwrap().parse::<LgCode>(),
                Err(IdError::CheckDigit { .. })
            );
            prop_assert!(is_check_digit_error);
        }
    }

    #[test]
    fn generated_municipal_numbers_validate(draw in any::<u64>()) {
        let s = InsuredSymbolNumber::from_draw(draw);
        prop_assert_eq!(s.to_string().parse::<InsuredSymbolNumber>(), Ok(s.clone()));
        let e = Edaban::from_draw(draw);
        prop_assert_eq!(e.to_string().parse::<Edaban>(), Ok(e));
        let h = HouseholdNumber::from_draw(draw);
        prop_assert_eq!(h.to_string().parse::<HouseholdNumber>(), Ok(h));
        let a = AddressNumber::from_draw(draw);
        prop_assert_eq!(a.to_string().parse::<AddressNumber>(), Ok(a));
    }

    // 枝番 and 世帯番号: a string parses exactly when it has the right number of ASCII
    // digits, and then prints back unchanged.
    #[test]
    fn edaban_parse_round_trip(text in "[0-9]{0,3}|[0-9０-９a]{2}") {
        let valid = text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit());
        match text.parse::<Edaban>() {
            Ok(e) => {
                prop_assert!(valid, "{text}");
                prop_assert_eq!(e.to_string(), text);
            }
            Err(_) => prop_assert!(!valid, "{text}"),
        }
    }

    #[test]
    fn household_number_parse_round_trip(text in "[0-9]{8,12}|[0-9 a]{10}") {
        let valid = text.len() == 10 && text.bytes().all(|b| b.is_ascii_digit());
        match text.parse::<HouseholdNumber>() {
            Ok(h) => {
                prop_assert!(valid, "{text}");
                prop_assert_eq!(h.to_string(), text.clone());
                let a: AddressNumber = text.parse().unwrap();
                prop_assert_eq!(a.to_string(), text);
            }
            Err(_) => {
                prop_assert!(!valid, "{text}");
                prop_assert!(text.parse::<AddressNumber>().is_err());
            }
        }
    }

    #[test]
    fn serde_round_trips(draw in any::<u64>()) {
        let n = MyNumber::from_draw(draw);
        let json = serde_json::to_string(&n).unwrap();
        prop_assert_eq!(&json, &format!("\"{n}\""));
        prop_assert_eq!(serde_json::from_str::<MyNumber>(&json).unwrap(), n);
        let s = InsuredSymbolNumber::from_draw(draw);
        let json = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(serde_json::from_str::<InsuredSymbolNumber>(&json).unwrap(), s);
    }
}
