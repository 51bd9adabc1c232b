//! The integration tests, in one binary so a change rebuilds one test program
//! instead of twelve. Shared builders, the CLI runner and the oracles are in
//! `common`.

mod common;

mod adjust;
mod branch;
mod browser;
mod capped;
mod cli;
mod compare;
mod determinism;
mod explain;
mod fuzz_regressions;
mod hostile;
mod ilp;
mod lagrange;
mod messages;
mod mincost;
mod notify;
mod optimality;
mod priority;
mod privacy;
mod rematch;
mod report;
mod safety;
mod validate;
mod warm;
mod web;
mod whatif;
