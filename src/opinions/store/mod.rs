//! The opinion box in the database.

pub mod cases;
pub mod catalog;
pub mod deadline;
pub mod urgent;
