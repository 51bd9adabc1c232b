//! The coverage certificate: the most mentees with at least 1 match that any
//! matching could reach, computed apart from the main solve.
//!
//! It is a maximum flow in which each mentee can take 1 unit, on a network
//! compressed to classes: mentees and mentors of one grade and organisation are
//! interchangeable under the hard rules, so each class is one node, a mentee
//! class holding its number of mentees and a mentor class the places its
//! mentors offer, joined when the grade window and organisation rule allow.
//! Because every mentee takes at most one unit, any flow between two classes
//! can be spread over their members without using a pair twice, so the class
//! network's maximum flow is exactly the person network's. People kept apart
//! by history or for being one person are taken out of their class into a
//! class of their own, so those exclusions are exact too. The network has at
//! most (grades x organisations) class nodes per side plus one per such person,
//! however large the programme.

use std::collections::{BTreeMap, HashSet};

use petgraph::graph::DiGraph;
use serde::Serialize;

use crate::matching::Matching;
use crate::model::{Grade, Model};
use crate::registration::{History, OrganisationId, Programme};
use crate::solve::mincost::{min_cost_flow, FlowArc};

use crate::rules::{may_mentor, Broken, Rules, Scope};

/// The coverage reached beside the most any matching could reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CoverageCertificate {
    /// The most mentees with at least 1 match that any matching could reach.
    pub most_mentees_with_a_match: usize,
    /// Mentees with at least 1 match in this matching.
    pub mentees_with_a_match: usize,
    /// Nodes of the compressed network: mentee classes plus mentor classes.
    pub network_classes: usize,
}

impl CoverageCertificate {
    /// Whether the matching reaches the most possible.
    pub fn reached(&self) -> bool {
        self.mentees_with_a_match == self.most_mentees_with_a_match
    }
}

/// The certificate for a matching of this programme, if it can be given.
///
/// A pin that breaks a hard rule makes a pair no class of the network allows,
/// so the bound would not hold: then there is no certificate, rather than a
/// wrong one.
pub fn coverage_certificate(
    programme: &Programme,
    model: &Model,
    history: &History,
    matching: &Matching,
) -> Option<CoverageCertificate> {
    let rules = Rules::new(programme, model, history);
    if rules
        .pinned_pairs()
        .into_iter()
        .any(|(e, m)| !rules.broken(e, m).is_empty())
    {
        return None;
    }
    let (most, classes) = most_mentees_with_a_match(programme, model, history);
    Some(CoverageCertificate {
        most_mentees_with_a_match: most,
        mentees_with_a_match: matching.mentee_counts(programme).iter().filter(|&&c| c > 0).count(),
        network_classes: classes,
    })
}

/// A class of interchangeable people: one grade and organisation, or one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ClassKey {
    grade: Grade,
    organisation: OrganisationId,
    /// The person, for someone kept apart from someone by history or self.
    alone: Option<u32>,
}

/// The most mentees with at least 1 match under the hard rules, and the number
/// of class nodes used. Cost: O(mentees + mentors + history) to build, then a
/// max flow on the class network.
pub fn most_mentees_with_a_match(programme: &Programme, model: &Model, history: &History) -> (usize, usize) {
    let rules = Rules::new(programme, model, history);
    // Only exclusions of pairs the other rules allow change anything.
    let exclusions: HashSet<(u32, u32)> = rules
        .excluded_pairs()
        .into_iter()
        .filter(|&(e, m)| broken_by_named_pairs_only(rules.broken(e, m)))
        .collect();
    let alone_mentees: HashSet<u32> = exclusions.iter().map(|&(e, _)| e).collect();
    let alone_mentors: HashSet<u32> = exclusions.iter().map(|&(_, m)| m).collect();

    let mut mentee_classes: BTreeMap<ClassKey, u32> = BTreeMap::new();
    for (e, mentee) in programme.mentees.iter().enumerate() {
        let p = &mentee.person;
        if p.capacity > 0 {
            let alone = alone_mentees.contains(&(e as u32)).then_some(e as u32);
            *mentee_classes
                .entry(ClassKey {
                    grade: p.grade,
                    organisation: p.organisation,
                    alone,
                })
                .or_default() += 1;
        }
    }
    let mut mentor_classes: BTreeMap<ClassKey, u64> = BTreeMap::new();
    for (m, mentor) in programme.mentors.iter().enumerate() {
        let p = &mentor.person;
        if may_mentor(p, model) {
            let alone = alone_mentors.contains(&(m as u32)).then_some(m as u32);
            *mentor_classes
                .entry(ClassKey {
                    grade: p.grade,
                    organisation: p.organisation,
                    alone,
                })
                .or_default() += p.capacity as u64;
        }
    }

    let mut graph: DiGraph<(), FlowArc, u32> =
        DiGraph::with_capacity(2 + mentee_classes.len() + mentor_classes.len(), 0);
    let source = graph.add_node(());
    let sink = graph.add_node(());
    let mut mentors_by_grade: Vec<Vec<(ClassKey, _)>> = vec![Vec::new(); model.ladder.len()];
    for (&key, &places) in &mentor_classes {
        let node = graph.add_node(());
        let capacity = places.min(u32::MAX as u64 - 1) as u32;
        graph.add_edge(node, sink, FlowArc { capacity, cost: 0 });
        mentors_by_grade[key.grade.0 as usize].push((key, node));
    }
    for (&key, &size) in &mentee_classes {
        let node = graph.add_node(());
        // Each unit is a mentee with a match: reward it so the flow is maximal.
        graph.add_edge(
            source,
            node,
            FlowArc {
                capacity: size,
                cost: -1,
            },
        );
        for classes in &mentors_by_grade[rules.mentor_grades_for(key.grade)] {
            for &(mentor, mentor_node) in classes {
                if mentor.organisation == key.organisation && !rules.own_organisation_allowed(key.organisation) {
                    continue;
                }
                if let (Some(e), Some(m)) = (key.alone, mentor.alone) {
                    if exclusions.contains(&(e, m)) {
                        continue;
                    }
                }
                graph.add_edge(
                    node,
                    mentor_node,
                    FlowArc {
                        capacity: u32::MAX,
                        cost: 0,
                    },
                );
            }
        }
    }
    let flow = min_cost_flow(&graph, source, sink).expect("a network with costs 0 and -1 on a DAG always solves");
    (flow.value as usize, mentee_classes.len() + mentor_classes.len())
}

/// Whether every rule a pair breaks is a named-pairs rule. The class network
/// holds each scope of rule its own way: a person's own record decides whether
/// they join a class, grade and organisation decide the arcs between classes,
/// and named pairs take their people out into classes of their own. The match
/// has no catch-all on purpose: a rule of a new scope does not compile here
/// until the certificate can bound it.
fn broken_by_named_pairs_only(broken: Broken) -> bool {
    broken.iter().all(|rule| match rule.scope() {
        Scope::NamedPairs => true,
        Scope::Person | Scope::GradeAndOrganisation => false,
    })
}
