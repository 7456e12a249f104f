//! Deterministic randomness for nhikit: the generator's determinism contract.
//!
//! Every draw is a pure function of (seed, stream, index, draw number): [`Rng::new`] derives
//! a xoshiro256\*\* state from the triple with SplitMix64 mixing, so an entity's values
//! never depend on thread count, shard split or what was generated before it. Range
//! reduction ([`Rng::below`], Lemire's multiply-shift with rejection) and weighted choice
//! ([`AliasTable`], Vose's method in integers) are ours, so no upstream crate can change the
//! output. Any change to what a given (seed, stream, index) produces must bump
//! [`ALGORITHM_VERSION`]; the golden-vector tests exist to catch such a change.
//!
//! ```
//! use nhikit_rng::{AliasTable, Rng};
//! // Person 42 of stream 7 under seed 2026: the same values on every machine, every run.
//! let mut rng = Rng::new(2026, 7, 42);
//! let age = rng.range_inclusive(0, 74);
//! assert!((0..=74).contains(&age));
//! let table = AliasTable::new(&[70, 25, 5]).unwrap();
//! assert!(table.sample(&mut rng) < 3);
//! assert_eq!(Rng::new(2026, 7, 42).next_u64(), Rng::new(2026, 7, 42).next_u64());
//! ```
//!
//! This crate has no dependencies at all.

mod alias;

pub use alias::{AliasError, AliasTable};

/// Version of the algorithm and draw semantics. Bump it whenever any function here returns
/// something different for the same inputs; manifests record it.
pub const ALGORITHM_VERSION: u32 = 1;

/// The SplitMix64 increment (2^64 / φ).
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Domain-separation constants (hexadecimal digits of π), one per derivation step.
const K_SEED: u64 = 0x243F_6A88_85A3_08D3;
const K_STREAM: u64 = 0x1319_8A2E_0370_7344;
const K_INDEX: u64 = 0xA409_3822_299F_31D0;
const K_S1: u64 = 0x082E_FA98_EC4E_6C89;
const K_S2: u64 = 0x4528_21E6_38D0_1377;
const K_S3: u64 = 0xBE54_66CF_34E9_0C6C;

