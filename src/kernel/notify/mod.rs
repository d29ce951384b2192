//! Notifications (architecture.md "Work in the background"): the outbox every
//! message goes through, in-app messages to units, and the SMS channel.
//! In-app messages are delivered by being in the outbox; texts to phones go
//! through `sms` from the job queue.

pub mod inapp;
pub mod outbox;
pub mod sms;

pub use inapp::Unit;
pub use outbox::{Channel, Message};
pub use sms::{Failure, Sms};
