//! Solvers: turn eligible pairs into the best matching under a model's objective.
//!
//! [`network`] builds a flow network with petgraph (source -> mentees -> mentors
//! -> sink, one arc per eligible pair) whose arc costs encode the objective
//! exactly ([`objective`]); the network simplex ([`simplex`]) solves it as a
//! min-cost flow. [`solve_eligible`] prices: it solves on a few candidate pairs
//! per mentee and adds any eligible pair the simplex's prices say could still
//! help, until they certify every pair. The primal-dual solver ([`mincost`]) is
//! kept as an independent check in the tests and for the coverage certificate;
//! the flow types all of them share are in [`flow`].
//!
//! Side constraints: [`choose`] sends a model with any to [`ilp`], where flows
//! decide first (an organisation cap held by the network, a coverage floor
//! total by total, identity floors by the Lagrangian relaxation of
//! [`lagrange`], and any mix of them by branch and bound on flows, each answer
//! with its proof) and the integer program closes
//! what they leave. Those networks are priced too ([`capped`]): candidate
//! pairs, and any eligible pair the prices say could help.

pub mod capped;
pub mod choose;
pub mod flow;
pub mod ilp;
pub mod lagrange;
pub mod mincost;
pub mod objective;
mod priced;
pub mod simplex;

use std::time::{Duration, Instant};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::eligibility::Pair;
use crate::matching::Matching;
use crate::model::{Model, Term};
use crate::registration::Programme;
use flow::{FlowArc, FlowError};
use objective::{ArcCosts, Room};
use simplex::min_cost_flow_simplex_from;

pub use priced::{solve_eligible, WarmStart};

/// Why no matching was produced. Bad input is caught before solving; these are
/// limits of the method.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SolveError {
    /// The objective needs more than a flow can hold: solve it as an integer program.
    #[error("the objective cannot be solved as a flow: {0}")]
    NotFlowExpressible(String),
    /// Too many people for exact integer costs under the objective.
    #[error("a programme of {participants} participants is too large for exact integer costs under this objective")]
    TooLarge {
        /// Mentees and mentors registered.
        participants: usize,
    },
    /// The flow solver failed.
    #[error("the flow solver failed: {0}")]
    Flow(#[from] FlowError),
    /// No matching meets this side constraint (with those named, when it can be
    /// met alone).
    #[error("{}", infeasible_message(constraint, together_with))]
    Infeasible {
        /// The constraint, in words.
        constraint: String,
        /// Earlier constraints it cannot be met together with.
        together_with: Vec<String>,
    },
    /// The integer program's backend failed.
    #[error("the integer program failed: {0}")]
    IntegerProgram(String),
}

impl SolveError {
    /// The first constraint that cannot be met with those before it, in the
    /// model's order (alone when it cannot be met on its own), as
    /// [`SolveError::Infeasible`]. `feasible` says whether the constraints
    /// with these indices can be met together (`None`: it cannot tell, and
    /// neither can this).
    pub(crate) fn first_infeasible(
        constraints: &[crate::model::Constraint],
        mut feasible: impl FnMut(&[usize]) -> Option<bool>,
    ) -> Option<SolveError> {
        for i in 0..constraints.len() {
            if !feasible(&(0..=i).collect::<Vec<_>>())? {
                let together_with = if i == 0 || !feasible(&[i])? {
                    Vec::new()
                } else {
                    constraints[..i].iter().map(crate::model::Constraint::label).collect()
                };
                return Some(SolveError::Infeasible {
                    constraint: constraints[i].label(),
                    together_with,
                });
            }
        }
        None
    }
}

fn infeasible_message(constraint: &str, together_with: &[String]) -> String {
    let mut message = format!("no matching meets the constraint \"{constraint}\"");
    if !together_with.is_empty() {
        let earlier: Vec<String> = together_with.iter().map(|c| format!("\"{c}\"")).collect();
        message += &format!(" together with {}", earlier.join(" and "));
    }
    message + ": loosen it in the model file"
}

/// A node of the flow network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    /// Where every unit of flow starts.
    Source,
    /// Where every unit of flow ends.
    Sink,
    /// A mentee, by index.
    Mentee(u32),
    /// A mentor, by index.
    Mentor(u32),
    /// A mentee's request layer: the pairs that meet what they asked for
    /// (their identity request, when both kinds are counted and they asked
    /// for both).
    Request(u32),
    /// When both kinds of request are counted (see [`ArcCosts::overlapping`]):
    /// a mentee's pairs that meet only their profession request.
    ProfessionRequest(u32),
    /// When both kinds are counted: a mentee's pairs that meet both requests,
    /// under their identity request layer.
    BothRequests(u32),
    /// A mentor's mentees from one organisation, when the model caps them.
    MentorOrganisation {
        /// The mentor, by index.
        mentor: u32,
        /// The organisation, by id.
        organisation: u32,
    },
    /// One group's first units, when a coverage floor is held (see [`CoverageGadget`]).
    CoverageGroup(u32),
    /// Every group's first units, when the gadget bounds the total covered
    /// (see [`CoverageGadget::total`]).
    CoverageTotal,
    /// A mentee's first unit, under a coverage gadget, when they have a
    /// request layer: the one way their request can be counted met, so a
    /// request is met only for a mentee covered (see [`network_capped`]).
    FirstUnit(u32),
}

/// The best matching and how it was found.
#[derive(Clone, Debug)]
pub struct Solution {
    /// The pairs chosen.
    pub matching: Matching,
    /// The matching's value for each objective term, in the model's order.
    pub objective_values: Vec<i64>,
    /// How the matching was found.
    pub stats: SolveStats,
}

impl Solution {
    /// The matching of the chosen pairs, with its objective values.
    pub fn new(programme: &Programme, model: &Model, chosen: Vec<Pair>, stats: SolveStats) -> Solution {
        let matching = Matching::new(chosen);
        Solution {
            objective_values: matching.objective_values(programme, &model.objective),
            matching,
            stats,
        }
    }
}

