//! What the `member` login (张丽华 of 高庙乡) finds on her phone's workbench
//! besides her liaison points still to visit: a study session at her
//! office's Members' Home today, which she is invited to and signs in to by
//! its QR code (staff show it from the activity's page). It is not a visit
//! to a point, so the coverage of her points stays as it was.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::activities::model::Kind;
use crate::activities::store::activities::{self as store, Plan};
use crate::kernel::auth::store as users;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::members;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{MemberId, OfficeId};
use crate::kernel::time::now;

pub fn load(c: &mut DbConn) -> AppResult<()> {
    let admin = users::find_by_username_unscoped(c, "admin")?.map(|u| u.actor(None));
    let member = users::find_by_username_unscoped(c, "member")?;
    let (Some(admin), Some(member)) = (admin, member) else { return Ok(()) };
    let seat: Option<(MemberId, Option<OfficeId>)> = members::table
        .filter(members::user_id.eq(Some(member.id)))
        .select((members::id, members::office_id))
        .first(c)
        .optional()?;
    let Some((me, Some(office))) = seat else { return Ok(()) };
    let plan = Plan {
        office_id: office,
        kind: Kind::Study,
        title: "委员之家学习交流".into(),
        locality_id: None,
        venue: "乡便民服务中心二楼会议室".into(),
        planned_at: within_today(now()),
        topic: "学习基层协商议事规则".into(),
        members: vec![me],
    };
    store::plan(c, &admin, &plan)?;
    Ok(())
}

/// An hour after `t`, or an hour before when that would be tomorrow in
/// Beijing: today either way, with sign-in open (from two hours before).
fn within_today(t: NaiveDateTime) -> NaiveDateTime {
    let later = t + Duration::hours(1);
    if shanghai_date(later) == shanghai_date(t) { later } else { t - Duration::hours(1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_is_today_in_beijing() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        // 10:00 in Beijing: 11:00.
        assert_eq!(within_today(t("2026-12-05 02:00")), t("2026-12-05 03:00"));
        // 23:30 in Beijing: 22:30, not past midnight.
        assert_eq!(within_today(t("2026-12-05 15:30")), t("2026-12-05 14:30"));
    }
}
