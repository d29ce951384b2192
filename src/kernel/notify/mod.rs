//! Delivery channels of the outbox (architecture.md "Work in the background").
//! In-app messages are delivered by being in the outbox; texts to phones go
//! through `sms`.

pub mod sms;

pub use sms::{Failure, Sms};
