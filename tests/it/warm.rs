//! Warm re-solves: a network kept from one solve and changed by withdrawals of
//! mentors and mentees, late registrations, capacity cuts, pins and bans is
//! solved warm every time, and reaches exactly the optimum of a fresh solve of
//! the changed programme (the whole network at once; brute force on tiny
//! programmes), its matching passing the independent checker.

use crate::common::{assert_valid, brute_force_best_with, generated, programme, Person};
use crate::optimality::{people, person};
use crate::rematch::{inputs, previous_of};

use mentorflow::eligibility::Eligibility;
use mentorflow::matching::Matching;
use mentorflow::model::text::email_key;
use mentorflow::model::Model;
use mentorflow::pipeline::{rematch, run_match, Inputs, MatchOptions, RematchOptions, Resolver};
use mentorflow::registration::{Action, Adjustment, History, Programme, Reading};
use mentorflow::rematch::{prepare, sort_previous};
use mentorflow::solve::{self, SolveOptions, WarmStart};
use proptest::prelude::*;

/// One change organisers make between solves; numbers pick people modulo
/// how many there are.
#[derive(Clone, Debug)]
enum Change {
    WithdrawMentor(usize),
    WithdrawMentee(usize),
    /// A registration held back from the first programme arrives.
    LateMentor(usize),
    LateMentee(usize),
    /// A person now offers fewer places (never fewer than their pins).
    CutMentor(usize, u32),
    CutMentee(usize, u32),
    Pin(usize, usize),
    /// Ban a pair of the last matching.
    Ban(usize),
}

fn any_change() -> impl Strategy<Value = Change> {
    let i = || 0usize..1000;
    prop_oneof![
        i().prop_map(Change::WithdrawMentor),
        i().prop_map(Change::WithdrawMentee),
        i().prop_map(Change::LateMentor),
        i().prop_map(Change::LateMentee),
        (i(), 0u32..4).prop_map(|(k, c)| Change::CutMentor(k, c)),
        (i(), 0u32..4).prop_map(|(k, c)| Change::CutMentee(k, c)),
        (i(), i()).prop_map(|(a, b)| Change::Pin(a, b)),
        i().prop_map(Change::Ban),
    ]
}

/// Pins on a person, by their email.
fn pins_on(programme: &Programme, email: &str, mentee: bool) -> u32 {
    programme
        .adjustments
        .rows
        .iter()
        .filter(|r| r.action == Action::Pin && if mentee { &r.mentee_email } else { &r.mentor_email } == email)
        .count() as u32
}

fn adjust(programme: &mut Programme, action: Action, mentee: usize, mentor: usize) {
    let line = programme.adjustments.rows.len() as u64 + 2;
    programme.adjustments.rows.push(Adjustment {
        action,
        mentee_email: programme.mentees[mentee].person.email.clone(),
        mentor_email: programme.mentors[mentor].person.email.clone(),
        note: String::new(),
        line,
    });
}

