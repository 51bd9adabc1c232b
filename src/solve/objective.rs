//! A lexicographic objective as one integer cost per arc.
//!
//! Every term rewards arcs of one kind: the k-th unit of a mentee's capacity
//! ("mentees with at least k"; for priority mentees also "priority mentees with
//! at least k"), the k-th unit of a mentor's, or a pair ("total score", "pairs"). Terms are folded into one cost with weights `W` chosen so
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
use crate::registration::Mentee;

use super::SolveError;

/// The weight of each term and what each arc earns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArcCosts {
    /// Cost of the k-th unit (index k-1) of a mentee's capacity, `MAX_CAPACITY`
    /// long; read it through [`ArcCosts::mentee_unit_cost`], which adds the
    /// priority reward.
    pub mentee_unit: Vec<i64>,
    /// What the k-th unit of a priority mentee's capacity costs besides
    /// `mentee_unit` (0 unless the objective counts priority mentees).
    pub priority_unit: Vec<i64>,
    /// Cost of the k-th unit of a mentor's capacity.
    pub mentor_unit: Vec<i64>,
    /// Cost of a pair with score s is `pair_base + pair_per_score * s`.
    pub pair_base: i64,
    /// Cost per point of a pair's score: 0 or negative, as scores are rewards.
    pub pair_per_score: i64,
    /// Cost of a mentee's first match that shares the identity they asked for
    /// (0 when the objective does not count identity requests).
    pub identity_met: i64,
    /// Cost of a mentee's first match in the profession they want.
    pub profession_met: i64,
    /// The weight of each objective level, in objective order.
    pub weights: Vec<i64>,
    /// The most all levels together can change along one simple cycle, in
    /// cost: a reward above it outweighs the whole objective.
    pub cycle_change: i64,
    /// What a pinned pair earns besides its score: more than the whole
    /// objective can change along a cycle, so every optimum makes every pin
    /// (they fit together: the adjustments reader checks each person's places).
    pub pin_reward: i64,
    /// Cost of a pair of the previous matching (0 unless the objective counts
    /// previous pairs kept).
    pub previous_kept: i64,
    /// Cost of one [`Room::fraction`] of a unit at the room's level (0
    /// without room).
    pub fraction_cost: i64,
    /// Both kinds of request are counted, in layers that overlap: a
    /// relaxation, not the objective (see [`ArcCosts::overlapping`]).
    pub overlap: bool,
}

/// Room at one objective level for costs besides its terms': at most
/// `change` fractions of a unit along one simple cycle, each a `fraction`th
/// of a unit of the level (so multipliers need not be whole units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Room {
    /// The level, 0-based.
    pub level: usize,
    /// The most those costs change along one simple cycle, in fractions.
    pub change: i64,
    /// Fractions per unit of the level.
    pub fraction: u32,
}

impl ArcCosts {
    /// Weights for `model`'s objective on a programme of `participants` people
    /// (mentees plus mentors), or why the flow cannot express it.
    pub fn new(model: &Model, participants: usize) -> Result<ArcCosts, SolveError> {
        ArcCosts::with_room(model, participants, None)
    }

    /// [`ArcCosts::new`], with room for costs at one level besides its terms'
    /// (a Lagrangian multiplier's, see [`Room`]); every earlier level still
    /// outweighs them.
    pub fn with_room(model: &Model, participants: usize, room: Option<Room>) -> Result<ArcCosts, SolveError> {
        ArcCosts::build(model, participants, room, false)
    }

    /// [`ArcCosts::with_room`] for an objective that counts both identity
    /// and profession requests met, which no network holds exactly (the two
    /// kinds of pair overlap without nesting). The network then counts a
    /// mentee's identity request in its layer as ever, and their profession
    /// request twice over when they have a pair meeting both and one meeting
    /// only the profession (see [`super::network_capped`]): a relaxation,
    /// whose optimum bounds every matching, and is one's value when no
    /// mentee is counted twice.
    pub fn overlapping(model: &Model, participants: usize, room: Option<Room>) -> Result<ArcCosts, SolveError> {
        ArcCosts::build(model, participants, room, true)
    }

