//! Each role's home page: its work queue (counts linked to the lists they
//! count), a leader's key figures, computed from current data on each visit.

pub mod queue;
pub mod routes;
