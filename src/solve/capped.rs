//! The network with side constraints a flow holds (a cap on each mentor's
//! mentees from one organisation, a coverage gadget), solved by pricing.
//!
//! [`network_capped`] over every eligible pair is exact but large: at 1,000 +
//! 1,000 its simplex pivots over hundreds of thousands of pair arcs, several
//! times when a coverage floor is searched total by total. Here the network
//! starts from a few candidate pairs per mentee, with the nodes they need
//! (under a cap, a mentor-by-organisation node only where a candidate enters
//! it, joined to its mentor by the cap's arc). The simplex's prices then price
//! every eligible pair outside the network: a pair's reduced cost is its cost
//! plus its mentee's (or request layer's) price minus the price of the node it
//! would enter, its (mentor, organisation) node under a cap, which where it is
//! not made yet would hang under its mentor at the mentor's price. Pairs with
//! negative reduced cost join (with any node they need), and the network is
//! solved again from its tree, until none is left: the prices then certify the
//! flow over every eligible pair, so the answer is the whole network's optimum
//! (column generation, as [`super::solve_eligible`] does without side
//! constraints). Making the mentor-by-organisation nodes only as pairs need
//! them keeps the tree small, and each pivot cheap: a network with the cap on
//! 1,000 + 1,000 has about 20,000 nodes, where one for every eligible pair's
//! made 73,000.
//!
//! Cost: each round is one warm simplex solve on the candidate network plus one
//! O(P) scan of the eligible pairs; rounds are few (typically 2 to 4). A
//! [`Pricer`] keeps the pairs that joined, so a search that solves many
//! networks over the same pairs (the coverage floor's halving) starts each one
//! from every pair an earlier one needed.

use std::collections::HashMap;
use std::time::Instant;

use super::objective::ArcCosts;
use super::simplex::NetworkSimplex;
use super::{
    gadget_costs, network_capped, pair_tail, CoverageGadget, Covered, GadgetFlows, Node, Optimality, Solution,
    SolveError, SolveStats, Tail,
};
use crate::eligibility::Pair;
use crate::model::Model;
use crate::registration::Programme;

/// Candidate pairs per mentee in the first network, and the most that join per
/// mentee in one pricing round.
const PER_MENTEE: usize = 16;

/// Solves networks over one set of eligible pairs by pricing, remembering which
/// pairs earlier solves needed.
pub struct Pricer<'a> {
    programme: &'a Programme,
    pairs: &'a [Pair],
    /// Pairs (by index into `pairs`) in every network from now on.
    candidates: Vec<bool>,
    /// The networks' work so far (see [`Pricer::work`]).
    work: u64,
}

impl<'a> Pricer<'a> {
    /// A pricer over `pairs` (in mentee order, as
    /// [`crate::eligibility::Eligibility::pairs`] gives them), starting from each
    /// mentee's best-scoring pairs and each mentor's, and every pin.
    pub fn new(programme: &'a Programme, pairs: &'a [Pair]) -> Self {
        Pricer {
            programme,
            pairs,
            candidates: first_candidates(programme, pairs),
            work: 0,
        }
    }

    /// The work of the networks solved so far, counted from their size and
    /// pivots, in units of about a microsecond on the machine the README's
    /// figures come from. Searches set their budgets in it rather than in
    /// seconds, so that the same registrations give the same matching on
    /// any machine, however busy.
    pub fn work(&self) -> u64 {
        self.work
    }

