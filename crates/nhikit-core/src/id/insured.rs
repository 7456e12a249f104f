//! 被保険者記号・番号, 枝番, 世帯番号 and 宛名番号: municipality-defined numbers.

use super::{IdError, ascii_digits, digits_value};
use crate::serde_str::serde_via_str;
use std::fmt;
use std::str::FromStr;

/// The longest 記号 and 番号 we accept, in characters.
const PART_MAX: usize = 20;
/// Separator between 記号 and 番号 in the canonical text form (ASCII hyphen-minus).
const SEPARATOR: char = '-';
/// Also accepted when parsing: KATAKANA MIDDLE DOT, as in the name 記号・番号.
const ALT_SEPARATOR: char = '・';

/// 被保険者記号・番号: the symbol (記号, optional) and number (番号) printed on an
/// insurance card or 資格確認書. Both are municipality-defined (DOMAIN-FACTS §2 \[S40\]).
///
/// Our format, chosen to accept what municipal systems print while excluding anything that
/// would need escaping or normalising:
/// - 記号: absent, or 1–20 characters;
/// - 番号: 1–20 characters;
/// - each character an ASCII digit, an ASCII letter, or a full-width digit (０–９); the
///   characters are kept as written (no normalisation between full and half width).
///
/// 20 characters is the field length that the オンライン資格確認 card fields use for 記号
/// and 番号 (◐: not confirmed in DOMAIN-FACTS); kanji 記号, which a few municipalities use,
/// are out of scope here.
///
/// Text form: `記号-番号` joined by an ASCII hyphen, or just `番号` when there is no 記号;
/// parsing also accepts `・` (U+30FB) as the separator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InsuredSymbolNumber {
    symbol: Option<String>,
    number: String,
}

impl InsuredSymbolNumber {
    /// Validates a 記号 (if any) and a 番号.
    pub fn new(symbol: Option<&str>, number: &str) -> Result<InsuredSymbolNumber, IdError> {
        if let Some(s) = symbol {
            check_part(s, "被保険者記号")?;
        }
        check_part(number, "被保険者番号")?;
        Ok(InsuredSymbolNumber {
            symbol: symbol.map(str::to_owned),
            number: number.to_owned(),
        })
    }

    /// A valid value derived deterministically from a random draw: 記号 the 4 ASCII digits
    /// of `(draw / 10^8) % 10^4`, 番号 the 8 ASCII digits of `draw % 10^8`.
    pub fn from_draw(draw: u64) -> InsuredSymbolNumber {
        InsuredSymbolNumber {
            symbol: Some(format!("{:04}", (draw / 100_000_000) % 10_000)),
            number: format!("{:08}", draw % 100_000_000),
        }
    }

    /// 記号, if any.
    pub fn symbol(&self) -> Option<&str> {
        self.symbol.as_deref()
    }

    /// 番号.
    pub fn number(&self) -> &str {
        &self.number
    }
}

fn check_part(text: &str, kind: &'static str) -> Result<(), IdError> {
    let mut count = 0;
    for (i, c) in text.chars().enumerate() {
        if !(c.is_ascii_alphanumeric() || ('０'..='９').contains(&c)) {
            return Err(IdError::Character {
                kind,
                position: i + 1,
                found: c,
                code: u32::from(c),
                expected: "an ASCII letter or digit or a full-width digit",
            });
        }
        count += 1;
    }
    if !(1..=PART_MAX).contains(&count) {
        return Err(IdError::Length {
            kind,
            expected: "1 to 20",
            found: count,
        });
    }
    Ok(())
}

impl FromStr for InsuredSymbolNumber {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once([SEPARATOR, ALT_SEPARATOR]) {
            Some((symbol, number)) => Self::new(Some(symbol), number),
            None => Self::new(None, s),
        }
    }
}

impl fmt::Display for InsuredSymbolNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.symbol {
            Some(symbol) => write!(f, "{symbol}{SEPARATOR}{}", self.number),
            None => f.write_str(&self.number),
        }
    }
}

serde_via_str!(InsuredSymbolNumber);

/// 枝番: the 2-digit number of an individual within a 被保険者記号・番号, introduced with
/// オンライン資格確認 (DOMAIN-FACTS §2 \[S40\]\[S41\]). Exactly two ASCII digits, `00`–`99`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edaban(u8);

impl Edaban {
    /// The 枝番 with value `value` (0..=99).
    pub fn new(value: u8) -> Result<Edaban, IdError> {
        if value > 99 {
            return Err(IdError::Field {
                kind: "枝番",
                field: "value",
                expected: "00..=99",
                found: value.to_string(),
            });
        }
        Ok(Edaban(value))
    }

    /// A valid 枝番 from a random draw: `draw % 100`.
    pub fn from_draw(draw: u64) -> Edaban {
        Edaban((draw % 100) as u8)
    }

    /// The value, 0..=99.
    pub fn value(self) -> u8 {
        self.0
    }
}

