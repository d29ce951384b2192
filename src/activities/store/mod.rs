//! Activities in the database.

pub mod activities;
pub mod attendance;
pub mod coverage;
pub mod heard;
pub mod public;
