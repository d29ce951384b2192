//! Notifications (architecture.md "Work in the background"): the outbox every
//! message goes through, in-app messages to units, the SMS channel, the
//! units' group robots, and the deliveries page where staff see and resend
//! what failed.
//! In-app messages are delivered by being in the outbox; texts to phones go
//! through `sms` from the job queue.

pub mod deliveries;
pub mod inapp;
pub mod outbox;
pub mod robots;
pub mod routes;
pub mod sms;

pub use inapp::Unit;
pub use outbox::{Channel, Message};
pub use sms::{Failure, Sms};