    fn build(model: &Model, participants: usize, room: Option<Room>, overlap: bool) -> Result<ArcCosts, SolveError> {
        let terms = &model.objective;
        let overflow = || SolveError::TooLarge { participants };
        let max_score = model.weights.max_score() as i64;
        // Pair arcs on one simple cycle: at most one per node, plus source and sink.
        let cycle_pairs = participants as i64 + 2;
        // How much one simple cycle can change a plain term: two mentees' or two
        // mentors' counts, or every pair and mentee on it.
        let part_bound = |term: &Term| -> Option<i64> {
            match term {
                Term::MenteesWithAtLeast { .. }
                | Term::PriorityMenteesWithAtLeast { .. }
                | Term::MentorsWithAtLeast { .. } => Some(2),
                Term::TotalScore { .. } => cycle_pairs.checked_mul(max_score),
                Term::IdentityRequestsMet { .. }
                | Term::ProfessionRequestsMet { .. }
                | Term::Pairs { .. }
                | Term::PreviousPairsKept { .. } => Some(cycle_pairs),
                Term::WeightedSum { .. } => None,
            }
        };
        let level_bound = |term: &Term| -> Option<i64> {
            term.parts().into_iter().try_fold(0i64, |sum, (part, weight)| {
                part_bound(part)?.checked_mul(weight as i64)?.checked_add(sum)
            })
        };
        let mut weights = vec![0i64; terms.len()];
        let mut later = 0i64; // sum over later levels of W[j] * D[j]
        for l in (0..terms.len()).rev() {
            weights[l] = later.checked_add(1).ok_or_else(overflow)?;
            let mut change = level_bound(&terms[l]).ok_or_else(overflow)?;
            if let Some(room) = room.filter(|room| room.level == l) {
                let fraction = i64::from(room.fraction);
                let extra = (room.change + fraction - 1) / fraction;
                change = change.checked_add(extra).ok_or_else(overflow)?;
            }
            later = weights[l]
                .checked_mul(change)
                .and_then(|x| x.checked_add(later))
                .ok_or_else(overflow)?;
        }
        // Every weight a multiple of the room's fraction, so a fraction of
        // its level's weight is a whole cost.
        let fraction = room.map_or(1, |room| i64::from(room.fraction));
        for w in &mut weights {
            *w = w.checked_mul(fraction).ok_or_else(overflow)?;
        }
        let later = later.checked_mul(fraction).ok_or_else(overflow)?;

        let mut costs = ArcCosts {
            mentee_unit: vec![0; MAX_CAPACITY as usize],
            priority_unit: vec![0; MAX_CAPACITY as usize],
            mentor_unit: vec![0; MAX_CAPACITY as usize],
            pair_base: 0,
            pair_per_score: 0,
            identity_met: 0,
            profession_met: 0,
            weights: weights.clone(),
            cycle_change: later,
            pin_reward: later.checked_add(1).ok_or_else(overflow)?,
            previous_kept: 0,
            fraction_cost: room.map_or(0, |room| weights[room.level] / fraction),
            overlap: false,
        };
        for (term, &level_weight) in terms.iter().zip(&weights) {
            for (part, weight) in term.parts() {
                let w = level_weight.checked_mul(weight as i64).ok_or_else(overflow)?;
                let cost = match part {
                    Term::MenteesWithAtLeast { matches, .. } => &mut costs.mentee_unit[*matches as usize - 1],
                    Term::PriorityMenteesWithAtLeast { matches, .. } => &mut costs.priority_unit[*matches as usize - 1],
                    Term::MentorsWithAtLeast { matches, .. } => &mut costs.mentor_unit[*matches as usize - 1],
                    Term::IdentityRequestsMet { .. } => &mut costs.identity_met,
                    Term::ProfessionRequestsMet { .. } => &mut costs.profession_met,
                    Term::TotalScore { .. } => &mut costs.pair_per_score,
                    Term::Pairs { .. } => &mut costs.pair_base,
                    Term::PreviousPairsKept { .. } => &mut costs.previous_kept,
                    Term::WeightedSum { .. } => continue,
                };
                *cost = cost.checked_sub(w).ok_or_else(overflow)?;
            }
        }
        // Parallel unit arcs fill cheapest first, so the k-th unit is only used
        // after the (k-1)-th when costs do not fall with k: for every mentee,
        // priority or not, and every mentor.
        let priority_units: Vec<i64> = (0..costs.mentee_unit.len())
            .map(|k| costs.mentee_unit[k].checked_add(costs.priority_unit[k]))
            .collect::<Option<_>>()
            .ok_or_else(overflow)?;
        for (side, units) in [
            ("mentees", &costs.mentee_unit),
            ("priority mentees", &priority_units),
            ("mentors", &costs.mentor_unit),
        ] {
            if units.windows(2).any(|w| w[1] < w[0]) {
                return Err(SolveError::NotFlowExpressible(format!(
                    "the objective rewards {side} with more matches more than {side} with fewer"
                )));
            }
        }
        // Each request term needs its own layer of nodes between a mentee and its
        // mentors; the two kinds of pair overlap without nesting, so one network
        // cannot reward both exactly.
        costs.overlap = costs.identity_met != 0 && costs.profession_met != 0;
        if costs.overlap && !overlap {
            return Err(SolveError::NotFlowExpressible(
                "the objective counts both identity requests met and profession requests met".into(),
            ));
        }
        // The solver's path lengths: at most `participants + 2` arcs of the largest cost.
        let mut largest = costs.largest_arc_cost(max_score).ok_or_else(overflow)?;
        if let Some(room) = room {
            // A multiplier's arc costs at most the room.
            largest = largest.max(room.change.checked_mul(costs.fraction_cost).ok_or_else(overflow)?);
        }
        largest
            .checked_mul(cycle_pairs)
            .and_then(|x| x.checked_mul(4))
            .ok_or_else(overflow)?;
        Ok(costs)
    }