/// How a matching was found: the network's size and the work done.
#[derive(Clone, Debug, Default)]
pub struct SolveStats {
    /// Nodes of the flow network.
    pub network_nodes: usize,
    /// Arcs of the flow network.
    pub network_arcs: usize,
    /// Shortest-path phases (or simplex pivots) the solve took.
    pub phases: usize,
    /// Networks solved: 1, or more when pricing added pairs.
    pub rounds: usize,
    /// Mentee-mentor pairs the hard rules allow.
    pub eligible_pairs: usize,
    /// Wall-clock time the solve took.
    pub time: Duration,
    /// Solved from an earlier, similar programme's network ([`WarmStart`]).
    pub warm: bool,
    /// How a constrained optimum was proven, when flows proved it (see
    /// [`lagrange`]): the multiplier whose relaxation it is optimal for.
    pub certificate: Option<String>,
    /// Proven optimal, or stopped at a time limit with a gap.
    pub optimality: Optimality,
}

/// Whether an answer is proven optimal.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum Optimality {
    /// The objective's every level is at its optimum.
    #[default]
    Proven,
    /// Stopped at the time limit: every level before `level` (0-based) is at
    /// its optimum; at `level` the matching has `value`, and no matching that
    /// keeps the earlier levels has more than `bound` (when one is known).
    Stopped {
        /// The first level not proven optimal, 0-based.
        level: usize,
        /// The matching's value at that level.
        value: i64,
        /// The most any matching keeping the earlier levels could have, when known.
        bound: Option<i64>,
    },
}

/// The flow network of a programme: petgraph's graph, and where its pair arcs start.
pub struct Network {
    /// The network: source, mentees, mentors and sink, with their arcs.
    pub graph: DiGraph<Node, FlowArc, u32>,
    /// The node every unit of flow leaves from.
    pub source: NodeIndex<u32>,
    /// The node every unit of flow ends at.
    pub sink: NodeIndex<u32>,
    /// Edge index of the first pair arc; pair i is edge `first_pair_arc + i`.
    pub first_pair_arc: usize,
    /// Node each pair arc leaves from, by pair: the mentee's own node, or its
    /// request layer for pairs that meet the request the objective counts.
    pub pair_tails: Vec<NodeIndex<u32>>,
    /// Each mentee's nodes, by mentee.
    pub mentee_nodes: Vec<MenteeNodes>,
    /// Each mentor's node, by mentor.
    pub mentor_nodes: Vec<NodeIndex<u32>>,
}

/// A mentee's nodes: where their capacity arrives and their pair arcs leave from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MenteeNodes {
    /// The mentee's own node: the source's arcs end here.
    pub own: NodeIndex<u32>,
    /// Pairs meeting the counted request (identity or profession) leave from here,
    /// so the first unit through it can be rewarded once.
    pub request: Option<NodeIndex<u32>>,
    /// When both kinds are counted and the mentee asked for both: where
    /// pairs meeting only the profession request leave from, and (under
    /// `request`) pairs meeting both.
    pub split: Option<SplitNodes>,
}

impl MenteeNodes {
    /// The node a pair's arc leaves from, by [`pair_tail`].
    pub(crate) fn tail(&self, tail: Tail) -> NodeIndex<u32> {
        match (tail, self.request, self.split) {
            (Tail::Request, Some(request), _) => request,
            (Tail::Profession, _, Some(split)) => split.profession,
            (Tail::Both, _, Some(split)) => split.both,
            _ => self.own,
        }
    }
}

/// A mentee's nodes for pairs meeting their profession request, when both
/// kinds of request are counted (see [`ArcCosts::overlapping`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitNodes {
    /// Pairs meeting only the profession request: its first unit earns the
    /// profession request.
    pub profession: NodeIndex<u32>,
    /// Pairs meeting both requests, reached through the identity request
    /// layer: its first unit earns the profession request too.
    pub both: NodeIndex<u32>,
}

/// Which of a mentee's nodes a pair's arc leaves from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tail {
    /// The mentee's own node.
    Own,
    /// Their request layer.
    Request,
    /// Their node of pairs meeting only the profession request ([`SplitNodes`]).
    Profession,
    /// Their node of pairs meeting both requests ([`SplitNodes`]).
    Both,
}

/// Whether a mentee's requests are split over three nodes: both kinds are
/// counted, and they asked for both.
pub(crate) fn splits_requests(mentee: &crate::registration::Mentee, costs: &ArcCosts) -> bool {
    costs.overlap && mentee.asks_for_identity() && has_profession_request(mentee) && mentee.person.capacity > 0
}

fn has_profession_request(mentee: &crate::registration::Mentee) -> bool {
    !mentee.person.profession_key.is_empty()
}

/// What the first unit through a mentee's request layer earns, in cost: the
/// identity request's when the objective counts it and they asked, else the
/// profession request's.
fn request_cost(mentee: &crate::registration::Mentee, costs: &ArcCosts) -> i64 {
    if layer_counts_identity(mentee, costs.identity_met != 0) {
        costs.identity_met
    } else {
        costs.profession_met
    }
}

/// Whether a mentee's request layer counts their identity request (else their
/// profession request), when the objective counts identity requests or not.
fn layer_counts_identity(mentee: &crate::registration::Mentee, identity_counted: bool) -> bool {
    identity_counted && mentee.asks_for_identity()
}

/// Where a pair's arc leaves from: the one home of the network's layout of
/// requests, for [`network_capped`] and for pricing.
pub(crate) fn pair_tail(mentee: &crate::registration::Mentee, costs: &ArcCosts, pair: &Pair) -> Tail {
    if splits_requests(mentee, costs) {
        return match (pair.identity_matched, pair.profession_matched) {
            (true, true) => Tail::Both,
            (true, false) => Tail::Request,
            (false, true) => Tail::Profession,
            (false, false) => Tail::Own,
        };
    }
    let counted = (costs.identity_met != 0, costs.profession_met != 0);
    if has_request_layer(mentee, costs) && meets_counted_request(counted, pair) {
        Tail::Request
    } else {
        Tail::Own
    }
}

