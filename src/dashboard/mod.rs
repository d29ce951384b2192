//! Each role's home page: its work queue (counts linked to the lists they
//! count), a leader's key figures, computed from current data on each visit;
//! and the leaders' dashboard: a period's figures as charts with their tables,
//! a print view and an xlsx.

pub mod figures;
pub mod leaders;
pub mod period;
pub mod queue;
pub mod routes;
pub mod svg;
pub mod tables;
pub mod xlsx;
