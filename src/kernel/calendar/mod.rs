//! Working days (工作日) for deadlines: the State Council's holidays and make-up
//! working days (调休) per committee, pre-filled and kept by the district admin.
//!
//! A deadline of N working days for a case assigned on day D (Beijing date) ends at
//! 23:59:59 Beijing time on `add_working_days(D, N)`; D itself never counts.

pub mod cn_2026;
pub mod model;
pub mod national;
pub mod quarter;
pub mod routes;
pub mod store;

pub use model::{Calendar, DayKind, SpecialDay, is_overdue};
pub use quarter::Quarter;