    /// Cost of the k-th unit (index `k`, from 0) of this mentee's capacity:
    /// the model's, plus the priority reward when they are a priority mentee.
    /// Every solver reads a mentee's unit costs here.
    pub fn mentee_unit_cost(&self, mentee: &Mentee, k: usize) -> i64 {
        self.mentee_unit[k] + if mentee.priority { self.priority_unit[k] } else { 0 }
    }

    /// Cost of a pair with this score.
    pub fn pair(&self, score: u32) -> i64 {
        self.pair_base + self.pair_per_score * score as i64
    }

    /// Cost of this pair's arc: its score's, less the reward of a pin.
    pub fn pair_cost(&self, pair: &crate::eligibility::Pair) -> i64 {
        self.pair(pair.score) - if pair.pinned { self.pin_reward } else { 0 }
            + if pair.previous { self.previous_kept } else { 0 }
    }

    /// The largest cost of any arc, pins included: what bounds the solver's prices.
    pub(crate) fn largest_arc_cost(&self, max_score: i64) -> Option<i64> {
        let unit = self
            .mentee_unit
            .iter()
            .zip(&self.priority_unit)
            .flat_map(|(unit, priority)| [*unit, unit + priority])
            .chain(self.mentor_unit.iter().copied())
            .chain([self.identity_met, self.profession_met, self.previous_kept])
            .map(|c| c.abs())
            .max()
            .unwrap_or(0);
        let pair = self
            .pair_per_score
            .checked_mul(max_score)?
            .checked_add(self.pair_base)?
            .checked_abs()?;
        Some(unit.max(pair).max(self.pin_reward))
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
    fn the_priority_model_fits_100_000_participants_and_rewards_priority_first_matches() {
        let model = Model::built_in("priority").unwrap();
        let costs = ArcCosts::new(&model, 100_000).unwrap();
        assert!(costs.weights[0].checked_mul(100_003 * 16).is_some());
        let data = crate::registration::generate::generate(&crate::registration::generate::GenerateSpec {
            mentees: 1,
            mentors: 1,
            seed: 1,
        });
        let source = |name, text: &'static str| crate::registration::Source {
            name,
            bytes: text.as_bytes(),
        };
        let (mentors, mentees) = (data.mentors_csv.leak(), data.mentees_csv.leak());
        let programme =
            crate::registration::read_programme(source("mentors.csv", mentors), source("mentees.csv", mentees), &model)
                .unwrap()
                .programme;
        let plain: Mentee = programme.mentees[0].clone();
        let first = Mentee {
            priority: true,
            ..plain.clone()
        };
        // The priority level's reward on the first unit only, on top of coverage's.
        assert_eq!(
            costs.mentee_unit_cost(&first, 0),
            costs.mentee_unit[0] - costs.weights[0]
        );
        assert_eq!(costs.mentee_unit_cost(&plain, 0), costs.mentee_unit[0]);
        assert_eq!(costs.mentee_unit_cost(&first, 1), costs.mentee_unit_cost(&plain, 1));
    }

    #[test]
    fn rewarding_more_before_fewer_is_refused() {
        let mut file = Model::civil_service().to_file().clone();
        file.objective = vec![Term::mentees_with_at_least(3), Term::mentees_with_at_least(1)];
        let model = Model::from_file("m.json", file).unwrap();
        assert!(matches!(
            ArcCosts::new(&model, 10),
            Err(SolveError::NotFlowExpressible(_))
        ));
    }
}