/// Whether a pair meets a request the objective counts, `(identity,
/// profession)`: for a mentee whose requests are not split, its arc leaves
/// from their request layer (a pair meets only requests its mentee made).
pub(crate) fn meets_counted_request((identity, profession): (bool, bool), pair: &Pair) -> bool {
    (identity && pair.identity_matched) || (profession && pair.profession_matched)
}

/// Build the flow network for `pairs` under the model's objective.
///
/// source -> mentee (one arc per run of equally rewarded capacity units) ->
/// [request layer] -> mentor (one arc per pair, capacity 1) -> sink (per unit).
pub fn network(programme: &Programme, costs: &ArcCosts, pairs: &[Pair]) -> Network {
    network_capped(programme, costs, pairs, None, None)
}

/// Lower bounds on how many mentees each group has covered, held by the flow:
/// each mentee's first unit comes from the source through their group's node,
/// and the first `lower[g]` units through group `g` earn more than the whole
/// objective can change along a cycle, so a flow covers that many whenever it
/// can. [`solve_covered`] says whether it did.
#[derive(Clone, Debug, Default)]
pub struct CoverageGadget {
    /// Each mentee's group (`u32::MAX`: in none).
    pub group_of: Vec<u32>,
    /// Mentees each group must have covered.
    pub lower: Vec<u32>,
    /// Bounds on the mentees covered in all groups together, `(least, most)`:
    /// every group's first units then come through one node, joined to the
    /// source by an arc forced like a group's (`least`) and a free one (up to
    /// `most`). The upper bound counts first units only: a mentee can still
    /// be given later units without a first one, which [`solve_covered`]
    /// calls unsure (the caller then branches on that mentee).
    pub total: Option<(u32, u32)>,
    /// Mentees held uncovered: none of their units has an arc (empty: none).
    pub dropped: Vec<bool>,
    /// Mentees held covered: their first unit is forced like a group's lower
    /// bound (empty: none).
    pub forced: Vec<bool>,
    /// Mentees whose request (the one the objective counts, through their
    /// request layer) is held met: the layer's first unit is forced (empty:
    /// none).
    pub request_forced: Vec<bool>,
    /// Mentees whose request is held unmet: their request layer has no way in
    /// (empty: none).
    pub request_banned: Vec<bool>,
    /// Lagrangian multipliers on the link the network lacks (a pair is made
    /// only if its mentee's first unit is), when given (see [`Link`]).
    pub link: Option<Link>,
    /// Whether the objective may count both kinds of request, in layers
    /// that overlap (see [`ArcCosts::overlapping`]): the network is then a
    /// relaxation, exact for a flow that counts no mentee twice
    /// (`CoverageGadget::counted_twice`).
    pub overlap: bool,
    /// Mentees held to a pair meeting both their requests (the first unit
    /// of that node forced, the profession-only node earning nothing), and
    /// held to none (that node closed); empty: none.
    pub both_forced: Vec<bool>,
    /// See `both_forced`.
    pub both_banned: Vec<bool>,
    /// Levels of the model solved whose identity requests met count
    /// against it (a Lagrangian multiplier below 0; see
    /// [`lagrange::Weighed`]): their identity parts' weights cost, not earn.
    pub identity_against: Vec<usize>,
}

/// Multipliers on the link between a mentee's pairs and its first unit:
/// each pair carries a match only if the mentee is covered (`pair <= first
/// unit`), which every matching keeps and the network does not (see
/// [`CoverageGadget::total`]). With multiplier `u` on a pair (in fractions
/// of a unit of one objective level), the pair costs `u` more and the
/// mentee's first unit earns `u`: a matching's value gains
/// `u (first - pair) >= 0`, so the network's optimum still bounds every
/// matching, and it is a network still.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    /// The objective level the multipliers are counted in.
    pub level: usize,
    /// Each pair's multiplier, by (mentee, mentor), in [`Link::FRACTION`]s
    /// of a unit of the level; pairs not here have none.
    pub multipliers: std::collections::BTreeMap<(u32, u32), u32>,
}

impl Link {
    /// Fractions of a unit of the level the multipliers are counted in.
    pub const FRACTION: u32 = 16;

    /// Each mentee's multipliers together: what its first unit earns.
    fn first_unit_earns(&self, mentees: usize) -> Vec<i64> {
        let mut earns = vec![0i64; mentees];
        for (&(mentee, _), &u) in &self.multipliers {
            earns[mentee as usize] += i64::from(u);
        }
        earns
    }

    /// What the multipliers add to a flow's value at their level, in
    /// fractions: each pair's multiplier times (first unit - pair), for the
    /// flow's first units and pairs made.
    pub fn gain(&self, first_unit: &[bool], made: &[Pair]) -> i64 {
        let earned: i64 = self
            .first_unit_earns(first_unit.len())
            .iter()
            .zip(first_unit)
            .filter(|&(_, &first)| first)
            .map(|(earns, _)| earns)
            .sum();
        let paid: i64 = made
            .iter()
            .filter_map(|p| self.multipliers.get(&(p.mentee, p.mentor)))
            .map(|&u| i64::from(u))
            .sum();
        earned - paid
    }

    /// [`Link::gain`] in whole units of the level, rounded down (the level's
    /// values are whole, so a bound may be).
    pub fn whole_gain(&self, first_unit: &[bool], made: &[Pair]) -> i64 {
        self.gain(first_unit, made).div_euclid(i64::from(Link::FRACTION))
    }

    /// Room for the multipliers' costs: a simple cycle passes a mentee's
    /// node once, through at most its first unit and one pair.
    fn room(&self) -> Room {
        Room {
            level: self.level,
            change: 2 * self.multipliers.values().map(|&u| i64::from(u)).sum::<i64>(),
            fraction: Link::FRACTION,
        }
    }
}