/// Apply a change to the current programme; `pool` holds everyone ever
/// registered, `last` is the current programme's last matching.
fn apply(current: &mut Programme, pool: &Programme, change: &Change, last: &Matching) {
    let is_pinned = |p: &Programme, e: usize, m: usize| {
        p.adjustments
            .rows
            .iter()
            .any(|r| r.mentee_email == p.mentees[e].person.email && r.mentor_email == p.mentors[m].person.email)
    };
    match *change {
        Change::WithdrawMentor(k) if current.mentors.len() > 1 => {
            let gone = current.mentors.remove(k % current.mentors.len()).person.email;
            current.adjustments.rows.retain(|r| r.mentor_email != gone);
        }
        Change::WithdrawMentee(k) if current.mentees.len() > 1 => {
            let gone = current.mentees.remove(k % current.mentees.len()).person.email;
            current.adjustments.rows.retain(|r| r.mentee_email != gone);
        }
        Change::LateMentor(k) => {
            let late: Vec<_> = pool
                .mentors
                .iter()
                .filter(|m| current.mentor_by_email(&m.person.email).is_none())
                .collect();
            if !late.is_empty() {
                let mentor = late[k % late.len()].clone();
                let at = current
                    .mentors
                    .partition_point(|m| m.person.email_key < mentor.person.email_key);
                current.mentors.insert(at, mentor);
            }
        }
        Change::LateMentee(k) => {
            let late: Vec<_> = pool
                .mentees
                .iter()
                .filter(|m| current.mentee_by_email(&m.person.email).is_none())
                .collect();
            if !late.is_empty() {
                let mentee = late[k % late.len()].clone();
                let at = current
                    .mentees
                    .partition_point(|m| m.person.email_key < mentee.person.email_key);
                current.mentees.insert(at, mentee);
            }
        }
        Change::CutMentor(k, c) => {
            let m = k % current.mentors.len();
            let pins = pins_on(current, &current.mentors[m].person.email, false);
            let person = &mut current.mentors[m].person;
            person.capacity = person.capacity.min(c).max(pins);
        }
        Change::CutMentee(k, c) => {
            let e = k % current.mentees.len();
            let pins = pins_on(current, &current.mentees[e].person.email, true);
            let person = &mut current.mentees[e].person;
            person.capacity = person.capacity.min(c).max(pins);
        }
        Change::Pin(a, b) => {
            let (e, m) = (a % current.mentees.len(), b % current.mentors.len());
            let (mentee, mentor) = (&current.mentees[e].person, &current.mentors[m].person);
            // Pins fit together (the adjustments reader checks each person's places).
            let room = mentee.capacity > pins_on(current, &mentee.email, true)
                && mentor.capacity > pins_on(current, &mentor.email, false);
            if room && mentee.email_key != mentor.email_key && !is_pinned(current, e, m) {
                adjust(current, Action::Pin, e, m);
            }
        }
        Change::Ban(k) if !last.pairs.is_empty() => {
            let pair = last.pairs[k % last.pairs.len()];
            let (e, m) = (pair.mentee as usize, pair.mentor as usize);
            if !is_pinned(current, e, m) {
                adjust(current, Action::Ban, e, m);
            }
        }
        _ => {}
    }
}

/// The pinned pairs, by (mentee, mentor) index.
fn pins(programme: &Programme) -> Vec<(u32, u32)> {
    programme
        .adjustments
        .rows
        .iter()
        .filter(|r| r.action == Action::Pin)
        .map(|r| {
            (
                programme.mentee_by_email(&r.mentee_email).unwrap() as u32,
                programme.mentor_by_email(&r.mentor_email).unwrap() as u32,
            )
        })
        .collect()
}

/// Solve `start`, then each change warm from the last network: every re-solve
/// is warm, checked, and as good as a fresh solve of the whole network (and
/// brute force when `brute` and the programme is tiny).
fn run_chain(
    pool: &Programme,
    start: Programme,
    model: &Model,
    changes: &[Change],
    options: SolveOptions,
    brute: bool,
) -> Result<(), TestCaseError> {
    let history = History::default();
    let mut current = start;
    let (first, mut kept) = WarmStart::solve(&Eligibility::new(&current, model, &history), options).unwrap();
    let mut last = first.matching;
    for change in changes {
        apply(&mut current, pool, change, &last);
        let eligibility = Eligibility::new(&current, model, &history);
        let (warm, next) = kept.resolve(&eligibility, options).unwrap();
        prop_assert!(warm.stats.warm, "{change:?}");
        assert_valid(&current, model, &history, &warm.matching);
        let pairs = eligibility.pairs();
        let fresh = solve::solve(&current, model, &pairs).unwrap();
        prop_assert_eq!(&warm.objective_values, &fresh.objective_values, "{:?}", change);
        if brute && pairs.len() <= 14 {
            let best = brute_force_best_with(&current, model, &pairs, &pins(&current));
            prop_assert_eq!(&warm.objective_values, &best, "{:?}", change);
        }
        kept = next;
        last = warm.matching;
    }
    Ok(())
}

