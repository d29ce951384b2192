//! The audit log: who changed what, when, with the record before and after.
//! Rows are written in the same transaction as the change they describe, and the
//! database refuses to update or delete them (triggers in the migrations).
//! Each row is linked to the one before by a hash (`chain`), so a change made
//! around the triggers (by someone with the database's owner rights) shows in
//! `xieshang audit verify` and on `/audit/chain`.

pub mod chain;
pub mod routes;
pub mod store;
pub mod words;

pub use store::{Change, record};
