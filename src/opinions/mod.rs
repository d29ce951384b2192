//! The opinion box (社情民意征集箱) and its case loop: residents drop a concern
//! on the web/QR box (or staff enter a paper slip or what a member heard), staff
//! accept and assign it, a handler answers within working-day deadlines, staff
//! review the answer, the resident rates it.

pub mod jobs;
pub mod model;
pub mod reports;
pub mod routes;
pub mod stats;
pub mod store;
