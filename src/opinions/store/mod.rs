//! The opinion box in the database. Every public function takes the acting
//! user and reads within its scope, except `public` (the resident's side, with
//! no login: the box's address and the tracking code are the keys) and the few
//! named `…_unscoped`, each saying who calls it.

pub mod cases;
pub mod catalog;
pub mod deadline;
pub mod extensions;
pub mod external;
pub mod links;
pub mod pages;
pub mod posters;
pub mod public;
pub mod urgent;
