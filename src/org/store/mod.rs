//! The roster in the database. Every function takes the acting user and filters
//! or refuses by its scope, so a handler that forgets a check cannot leak; a
//! child list (an office's staffers, a member's links, a home's items) checks
//! its parent's scope itself. The few that take `Who` or a committee instead
//! are for what has no acting user — public pages, the roster import's writes
//! after its own check, setup, the demo, `gen` — and say so in their names
//! (`…_unscoped`) or their comments.

pub mod accounts;
pub mod departments;
pub mod homes;
pub mod liaisons;
pub mod localities;
pub mod members;
pub mod office_view;
pub mod offices;
pub mod sectors;
pub mod units;

pub use offices::*;