/// The SplitMix64 output function (Steele, Lea & Flood 2014; constants of Stafford's
/// "Mix13"): a bijection of `u64` with good avalanche.
#[inline]
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic random number generator for one (seed, stream, index) triple.
///
/// Derivation (version 1): `a = mix64(seed ^ K1)`, `b = mix64(stream ^ mix64(a ^ K2))`,
/// `c = mix64(index ^ mix64(b ^ K3))`; the xoshiro256\*\* state is
/// `[c, b ^ mix64(c ^ K4), a ^ mix64(c ^ K5), mix64(c ^ K6)]`. Each step is a bijection of
/// the new input, so distinct triples always get distinct states (no two entities share a
/// sequence), and every state word depends on the index, so even the first draws of
/// neighbouring indices are unrelated. The sequence is then xoshiro256\*\* (Blackman &
/// Vigna 2018), period 2^256 − 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The generator of `index` in `stream` under `seed`.
    #[inline]
    pub fn new(seed: u64, stream: u64, index: u64) -> Rng {
        let a = mix64(seed ^ K_SEED);
        let b = mix64(stream ^ mix64(a ^ K_STREAM));
        let c = mix64(index ^ mix64(b ^ K_INDEX));
        let mut s = [c, b ^ mix64(c ^ K_S1), a ^ mix64(c ^ K_S2), mix64(c ^ K_S3)];
        if s == [0; 4] {
            // The one state xoshiro cannot leave; unreachable in practice, but be total.
            s[0] = GOLDEN_GAMMA;
        }
        Rng { s }
    }

    /// A generator with the raw xoshiro256\*\* state `s` (for checking against the
    /// reference implementation).
    #[cfg(test)]
    fn from_state(s: [u64; 4]) -> Rng {
        Rng { s }
    }

    /// The next 64 uniformly distributed bits (xoshiro256\*\*).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n`, without bias (Lemire 2019, "Fast random integer
    /// generation in an interval": multiply-shift with rejection). Usually one draw; a
    /// rejection (probability below n / 2^64) takes another. `below(0)` is 0 (there is no
    /// valid answer; callers choosing from an empty list must check first).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        let mut low = m as u64;
        if low < n {
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
                low = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// A uniform integer in `lo..=hi` (both ends included). When `hi < lo` it returns `lo`
    /// without drawing.
    #[inline]
    pub fn range_inclusive(&mut self, lo: i64, hi: i64) -> i64 {
        if hi < lo {
            return lo;
        }
        // The span fits in u64 (two's complement difference of ordered i64).
        let span = hi.wrapping_sub(lo) as u64;
        let offset = if span == u64::MAX {
            self.next_u64()
        } else {
            self.below(span + 1)
        };
        lo.wrapping_add(offset as i64)
    }

    /// True with probability exactly `numerator / denominator` (clamped to 0..=1); false
    /// without drawing when `denominator` is 0.
    #[inline]
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        if denominator == 0 {
            return false;
        }
        self.below(denominator) < numerator
    }

    /// A uniformly chosen element of `items`, `None` (without drawing) when it is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let i = self.below(items.len() as u64);
        items.get(usize::try_from(i).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SplitMix64 reference (Vigna, prng.di.unimi.it/splitmix64.c): with x = 0 the first
    // outputs are 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F.
    #[test]
    fn mix64_matches_splitmix64_reference() {
        let outputs: Vec<u64> = (1..=3u64)
            .map(|k| mix64(GOLDEN_GAMMA.wrapping_mul(k)))
            .collect();
        assert_eq!(
            outputs,
            [
                0xE220_A839_7B1D_CDAF,
                0x6E78_9E6A_A1B9_65F4,
                0x06C4_5D18_8009_454F
            ]
        );
    }

    // xoshiro256** (Blackman & Vigna, prng.di.unimi.it/xoshiro256starstar.c) from the state
    // [1, 2, 3, 4]: outputs worked by hand from the reference code: rotl(2·5, 7)·9 = 11520;
    // then s[1] = 0 gives 0; then s[1] = 262149 gives 262149·5·128·9 = 1509978240.
    #[test]
    fn xoshiro_matches_reference() {
        let mut rng = Rng::from_state([1, 2, 3, 4]);
        assert_eq!(rng.next_u64(), 11_520);
        assert_eq!(rng.next_u64(), 0);
        assert_eq!(rng.next_u64(), 1_509_978_240);
    }

    #[test]
    fn below_stays_in_range_and_handles_edges() {
        let mut rng = Rng::new(1, 2, 3);
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
        for n in [2, 3, 7, 10, 1 << 40, u64::MAX] {
            for _ in 0..1000 {
                assert!(rng.below(n) < n);
            }
        }
    }

    #[test]
    fn range_inclusive_covers_both_ends() {
        let mut rng = Rng::new(9, 9, 9);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let v = rng.range_inclusive(-2, 2);
            assert!((-2..=2).contains(&v));
            seen[(v + 2) as usize] = true;
        }
        assert_eq!(seen, [true; 5]);
        assert_eq!(rng.range_inclusive(5, 5), 5);
        assert_eq!(rng.range_inclusive(5, 4), 5);
        // The full range must not overflow.
        let _ = rng.range_inclusive(i64::MIN, i64::MAX);
        let v = rng.range_inclusive(i64::MAX - 1, i64::MAX);
        assert!(v >= i64::MAX - 1);
    }

    #[test]
    fn chance_edges() {
        let mut rng = Rng::new(4, 5, 6);
        for _ in 0..1000 {
            assert!(!rng.chance(0, 10));
            assert!(rng.chance(10, 10));
            assert!(rng.chance(11, 10));
            assert!(!rng.chance(1, 0));
        }
    }

    #[test]
    fn pick_chooses_from_the_slice() {
        let mut rng = Rng::new(0, 0, 0);
        let empty: [u8; 0] = [];
        assert_eq!(rng.pick(&empty), None);
        let items = ["a", "b", "c"];
        let mut seen = [false; 3];
        for _ in 0..200 {
            let c = rng.pick(&items).unwrap();
            seen[items.iter().position(|x| x == c).unwrap()] = true;
        }
        assert_eq!(seen, [true; 3]);
    }
}
