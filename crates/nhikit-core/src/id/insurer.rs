//! 保険者番号 (insurer number).

use super::{IdError, ascii_digits, check_prefecture, digits_value, value_digits};
use crate::serde_str::serde_via_str;
use std::fmt;
use std::str::FromStr;

const KIND: &str = "保険者番号";

/// The two shapes of a 保険者番号.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InsurerKind {
    /// 6 digits, 都道府県番号 (2) + 保険者別番号 (3) + 検証番号 (1): 市町村国保 and 国保組合.
    Municipal6,
    /// 8 digits, 法別番号 (2) + 都道府県番号 (2) + 保険者別番号 (3) + 検証番号 (1): every
    /// other insurer (協会けんぽ 01, 組合健保 06, 共済 31–34, 後期高齢者医療 39, …).
    WithHoubetsu8,
}

/// 保険者番号: 6 digits for 市町村国保 and 国保組合, 8 digits (with a 2-digit 法別番号 in
/// front) for other insurers, the last digit a check digit (厚生労働省 保険者番号設定要領,
/// DOMAIN-FACTS §2 \[S18\]\[S19\]).
///
/// Check digit: over the digits before it, from the rightmost leftwards multiply by 2, 1,
/// 2, 1, …; add the *digits* of the products; the check digit is (10 − sum mod 10) mod 10.
///
/// We also require 都道府県番号 01..=47 and, for 8 digits, 法別番号 ≠ 00 (an 8-digit
/// number starting 00 is the padded form of a 6-digit one; see
/// [`InsurerNumber::to_padded8`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InsurerNumber {
    /// The digits as a number (leading zeros dropped).
    value: u32,
    kind: InsurerKind,
}

impl InsurerNumber {
    /// The check digit of `body`, the digits before the check digit (most significant
    /// first; leading zeros change nothing).
    pub fn check_digit(body: &[u8]) -> u8 {
        let sum: u32 = body
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                let product = u32::from(d) * if i % 2 == 0 { 2 } else { 1 };
                product / 10 + product % 10
            })
            .sum();
        ((10 - sum % 10) % 10) as u8
    }

    /// The number built from its fields, with the check digit computed: 6 digits when
    /// `houbetsu` is `None`, else 8. Errors when 法別番号 is not 01..=99, 都道府県番号 not
    /// 01..=47 or 保険者別番号 not 000..=999.
    pub fn from_body(
        houbetsu: Option<u8>,
        prefecture: u8,
        insurer: u16,
    ) -> Result<InsurerNumber, IdError> {
        check_prefecture(KIND, u64::from(prefecture))?;
        if insurer > 999 {
            return Err(IdError::Field {
                kind: KIND,
                field: "保険者別番号",
                expected: "000..=999",
                found: insurer.to_string(),
            });
        }
        let (head, kind) = match houbetsu {
            None => (0, InsurerKind::Municipal6),
            Some(h @ 1..=99) => (u32::from(h), InsurerKind::WithHoubetsu8),
            Some(h) => {
                return Err(IdError::Field {
                    kind: KIND,
                    field: "法別番号",
                    expected: "01..=99",
                    found: format!("{h:02}"),
                });
            }
        };
        let body = head * 100_000 + u32::from(prefecture) * 1000 + u32::from(insurer);
        let check = Self::check_digit(&value_digits::<7>(u64::from(body)));
        Ok(InsurerNumber {
            value: body * 10 + u32::from(check),
            kind,
        })
    }

    /// A valid 6-digit (市町村国保-shaped) number derived deterministically from a random
    /// draw: 都道府県番号 `1 + draw % 47`, 保険者別番号 `(draw / 47) % 1000`.
    pub fn from_draw(draw: u64) -> InsurerNumber {
        let prefecture = 1 + (draw % 47) as u8;
        let insurer = ((draw / 47) % 1000) as u16;
        let body = u32::from(prefecture) * 1000 + u32::from(insurer);
        let check = Self::check_digit(&value_digits::<5>(u64::from(body)));
        InsurerNumber {
            value: body * 10 + u32::from(check),
            kind: InsurerKind::Municipal6,
        }
    }

    /// 6 or 8 digits.
    pub fn kind(self) -> InsurerKind {
        self.kind
    }

    /// 法別番号 of an 8-digit number; `None` for 6 digits.
    pub fn houbetsu(self) -> Option<u8> {
        match self.kind {
            InsurerKind::Municipal6 => None,
            InsurerKind::WithHoubetsu8 => Some((self.value / 1_000_000) as u8),
        }
    }

    /// 都道府県番号 (1..=47).
    pub fn prefecture(self) -> u8 {
        (self.value / 10_000 % 100) as u8
    }

    /// 保険者別番号 (0..=999).
    pub fn insurer(self) -> u16 {
        (self.value / 10 % 1000) as u16
    }

    /// The 8-digit form: 6-digit numbers left-padded with `00`, as 特定健診 data does
    /// (DOMAIN-FACTS §2 \[S21\]); 8-digit numbers unchanged.
    pub fn to_padded8(self) -> String {
        format!("{:08}", self.value)
    }
}

