//! Keyed bijections on decimal ranges: unique identifiers that look random.
//!
//! `Permutation::new(key, a, b)` permutes `[0, a·b)` with a three-round Feistel network over
//! `Z_a × Z_b`: each half-round adds a keyed hash of one half to the other modulo its own
//! size, which is invertible, so distinct inputs always give distinct outputs — the
//! uniqueness of 個人番号, 宛名番号 and 世帯番号 rests on this, not on luck.

use nhikit_rng::mix64;

/// A keyed bijection of `[0, a·b)`.
#[derive(Debug, Clone, Copy)]
pub struct Permutation {
    keys: [u64; 6],
    a: u64,
    b: u64,
}

impl Permutation {
    /// A permutation of `[0, a·b)` chosen by `key`.
    pub fn new(key: u64, a: u64, b: u64) -> Permutation {
        let mut keys = [0; 6];
        let mut k = key;
        for slot in &mut keys {
            k = mix64(k.wrapping_add(0x9E37_79B9_7F4A_7C15));
            *slot = k;
        }
        Permutation { keys, a, b }
    }

    /// The size of the domain.
    pub fn len(&self) -> u64 {
        self.a * self.b
    }

    /// Always false: the domain has at least one element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The image of `x` (`x < len()`; larger values are reduced modulo `len()`).
    pub fn apply(&self, x: u64) -> u64 {
        let x = x % self.len();
        let (mut l, mut r) = (x / self.b, x % self.b);
        for round in 0..3 {
            r = add_mod(
                r,
                reduce(round_hash(l, self.keys[2 * round]), self.b),
                self.b,
            );
            l = add_mod(
                l,
                reduce(round_hash(r, self.keys[2 * round + 1]), self.a),
                self.a,
            );
        }
        l * self.b + r
    }
}

/// The Feistel round function: one multiply and an xor-shift of the keyed input. Any function
/// keeps the network a bijection; this one only has to scatter values.
#[inline]
fn round_hash(x: u64, key: u64) -> u64 {
    let z = (x ^ key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z ^ (z >> 29)
}

/// Maps a 64-bit hash to `[0, n)` by multiply-shift (no division).
#[inline]
fn reduce(hash: u64, n: u64) -> u64 {
    ((u128::from(hash) * u128::from(n)) >> 64) as u64
}

/// `(a + b) mod n` for `a, b < n`.
#[inline]
fn add_mod(a: u64, b: u64, n: u64) -> u64 {
    let t = a + b;
    if t >= n { t - n } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn is_a_bijection_on_a_small_domain() {
        let p = Permutation::new(42, 37, 101);
        let images: BTreeSet<u64> = (0..p.len()).map(|x| p.apply(x)).collect();
        assert_eq!(images.len() as u64, p.len());
        assert!(images.iter().all(|&y| y < p.len()));
        // Not the identity, and another key gives another permutation.
        assert!((0..p.len()).filter(|&x| p.apply(x) == x).count() < 20);
        let q = Permutation::new(43, 37, 101);
        assert!((0..p.len()).any(|x| p.apply(x) != q.apply(x)));
    }
}