/// People one simple cycle of a programme's network can pass, as the
/// objective's weights count them (see [`objective`]): the bound on how many
/// pair arcs one cycle changes. Without the cap each pair arc enters its own
/// mentor; with it, each leaves its own mentee or request node, of which
/// there are at most two per mentee. Where requests overlap (see
/// [`ArcCosts::overlapping`]), each request arc on a cycle leads to a pair
/// arc, and each pair arc leaves or enters a mentor's node, which a simple
/// cycle passes once: at most four per mentor.
pub(crate) fn cycle_people(programme: &Programme, organisation_cap: Option<u32>, overlap: bool) -> usize {
    let (mentees, mentors) = (programme.mentees.len(), programme.mentors.len());
    match (organisation_cap, overlap) {
        (None, false) => mentees + mentors,
        (None, true) => (mentees + mentors).max(4 * mentors + 2),
        (Some(_), false) => 2 * mentees + mentors,
        (Some(_), true) => 4 * mentees + mentors,
    }
}

/// The arc costs of `model` for a network with `coverage` (and the cap, if
/// any): with room for its link multipliers at their level, if any (see
/// [`ArcCosts::with_room`]), both kinds of request counted where the
/// gadget lets them overlap, and identity requests against where it says.
pub(crate) fn gadget_costs(
    model: &Model,
    programme: &Programme,
    organisation_cap: Option<u32>,
    coverage: Option<&CoverageGadget>,
) -> Result<ArcCosts, SolveError> {
    let overlap = coverage.is_some_and(|gadget| gadget.overlap);
    let people = cycle_people(programme, organisation_cap, overlap);
    without_constraints(model)?;
    let room = coverage.and_then(|gadget| gadget.link.as_ref()).map(Link::room);
    let mut costs = match overlap {
        true => ArcCosts::overlapping(model, people, room)?,
        false => ArcCosts::with_room(model, people, room)?,
    };
    // Identity requests that count against a level: their reward turned
    // into a cost of the same size (the weights leave the same room).
    for &level in coverage.map_or(&[][..], |gadget| &gadget.identity_against[..]) {
        for (part, weight) in model.objective.get(level).map(Term::parts).unwrap_or_default() {
            if matches!(part, Term::IdentityRequestsMet { .. }) {
                let earns = costs.weights[level]
                    .checked_mul(2 * i64::from(weight))
                    .ok_or(SolveError::TooLarge { participants: people })?;
                costs.identity_met = costs
                    .identity_met
                    .checked_add(earns)
                    .ok_or(SolveError::TooLarge { participants: people })?;
            }
        }
    }
    Ok(costs)
}

impl CoverageGadget {
    /// Lower bounds per group, and nothing else.
    pub fn new(group_of: Vec<u32>, lower: Vec<u32>) -> Self {
        CoverageGadget {
            group_of,
            lower,
            ..CoverageGadget::default()
        }
    }

    fn is_dropped(&self, mentee: usize) -> bool {
        self.dropped.get(mentee).copied().unwrap_or(false)
    }

    fn is_forced(&self, mentee: usize) -> bool {
        self.forced.get(mentee).copied().unwrap_or(false)
    }

    fn is_request_forced(&self, mentee: usize) -> bool {
        self.request_forced.get(mentee).copied().unwrap_or(false)
    }

    fn is_request_banned(&self, mentee: usize) -> bool {
        self.request_banned.get(mentee).copied().unwrap_or(false)
    }

    fn is_both_forced(&self, mentee: usize) -> bool {
        self.both_forced.get(mentee).copied().unwrap_or(false)
    }

    fn is_both_banned(&self, mentee: usize) -> bool {
        self.both_banned.get(mentee).copied().unwrap_or(false)
    }

    /// Mentees whose profession request the overlapping network counts
    /// twice in `matching`: a pair meeting both requests and one meeting only
    /// the profession request, with neither held (see
    /// [`ArcCosts::overlapping`]). The network's values are the matching's
    /// plus one profession request met for each.
    pub(crate) fn counted_twice(&self, programme: &Programme, costs: &ArcCosts, matching: &Matching) -> Vec<u32> {
        let mentees = programme.mentees.len();
        let (mut both, mut profession_only) = (vec![false; mentees], vec![false; mentees]);
        for pair in &matching.pairs {
            let e = pair.mentee as usize;
            if !splits_requests(&programme.mentees[e], costs) {
                continue;
            }
            match pair_tail(&programme.mentees[e], costs, pair) {
                Tail::Both => both[e] = true,
                Tail::Profession => profession_only[e] = true,
                _ => {}
            }
        }
        (0..mentees)
            .filter(|&e| both[e] && profession_only[e] && !self.is_both_forced(e))
            .map(|e| e as u32)
            .collect()
    }
}

/// `values` (of `model`'s levels) with `twice` more profession requests
/// met: the overlapping network's values of a matching it counts `twice`
/// mentees twice in (see [`CoverageGadget::counted_twice`]).
pub(crate) fn with_counted_twice(model: &Model, mut values: Vec<i64>, twice: usize) -> Vec<i64> {
    for (level, term) in model.objective.iter().enumerate() {
        for (part, weight) in term.parts() {
            if matches!(part, Term::ProfessionRequestsMet { .. }) {
                values[level] += i64::from(weight) * twice as i64;
            }
        }
    }
    values
}

