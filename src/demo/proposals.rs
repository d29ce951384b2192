//! The demo's proposals: this year's session, and 张丽华's proposals at
//! three stages — one answered, rated, closed and published, one waiting
//! for the housing bureau (the `dept` login) to sign, one still a draft.

use chrono::{Datelike, NaiveDate};

use crate::kernel::auth::store as users;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, DepartmentId};
use crate::kernel::time::today;
use crate::opinions::model::Rating;
use crate::proposals::model::{Action, Kind};
use crate::proposals::store::moves::{self, Step};
use crate::proposals::store::proposals::{self, Draft};
use crate::proposals::store::sessions;

pub fn load(c: &mut DbConn, committee: CommitteeId) -> AppResult<()> {
    use diesel::prelude::*;
    let departments: Vec<(String, DepartmentId)> = crate::kernel::db::schema::departments::table
        .filter(crate::kernel::db::schema::departments::committee_id.eq(committee))
        .select((crate::kernel::db::schema::departments::name, crate::kernel::db::schema::departments::id))
        .load(c)?;
    let year = today().year();
    let (Some(opens), Some(closes)) = (NaiveDate::from_ymd_opt(year, 1, 10), NaiveDate::from_ymd_opt(year, 1, 13))
    else {
        return Ok(());
    };
    sessions::add_unscoped(c, committee, "十届五次会议", opens, closes)?;
    let actor =
        |c: &mut DbConn, name: &str| users::find_by_username_unscoped(c, name).map(|u| u.map(|u| u.actor(None)));
    let (Some(admin), Some(member), Some(dept)) = (actor(c, "admin")?, actor(c, "member")?, actor(c, "dept")?) else {
        return Ok(());
    };
    let unit = |name: &str| departments.iter().find(|d| d.0 == name).map(|d| d.1);
    let draft = |title: &str, grounds: &str, suggestions: &str| Draft {
        kind: Some(Kind::Member),
        title: title.into(),
        grounds: grounds.into(),
        suggestions: suggestions.into(),
        ..Draft::default()
    };

    let road = proposals::create(
        c,
        &member,
        &draft(
            "关于硬化高庙村至乡政府道路的建议",
            "高庙村到乡政府的道路仍是土路，雨天泥泞，学生上学和村民出行困难，群众在委员活动中多次反映。",
            "一、将该路段列入今年农村公路建设计划；二、施工期间安排临时便道；三、建成后纳入农村公路日常养护。",
        ),
    )?;
    moves::act(c, &member, road, &Step::new(Action::Submit))?;
    moves::act(c, &admin, road, &Step::new(Action::Accept))?;
    let housing = unit("区住房和城乡建设局");
    moves::act(c, &admin, road, &Step { lead: housing, ..Step::new(Action::Assign) })?;
    moves::act(c, &dept, road, &Step::new(Action::Sign))?;
    // The demo has no letter file to upload; the answer's words stand alone.
    let answer = "已将该路段列入今年农村公路建设计划，预计年底前完成硬化，施工期间设置临时便道。";
    moves::answer_without_letter(c, &dept, road, answer)?;
    moves::act(
        c,
        &member,
        road,
        &Step { note: "答复具体，进度清楚。".into(), ..Step::new(Action::Rate(Rating::Satisfied)) },
    )?;
    moves::act(c, &admin, road, &Step::new(Action::Close))?;
    moves::set_public(c, &admin, road, true)?;
    let wells = proposals::create(
        c,
        &member,
        &draft(
            "关于加强农村机井维护管理的建议",
            "部分村的灌溉机井年久失修，春灌时节群众反映强烈。",
            "建议建立机井管护责任制，每年春灌前集中检修一次。",
        ),
    )?;
    moves::act(c, &member, wells, &Step::new(Action::Submit))?;
    moves::act(c, &admin, wells, &Step::new(Action::Accept))?;
    let co_units = unit("区农业农村局").into_iter().collect();
    moves::act(c, &admin, wells, &Step { lead: housing, co_units, ..Step::new(Action::Assign) })?;
    // A key proposal, followed by the demo's leader.
    if let Some(leader) = users::find_by_username_unscoped(c, "leader")? {
        moves::set_key(c, &admin, wells, true, Some(leader.id))?;
    }
    proposals::create(
        c,
        &member,
        &draft("关于在社区设立老年助餐点的建议", "", "在金河湾等老年人多的小区设立助餐点，由街道统筹。"),
    )?;
    Ok(())
}
