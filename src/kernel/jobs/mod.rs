//! The background-job queue (architecture.md "Work in the background").

pub mod model;
pub mod store;
pub mod worker;

pub use worker::{Every, JobCtx, Registry, Worker};
