//! Inspections' tables: the committee's checklist, inspections with their
//! findings, and rectification items. Every function checks the actor's
//! right; `…_unscoped` ones are for the reminder job.

pub mod checklist;
pub mod inspections;
pub mod rectifications;
