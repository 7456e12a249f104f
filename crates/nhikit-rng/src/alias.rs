//! Weighted choice with Vose's alias method, in integers only.

use crate::Rng;
use std::fmt;

/// Why an alias table could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AliasError {
    /// No weights were given.
    Empty,
    /// Every weight is zero.
    ZeroTotal,
    /// The weights add up to more than `u64::MAX`.
    TotalOverflow,
}

impl fmt::Display for AliasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AliasError::Empty => "an alias table needs at least one weight",
            AliasError::ZeroTotal => "an alias table needs at least one weight above zero",
            AliasError::TotalOverflow => {
                "the weights of an alias table add up to more than 2^64 − 1"
            }
        })
    }
}

impl std::error::Error for AliasError {}

/// A table for choosing index `i` with probability exactly `weights[i] / Σ weights`, in
/// constant time per sample (Vose 1991, "A linear algorithm for generating random numbers
/// with a given distribution"), built and sampled with integers only.
///
/// Construction scales each weight by n (the number of outcomes), so each of the n columns
/// holds mass W (the total weight) split between its own outcome (`keep`) and one alias.
/// A sample draws a column with `below(n)` and then `below(W)` to choose between the two.
/// Outcomes of weight zero are never chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasTable {
    /// Per column: the mass (out of `total`) with which column i yields i itself, and the
    /// outcome it yields otherwise. One array of pairs, so a sample touches one cache line.
    columns: Vec<(u64, u32)>,
    /// Σ weights.
    total: u64,
}

impl AliasTable {
    /// Builds the table. At most `u32::MAX` weights; their sum must fit in `u64`.
    pub fn new(weights: &[u64]) -> Result<AliasTable, AliasError> {
        if weights.is_empty() {
            return Err(AliasError::Empty);
        }
        let total = weights
            .iter()
            .try_fold(0u64, |acc, &w| acc.checked_add(w))
            .ok_or(AliasError::TotalOverflow)?;
        if total == 0 {
            return Err(AliasError::ZeroTotal);
        }
        let n = u32::try_from(weights.len()).map_err(|_| AliasError::TotalOverflow)?;
        let full = u128::from(total);
        // Scaled masses: Σ mass = n·W, each column takes exactly W.
        let mut mass: Vec<u128> = weights
            .iter()
            .map(|&w| u128::from(w) * u128::from(n))
            .collect();
        let mut keep = vec![total; weights.len()];
        let mut alias: Vec<u32> = (0..n).collect();
        // Work lists in index order, so the table is a pure function of the weights.
        let mut small: Vec<u32> = Vec::new();
        let mut large: Vec<u32> = Vec::new();
        for (i, &m) in mass.iter().enumerate().rev() {
            let i = i as u32;
            if m < full {
                small.push(i);
            } else {
                large.push(i);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            let (si, li) = (s as usize, l as usize);
            // mass[si] < W, so it fits in u64.
            keep[si] = mass[si] as u64;
            alias[si] = l;
            mass[li] -= full - mass[si];
            if mass[li] < full {
                large.pop();
                small.push(l);
            }
        }
        // Whatever remains holds exactly W (integer arithmetic leaves no rounding residue):
        // those columns keep their own outcome, as initialised.
        Ok(AliasTable {
            columns: keep.into_iter().zip(alias).collect(),
            total,
        })
    }

    /// The number of outcomes.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Always false: a table has at least one outcome.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Draws an outcome index (two draws from `rng`, plus any Lemire rejections).
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let column = rng.below(self.columns.len() as u64) as usize;
        let coin = rng.below(self.total);
        match self.columns.get(column) {
            Some(&(keep, _)) if coin < keep => column,
            Some(&(_, alias)) => alias as usize,
            None => column,
        }
    }

    /// The exact mass of outcome `i` summed over all columns (out of n·W): equals
    /// `weights[i] · n` when the table is right.
    #[cfg(test)]
    fn mass_of(&self, i: usize) -> u128 {
        let mut m = u128::from(self.columns[i].0);
        for (column, &(keep, a)) in self.columns.iter().enumerate() {
            if a as usize == i && column != i {
                m += u128::from(self.total - keep);
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_exact(weights: &[u64]) {
        let table = AliasTable::new(weights).unwrap();
        let n = weights.len() as u128;
        for (i, &w) in weights.iter().enumerate() {
            assert_eq!(
                table.mass_of(i),
                u128::from(w) * n,
                "outcome {i} of {weights:?}"
            );
        }
    }

    #[test]
    fn table_reproduces_weights_exactly() {
        assert_exact(&[1]);
        assert_exact(&[1, 1]);
        assert_exact(&[1, 2, 3, 4, 0, 10]);
        assert_exact(&[0, 0, 7]);
        assert_exact(&[u64::MAX / 3, u64::MAX / 3, 1]);
        assert_exact(&[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9]);
        // A pseudo-random larger case.
        let mut rng = Rng::new(77, 0, 0);
        let weights: Vec<u64> = (0..500).map(|_| rng.below(1000)).collect();
        assert_exact(&weights);
    }

    #[test]
    fn zero_weights_are_never_sampled() {
        let table = AliasTable::new(&[0, 5, 0, 1, 0]).unwrap();
        let mut rng = Rng::new(1, 1, 1);
        for _ in 0..10_000 {
            let i = table.sample(&mut rng);
            assert!(i == 1 || i == 3, "{i}");
        }
    }

    #[test]
    fn bad_weights_are_rejected() {
        assert_eq!(AliasTable::new(&[]), Err(AliasError::Empty));
        assert_eq!(AliasTable::new(&[0, 0]), Err(AliasError::ZeroTotal));
        assert_eq!(
            AliasTable::new(&[u64::MAX, 1]),
            Err(AliasError::TotalOverflow)
        );
        assert!(AliasTable::new(&[u64::MAX]).is_ok());
    }
}
