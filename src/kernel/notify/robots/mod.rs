//! Group robots (群机器人): a unit's WeCom or DingTalk group gets its morning
//! digest and urgent alerts. `inapp::post` hands such a message to
//! `store::fan_out`, which queues one outbox row and one job per robot of the
//! unit in the same transaction; `send` delivers it with retries.

pub mod model;
pub mod send;
pub mod store;

pub use send::{JOB, register};
