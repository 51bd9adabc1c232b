//! The generator's dice: choices made from a `ChaCha8Rng`'s raw output by
//! integer arithmetic only, so the same seed gives the same files everywhere.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The rng, with choices made by integer arithmetic on its raw output so results
/// never depend on `rand`'s sampling algorithms.
pub(super) struct Dice(ChaCha8Rng);

impl Dice {
    pub(super) fn new(seed: u64) -> Dice {
        Dice(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift; the bias is below 2^-40
    /// for the sizes used here.
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }

    pub(super) fn per_mille(&mut self, chance: usize) -> bool {
        self.below(1000) < chance
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub(super) fn weighted(&mut self, table: &Weighted) -> usize {
        let ticket = self.below(table.total());
        table.cumulative.partition_point(|&end| end <= ticket)
    }

    /// Fisher-Yates.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Integer weights as running totals, for [`Dice::weighted`].
pub(super) struct Weighted {
    cumulative: Vec<usize>,
}

impl Weighted {
    pub(super) fn new(weights: impl IntoIterator<Item = usize>) -> Weighted {
        let cumulative: Vec<usize> = weights
            .into_iter()
            .scan(0, |total, weight| {
                *total += weight;
                Some(*total)
            })
            .collect();
        assert!(
            cumulative.last().is_some_and(|&total| total > 0),
            "weights must not all be 0"
        );
        Weighted { cumulative }
    }

    fn total(&self) -> usize {
        self.cumulative[self.cumulative.len() - 1]
    }
}