impl FromStr for InsurerNumber {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = ascii_digits(s, KIND, &[6, 8], "6 or 8")?;
        let (kind, fields) = if digits.len() == 6 {
            (InsurerKind::Municipal6, &digits[..])
        } else {
            if digits[..2] == [0, 0] {
                return Err(IdError::Field {
                    kind: KIND,
                    field: "法別番号",
                    expected: "01..=99",
                    found: "00".to_owned(),
                });
            }
            (InsurerKind::WithHoubetsu8, &digits[2..])
        };
        check_prefecture(KIND, digits_value(&fields[..2]))?;
        let expected = Self::check_digit(&digits[..digits.len() - 1]);
        let found = digits[digits.len() - 1];
        if expected != found {
            return Err(IdError::CheckDigit {
                kind: KIND,
                expected,
                found,
            });
        }
        Ok(InsurerNumber {
            value: digits_value(&digits) as u32,
            kind,
        })
    }
}

impl fmt::Display for InsurerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            InsurerKind::Municipal6 => write!(f, "{:06}", self.value),
            InsurerKind::WithHoubetsu8 => write!(f, "{:08}", self.value),
        }
    }
}

serde_via_str!(InsurerNumber);

#[cfg(test)]
mod tests {
    use super::*;

    // Worked examples, DOMAIN-FACTS §2 [S18][S19] (保険者番号設定要領): 3312001 → 5
    // (警察共済 千葉), 0113001 → 2 (協会けんぽ東京支部, published number 01130012).
    #[test]
    fn worked_examples_are_valid() {
        let a: InsurerNumber = "33120015".parse().unwrap();
        assert_eq!(a.kind(), InsurerKind::WithHoubetsu8);
        assert_eq!(a.houbetsu(), Some(33));
        assert_eq!(a.prefecture(), 12);
        assert_eq!(a.insurer(), 1);
        assert_eq!(a.to_string(), "33120015");
        assert_eq!(InsurerNumber::from_body(Some(33), 12, 1).unwrap(), a);

        let b: InsurerNumber = "01130012".parse().unwrap();
        assert_eq!(b.houbetsu(), Some(1));
        assert_eq!(b.prefecture(), 13);
        assert_eq!(b.to_string(), "01130012");
    }

    // Hand-computed for 6 digits: body 13101 → from the right 1·2, 0·1, 1·2, 3·1, 1·2 =
    // 2 + 0 + 2 + 3 + 2 = 9 → check 1 → 131011. Body 27140 → 0·2, 4·1, 1·2, 7·1, 2·2 =
    // 0 + 4 + 2 + 7 + 4 = 17 → check 3 → 271403. Body 01135 → 5·2 = 10 → digits 1 + 0,
    // 3·1, 1·2, 1·1, 0·2 → 1 + 3 + 2 + 1 + 0 = 7 → check 3 → 011353.
    #[test]
    fn six_digit_numbers() {
        assert_eq!(InsurerNumber::check_digit(&[1, 3, 1, 0, 1]), 1);
        let n: InsurerNumber = "131011".parse().unwrap();
        assert_eq!(n.kind(), InsurerKind::Municipal6);
        assert_eq!(n.houbetsu(), None);
        assert_eq!(n.prefecture(), 13);
        assert_eq!(n.insurer(), 101);
        assert_eq!(n.to_padded8(), "00131011");
        assert_eq!(
            InsurerNumber::from_body(None, 27, 140).unwrap().to_string(),
            "271403"
        );
        assert_eq!(
            InsurerNumber::from_body(None, 1, 135).unwrap().to_string(),
            "011353"
        );
        assert_eq!(a_padded("33120015"), "33120015");
    }

    fn a_padded(s: &str) -> String {
        s.parse::<InsurerNumber>().unwrap().to_padded8()
    }

    #[test]
    fn rejections_say_what_is_wrong() {
        assert_eq!(
            "33120016".parse::<InsurerNumber>().unwrap_err().to_string(),
            "保険者番号 check digit should be 5, found 6"
        );
        assert!(matches!(
            "1310111".parse::<InsurerNumber>(),
            Err(IdError::Length { found: 7, .. })
        ));
        // 00131011 is the padded form, not an 8-digit number.
        assert!(matches!(
            "00131011".parse::<InsurerNumber>(),
            Err(IdError::Field {
                field: "法別番号",
                ..
            })
        ));
        // Prefecture 48 does not exist (check digit of 48101 is valid: 2+0+2+8+8 = 20 → 0).
        assert_eq!(
            "481010".parse::<InsurerNumber>().unwrap_err().to_string(),
            "保険者番号 都道府県番号 should be 01..=47, found 48"
        );
        assert!(InsurerNumber::from_body(Some(0), 13, 1).is_err());
        assert!(InsurerNumber::from_body(None, 13, 1000).is_err());
        assert!(InsurerNumber::from_body(None, 0, 1).is_err());
    }
}
