//! 個人番号 (My Number).

use super::{IdError, ascii_digits, digits_value, value_digits};
use crate::serde_str::serde_via_str;
use std::fmt;
use std::str::FromStr;

const KIND: &str = "個人番号";
const BODY_LIMIT: u64 = 100_000_000_000;

/// 個人番号 (My Number): 12 digits, the 12th a check digit over the first 11
/// (行政手続における特定の個人を識別するための番号の利用等に関する法律施行規則
/// (平成26年総務省令第85号) 第5条). Leading zeros are allowed and kept.
///
/// Test data only: nhikit never holds a real person's number, and numbers it generates are
/// valid in form only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MyNumber(u64);

impl MyNumber {
    /// The number with body `body` and its computed check digit. Only the low 11 decimal
    /// digits of `body` are used (`body % 10^11`), so every `u64` gives a valid number; a
    /// uniform draw gives a (very nearly) uniform number.
    pub fn from_body(body: u64) -> MyNumber {
        let body = body % BODY_LIMIT;
        MyNumber(body * 10 + u64::from(Self::check_digit(body)))
    }

    /// A valid number derived deterministically from a random draw (same as
    /// [`MyNumber::from_body`]).
    pub fn from_draw(draw: u64) -> MyNumber {
        Self::from_body(draw)
    }

    /// The check digit of an 11-digit body (only `body % 10^11` is used): with P(n) the
    /// n-th digit from the right and Q(n) = n + 1 for n ≤ 6, n − 5 for n ≥ 7,
    /// r = Σ P(n)·Q(n) mod 11; the check digit is 0 if r ≤ 1, else 11 − r.
    pub fn check_digit(body: u64) -> u8 {
        let mut rest = body % BODY_LIMIT;
        let mut sum = 0u64;
        for n in 1..=11u64 {
            let p = rest % 10;
            rest /= 10;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            sum += p * q;
        }
        match sum % 11 {
            0 | 1 => 0,
            r => (11 - r) as u8,
        }
    }

    /// The 11 digits before the check digit.
    pub fn body(self) -> u64 {
        self.0 / 10
    }

    /// The 12 digits as a number (leading zeros are lost; `Display` keeps them).
    pub fn value(self) -> u64 {
        self.0
    }
}

impl FromStr for MyNumber {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = ascii_digits(s, KIND, &[12], "12")?;
        let body = digits_value(&digits[..11]);
        let expected = Self::check_digit(body);
        let found = digits[11];
        if expected != found {
            return Err(IdError::CheckDigit {
                kind: KIND,
                expected,
                found,
            });
        }
        Ok(MyNumber(body * 10 + u64::from(found)))
    }
}

impl fmt::Display for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in value_digits::<12>(self.0) {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

serde_via_str!(MyNumber);

#[cfg(test)]
mod tests {
    use super::*;

    // Worked example, DOMAIN-FACTS §2 [S15] (総務省令第85号 第5条): body 12345678901,
    // Σ = 212, 212 mod 11 = 3, check 11 − 3 = 8.
    #[test]
    fn worked_example_is_valid() {
        assert_eq!(MyNumber::check_digit(12_345_678_901), 8);
        let n: MyNumber = "123456789018".parse().unwrap();
        assert_eq!(n.to_string(), "123456789018");
        assert_eq!(n.body(), 12_345_678_901);
        assert_eq!(MyNumber::from_body(12_345_678_901), n);
    }

    #[test]
    fn wrong_check_digit_names_the_expected_digit() {
        let err = "123456789010".parse::<MyNumber>().unwrap_err();
        assert_eq!(
            err,
            IdError::CheckDigit {
                kind: "個人番号",
                expected: 8,
                found: 0
            }
        );
        assert_eq!(err.to_string(), "個人番号 check digit should be 8, found 0");
    }

    // Hand-computed: body 00000000000 gives Σ = 0, r = 0 → check 0. Body 00000000001
    // gives P(1) = 1, Q(1) = 2, Σ = 2 → r = 2 → check 9. Body 00000100000: P(6) = 1,
    // Q(6) = 7 → r = 7 → check 4. Body 00000000005: Σ = 10 → r = 10 → check 1.
    // Body 1 followed by ten 0: P(11) = 1, Q(11) = 6 → check 5.
    #[test]
    fn hand_computed_check_digits() {
        assert_eq!(MyNumber::check_digit(0), 0);
        assert_eq!(MyNumber::check_digit(1), 9);
        assert_eq!(MyNumber::check_digit(100_000), 4);
        assert_eq!(MyNumber::check_digit(5), 1);
        assert_eq!(MyNumber::check_digit(10_000_000_000), 5);
        assert_eq!(
            "000000000000".parse::<MyNumber>().unwrap().to_string(),
            "000000000000"
        );
    }

    #[test]
    fn rejects_wrong_length_and_characters() {
        assert!(matches!(
            "12345678901".parse::<MyNumber>(),
            Err(IdError::Length { found: 11, .. })
        ));
        assert!(matches!(
            "1234567890180".parse::<MyNumber>(),
            Err(IdError::Length { found: 13, .. })
        ));
        // Full-width digits are not accepted: the canonical form is ASCII.
        assert!(matches!(
            "１23456789018".parse::<MyNumber>(),
            Err(IdError::Character {
                position: 1,
                found: '１',
                ..
            })
        ));
        assert!(matches!(
            "12345 789018".parse::<MyNumber>(),
            Err(IdError::Character { position: 6, .. })
        ));
        assert!("".parse::<MyNumber>().is_err());
    }

    #[test]
    fn serde_is_the_string_form() {
        let n: MyNumber = "123456789018".parse().unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"123456789018\"");
        assert_eq!(
            serde_json::from_str::<MyNumber>("\"123456789018\"").unwrap(),
            n
        );
        assert!(serde_json::from_str::<MyNumber>("\"123456789010\"").is_err());
    }
}
