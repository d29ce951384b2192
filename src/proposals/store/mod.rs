//! Proposals' tables. What a page or a form reaches checks the actor's
//! right through `proposals::viewer`; the pieces of a proposal already
//! found (`proposers`, `co_units`, `events`, `files_of`) take its id, and
//! `…_unscoped` ones serve the demo and the duty score.

pub mod moves;
pub mod proposals;
pub mod public;
pub mod sessions;
pub mod stats;
