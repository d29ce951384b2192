//! Online consultations in the database: the phase and its invitees
//! (`phase`), the comments and their moderation (`comments`), the residents'
//! side without a login (`public`). Who may do what is checked here.

pub mod comments;
pub mod phase;
pub mod public;
