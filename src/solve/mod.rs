//! Solvers: turn eligible pairs with costs into a matching.
pub mod mincost;
