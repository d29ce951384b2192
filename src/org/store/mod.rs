//! The roster in the database. Every function takes the acting user and filters
//! or refuses by its scope, so a handler that forgets a check cannot leak.

pub mod accounts;
pub mod departments;
pub mod homes;
pub mod liaisons;
pub mod localities;
pub mod members;
pub mod offices;
pub mod sectors;
pub mod units;

pub use offices::*;