/// Build the flow network for `pairs` under the model's objective, with
/// optional side constraints a flow can hold.
///
/// With `organisation_cap`, each mentor takes at most that many mentees from
/// one organisation: pair arcs end at a node per mentor and organisation,
/// joined to the mentor by an arc of that capacity (the constraint
/// `max-mentees-from-one-organisation`). With `coverage`, groups' lower bounds
/// on mentees covered (see [`CoverageGadget`]).
pub fn network_capped(
    programme: &Programme,
    costs: &ArcCosts,
    pairs: &[Pair],
    organisation_cap: Option<u32>,
    coverage: Option<&CoverageGadget>,
) -> Network {
    let nodes = 2 + 2 * programme.mentees.len() + programme.mentors.len();
    let mut graph = DiGraph::with_capacity(nodes, pairs.len() + 4 * nodes);
    let source = graph.add_node(Node::Source);
    let sink = graph.add_node(Node::Sink);
    let mut mentee_nodes: Vec<MenteeNodes> = (0..programme.mentees.len() as u32)
        .map(|i| MenteeNodes {
            own: graph.add_node(Node::Mentee(i)),
            request: None,
            split: None,
        })
        .collect();
    let mentor_nodes: Vec<_> = (0..programme.mentors.len() as u32)
        .map(|i| graph.add_node(Node::Mentor(i)))
        .collect();
    for (i, (mentee, nodes)) in programme.mentees.iter().zip(mentee_nodes.iter_mut()).enumerate() {
        if has_request_layer(mentee, costs) {
            nodes.request = Some(graph.add_node(Node::Request(i as u32)));
        }
        if splits_requests(mentee, costs) {
            nodes.split = Some(SplitNodes {
                profession: graph.add_node(Node::ProfessionRequest(i as u32)),
                both: graph.add_node(Node::BothRequests(i as u32)),
            });
        }
    }

    // Nodes of each mentor's mentees from one organisation, made as pairs need them.
    let mut groups: std::collections::HashMap<(u32, u32), NodeIndex<u32>> = std::collections::HashMap::new();
    if organisation_cap.is_some() {
        let mut keys: Vec<(u32, u32)> = pairs
            .iter()
            .map(|p| (p.mentor, programme.mentees[p.mentee as usize].person.organisation.0))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for (mentor, organisation) in keys {
            groups.insert(
                (mentor, organisation),
                graph.add_node(Node::MentorOrganisation { mentor, organisation }),
            );
        }
    }

    let first_pair_arc = graph.edge_count();
    let mut pair_tails = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let nodes = mentee_nodes[pair.mentee as usize];
        let tail = nodes.tail(pair_tail(&programme.mentees[pair.mentee as usize], costs, pair));
        pair_tails.push(tail);
        let organisation = programme.mentees[pair.mentee as usize].person.organisation.0;
        let head = match groups.get(&(pair.mentor, organisation)) {
            Some(&group) => group,
            None => mentor_nodes[pair.mentor as usize],
        };
        let link = match coverage.and_then(|gadget| gadget.link.as_ref()) {
            Some(link) => link
                .multipliers
                .get(&(pair.mentee, pair.mentor))
                .map_or(0, |&u| i64::from(u)),
            None => 0,
        };
        graph.add_edge(
            tail,
            head,
            FlowArc {
                capacity: 1,
                cost: costs.pair_cost(pair) + link * costs.fraction_cost,
            },
        );
    }
    // With a coverage gadget, first units come through their group's node.
    let forcing = costs.cycle_change.saturating_add(1);
    let forced = |capacity: u32| FlowArc {
        capacity,
        cost: -forcing,
    };
    let group_nodes: Vec<NodeIndex<u32>> = match coverage {
        None => Vec::new(),
        Some(gadget) => {
            // Where the groups' first units come from: the source, or one node
            // bounding their total.
            let feed = match gadget.total {
                None => source,
                Some((least, most)) => {
                    let total = graph.add_node(Node::CoverageTotal);
                    graph.add_edge(source, total, forced(least));
                    if most > least {
                        graph.add_edge(
                            source,
                            total,
                            FlowArc {
                                capacity: most - least,
                                cost: 0,
                            },
                        );
                    }
                    total
                }
            };
            let mut members = vec![0u32; gadget.lower.len()];
            for (e, &g) in gadget.group_of.iter().enumerate() {
                if g != u32::MAX && !gadget.is_dropped(e) {
                    members[g as usize] += 1;
                }
            }
            (0..gadget.lower.len())
                .map(|g| {
                    let node = graph.add_node(Node::CoverageGroup(g as u32));
                    graph.add_edge(feed, node, forced(gadget.lower[g]));
                    let rest = members[g].saturating_sub(gadget.lower[g]);
                    if rest > 0 {
                        graph.add_edge(
                            feed,
                            node,
                            FlowArc {
                                capacity: rest,
                                cost: 0,
                            },
                        );
                    }
                    node
                })
                .collect()
        }
    };
    let first_unit_earns = coverage
        .and_then(|gadget| gadget.link.as_ref())
        .map_or(Vec::new(), |link| link.first_unit_earns(programme.mentees.len()));
    for (e, (mentee, nodes)) in programme.mentees.iter().zip(&mentee_nodes).enumerate() {
        if coverage.is_some_and(|gadget| gadget.is_dropped(e)) {
            continue; // held uncovered: no unit at all
        }
        let group = coverage
            .map(|gadget| gadget.group_of[e])
            .filter(|&g| g != u32::MAX && mentee.person.capacity > 0);
        // The first unit's own node, where the request layer's earning arc
        // leaves from (see below).
        let mut first_from: Option<NodeIndex<u32>> = None;
        match group {
            None => {
                for (capacity, cost) in unit_arcs(|k| costs.mentee_unit_cost(mentee, k), mentee.person.capacity) {
                    graph.add_edge(source, nodes.own, FlowArc { capacity, cost });
                }
            }
            Some(g) => {
                let held = coverage.is_some_and(|gadget| gadget.is_forced(e));
                // What the link's multipliers earn the first unit, in cost.
                let link = first_unit_earns.get(e).map_or(0, |&u| u * costs.fraction_cost);
                let first = FlowArc {
                    capacity: 1,
                    cost: costs.mentee_unit_cost(mentee, 0) - if held { forcing } else { 0 } - link,
                };
                // With a request layer, the first unit passes a node of its
                // own, from which alone the layer's earning arc leaves: a
                // mentee given later units without a first one (which the
                // total's bound does not count) cannot have their request
                // counted either. Any matching is still a flow: its mentee's
                // first unit is the pair meeting the request, if one does.
                let into = match nodes.request {
                    Some(_) => {
                        let first_node = graph.add_node(Node::FirstUnit(e as u32));
                        graph.add_edge(first_node, nodes.own, FlowArc { capacity: 1, cost: 0 });
                        first_node
                    }
                    None => nodes.own,
                };
                first_from = Some(into);
                graph.add_edge(group_nodes[g as usize], into, first);
                for (capacity, cost) in unit_arcs(|k| costs.mentee_unit_cost(mentee, k + 1), mentee.person.capacity - 1)
                {
                    graph.add_edge(source, nodes.own, FlowArc { capacity, cost });
                }
            }
        }
        let capacity = mentee.person.capacity;
        // A layer's way in: its first unit earns `earns` (forced when
        // `held`), from `first` (`from` when none), the rest nothing; none
        // when it is closed.
        let mut layer = |from: NodeIndex<u32>,
                         first: Option<NodeIndex<u32>>,
                         to: NodeIndex<u32>,
                         earns: i64,
                         held: bool,
                         closed: bool| {
            if closed {
                return;
            }
            graph.add_edge(
                first.unwrap_or(from),
                to,
                FlowArc {
                    capacity: 1,
                    cost: earns - if held { forcing } else { 0 },
                },
            );
            if capacity > 1 {
                graph.add_edge(
                    from,
                    to,
                    FlowArc {
                        capacity: capacity - 1,
                        cost: 0,
                    },
                );
            }
        };
        if let Some(split) = nodes.split {
            // Held to a pair meeting both requests, the profession request
            // is met there, and the other node earns nothing: no mentee is
            // counted twice. Held to none, that node is closed.
            let both_held = coverage.is_some_and(|gadget| gadget.is_both_forced(e));
            let both_closed = coverage.is_some_and(|gadget| gadget.is_both_banned(e));
            let profession = if both_held { 0 } else { costs.profession_met };
            layer(nodes.own, None, split.profession, profession, false, false);
            if let Some(request) = nodes.request {
                layer(request, None, split.both, costs.profession_met, both_held, both_closed);
            }
        }
        if let Some(request) = nodes.request {
            let held = coverage.is_some_and(|gadget| gadget.is_request_forced(e));
            let closed = coverage.is_some_and(|gadget| gadget.is_request_banned(e));
            layer(
                nodes.own,
                first_from,
                request,
                request_cost(mentee, costs),
                held,
                closed,
            );
        }
    }
    for (mentor, &node) in programme.mentors.iter().zip(&mentor_nodes) {
        for (capacity, cost) in unit_arcs(|k| costs.mentor_unit[k], mentor.person.capacity) {
            graph.add_edge(node, sink, FlowArc { capacity, cost });
        }
    }
    let mut groups: Vec<((u32, u32), NodeIndex<u32>)> = groups.into_iter().collect();
    groups.sort_unstable(); // a fixed arc order, for repeatable solves
    for ((mentor, _), group) in groups {
        let capacity = organisation_cap.unwrap_or(0);
        graph.add_edge(group, mentor_nodes[mentor as usize], FlowArc { capacity, cost: 0 });
    }
    Network {
        graph,
        source,
        sink,
        first_pair_arc,
        pair_tails,
        mentee_nodes,
        mentor_nodes,
    }
}

