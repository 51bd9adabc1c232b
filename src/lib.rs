//! mentorflow: optimal mentee-mentor matching for mentoring programmes.
pub mod generate;
pub mod solve;
