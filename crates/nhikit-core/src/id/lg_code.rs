//! 全国地方公共団体コード (local government code).

use super::{IdError, ascii_digits, check_prefecture, digits_value, value_digits};
use crate::serde_str::serde_via_str;
use std::fmt;
use std::str::FromStr;

const KIND: &str = "地方公共団体コード";

/// 全国地方公共団体コード: 5 digits (都道府県 2 + 市区町村 3) and a check digit
/// (DOMAIN-FACTS §2 \[S16\]\[S17\]): r = (d1·6 + d2·5 + d3·4 + d4·3 + d5·2) mod 11, check
/// digit = (11 − r) mod 10. A prefecture itself has 市区町村 part 000 (440001 大分県).
/// The 都道府県 part must be 01..=47.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LgCode(u32);

impl LgCode {
    /// The check digit of a 5-digit code (`five` < 100000).
    pub fn check_digit(five: u32) -> u8 {
        let sum: u32 = value_digits::<5>(u64::from(five % 100_000))
            .iter()
            .zip([6u32, 5, 4, 3, 2])
            .map(|(&d, w)| u32::from(d) * w)
            .sum();
        ((11 - sum % 11) % 10) as u8
    }

    /// The 6-digit code of a 5-digit code given as text (`"13101"` → 131016).
    pub fn from_five(five: &str) -> Result<LgCode, IdError> {
        let digits = ascii_digits(five, KIND, &[5], "5 (without check digit)")?;
        check_prefecture(KIND, digits_value(&digits[..2]))?;
        let five = digits_value(&digits) as u32;
        Ok(LgCode(five * 10 + u32::from(Self::check_digit(five))))
    }

    /// A valid code derived deterministically from a random draw: 都道府県 `1 + draw % 47`,
    /// 市区町村 part `(draw / 47) % 1000`. (It need not name a real municipality; pick from
    /// the reference list for that.)
    pub fn from_draw(draw: u64) -> LgCode {
        let five = (1 + (draw % 47) as u32) * 1000 + ((draw / 47) % 1000) as u32;
        LgCode(five * 10 + u32::from(Self::check_digit(five)))
    }

    /// 都道府県コード (1..=47).
    pub fn prefecture(self) -> u8 {
        (self.0 / 10_000) as u8
    }

    /// The 5-digit code without the check digit (format with `{:05}` to keep the zero).
    pub fn five(self) -> u32 {
        self.0 / 10
    }

    /// Whether this is a prefecture's own code (市区町村 part 000).
    pub fn is_prefecture(self) -> bool {
        self.five().is_multiple_of(1000)
    }
}

impl FromStr for LgCode {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = ascii_digits(s, KIND, &[6], "6")?;
        check_prefecture(KIND, digits_value(&digits[..2]))?;
        let five = digits_value(&digits[..5]) as u32;
        let expected = Self::check_digit(five);
        if expected != digits[5] {
            return Err(IdError::CheckDigit {
                kind: KIND,
                expected,
                found: digits[5],
            });
        }
        Ok(LgCode(five * 10 + u32::from(expected)))
    }
}

impl fmt::Display for LgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

serde_via_str!(LgCode);

#[cfg(test)]
mod tests {
    use super::*;

    // Published codes, DOMAIN-FACTS §2 [S16][S17]: 131016 千代田区, 131041 新宿区,
    // 011002 札幌市, 141003 横浜市, 271403 堺市, 440001 大分県 (r = 0), 310000 鳥取県 (r = 1).
    #[test]
    fn published_codes_are_valid() {
        for code in [
            "131016", "131041", "011002", "141003", "271403", "440001", "310000",
        ] {
            let c: LgCode = code.parse().unwrap();
            assert_eq!(c.to_string(), code);
            assert_eq!(LgCode::from_five(&code[..5]).unwrap(), c);
        }
        let chiyoda: LgCode = "131016".parse().unwrap();
        assert_eq!(chiyoda.prefecture(), 13);
        assert_eq!(chiyoda.five(), 13101);
        assert!(!chiyoda.is_prefecture());
        let sapporo: LgCode = "011002".parse().unwrap();
        assert_eq!(sapporo.prefecture(), 1);
        assert_eq!(format!("{:05}", sapporo.five()), "01100");
        assert!("440001".parse::<LgCode>().unwrap().is_prefecture());
    }

    #[test]
    fn wrong_check_digit_says_which_is_right() {
        assert_eq!(
            "131017".parse::<LgCode>().unwrap_err().to_string(),
            "地方公共団体コード check digit should be 6, found 7"
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(matches!(
            "13101".parse::<LgCode>(),
            Err(IdError::Length { found: 5, .. })
        ));
        assert!(matches!(
            LgCode::from_five("131016"),
            Err(IdError::Length { found: 6, .. })
        ));
        assert!(matches!(
            LgCode::from_five("1310a"),
            Err(IdError::Character { position: 5, .. })
        ));
        // 都道府県 00 and 48 do not exist.
        assert!(matches!(
            LgCode::from_five("00100"),
            Err(IdError::Field { .. })
        ));
        assert!(matches!(
            LgCode::from_five("48100"),
            Err(IdError::Field { .. })
        ));
    }
}
