//! The demo's inspection: the district has inspected 高庙乡 against the
//! 六个有, scored it and left one rectification item, which is open.

use chrono::Duration;

use crate::inspections::model::{DEFAULT_CHECKLIST, Finding};
use crate::inspections::store::inspections::{self, Record};
use crate::inspections::store::rectifications;
use crate::kernel::auth::store as users;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::time::today;

pub fn load(c: &mut DbConn) -> AppResult<()> {
    let Some(admin) = users::find_by_username_unscoped(c, "admin")?.map(|u| u.actor(None)) else { return Ok(()) };
    let Some(office) = crate::org::store::office_by_name(c, admin.committee_id, "高庙乡")?.map(|o| o.id) else {
        return Ok(());
    };
    let day = today();
    let id = inspections::plan(c, &admin, office, day - Duration::days(7), "区政协办公室 王明、李华")?;
    let findings = DEFAULT_CHECKLIST
        .iter()
        .map(|l| {
            let (f, note) =
                if *l == "有流程" { (Finding::Partly, "议事流程未上墙") } else { (Finding::Met, "") };
            ((*l).to_string(), f, note.to_string())
        })
        .collect();
    let record = Record {
        inspected_on: day - Duration::days(7),
        findings,
        score: 88,
        summary: "委员之家阵地规范，活动记录齐全；协商议事流程需上墙公示。".into(),
    };
    inspections::record(c, &admin, id, record)?;
    rectifications::add(c, &admin, id, "协商议事流程图制作上墙", day + Duration::days(14), day)?;
    Ok(())
}
