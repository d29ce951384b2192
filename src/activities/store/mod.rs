//! Activities in the database.

pub mod activities;
pub mod coverage;
pub mod heard;
mod host;
pub mod public;

pub use host::Activities;
