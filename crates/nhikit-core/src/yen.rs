//! Money in whole yen. Never a float; rounding rules are named functions.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An amount in whole yen (円). Negative values are allowed (refunds, differences).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Yen(pub i64);

impl Yen {
    /// Zero yen.
    pub const ZERO: Yen = Yen(0);

    /// 100円未満切捨て: round down to a multiple of 100 yen (towards zero for negatives).
    pub const fn floor_to_100(self) -> Yen {
        Yen(self.0 / 100 * 100)
    }

    /// 10円未満切捨て: round down to a multiple of 10 yen (towards zero for negatives).
    pub const fn floor_to_10(self) -> Yen {
        Yen(self.0 / 10 * 10)
    }

    /// The smaller of the two amounts.
    pub fn min(self, other: Yen) -> Yen {
        Yen(self.0.min(other.0))
    }

    /// The larger of the two amounts.
    pub fn max(self, other: Yen) -> Yen {
        Yen(self.0.max(other.0))
    }
}

impl fmt::Display for Yen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}円", self.0)
    }
}

impl Add for Yen {
    type Output = Yen;
    fn add(self, rhs: Yen) -> Yen {
        Yen(self.0 + rhs.0)
    }
}

impl AddAssign for Yen {
    fn add_assign(&mut self, rhs: Yen) {
        self.0 += rhs.0;
    }
}

impl Sub for Yen {
    type Output = Yen;
    fn sub(self, rhs: Yen) -> Yen {
        Yen(self.0 - rhs.0)
    }
}

impl std::iter::Sum for Yen {
    fn sum<I: Iterator<Item = Yen>>(iter: I) -> Yen {
        Yen(iter.map(|y| y.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_to_100_truncates_below_hundred() {
        assert_eq!(Yen(123_456).floor_to_100(), Yen(123_400));
        assert_eq!(Yen(99).floor_to_100(), Yen(0));
        assert_eq!(Yen(-150).floor_to_100(), Yen(-100));
    }
}
