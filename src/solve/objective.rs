//! A lexicographic objective as one integer cost per arc.
//!
//! Every term rewards arcs of one kind: the k-th unit of a mentee's capacity
//! ("mentees with at least k"), the k-th unit of a mentor's, or a pair ("total
//! score", "pairs"). Terms are folded into one cost with weights `W` chosen so
//! that a gain of 1 in a term outweighs any change in all later terms that one
//! augmenting cycle can make. Any two flows differ by a sum of simple cycles in
//! the residual network, and a simple cycle passes the source and the sink at most
//! once each, so it changes at most two mentees' and two mentors' counts by one,
//! and at most `nodes` pair arcs. Hence with
//! `W[last] = 1` and `W[l] = 1 + sum over j > l of W[j] * D[j]`, where `D[j]`
//! bounds term j's change along one simple cycle, a weighted optimum is a
//! lexicographic optimum. The weights stay small (about `3^terms * nodes *
//! max score`), far inside `i64`.

use crate::model::{Model, Term, MAX_CAPACITY};

use super::SolveError;

/// The weight of each term and what each arc earns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArcCosts {
    /// Cost of the k-th unit (index k-1) of a mentee's capacity, `MAX_CAPACITY` long.
    pub mentee_unit: Vec<i64>,
    /// Cost of the k-th unit of a mentor's capacity.
    pub mentor_unit: Vec<i64>,
    /// Cost of a pair with score s is `pair_base + pair_per_score * s`.
    pub pair_base: i64,
    pub pair_per_score: i64,
    /// The weight of each term, in objective order.
    pub weights: Vec<i64>,
}

impl ArcCosts {
    /// Weights for `model`'s objective on a programme of `participants` people
    /// (mentees plus mentors), or why the flow cannot express it.
    pub fn new(model: &Model, participants: usize) -> Result<ArcCosts, SolveError> {
        let terms = &model.objective;
        let overflow = || SolveError::TooLarge { participants };
        let max_score = model.weights.max_score() as i64;
        // Pair arcs on one simple cycle: at most one per node, plus source and sink.
        let cycle_pairs = participants as i64 + 2;
        let bound = |term: &Term| -> Option<i64> {
            match term {
                Term::MenteesWithAtLeast { .. } | Term::MentorsWithAtLeast { .. } => Some(2),
                Term::TotalScore => cycle_pairs.checked_mul(max_score),
                Term::Pairs => Some(cycle_pairs),
            }
        };
        let mut weights = vec![0i64; terms.len()];
        let mut later = 0i64; // sum over later terms of W[j] * D[j]
        for l in (0..terms.len()).rev() {
            weights[l] = later.checked_add(1).ok_or_else(overflow)?;
            let change = bound(&terms[l]).ok_or_else(overflow)?;
            later = weights[l]
                .checked_mul(change)
                .and_then(|x| x.checked_add(later))
                .ok_or_else(overflow)?;
        }

        let mut costs = ArcCosts {
            mentee_unit: vec![0; MAX_CAPACITY as usize],
            mentor_unit: vec![0; MAX_CAPACITY as usize],
            pair_base: 0,
            pair_per_score: 0,
            weights: weights.clone(),
        };
        for (term, &w) in terms.iter().zip(&weights) {
            match term {
                Term::MenteesWithAtLeast { matches } => costs.mentee_unit[*matches as usize - 1] -= w,
                Term::MentorsWithAtLeast { matches } => costs.mentor_unit[*matches as usize - 1] -= w,
                Term::TotalScore => costs.pair_per_score -= w,
                Term::Pairs => costs.pair_base -= w,
            }
        }
        // Parallel unit arcs fill cheapest first, so the k-th unit is only used
        // after the (k-1)-th when costs do not fall with k.
        for (side, units) in [("mentees", &costs.mentee_unit), ("mentors", &costs.mentor_unit)] {
            if units.windows(2).any(|w| w[1] < w[0]) {
                return Err(SolveError::NotFlowExpressible(format!(
                    "the objective rewards {side} with more matches before {side} with fewer"
                )));
            }
        }
        // The solver's path lengths: at most `participants + 2` arcs of the largest cost.
        let largest = costs.largest_arc_cost(max_score).ok_or_else(overflow)?;
        largest
            .checked_mul(cycle_pairs)
            .and_then(|x| x.checked_mul(4))
            .ok_or_else(overflow)?;
        Ok(costs)
    }

    /// Cost of a pair with this score.
    pub fn pair(&self, score: u32) -> i64 {
        self.pair_base + self.pair_per_score * score as i64
    }

    fn largest_arc_cost(&self, max_score: i64) -> Option<i64> {
        let unit = self
            .mentee_unit
            .iter()
            .chain(&self.mentor_unit)
            .map(|c| c.abs())
            .max()
            .unwrap_or(0);
        let pair = self
            .pair_per_score
            .checked_mul(max_score)?
            .checked_add(self.pair_base)?
            .checked_abs()?;
        Some(unit.max(pair))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_weights_are_strictly_lexicographic() {
        let model = Model::civil_service();
        let costs = ArcCosts::new(&model, 100).unwrap();
        // Each earlier term outweighs everything after it.
        let w = &costs.weights;
        assert_eq!(w[4], 1);
        assert!(w[3] > 102 * 28);
        assert!(w[2] > 2 * w[3] + 102 * 28);
        assert!(w[0] > w[1] && w[1] > w[2]);
        assert!(costs.mentee_unit[0] < costs.mentee_unit[1]);
        assert_eq!(costs.mentee_unit[3], 0);
        assert_eq!(costs.pair(28), -28);
    }

    #[test]
    fn no_overflow_up_to_100_000_participants_at_the_largest_weights() {
        let mut file = Model::civil_service().to_file().clone();
        file.weights.profession = crate::model::MAX_WEIGHT;
        file.weights.identity = crate::model::MAX_WEIGHT;
        for w in file.weights.grade_gap.values_mut() {
            *w = crate::model::MAX_WEIGHT;
        }
        let model = Model::from_file("m.json", file).unwrap();
        let costs = ArcCosts::new(&model, 100_000).unwrap();
        assert!(costs.weights.iter().all(|&w| w > 0));
        // The solver's own limit on path lengths holds with room to spare.
        assert!(costs.weights[0].checked_mul(100_003 * 16).is_some());
        // Strictly lexicographic: W[l] exceeds all later terms' largest change.
        let cycle = 100_002i64;
        let d = [2, 2, 2, 2, cycle * model.weights.max_score() as i64];
        for l in 0..costs.weights.len() {
            let later: i64 = (l + 1..costs.weights.len()).map(|j| costs.weights[j] * d[j]).sum();
            assert!(costs.weights[l] > later);
        }
    }

    #[test]
    fn rewarding_more_before_fewer_is_refused() {
        let mut file = Model::civil_service().to_file().clone();
        file.objective = vec![
            Term::MenteesWithAtLeast { matches: 3 },
            Term::MenteesWithAtLeast { matches: 1 },
        ];
        let model = Model::from_file("m.json", file).unwrap();
        assert!(matches!(
            ArcCosts::new(&model, 10),
            Err(SolveError::NotFlowExpressible(_))
        ));
    }
}