impl Network {
    /// A first tree for the simplex, of real arcs with no flow, as `(node, edge)`:
    /// each mentor under the sink, each mentor-organisation node under its
    /// mentor, each mentee's node under their best-scoring pair (a mentee's own
    /// node with no pairs of its own under their request layer). Its prices
    /// already say roughly what each person is worth, which saves many of the
    /// pivots a start from nothing would spend finding that out.
    pub fn first_tree(&self) -> Vec<(usize, usize)> {
        let graph = &self.graph;
        let mut up: Vec<Option<(i64, usize)>> = vec![None; graph.node_count()];
        let mut to_request: Vec<Option<usize>> = vec![None; graph.node_count()];
        for (i, edge) in graph.raw_edges().iter().enumerate() {
            let tail = edge.source().index();
            if edge.weight.capacity == 0 {
                // No room to send flow up it: the tree would not be strongly feasible.
                continue;
            }
            // Lower is better: the first arc to the sink, the best-scoring pair.
            let rank = match (graph[edge.source()], graph[edge.target()]) {
                (Node::Mentor(_), Node::Sink) | (Node::MentorOrganisation { .. }, Node::Mentor(_)) => i64::MIN,
                (
                    Node::Mentee(_) | Node::Request(_) | Node::ProfessionRequest(_) | Node::BothRequests(_),
                    Node::Mentor(_) | Node::MentorOrganisation { .. },
                ) => edge.weight.cost,
                (
                    Node::Mentee(_) | Node::Request(_),
                    Node::Request(_) | Node::ProfessionRequest(_) | Node::BothRequests(_),
                ) => {
                    to_request[tail].get_or_insert(i);
                    continue;
                }
                _ => continue,
            };
            if up[tail].is_none_or(|(best, _)| rank < best) {
                up[tail] = Some((rank, i));
            }
        }
        (0..graph.node_count())
            .filter_map(|v| up[v].map(|(_, i)| i).or(to_request[v]).map(|i| (v, i)))
            .collect()
    }
}

/// Whether a mentee gets a request layer node: they can take a match, and asked
/// for what the objective counts.
pub(crate) fn has_request_layer(mentee: &crate::registration::Mentee, costs: &ArcCosts) -> bool {
    let asks = (costs.identity_met != 0 && mentee.asks_for_identity())
        || (costs.profession_met != 0 && !mentee.person.profession_key.is_empty());
    asks && mentee.person.capacity > 0
}