impl FromStr for Edaban {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = ascii_digits(s, "枝番", &[2], "2")?;
        Ok(Edaban(digits[0] * 10 + digits[1]))
    }
}

impl fmt::Display for Edaban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

serde_via_str!(Edaban);

/// Defines a fixed-width, digits-only municipal number.
macro_rules! ten_digit_number {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u64);

        impl $name {
            /// The number of digits.
            pub const DIGITS: usize = 10;

            /// The number with value `value` (below 10^10).
            pub fn new(value: u64) -> Result<$name, IdError> {
                if value >= 10_000_000_000 {
                    return Err(IdError::Field {
                        kind: $kind,
                        field: "value",
                        expected: "below 10000000000 (10 digits)",
                        found: value.to_string(),
                    });
                }
                Ok($name(value))
            }

            /// A valid number from a random draw: `draw % 10^10`.
            pub fn from_draw(draw: u64) -> $name {
                $name(draw % 10_000_000_000)
            }

            /// The value (format with `{:010}` or use `Display` to keep leading zeros).
            pub fn value(self) -> u64 {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let digits = ascii_digits(s, $kind, &[10], "10")?;
                Ok($name(digits_value(&digits)))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:010}", self.0)
            }
        }

        serde_via_str!($name);
    };
}

ten_digit_number!(
    /// 世帯番号: the municipality's internal household number. No national format exists
    /// (DOMAIN-FACTS §1.6); we use exactly 10 ASCII digits, leading zeros significant, as
    /// many municipal systems do (枚方市 prints a 10-digit household number on its cards,
    /// \[S40\]). Parsing rejects any other length or character.
    HouseholdNumber,
    "世帯番号"
);

ten_digit_number!(
    /// 宛名番号: the municipality's internal person number shared by its systems. No
    /// national format exists (DOMAIN-FACTS §1.6); we use exactly 10 ASCII digits, leading
    /// zeros significant. Parsing rejects any other length or character.
    AddressNumber,
    "宛名番号"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_number_forms() {
        let a: InsuredSymbolNumber = "0123-45678901".parse().unwrap();
        assert_eq!(a.symbol(), Some("0123"));
        assert_eq!(a.number(), "45678901");
        assert_eq!(a.to_string(), "0123-45678901");
        let dot: InsuredSymbolNumber = "0123・45678901".parse().unwrap();
        assert_eq!(dot, a);
        assert_eq!(dot.to_string(), "0123-45678901");
        let b: InsuredSymbolNumber = "A１２".parse().unwrap();
        assert_eq!(b.symbol(), None);
        assert_eq!(b.number(), "A１２");
        assert!(matches!(
            "".parse::<InsuredSymbolNumber>(),
            Err(IdError::Length { found: 0, .. })
        ));
        assert!(matches!(
            "12・".parse::<InsuredSymbolNumber>(),
            Err(IdError::Length {
                kind: "被保険者番号",
                found: 0,
                ..
            })
        ));
        assert!(matches!(
            "12_34".parse::<InsuredSymbolNumber>(),
            Err(IdError::Character {
                position: 3,
                found: '_',
                ..
            })
        ));
        assert!(
            "123456789012345678901"
                .parse::<InsuredSymbolNumber>()
                .is_err()
        );
        assert!(
            "12345678901234567890"
                .parse::<InsuredSymbolNumber>()
                .is_ok()
        );
        assert!("1・2・3".parse::<InsuredSymbolNumber>().is_err());
        assert!("1-2-3".parse::<InsuredSymbolNumber>().is_err());
        assert!(InsuredSymbolNumber::new(Some(""), "1").is_err());
    }

    #[test]
    fn edaban_is_exactly_two_digits() {
        assert_eq!("07".parse::<Edaban>().unwrap().value(), 7);
        assert_eq!(Edaban::new(7).unwrap().to_string(), "07");
        assert!("7".parse::<Edaban>().is_err());
        assert!("100".parse::<Edaban>().is_err());
        assert!("０１".parse::<Edaban>().is_err());
        assert!(Edaban::new(100).is_err());
    }

    #[test]
    fn ten_digit_numbers() {
        let h: HouseholdNumber = "0000012345".parse().unwrap();
        assert_eq!(h.value(), 12345);
        assert_eq!(h.to_string(), "0000012345");
        assert!("12345".parse::<HouseholdNumber>().is_err());
        assert!("00000123456".parse::<AddressNumber>().is_err());
        assert!("000001234a".parse::<AddressNumber>().is_err());
        assert!(AddressNumber::new(10_000_000_000).is_err());
        assert_eq!(
            AddressNumber::new(9_999_999_999).unwrap().to_string(),
            "9999999999"
        );
        assert_eq!(
            "12".parse::<AddressNumber>().unwrap_err().to_string(),
            "宛名番号 should have 10 characters, found 2"
        );
    }
}