/// Email keys of mentees held back as late registrations: every seventh.
fn held_back(i: usize) -> bool {
    i % 7 == 3
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Generated programmes of 20 to 60 a side, under three models.
    #[test]
    fn a_warm_re_solve_after_any_change_equals_a_fresh_solve(
        size in 20usize..60,
        seed in 0u64..1000,
        which in 0..3usize,
        changes in proptest::collection::vec(any_change(), 1..8),
    ) {
        let model = Model::built_in(["civil-service", "quality", "identity-first"][which]).unwrap();
        let pool = generated(size, size, seed, &model);
        let mut start = pool.clone();
        start.mentees = pool.mentees.iter().enumerate().filter(|(i, _)| !held_back(*i)).map(|(_, m)| m.clone()).collect();
        start.mentors = pool.mentors.iter().enumerate().filter(|(i, _)| !held_back(*i + 2)).map(|(_, m)| m.clone()).collect();
        let options = SolveOptions { whole_network_up_to: 0, candidates_per_mentee: 3, threads: 1 + size % 3 };
        run_chain(&pool, start, &model, &changes, options, false)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Tiny programmes, checked against brute force too.
    #[test]
    fn a_warm_re_solve_of_a_tiny_programme_is_optimal(
        mentors in people(4),
        mentees in people(4),
        changes in proptest::collection::vec(any_change(), 1..6),
    ) {
        let model = Model::civil_service();
        let mentors: Vec<Person> = mentors.into_iter().enumerate().map(|(i, m)| person(i, "mentor", m)).collect();
        let mentees: Vec<Person> = mentees.into_iter().enumerate().map(|(i, m)| person(i, "mentee", m)).collect();
        let pool = programme(&mentors, &mentees, &model);
        // The second half of each registers late.
        let mut start = pool.clone();
        start.mentors.truncate(mentors.len().div_ceil(2));
        start.mentees.truncate(mentees.len().div_ceil(2));
        let options = SolveOptions { whole_network_up_to: 0, candidates_per_mentee: 1, threads: 1 };
        run_chain(&pool, start, &model, &changes, options, true)?;
    }
}

/// After 5% of mentors withdraw from a matched programme of 300 + 300, the
/// re-solve is warm and pivots far less than solving from scratch.
#[test]
fn a_re_solve_after_withdrawals_goes_on_from_the_solved_network() {
    let model = Model::civil_service();
    let history = History::default();
    let before = generated(300, 300, 1, &model);
    let options = SolveOptions::default();
    let (_, kept) = WarmStart::solve(&Eligibility::new(&before, &model, &history), options).unwrap();
    let mut after = before.clone();
    let withdrawn: Vec<String> = after
        .mentors
        .iter()
        .step_by(20)
        .map(|m| m.person.email_key.clone())
        .collect();
    after
        .mentors
        .retain(|m| !withdrawn.contains(&email_key(&m.person.email)));
    let eligibility = Eligibility::new(&after, &model, &history);
    let (warm, _) = kept.resolve(&eligibility, options).unwrap();
    let (cold, _) = WarmStart::solve(&eligibility, options).unwrap();
    assert!(warm.stats.warm);
    assert_valid(&after, &model, &history, &warm.matching);
    assert_eq!(warm.objective_values, cold.objective_values);
    assert!(
        warm.stats.phases * 4 < cold.stats.phases,
        "warm {} pivots, cold {}",
        warm.stats.phases,
        cold.stats.phases
    );
}

/// After 5% of mentors withdraw from a matched programme of 300 + 300, the
/// re-match that keeps every previous pair (pinned) is warm and pivots far less
/// than solving it from scratch: the previous pairs' arcs already carry their
/// flow, so they are held there at their ordinary costs, and the pins' reward
/// moves no price.
#[test]
fn a_re_match_keeping_the_previous_pairs_goes_on_from_the_solved_network() {
    let model = Model::civil_service();
    let history = History::default();
    let before = generated(300, 300, 1, &model);
    let options = SolveOptions::default();
    let (sent, kept) = WarmStart::solve(&Eligibility::new(&before, &model, &history), options).unwrap();
    let pairs: Vec<(u32, u32)> = sent.matching.pairs.iter().map(|q| (q.mentee, q.mentor)).collect();
    let previous = previous_of(&before, &pairs);
    let mut after = before.clone();
    let mut i = 0;
    after.mentors.retain(|_| {
        i += 1;
        i % 20 != 0
    });
    let sorted = sort_previous(&after, &model, &history, &previous);
    let (programme, model) = prepare(&after, &model, &sorted, false);
    assert!(!programme.adjustments.rows.is_empty());
    let eligibility = Eligibility::new(&programme, &model, &history);
    let (warm, kept) = kept.resolve(&eligibility, options).unwrap();
    let (cold, _) = WarmStart::solve(&eligibility, options).unwrap();
    assert!(warm.stats.warm);
    assert_valid(&programme, &model, &history, &warm.matching);
    assert_eq!(warm.objective_values, cold.objective_values);
    assert!(
        warm.stats.phases * 4 < cold.stats.phases,
        "warm {} pivots, cold {}",
        warm.stats.phases,
        cold.stats.phases
    );
    // Letting the previous pairs go (no pins) re-solves from the fixed arcs,
    // as exactly.
    let eligibility = Eligibility::new(&after, &model, &history);
    let (free, _) = kept.resolve(&eligibility, options).unwrap();
    let (fresh, _) = WarmStart::solve(&eligibility, options).unwrap();
    assert!(free.stats.warm);
    assert_eq!(free.objective_values, fresh.objective_values);
}

/// The same registrations as `base`, changed.
fn changed(base: &Inputs, change: impl FnOnce(&mut Programme)) -> Inputs {
    let mut programme = base.reading.programme.clone();
    change(&mut programme);
    Inputs {
        model: base.model.clone(),
        reading: Reading {
            programme,
            warnings: base.reading.warnings.clone(),
        },
        history: base.history.clone(),
        read_time: base.read_time,
        files: base.files.clone(),
    }
}

/// The library's kept network: match, re-match after mentors and mentees
/// withdraw and a late registration arrives (the previous pairs kept), then a
/// pin and a ban. Every run after the first is warm and as good as the same
/// run from scratch, with the same changes and the same price of each
/// override; `run_match` checks every matching with the independent checker.
#[test]
fn a_resolver_re_matches_warm_and_exactly() {
    let data = mentorflow::registration::generate::generate(&mentorflow::registration::generate::GenerateSpec {
        mentees: 150,
        mentors: 150,
        seed: 2,
    });
    let registered = inputs(data.mentors_csv.as_bytes(), data.mentees_csv.as_bytes());
    let late = registered.reading.programme.mentees[7].person.email_key.clone();
    let first = changed(&registered, |p| p.mentees.retain(|m| m.person.email_key != late));
    let mut resolver = Resolver::new();
    let sent = resolver
        .run_match(&first, MatchOptions::default(), &mut |_| {})
        .unwrap();
    assert!(!sent.solution.stats.warm && resolver.is_warm());
    let pairs: Vec<(u32, u32)> = sent
        .solution
        .matching
        .pairs
        .iter()
        .map(|q| (q.mentee, q.mentor))
        .collect();
    let previous = previous_of(&first.reading.programme, &pairs);

    let now = changed(&registered, |p| {
        let mut i = 0;
        p.mentors.retain(|_| {
            i += 1;
            i % 20 != 0
        });
        p.mentees.remove(30);
    });
    let warm = resolver
        .rematch(&now, &previous, RematchOptions::default(), &mut |_| {})
        .unwrap();
    let fresh = rematch(&now, &previous, RematchOptions::default(), &mut |_| {}).unwrap();
    assert!(warm.run.solution.stats.warm);
    assert_eq!(warm.run.solution.objective_values, fresh.run.solution.objective_values);
    let (w, f) = (warm.run.summary.changes.unwrap(), fresh.run.summary.changes.unwrap());
    assert_eq!(
        (w.kept, w.removed, &w.removed_by_why),
        (f.kept, f.removed, &f.removed_by_why)
    );
    assert!(w.removed > 0);

    let programme = &now.reading.programme;
    let made = &warm.run.solution.matching.pairs;
    let row = |action, mentee: u32, mentor: u32, line| Adjustment {
        action,
        mentee_email: programme.mentees[mentee as usize].person.email.clone(),
        mentor_email: programme.mentors[mentor as usize].person.email.clone(),
        note: String::new(),
        line,
    };
    let pin = row(Action::Pin, made[0].mentee, made[made.len() / 2].mentor, 2);
    let ban = row(Action::Ban, made[made.len() / 3].mentee, made[made.len() / 3].mentor, 3);
    let adjusted = changed(&now, |p| p.adjustments.rows.extend([pin, ban]));
    let warm = resolver
        .run_match(&adjusted, MatchOptions::default(), &mut |_| {})
        .unwrap();
    let fresh = run_match(&adjusted, MatchOptions::default(), &mut |_| {}).unwrap();
    assert!(warm.solution.stats.warm);
    let (model, history) = (&adjusted.model, &adjusted.history);
    assert_valid(&adjusted.reading.programme, model, history, &warm.solution.matching);
    assert_eq!(warm.solution.objective_values, fresh.solution.objective_values);
    assert_eq!(warm.summary.overrides, fresh.summary.overrides);
    assert_eq!(warm.summary.overrides.len(), 2);
}
