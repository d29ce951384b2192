//! API tokens: one per outside system, made by the sysadmin, kept as a hash.

pub mod model;
pub mod routes;
pub mod store;