/// A person's capacity as parallel arcs, one per run of units that cost the same.
fn unit_arcs(unit_cost: impl Fn(usize) -> i64, capacity: u32) -> Vec<(u32, i64)> {
    let mut arcs: Vec<(u32, i64)> = Vec::new();
    for cost in (0..capacity as usize).map(unit_cost) {
        match arcs.last_mut() {
            Some((units, last)) if *last == cost => *units += 1,
            _ => arcs.push((1, cost)),
        }
    }
    arcs
}

/// Why the flow solver cannot take this model, if it cannot.
pub fn flow_can_solve(model: &Model, participants: usize) -> Result<ArcCosts, SolveError> {
    without_constraints(model)?;
    ArcCosts::new(model, participants)
}

/// A network holds no side constraint of the model itself (the callers that
/// hold some pass them as gadgets).
fn without_constraints(model: &Model) -> Result<(), SolveError> {
    match model.constraints.first() {
        Some(constraint) => Err(SolveError::NotFlowExpressible(format!(
            "the model has the constraint \"{}\", which only the integer program can hold",
            constraint.label()
        ))),
        None => Ok(()),
    }
}

/// The best matching of exactly these `pairs` under the model's objective.
///
/// Ties between equally good matchings are broken by the order of `pairs`,
/// which [`crate::eligibility::eligible_pairs`] fixes by email, never by file rows.
pub fn solve(programme: &Programme, model: &Model, pairs: &[Pair]) -> Result<Solution, SolveError> {
    solve_capped(programme, model, pairs, None)
}

/// [`solve`], with each mentor taking at most `organisation_cap` mentees from
/// one organisation (see [`network_capped`]).
pub fn solve_capped(
    programme: &Programme,
    model: &Model,
    pairs: &[Pair],
    organisation_cap: Option<u32>,
) -> Result<Solution, SolveError> {
    solve_network(programme, model, pairs, organisation_cap, None).map(|(_, _, solution)| solution)
}

/// What [`solve_covered`] found.
#[derive(Clone, Debug)]
pub enum Covered {
    /// No flow covers as many mentees in every group as asked.
    Infeasible,
    /// The best matching that does, under the model's objective.
    Solved(Solution),
    /// The flow gave some mentee later units without a first one, so its
    /// values are not the matching's: no answer either way.
    Unsure,
}

/// The best matching, under the model's objective, among those that cover at
/// least `gadget.lower[g]` mentees in each group (and keep the organisation
/// cap, if any), held by the flow (see [`CoverageGadget`]).
pub fn solve_covered(
    programme: &Programme,
    model: &Model,
    pairs: &[Pair],
    organisation_cap: Option<u32>,
    gadget: &CoverageGadget,
) -> Result<Covered, SolveError> {
    let (network, flow, solution) = solve_network(programme, model, pairs, organisation_cap, Some(gadget))?;
    let flows = GadgetFlows::read(&network.graph, |i| flow.flow[i], gadget, programme.mentees.len());
    Ok(flows.judge(programme, solution))
}

/// What a coverage gadget's arcs carry in a solved network.
pub(crate) struct GadgetFlows {
    /// Some forced arc (a group's, the total's or a held mentee's) is not
    /// full: the bounds cannot all be held.
    pub short: bool,
    /// Whether each mentee's first unit came through their group's node.
    pub first_unit: Vec<bool>,
}

impl GadgetFlows {
    /// Read the gadget's arcs of `graph` (numbered as its edges) under `flow`.
    pub(crate) fn read(
        graph: &DiGraph<Node, FlowArc, u32>,
        flow: impl Fn(usize) -> u32,
        gadget: &CoverageGadget,
        mentees: usize,
    ) -> GadgetFlows {
        let mut flows = GadgetFlows {
            short: false,
            first_unit: vec![false; mentees],
        };
        let mut request_seen = vec![false; mentees];
        let mut both_seen = vec![false; mentees];
        for (i, edge) in graph.raw_edges().iter().enumerate() {
            let units = flow(i);
            match (graph[edge.source()], graph[edge.target()]) {
                (Node::Source | Node::CoverageTotal, Node::CoverageGroup(_) | Node::CoverageTotal)
                    if edge.weight.cost < 0 && units < edge.weight.capacity =>
                {
                    flows.short = true
                }
                (Node::CoverageGroup(_), Node::Mentee(e) | Node::FirstUnit(e)) => {
                    flows.first_unit[e as usize] = units > 0;
                    flows.short |= units == 0 && gadget.is_forced(e as usize);
                }
                // A held request's first arc is the one whose cost is forced.
                (Node::Mentee(e) | Node::FirstUnit(e), Node::Request(_))
                    if edge.weight.capacity == 1 && gadget.is_request_forced(e as usize) =>
                {
                    flows.short |= units == 0 && edge.weight.cost < 0 && !request_seen[e as usize];
                    request_seen[e as usize] = true;
                }
                // So is a pair meeting both requests held.
                (Node::Request(e), Node::BothRequests(_))
                    if edge.weight.capacity == 1 && gadget.is_both_forced(e as usize) =>
                {
                    flows.short |= units == 0 && edge.weight.cost < 0 && !both_seen[e as usize];
                    both_seen[e as usize] = true;
                }
                _ => {}
            }
        }
        flows
    }

    /// Mentees with a match but no first unit through their group: the
    /// gadget's counts are not the matching's for them.
    pub(crate) fn uncounted(&self, counts: &[u32]) -> Vec<u32> {
        (0..counts.len())
            .filter(|&e| counts[e] > 0 && !self.first_unit[e])
            .map(|e| e as u32)
            .collect()
    }

    /// The network's values of this flow's matching `solution`: as
    /// [`counted_values`] counts them (each mentee given units without a
    /// first one counted as the network does), with `link`'s gain at its
    /// level in whole units, rounded down.
    pub(crate) fn linked_values(
        &self,
        programme: &Programme,
        model: &Model,
        solution: &Solution,
        link: Option<&Link>,
    ) -> Vec<i64> {
        let counts = solution.matching.mentee_counts(programme);
        let mut values = counted_values(programme, model, solution, &counts, &self.uncounted(&counts));
        if let Some(link) = link {
            values[link.level] += link.whole_gain(&self.first_unit, &solution.matching.pairs);
        }
        values
    }

