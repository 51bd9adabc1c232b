//! Tests for the primal-dual min-cost flow solver, against an independent
//! successive-shortest-paths reference.

use mentorflow::solve::mincost::*;
use mentorflow::solve::simplex::NetworkSimplex;
use petgraph::graph::{DiGraph, NodeIndex};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// (tail, head, capacity, cost)
type Edge = (usize, usize, u32, i64);

fn build(n: usize, edges: &[Edge]) -> DiGraph<(), FlowArc, u32> {
    let mut g = DiGraph::<(), FlowArc, u32>::with_capacity(n, edges.len());
    for _ in 0..n {
        g.add_node(());
    }
    for &(u, v, capacity, cost) in edges {
        g.add_edge(NodeIndex::new(u), NodeIndex::new(v), FlowArc { capacity, cost });
    }
    g
}

fn solve(n: usize, edges: &[Edge], s: usize, t: usize) -> Result<FlowSolution, FlowError> {
    let g = build(n, edges);
    let sol = min_cost_flow(&g, NodeIndex::new(s), NodeIndex::new(t));
    if let Ok(sol) = &sol {
        check_solution(n, edges, s, t, sol);
    }
    sol
}

fn simplex(n: usize, edges: &[Edge], s: usize, t: usize) -> FlowSolution {
    let g = build(n, edges);
    let sol = mentorflow::solve::simplex::min_cost_flow_simplex(&g, NodeIndex::new(s), NodeIndex::new(t)).unwrap();
    check_solution(n, edges, s, t, &sol);
    sol
}

/// Feasibility, cost bookkeeping and the optimality certificate.
fn check_solution(n: usize, edges: &[Edge], s: usize, t: usize, sol: &FlowSolution) {
    assert_eq!(sol.flow.len(), edges.len());
    assert_eq!(sol.potential.len(), n);
    let mut balance = vec![0i128; n];
    let mut cost = 0i128;
    for (&(u, v, cap, c), &f) in edges.iter().zip(&sol.flow) {
        assert!(f <= cap, "flow {f} over capacity {cap}");
        balance[u] -= i128::from(f);
        balance[v] += i128::from(f);
        cost += i128::from(f) * i128::from(c);
        let p = &sol.potential;
        if u == v {
            assert_eq!(f, 0, "self-loop carries flow");
            continue;
        }
        let reduced = i128::from(c) + i128::from(p[u]) - i128::from(p[v]);
        if f < cap {
            assert!(reduced >= 0, "residual arc {u}->{v} has reduced cost {reduced}");
        }
        if f > 0 {
            assert!(reduced <= 0, "reverse arc {v}->{u} has reduced cost {}", -reduced);
        }
    }
    for (v, &b) in balance.iter().enumerate() {
        let want = if v == s {
            -i128::from(sol.value)
        } else if v == t {
            i128::from(sol.value)
        } else {
            0
        };
        assert_eq!(b, want, "conservation at node {v}");
    }
    assert_eq!(cost, sol.cost);
    assert_eq!(sol.potential[s], 0);
    if sol.value > 0 {
        assert_eq!(sol.potential[t], 0);
    } else {
        assert!(sol.potential[t] >= 0);
    }
}

/// Independent reference: does the positive-capacity graph have a negative
/// cycle anywhere? (Bellman-Ford from a virtual root.)
fn reference_has_negative_cycle(n: usize, edges: &[Edge]) -> bool {
    let mut d = vec![0i64; n];
    for _ in 0..=n {
        let mut changed = false;
        for &(u, v, cap, c) in edges {
            if cap > 0 && d[u] + c < d[v] {
                d[v] = d[u] + c;
                changed = true;
            }
        }
        if !changed {
            return false;
        }
    }
    true
}

