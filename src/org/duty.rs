//! A member's year in numbers (履职档案), as the member page shows it.
//!
//! What a member did is known by the areas above org (activities,
//! consultations, the opinion box); `crate::duty` counts it through their
//! stores. org imports no area, so the app hands the counting function to
//! the org routes (`org::routes::router`).

use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::MemberId;

/// A member's year, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DutyCounts {
    pub year: i32,
    /// Activities attended (held, ticked present or signed in).
    pub activities: i64,
    /// Consultations attended.
    pub consultations: i64,
    /// Opinions heard at activities.
    pub heard: i64,
    /// Opinions the member brought to staff otherwise.
    pub entered: i64,
    /// 社情民意信息 reports written.
    pub reports: i64,
    /// Of those, adopted (or instructed on).
    pub adopted: i64,
}

/// Counts a member's year for an actor who may see the member; not found
/// otherwise.
pub type CountDuty = fn(&mut DbConn, &Actor, MemberId, i32) -> AppResult<DutyCounts>;