    /// The answer [`solve_covered`] gives for this flow's matching.
    fn judge(&self, programme: &Programme, solution: Solution) -> Covered {
        if self.short {
            return Covered::Infeasible;
        }
        if !self.uncounted(&solution.matching.mentee_counts(programme)).is_empty() {
            return Covered::Unsure;
        }
        Covered::Solved(solution)
    }
}

/// The network's values of its optimum: the matching's, but for each mentee
/// given units without a first one, counted as the network counts them (not
/// covered, its `k` units as its second to `k + 1`-th, and the request its
/// request layer counts not met: that layer's earning arc leaves from the
/// first unit's node).
pub(crate) fn counted_values(
    programme: &Programme,
    model: &Model,
    solution: &Solution,
    counts: &[u32],
    uncounted: &[u32],
) -> Vec<i64> {
    let mut values = solution.objective_values.clone();
    // Which request each uncounted mentee's layer counts, and whether the
    // matching meets it.
    let counted = |kind: fn(&Term) -> bool| {
        model
            .objective
            .iter()
            .flat_map(Term::parts)
            .any(|(part, weight)| kind(part) && weight != 0)
    };
    let identity_counted = counted(|t| matches!(t, Term::IdentityRequestsMet { .. }));
    let profession_counted = counted(|t| matches!(t, Term::ProfessionRequestsMet { .. }));
    let mut identity_met = vec![false; programme.mentees.len()];
    let mut profession_met = vec![false; programme.mentees.len()];
    for pair in &solution.matching.pairs {
        identity_met[pair.mentee as usize] |= pair.identity_matched;
        profession_met[pair.mentee as usize] |= pair.profession_matched;
    }
    let layer_met = |e: usize, identity: bool| {
        let mentee = &programme.mentees[e];
        if layer_counts_identity(mentee, identity_counted) {
            identity && identity_met[e]
        } else {
            !identity && profession_counted && has_profession_request(mentee) && profession_met[e]
        }
    };
    for (level, term) in model.objective.iter().enumerate() {
        for (part, weight) in term.parts() {
            let (matches, priority_only) = match *part {
                Term::MenteesWithAtLeast { matches, .. } => (matches, false),
                Term::PriorityMenteesWithAtLeast { matches, .. } => (matches, true),
                Term::IdentityRequestsMet { .. } | Term::ProfessionRequestsMet { .. } => {
                    let identity = matches!(part, Term::IdentityRequestsMet { .. });
                    let unmet = uncounted.iter().filter(|&&e| layer_met(e as usize, identity)).count();
                    values[level] -= i64::from(weight) * unmet as i64;
                    continue;
                }
                _ => continue,
            };
            for &e in uncounted {
                if priority_only && !programme.mentees[e as usize].priority {
                    continue;
                }
                let k = counts[e as usize];
                let change = if matches == 1 { -1 } else { i64::from(k == matches - 1) };
                values[level] += i64::from(weight) * change;
            }
        }
    }
    values
}

/// What a coverage network with link multipliers bounds (see [`Link`]):
/// the network's values of its optimum (each mentee given units without a
/// first one counted as not covered, its units as its second on), with the
/// multipliers' gain added at their level, rounded down to
/// whole units. No matching that keeps the gadget's bounds and ties these
/// values before that level has more there. None when no flow fills the
/// gadget's forced arcs (no matching keeps its bounds).
pub fn link_bound(
    programme: &Programme,
    model: &Model,
    pairs: &[Pair],
    organisation_cap: Option<u32>,
    gadget: &CoverageGadget,
) -> Result<Option<Vec<i64>>, SolveError> {
    let (network, flow, solution) = solve_network(programme, model, pairs, organisation_cap, Some(gadget))?;
    let flows = GadgetFlows::read(&network.graph, |i| flow.flow[i], gadget, programme.mentees.len());
    if flows.short {
        return Ok(None);
    }
    Ok(Some(flows.linked_values(
        programme,
        model,
        &solution,
        gadget.link.as_ref(),
    )))
}

/// Build and solve one whole network: the network, its flow, and the matching.
pub(crate) fn solve_network(
    programme: &Programme,
    model: &Model,
    pairs: &[Pair],
    organisation_cap: Option<u32>,
    coverage: Option<&CoverageGadget>,
) -> Result<(Network, flow::FlowSolution, Solution), SolveError> {
    let start = Instant::now();
    let costs = gadget_costs(model, programme, organisation_cap, coverage)?;
    let network = network_capped(programme, &costs, pairs, organisation_cap, coverage);
    let flow = min_cost_flow_simplex_from(&network.graph, network.source, network.sink, &network.first_tree())?;
    let chosen = pairs
        .iter()
        .enumerate()
        .filter(|(i, _)| flow.flow[network.first_pair_arc + i] > 0)
        .map(|(_, pair)| *pair)
        .collect();
    let solution = Solution::new(
        programme,
        model,
        chosen,
        SolveStats {
            network_nodes: network.graph.node_count(),
            network_arcs: network.graph.edge_count(),
            phases: flow.phases,
            rounds: 1,
            eligible_pairs: pairs.len(),
            time: start.elapsed(),
            warm: false,
            certificate: None,
            optimality: Optimality::Proven,
        },
    );
    Ok((network, flow, solution))
}

/// How [`solve_eligible`] works on a programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolveOptions {
    /// Programmes with at most this many eligible pairs are solved on the whole
    /// network in one go; larger ones by pricing.
    pub whole_network_up_to: usize,
    /// Pairs per mentee in the first candidate network, and the most added per
    /// mentee in each pricing round.
    pub candidates_per_mentee: usize,
    /// Threads that look for candidate pairs and price them (the solve itself
    /// is one thread). Results never depend on it.
    pub threads: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            whole_network_up_to: 0,
            candidates_per_mentee: 16,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}
