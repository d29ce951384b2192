//! Consultations in the database. Who may do what is checked here, not in the
//! handlers.

pub mod consultations;
pub mod departments;
mod host;
pub mod items;
pub mod public;

pub use host::Consultations;
