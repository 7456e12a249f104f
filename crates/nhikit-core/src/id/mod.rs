//! Identifiers of the NHI domain, each a newtype that cannot hold an invalid value.
//!
//! | type | 名称 | format |
//! |---|---|---|
//! | [`MyNumber`] | 個人番号 | 12 digits, check digit (総務省令第85号 第5条) |
//! | [`InsurerNumber`] | 保険者番号 | 6 or 8 digits, check digit (保険者番号設定要領) |
//! | [`LgCode`] | 全国地方公共団体コード | 6 digits, check digit (5 + 1) |
//! | [`InsuredSymbolNumber`] | 被保険者記号・番号 | municipality-defined; see the type |
//! | [`Edaban`] | 枝番 | exactly 2 digits |
//! | [`HouseholdNumber`] | 世帯番号 | 10 digits (our choice; no national format) |
//! | [`AddressNumber`] | 宛名番号 | 10 digits (our choice; no national format) |
//!
//! Every type has a validating `FromStr`, a `Display` of its canonical form, serde as that
//! string, and a `from_draw(u64)` that maps any random draw to a valid value
//! deterministically, so that generators need no retry loops. With the `fake` feature each
//! also implements `fake::Dummy<Faker>` through `from_draw`.

#[cfg(feature = "fake")]
mod dummy;
mod insured;
mod insurer;
mod lg_code;
mod my_number;

pub use insured::{AddressNumber, Edaban, HouseholdNumber, InsuredSymbolNumber};
pub use insurer::{InsurerKind, InsurerNumber};
pub use lg_code::LgCode;
pub use my_number::MyNumber;

/// Why an identifier was rejected. The message names the identifier (in Japanese, as the
/// domain does) and says exactly what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The text has the wrong number of characters.
    #[error("{kind} should have {expected} characters, found {found}")]
    Length {
        /// The identifier, e.g. `個人番号`.
        kind: &'static str,
        /// The accepted lengths, e.g. `12` or `6 or 8`.
        expected: &'static str,
        /// The number of characters found.
        found: usize,
    },
    /// A character that the format does not allow.
    #[error("{kind} character {position} {found:?} (U+{code:04X}) is not {expected}")]
    Character {
        /// The identifier.
        kind: &'static str,
        /// 1-based position of the character.
        position: usize,
        /// The character found.
        found: char,
        /// Its code point.
        code: u32,
        /// What was expected, e.g. `an ASCII digit`.
        expected: &'static str,
    },
    /// The check digit does not match the digits before it.
    #[error("{kind} check digit should be {expected}, found {found}")]
    CheckDigit {
        /// The identifier.
        kind: &'static str,
        /// The check digit computed from the body.
        expected: u8,
        /// The check digit in the input.
        found: u8,
    },
    /// A field of the identifier is out of its range (for example prefecture 48).
    #[error("{kind} {field} should be {expected}, found {found}")]
    Field {
        /// The identifier.
        kind: &'static str,
        /// The field, e.g. `都道府県番号`.
        field: &'static str,
        /// The accepted range, e.g. `01..=47`.
        expected: &'static str,
        /// The value found, as written.
        found: String,
    },
}

/// Checks that `text` is exactly one of `lengths` ASCII digits and returns the digit values.
pub(crate) fn ascii_digits(
    text: &str,
    kind: &'static str,
    lengths: &[usize],
    expected_lengths: &'static str,
) -> Result<Vec<u8>, IdError> {
    let mut digits = Vec::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => digits.push(d as u8),
            _ => {
                return Err(IdError::Character {
                    kind,
                    position: i + 1,
                    found: c,
                    code: u32::from(c),
                    expected: "an ASCII digit",
                });
            }
        }
    }
    if !lengths.contains(&digits.len()) {
        return Err(IdError::Length {
            kind,
            expected: expected_lengths,
            found: digits.len(),
        });
    }
    Ok(digits)
}

/// The number formed by `digits` (most significant first).
pub(crate) fn digits_value(digits: &[u8]) -> u64 {
    digits.iter().fold(0, |acc, &d| acc * 10 + u64::from(d))
}

/// The `count` decimal digits of `value`, most significant first (zero-padded).
pub(crate) fn value_digits<const N: usize>(mut value: u64) -> [u8; N] {
    let mut out = [0u8; N];
    for slot in out.iter_mut().rev() {
        *slot = (value % 10) as u8;
        value /= 10;
    }
    out
}

/// Validates a 都道府県番号 (01..=47).
pub(crate) fn check_prefecture(kind: &'static str, prefecture: u64) -> Result<u8, IdError> {
    match u8::try_from(prefecture) {
        Ok(p @ 1..=47) => Ok(p),
        _ => Err(IdError::Field {
            kind,
            field: "都道府県番号",
            expected: "01..=47",
            found: format!("{prefecture:02}"),
        }),
    }
}
