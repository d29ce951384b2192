//! The audit log: who changed what, when, with the record before and after.
//! Rows are written in the same transaction as the change they describe, and the
//! database refuses to update or delete them (triggers in the migrations).

pub mod routes;
pub mod store;
pub mod words;

pub use store::{Change, record};
