//! Meetings (会议): what liaison activities and consultations share — the
//! invitations and replies (an apology with its reason), sign-in by the
//! meeting's QR code on the member's own phone, staff's attendance list,
//! speakers' points and the record's files. One implementation over both
//! kinds; each area says through `store::Host` who may see and manage its
//! meetings and what stage they are at.

pub mod model;
pub mod routes;
pub mod store;

pub use model::{Meeting, Reply, SignedBy};
pub use store::{Facts, Host};