    /// The eligible pairs it prices over.
    pub fn pairs(&self) -> &'a [Pair] {
        self.pairs
    }

    /// The best matching of every eligible pair under the model's objective, with
    /// each mentor taking at most `organisation_cap` mentees from one
    /// organisation: [`super::solve_capped`], by pricing.
    pub fn solve_capped(&mut self, model: &Model, organisation_cap: Option<u32>) -> Result<Solution, SolveError> {
        self.solve(model, organisation_cap, None, false)
            .map(|(solution, _, _)| solution)
    }

    /// The optimum under the model's objective (with the cap held), and each
    /// eligible pair's reduced cost under its prices, in `pairs` order: under
    /// those prices a flow's cost is the optimum's plus each arc's reduced
    /// cost times how far its flow is from the optimum's, every term at least
    /// 0, so a matching within `s` of the optimum uses no pair whose reduced
    /// cost exceeds `s` (reduced-cost fixing).
    pub fn reduced_costs(
        &mut self,
        model: &Model,
        organisation_cap: Option<u32>,
    ) -> Result<(Solution, Vec<i64>), SolveError> {
        self.solve(model, organisation_cap, None, true)
            .map(|(solution, _, reduced)| (solution, reduced))
    }

    /// [`super::solve_covered`], by pricing.
    pub fn solve_covered(
        &mut self,
        model: &Model,
        organisation_cap: Option<u32>,
        gadget: &CoverageGadget,
    ) -> Result<Covered, SolveError> {
        let (solution, gadget_flows, _) = self.solve(model, organisation_cap, Some(gadget), false)?;
        Ok(gadget_flows.judge(self.programme, solution))
    }

    /// [`Pricer::solve_covered`]'s network solved, with what its gadget's arcs
    /// carry (for searches that read more than the verdict).
    pub(crate) fn solve_gadget(
        &mut self,
        model: &Model,
        organisation_cap: Option<u32>,
        gadget: &CoverageGadget,
    ) -> Result<(Solution, GadgetFlows), SolveError> {
        self.solve(model, organisation_cap, Some(gadget), false)
            .map(|(solution, gadget, _)| (solution, gadget))
    }

    /// [`super::link_bound`], by pricing.
    pub fn link_bound(
        &mut self,
        model: &Model,
        organisation_cap: Option<u32>,
        gadget: &CoverageGadget,
    ) -> Result<Option<Vec<i64>>, SolveError> {
        let (solution, flows, _) = self.solve(model, organisation_cap, Some(gadget), false)?;
        Ok((!flows.short).then(|| flows.linked_values(self.programme, model, &solution, gadget.link.as_ref())))
    }

    /// Build the candidate network, solve and price until every eligible pair
    /// is certified; the matching, what the coverage gadget's arcs carry, and
    /// with `reduced`, each pair's reduced cost under the optimum's prices.
    fn solve(
        &mut self,
        model: &Model,
        organisation_cap: Option<u32>,
        coverage: Option<&CoverageGadget>,
        reduced: bool,
    ) -> Result<(Solution, GadgetFlows, Vec<i64>), SolveError> {
        let start = Instant::now();
        let programme = self.programme;
        let (mentees, mentors) = (programme.mentees.len(), programme.mentors.len());
        let costs = gadget_costs(model, programme, organisation_cap, coverage)?;
        // Pairs with a link multiplier are in the network from the start:
        // pricing checks the others at their plain cost.
        if let Some(link) = coverage.and_then(|gadget| gadget.link.as_ref()) {
            for (i, pair) in self.pairs.iter().enumerate() {
                self.candidates[i] |= link.multipliers.contains_key(&(pair.mentee, pair.mentor));
            }
        }
        let chosen: Vec<usize> = (0..self.pairs.len()).filter(|&i| self.candidates[i]).collect();
        let first: Vec<Pair> = chosen.iter().map(|&i| self.pairs[i]).collect();
        let network = network_capped(programme, &costs, &first, organisation_cap, coverage);
        let graph = &network.graph;
        let mut simplex = NetworkSimplex::new(graph.node_count(), network.source.index(), network.sink.index())?;
        for e in graph.raw_edges() {
            simplex.add_arc(e.source().index(), e.target().index(), e.weight.capacity, e.weight.cost);
        }
        let tree = network.first_tree();

        // Where any eligible pair's arc would start and end.
        let mut own = vec![usize::MAX; mentees];
        let mut request = vec![None; mentees];
        let mut profession = vec![None; mentees];
        let mut both = vec![None; mentees];
        let mut mentor_node = vec![usize::MAX; mentors];
        let mut group: HashMap<(u32, u32), usize> = HashMap::new();
        for v in graph.node_indices() {
            match graph[v] {
                Node::Mentee(e) => own[e as usize] = v.index(),
                Node::Request(e) => request[e as usize] = Some(v.index()),
                Node::ProfessionRequest(e) => profession[e as usize] = Some(v.index()),
                Node::BothRequests(e) => both[e as usize] = Some(v.index()),
                Node::Mentor(m) => mentor_node[m as usize] = v.index(),
                Node::MentorOrganisation { mentor, organisation } => {
                    group.insert((mentor, organisation), v.index());
                }
                _ => {}
            }
        }
        let organisation = |pair: &Pair| programme.mentees[pair.mentee as usize].person.organisation.0;
        simplex.start_from(&tree);
        // Where a pair's arc starts, and the node whose price it is checked
        // against: its (mentor, organisation) node under the cap, or, where
        // no candidate pair has needed that node yet, its mentor, whose price
        // the node would have (hung under the mentor by the cap's arc, at no
        // cost, as `first_tree` hangs the others). Made only when a pair
        // needs it: most of them never do, and every node costs each pivot.
        // None under a cap of 0 for a pair whose node is not made: it can
        // carry no match, so it is not priced (it could only join to carry
        // nothing).
        let ends = |pair: &Pair, group: &HashMap<(u32, u32), usize>| {
            let e = pair.mentee as usize;
            let layer = match pair_tail(&programme.mentees[e], &costs, pair) {
                Tail::Own => None,
                Tail::Request => request[e],
                Tail::Profession => profession[e],
                Tail::Both => both[e],
            };
            let tail = layer.unwrap_or(own[e]);
            let mentor = mentor_node[pair.mentor as usize];
            let head = match (organisation_cap, group.get(&(pair.mentor, organisation(pair)))) {
                (None, _) => mentor,
                (Some(_), Some(&node)) => node,
                (Some(0), None) => return None,
                (Some(_), None) => mentor,
            };
            Some((tail, head))
        };
        // Pair arcs by pair index: the first network's, in edge order.
        let mut arcs: Vec<(usize, usize)> = chosen
            .iter()
            .enumerate()
            .map(|(k, &i)| (i, network.first_pair_arc + k))
            .collect();
        let pivots_before = simplex.pivots();
        let mut rounds = 1;
        simplex.solve()?;
        loop {
            let added = self.price(simplex.prices(), &costs, &|pair: &Pair| ends(pair, &group));
            if added.is_empty() {
                break;
            }
            rounds += 1;
            for i in added {
                let pair = &self.pairs[i];
                if let Some(cap) = organisation_cap {
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        group.entry((pair.mentor, organisation(pair)))
                    {
                        let node = simplex.add_node();
                        let arc = simplex.add_arc(node, mentor_node[pair.mentor as usize], cap, 0);
                        if cap > 0 {
                            simplex.start_from(&[(node, arc)]);
                        }
                        slot.insert(node);
                    }
                }
                // (Every priced pair has both ends; its node is made above.)
                let Some((tail, head)) = ends(pair, &group) else {
                    continue;
                };
                arcs.push((i, simplex.add_arc(tail, head, 1, costs.pair_cost(pair))));
                self.candidates[i] = true;
            }
            // The tree so far is the start: only the new arcs can move it.
            simplex.solve()?;
        }
        let reduced: Vec<i64> = if reduced {
            let prices = simplex.prices();
            self.pairs
                .iter()
                .map(|pair| {
                    match ends(pair, &group) {
                        Some((tail, head)) => costs.pair_cost(pair) + prices[tail] - prices[head],
                        None => i64::MAX, // never in a matching
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        arcs.sort_unstable();
        let made: Vec<Pair> = arcs
            .iter()
            .filter(|&&(_, arc)| simplex.flow(arc) > 0)
            .map(|&(i, _)| self.pairs[i])
            .collect();

        // The gadget's arcs are the first network's, numbered as its edges.
        let gadget = match coverage {
            Some(coverage) => GadgetFlows::read(graph, |i| simplex.flow(i), coverage, mentees),
            None => GadgetFlows {
                short: false,
                first_unit: vec![false; mentees],
            },
        };
        self.work += network_work(&simplex, simplex.pivots() - pivots_before, rounds, self.pairs.len());
        let solution = Solution::new(
            programme,
            model,
            made,
            SolveStats {
                network_nodes: simplex.node_count(),
                network_arcs: simplex.arc_count(),
                phases: (simplex.pivots() - pivots_before) as usize,
                rounds,
                eligible_pairs: self.pairs.len(),
                time: start.elapsed(),
                warm: false,
                certificate: None,
                optimality: Optimality::Proven,
            },
        );
        Ok((solution, gadget, reduced))
    }

    /// Eligible pairs outside the network with negative reduced cost under
    /// `prices`: up to [`PER_MENTEE`] per mentee, most negative first (ties to
    /// the earlier pair), each checked between the nodes `ends` gives (none:
    /// a pair that can carry no match, left out). Empty means the prices
    /// certify every pair.
    fn price(&self, prices: &[i64], costs: &ArcCosts, ends: &dyn Fn(&Pair) -> Option<(usize, usize)>) -> Vec<usize> {
        let mut added = Vec::new();
        let mut found: Vec<(i64, usize)> = Vec::new();
        let mut i = 0;
        while i < self.pairs.len() {
            let mentee = self.pairs[i].mentee;
            found.clear();
            while i < self.pairs.len() && self.pairs[i].mentee == mentee {
                if !self.candidates[i] {
                    let pair = &self.pairs[i];
                    if let Some((tail, head)) = ends(pair) {
                        let reduced = costs.pair_cost(pair) + prices[tail] - prices[head];
                        if reduced < 0 {
                            found.push((reduced, i));
                        }
                    }
                }
                i += 1;
            }
            if found.len() > PER_MENTEE {
                found.select_nth_unstable(PER_MENTEE - 1);
                found.truncate(PER_MENTEE);
            }
            added.extend(found.iter().map(|&(_, i)| i));
        }
        added
    }
}

/// One network's work (see [`Pricer::work`]): building its arcs, pricing
/// every eligible pair each round, and its pivots, each costing more in a
/// larger tree; and a fixed part for reading its flows. Fitted to the time
/// networks of 150 to 2,000 participants took (within a factor of 2).
fn network_work(simplex: &NetworkSimplex, pivots: u64, rounds: usize, eligible: usize) -> u64 {
    let nodes = simplex.node_count() as f64;
    let units = simplex.arc_count() as f64 + (rounds * eligible) as f64 + pivots as f64 * nodes.powf(0.7) + 40_000.0;
    (units / 300.0) as u64
}

/// The first network's pairs: each mentee's [`PER_MENTEE`] best-scoring, each
/// mentor's best-scoring third as many (so every mentor can be used from the
/// start), and every pin. Ties go to the earlier pair, so the choice is fixed.
fn first_candidates(programme: &Programme, pairs: &[Pair]) -> Vec<bool> {
    let mut chosen = vec![false; pairs.len()];
    let mut by_mentor: Vec<Vec<usize>> = vec![Vec::new(); programme.mentors.len()];
    let mut start = 0;
    while start < pairs.len() {
        let mentee = pairs[start].mentee;
        let mut end = start;
        while end < pairs.len() && pairs[end].mentee == mentee {
            by_mentor[pairs[end].mentor as usize].push(end);
            end += 1;
        }
        let mut own: Vec<usize> = (start..end).collect();
        own.sort_by_key(|&i| std::cmp::Reverse(pairs[i].score)); // stable: earlier first on ties
        for &i in own.iter().take(PER_MENTEE) {
            chosen[i] = true;
        }
        start = end;
    }
    for own in &mut by_mentor {
        own.sort_by_key(|&i| std::cmp::Reverse(pairs[i].score));
        for &i in own.iter().take(PER_MENTEE.div_ceil(3)) {
            chosen[i] = true;
        }
    }
    for (i, pair) in pairs.iter().enumerate() {
        chosen[i] |= pair.pinned;
    }
    chosen
}