/// Independent reference: plain successive shortest paths, Bellman-Ford on
/// the residual graph, one unit at a time while the path cost is negative.
/// Returns the optimal cost, or `None` for a negative cycle.
fn reference_cost(n: usize, edges: &[Edge], s: usize, t: usize) -> Option<i128> {
    if reference_has_negative_cycle(n, edges) {
        return None;
    }
    // Residual arcs as (to, cap, cost), arc i ^ 1 is the reverse of arc i.
    let mut arcs: Vec<(usize, usize, u32, i64)> = Vec::new();
    for &(u, v, cap, c) in edges {
        if u != v {
            arcs.push((u, v, cap, c));
            arcs.push((v, u, 0, -c));
        }
    }
    let mut total = 0i128;
    loop {
        let mut dist = vec![None::<i64>; n];
        let mut pred = vec![usize::MAX; n];
        dist[s] = Some(0);
        for _ in 0..n {
            let mut changed = false;
            for (i, &(u, v, cap, c)) in arcs.iter().enumerate() {
                if cap == 0 {
                    continue;
                }
                if let Some(du) = dist[u] {
                    if dist[v].is_none_or(|dv| du + c < dv) {
                        dist[v] = Some(du + c);
                        pred[v] = i;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        match dist[t] {
            Some(d) if d < 0 => {
                let mut v = t;
                while v != s {
                    let i = pred[v];
                    arcs[i].2 -= 1;
                    arcs[i ^ 1].2 += 1;
                    v = arcs[i].0;
                }
                total += i128::from(d);
            }
            _ => return Some(total),
        }
    }
}

fn assert_matches_reference(n: usize, edges: &[Edge], s: usize, t: usize) {
    let got = solve(n, edges, s, t);
    match reference_cost(n, edges, s, t) {
        None => assert_eq!(got.unwrap_err(), FlowError::NegativeCycle),
        Some(want) => assert_eq!(got.expect("solver failed").cost, want),
    }
}

// ---------------------------------------------------------------- hand-worked

#[test]
fn stops_before_max_flow_when_more_flow_costs_more() {
    // s=0 a=1 b=2 t=3. s-a-t costs -10 (1 unit); the other route s-a-b-t
    // costs -10 + 4 + 7 = 1 > 0, so the optimum sends 1 although 2 could flow.
    let edges = [(0, 1, 2, -10), (1, 3, 1, 0), (1, 2, 2, 4), (2, 3, 2, 7)];
    let sol = solve(4, &edges, 0, 3).unwrap();
    assert_eq!(sol.value, 1);
    assert_eq!(sol.cost, -10);
    assert_eq!(sol.flow, vec![1, 1, 0, 0]);
}

#[test]
fn negative_costs_with_reverse_arc() {
    // s=0 a=1 b=2 t=3. The first shortest path s-b-a-t (-3) uses b->a; the
    // second, s-a-(b->a reversed)-b-t (-1), cancels it. Optimum: -4, value 2.
    let edges = [
        (0, 1, 1, -1),
        (0, 2, 1, -1),
        (2, 1, 1, -1),
        (1, 3, 1, -1),
        (2, 3, 1, -1),
    ];
    let sol = solve(4, &edges, 0, 3).unwrap();
    assert_eq!(sol.value, 2);
    assert_eq!(sol.cost, -4);
    assert_eq!(sol.flow, vec![1, 1, 0, 1, 1]);
}

#[test]
fn parallel_arcs_with_different_costs() {
    let edges = [(0, 1, 2, -3), (0, 1, 5, -1), (0, 1, 4, 2), (0, 1, 3, -7), (0, 1, 9, 0)];
    let sol = solve(2, &edges, 0, 1).unwrap();
    assert_eq!(sol.flow, vec![2, 5, 0, 3, 0]);
    assert_eq!(sol.value, 10);
    assert_eq!(sol.cost, -32);
}

#[test]
fn sink_unreachable_gives_zero_flow() {
    let edges = [(0, 1, 3, -5), (2, 3, 3, -5), (1, 0, 1, 7)];
    let sol = solve(4, &edges, 0, 3).unwrap();
    assert_eq!(sol.value, 0);
    assert_eq!(sol.cost, 0);
    assert_eq!(sol.flow, vec![0, 0, 0]);
}

#[test]
fn zero_cost_paths_are_not_used() {
    let sol = solve(2, &[(0, 1, 5, 0)], 0, 1).unwrap();
    assert_eq!(sol.value, 0);
    let sol = solve(3, &[(0, 1, 5, 3), (1, 2, 5, -3), (0, 2, 1, -1)], 0, 2).unwrap();
    assert_eq!((sol.value, sol.cost), (1, -1));
}

#[test]
fn degenerate_networks() {
    // Only source and sink, no edges.
    let sol = solve(2, &[], 0, 1).unwrap();
    assert_eq!((sol.value, sol.cost, sol.phases), (0, 0, 1));
    // Zero capacities everywhere, even on a negative cycle.
    let edges = [(0, 1, 0, -5), (1, 2, 0, -5), (2, 1, 0, -5), (1, 1, 0, -9)];
    let sol = solve(3, &edges, 0, 2).unwrap();
    assert_eq!(sol.value, 0);
    // Sink first in index order, source last.
    let sol = solve(3, &[(2, 1, 1, -1), (1, 0, 1, -1)], 2, 0).unwrap();
    assert_eq!((sol.value, sol.cost), (1, -2));
}

#[test]
fn self_loops() {
    // Non-negative self-loops are ignored.
    let edges = [(0, 0, 3, 0), (1, 1, 3, 5), (0, 1, 2, -1)];
    let sol = solve(2, &edges, 0, 1).unwrap();
    assert_eq!(sol.flow, vec![0, 0, 2]);
    // A negative self-loop with capacity is a negative cycle.
    let edges = [(0, 1, 2, -1), (2, 2, 1, -1)];
    assert_eq!(solve(3, &edges, 0, 1).unwrap_err(), FlowError::NegativeCycle);
}

#[test]
fn negative_cycles_are_reported() {
    // Reachable from the source.
    let edges = [(0, 1, 1, 0), (1, 2, 1, -5), (2, 1, 1, 2), (2, 3, 1, 0)];
    assert_eq!(solve(4, &edges, 0, 3).unwrap_err(), FlowError::NegativeCycle);
    // Not reachable from the source: still a negative cycle of the network.
    let edges = [(0, 3, 1, -1), (1, 2, 1, -5), (2, 1, 1, 2)];
    assert_eq!(solve(4, &edges, 0, 3).unwrap_err(), FlowError::NegativeCycle);
}

#[test]
fn cycles_without_negative_cost() {
    // Zero-cost cycle a<->b on the way, so the admissible graph is cyclic.
    let edges = [
        (0, 1, 2, -3),
        (1, 2, 5, 0),
        (2, 1, 5, 0),
        (2, 3, 1, -1),
        (1, 3, 1, -1),
        (3, 0, 4, 6),
    ];
    assert_matches_reference(4, &edges, 0, 3);
    let sol = solve(4, &edges, 0, 3).unwrap();
    assert_eq!((sol.value, sol.cost), (2, -8));
}

#[test]
fn unreachable_part_gets_valid_potentials() {
    // Nodes 3 and 4 cannot be reached from s=0 but have negative arcs among
    // themselves and into the reachable part; the certificate must hold.
    let edges = [
        (0, 1, 2, -4),
        (1, 2, 2, 1),
        (3, 4, 1, -7),
        (4, 1, 3, -100),
        (3, 2, 1, 50),
        (4, 2, 1, -1),
    ];
    let sol = solve(5, &edges, 0, 2).unwrap();
    assert_eq!((sol.value, sol.cost), (2, -6));
    // Same in a graph that is not a DAG (zero-cost cycle 1<->2): one unit now
    // takes the free arc 1->2, the other still pays 1.
    let mut edges = edges.to_vec();
    edges.push((2, 1, 1, 0));
    edges.push((1, 2, 1, 0));
    let sol = solve(5, &edges, 0, 2).unwrap();
    assert_eq!((sol.value, sol.cost), (2, -7));
}

#[test]
fn input_errors() {
    assert_eq!(solve(2, &[], 1, 1).unwrap_err(), FlowError::SourceIsSink);
    let g = build(2, &[(0, 1, 1, 1)]);
    let err = min_cost_flow(&g, NodeIndex::new(0), NodeIndex::new(7)).unwrap_err();
    assert!(matches!(err, FlowError::InvalidInput(_)));
    let err = solve(2, &[(0, 1, 1, i64::MIN)], 0, 1).unwrap_err();
    assert!(matches!(err, FlowError::CostTooLarge(_)));
    let err = solve(2, &[(0, 1, 1, i64::MAX / 4)], 0, 1).unwrap_err();
    assert!(matches!(err, FlowError::CostTooLarge(_)));
    // Huge costs on arcs that cannot carry flow do not matter.
    assert!(solve(2, &[(0, 1, 0, i64::MIN), (1, 1, 3, i64::MAX)], 0, 1).is_ok());
    // Large but safe costs are fine.
    let sol = solve(3, &[(0, 1, 1, -1_000_000_000_000), (1, 2, 1, 5)], 0, 2).unwrap();
    assert_eq!(sol.cost, -999_999_999_995);
}

#[test]
fn infinite_capacities_do_not_overflow() {
    let edges = [(0, 1, u32::MAX, -1_000_000), (0, 1, u32::MAX, -2)];
    let sol = solve(2, &edges, 0, 1).unwrap();
    assert_eq!(sol.value, 2 * u64::from(u32::MAX));
    assert_eq!(sol.cost, -1_000_002 * i128::from(u32::MAX));
    let edges = [(0, 1, u32::MAX, -3), (1, 2, u32::MAX, 1), (1, 2, 7, -5)];
    let sol = solve(3, &edges, 0, 2).unwrap();
    assert_eq!(sol.value, u64::from(u32::MAX));
}

#[test]
fn long_chain_does_not_overflow_the_stack() {
    let n = 200_000;
    let edges: Vec<Edge> = (0..n - 1).map(|i| (i, i + 1, 2, -1)).collect();
    let sol = solve(n, &edges, 0, n - 1).unwrap();
    assert_eq!(sol.value, 2);
    assert_eq!(sol.cost, -2 * (n as i128 - 1));
}

#[test]
fn deterministic() {
    let edges = random_bipartite(7, 30, 30, 0.3);
    let a = solve(62, &edges, 0, 61).unwrap();
    let b = solve(62, &edges, 0, 61).unwrap();
    assert_eq!(a.flow, b.flow);
    assert_eq!(a.potential, b.potential);
    assert_eq!(a.phases, b.phases);
}

// ------------------------------------------------------------ matching shape

/// source 0 -> left 1..=L (cap 3) -> right (cap 1, cost -30..=0) -> sink.
fn random_bipartite(seed: u64, left: usize, right: usize, density: f64) -> Vec<Edge> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sink = left + right + 1;
    let mut edges = Vec::new();
    for l in 1..=left {
        edges.push((0, l, 3, 0));
    }
    for l in 1..=left {
        for r in left + 1..=left + right {
            if rng.random_bool(density) {
                edges.push((l, r, 1, -rng.random_range(0..=30)));
            }
        }
    }
    for r in left + 1..=left + right {
        edges.push((r, sink, 3, 0));
    }
    edges
}

#[test]
fn bipartite_matches_reference() {
    for seed in 0..12 {
        let density = [0.05, 0.1, 0.3][seed as usize % 3];
        let edges = random_bipartite(seed, 50, 50, density);
        let sol = solve(102, &edges, 0, 101).unwrap();
        assert_eq!(Some(sol.cost), reference_cost(102, &edges, 0, 101), "seed {seed}");
    }
}

// ------------------------------------------------------------------- proptest

/// Random DAG: every arc goes from a lower to a higher node index.
fn dag_case() -> impl Strategy<Value = (usize, Vec<Edge>, usize, usize)> {
    (2usize..=7).prop_flat_map(|n| {
        let arcs = prop::collection::vec((0..n, 0..n, 0u32..=4, -20i64..=20), 0..=15);
        (Just(n), arcs, 0..n, 1..n).prop_map(|(n, arcs, s, k)| {
            let edges = arcs
                .into_iter()
                .filter(|&(a, b, _, _)| a != b)
                .map(|(a, b, cap, cost)| (a.min(b), a.max(b), cap, cost))
                .collect();
            // Often source first and sink last, the shape of real networks.
            let (s, t) = if k == 1 { (0, n - 1) } else { (s, (s + k) % n) };
            (n, edges, s, t)
        })
    })
}

/// Random general graph (cycles, self-loops, parallel arcs).
fn general_case(costs: std::ops::RangeInclusive<i64>) -> impl Strategy<Value = (usize, Vec<Edge>, usize, usize)> {
    (2usize..=7).prop_flat_map(move |n| {
        let arcs = prop::collection::vec((0..n, 0..n, 0u32..=4, costs.clone()), 0..=15);
        (Just(n), arcs, 0..n, 1..n).prop_map(|(n, edges, s, k)| (n, edges, s, (s + k) % n))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn dag_matches_reference((n, edges, s, t) in dag_case()) {
        let sol = solve(n, &edges, s, t).unwrap();
        prop_assert_eq!(Some(sol.cost), reference_cost(n, &edges, s, t));
    }

    #[test]
    fn general_nonnegative_matches_reference((n, edges, s, t) in general_case(0..=20)) {
        let sol = solve(n, &edges, s, t).unwrap();
        prop_assert_eq!(sol.value, 0);
        prop_assert_eq!(Some(sol.cost), reference_cost(n, &edges, s, t));
    }

    /// The network simplex solves the same problem: same cost, and its prices
    /// pass the same optimality certificate.
    #[test]
    fn simplex_matches_reference((n, edges, s, t) in dag_case()) {
        let sol = simplex(n, &edges, s, t);
        prop_assert_eq!(Some(sol.cost), reference_cost(n, &edges, s, t));
    }

    #[test]
    fn simplex_matches_reference_on_nonnegative_cycles((n, edges, s, t) in general_case(0..=20)) {
        let sol = simplex(n, &edges, s, t);
        prop_assert_eq!(Some(sol.cost), reference_cost(n, &edges, s, t));
    }

    #[test]
    fn general_mixed_matches_reference((n, edges, s, t) in general_case(-20..=20)) {
        assert_matches_reference(n, &edges, s, t);
    }

    /// The candidate-list solve from scratch: same cost and certificate.
    #[test]
    fn listed_simplex_matches_reference((n, edges, s, t) in dag_case()) {
        let mut simplex = NetworkSimplex::new(n, s, t).unwrap();
        for &(u, v, capacity, cost) in &edges {
            simplex.add_arc(u, v, capacity, cost);
        }
        simplex.solve_listed().unwrap();
        let sol = simplex.solution(edges.iter().map(|e| e.3));
        check_solution(n, &edges, s, t, &sol);
        prop_assert_eq!(Some(sol.cost), reference_cost(n, &edges, s, t));
    }

    /// A solved network changed as a warm re-solve changes it (flow taken off
    /// arcs along paths, which are then closed; costs changed; arcs added),
    /// then solved from its tree by the candidate list, has the changed
    /// network's optimum, with prices that certify it.
    #[test]
    fn simplex_re_solved_after_changes_matches_reference(
        (n, edges, s, t) in dag_case(),
        cancel in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        recost in prop::collection::vec((any::<prop::sample::Index>(), -20i64..=20), 0..4),
        extra in prop::collection::vec((0usize..7, 0usize..7, 0u32..=4, -20i64..=20), 0..4),
    ) {
        prop_assume!(!edges.is_empty());
        let mut edges = edges;
        let mut simplex = NetworkSimplex::new(n, s, t).unwrap();
        for &(u, v, capacity, cost) in &edges {
            simplex.add_arc(u, v, capacity, cost);
        }
        simplex.solve().unwrap();
        for index in cancel {
            let arc = index.index(edges.len());
            if simplex.cancel_flow(arc) {
                prop_assert_eq!(simplex.flow(arc), 0);
                simplex.leave_tree(arc);
                prop_assert!(simplex.close(arc));
                // Closed: as if it had no capacity.
                edges[arc].2 = 0;
            }
        }
        for (index, cost) in recost {
            let arc = index.index(edges.len());
            simplex.set_cost(arc, cost);
            edges[arc].3 = cost;
        }
        for (u, v, capacity, cost) in extra {
            let (u, v) = (u % n, v % n);
            if u < v {
                simplex.add_arc(u, v, capacity, cost);
                edges.push((u, v, capacity, cost));
            }
        }
        simplex.solve_listed().unwrap();
        let sol = simplex.solution(edges.iter().map(|e| e.3));
        check_solution(n, &edges, s, t, &sol);
        prop_assert_eq!(Some(sol.cost), reference_cost(n, &edges, s, t));
    }
}

// --------------------------------------------------------------------- timing

/// Matching-shaped network: three parallel source arcs per mentee with tier
/// costs, random pair arcs with costs -(9..=28), mentor capacities 1..=4.
fn timing_network(left: usize, right: usize, arcs_per_left: usize, seed: u64) -> (usize, Vec<Edge>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = left + right + 2;
    let sink = n - 1;
    let mut edges = Vec::with_capacity(3 * left + left * arcs_per_left + right);
    for l in 1..=left {
        for tier in [-100_000_000, -30_000_000, -10_000_000] {
            edges.push((0, l, 1, tier));
        }
    }
    for l in 1..=left {
        for _ in 0..arcs_per_left {
            let r = left + 1 + rng.random_range(0..right);
            edges.push((l, r, 1, -rng.random_range(9..=28)));
        }
    }
    for r in left + 1..=left + right {
        edges.push((r, sink, rng.random_range(1..=4), 0));
    }
    (n, edges)
}

#[test]
#[ignore = "timing check; run with --release -- --ignored --nocapture"]
fn timing_bipartite_large() {
    for (left, right, per_left) in [(1_000, 1_000, 200), (2_000, 2_000, 400), (10_000, 10_000, 500)] {
        let (n, edges) = timing_network(left, right, per_left, 42);
        let g = build(n, &edges);
        let start = Instant::now();
        let sol = min_cost_flow(&g, NodeIndex::new(0), NodeIndex::new(n - 1)).unwrap();
        let elapsed = start.elapsed();
        println!(
            "{left} x {right}, {} arcs: {:.3} s, {} phases, value {}, cost {}",
            edges.len(),
            elapsed.as_secs_f64(),
            sol.phases,
            sol.value,
            sol.cost
        );
        check_solution(n, &edges, 0, n - 1, &sol);
    }
}
