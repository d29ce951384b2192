//! A demo consultation, so the consultations pages, the public page and the
//! overview show something real: in 涧河街道, a topic on renovating the old
//! estates of 五原路社区, held ten days ago in an open space with the members
//! of two sectors and of the community, one agreed item done by the handling
//! department and one still open with the office, results published; and an
//! online consultation under way on another topic there.

use diesel::prelude::*;

use crate::consultations::model::Format;
use crate::consultations::online::model::Moderation;
use crate::consultations::online::store::comments;
use crate::consultations::online::store::phase::{self, Settings};
use crate::consultations::online::store::public::{self, Comment};
use crate::consultations::store::Consultations;
use crate::consultations::store::consultations::{self as store, Plan, Record, Topic};
use crate::consultations::store::items::{self, Owner};
use crate::kernel::audit::store::Who;
use crate::kernel::auth::Actor;
use crate::kernel::auth::store as users;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{departments, localities, members, outbox, sectors};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, DepartmentId, LocalityId, MemberId, OfficeId, SectorId};
use crate::kernel::time::{now, today};
use crate::meetings::store::{attendees, speakers};
use crate::org::model::MemberStatus;

pub fn load(c: &mut DbConn, committee: CommitteeId) -> AppResult<()> {
    let Some(admin) = users::find_by_username_unscoped(c, "admin")?.map(|u| u.actor(None)) else { return Ok(()) };
    let Some(office) = crate::org::store::office_by_name(c, committee, "涧河街道")?.map(|o| o.id) else {
        return Ok(());
    };
    let place: Vec<LocalityId> = localities::table
        .filter(localities::office_id.eq(office).and(localities::name.eq("五原路社区")))
        .select(localities::id)
        .load(c)?;
    let sector_ids: Vec<SectorId> = sectors::table
        .filter(sectors::committee_id.eq(committee))
        .filter(sectors::name.eq_any(["社会福利和社会保障界", "经济界"]))
        .select(sectors::id)
        .load(c)?;
    let dept: Option<DepartmentId> = departments::table
        .filter(departments::committee_id.eq(committee))
        .order(departments::id.asc())
        .select(departments::id)
        .first(c)
        .optional()?;
    let id = store::propose(
        c,
        &admin,
        &Topic {
            office_id: Some(office),
            title: "五原路社区老旧小区改造协商".into(),
            background: "金河湾小区建成二十多年，管网老化、停车难、缺少适老设施，居民多次反映。".into(),
            codes: String::new(),
        },
    )?;
    store::decide(c, &admin, id, true, "")?;
    let when = now() - chrono::Duration::days(10);
    let members = store::suggest(c, &admin, &sector_ids, &place)?;
    let plan = Plan {
        format: Format::OpenSpace,
        planned_at: when,
        place: "五原路社区开放空间".into(),
        host: "涧河街道政协工作办公室召集人".into(),
        sectors: sector_ids,
        localities: place,
        members: members.iter().copied().take(8).collect(),
        departments: dept.into_iter().collect(),
        residents: "居民代表12人".into(),
        materials: "小区现状调查表、改造方案（征求意见稿）".into(),
    };
    store::plan(c, &admin, id, &plan)?;
    // It took place ten days ago: its invitations are no news to anyone.
    diesel::delete(outbox::table.filter(outbox::subject.eq(format!("consultation-invite:{id}")))).execute(c)?;
    let present: Vec<_> = plan.members.iter().copied().take(6).collect();
    attendees::set_present::<Consultations>(c, &admin, id.0, &present)?;
    speakers::add::<Consultations>(c, &admin, id.0, "居民代表", "希望先解决雨污管网和楼道照明，再考虑停车。")?;
    speakers::add::<Consultations>(c, &admin, id.0, "委员", "建议分期实施，适老化改造同步纳入。")?;
    store::record(
        c,
        &admin,
        id,
        &Record {
            held_at: Some(when),
            record: "与会委员、部门和居民代表就改造的先后次序和资金来源进行了协商，\
                     同意先改管网和照明，停车和适老设施纳入二期。"
                .into(),
            residents_count: 12,
            duration_minutes: Some(180),
        },
    )?;
    let mut done = None;
    if let Some(d) = dept {
        done = Some(items::add(
            c,
            &admin,
            id,
            "完成小区雨污管网改造",
            Owner::Department(d),
            today() + chrono::Duration::days(30),
        )?);
    }
    items::add(
        c,
        &admin,
        id,
        "楼道照明改造和适老扶手安装",
        Owner::Office(office),
        today() + chrono::Duration::days(60),
    )?;
    store::close(c, &admin, id, "同意分两期改造：一期改造雨污管网和楼道照明，二期解决停车和适老设施。")?;
    if let Some(item) = done {
        items::progress(c, &admin, item, "管网改造已完工，经居民代表验收。", None)?;
        items::finish(c, &admin, item, true, "")?;
    }
    online(c, committee, &admin, office)
}

/// An online consultation (网络议政) under way in 涧河街道 before its session:
/// six of the office's members invited, residents welcome; two members'
/// comments and a reply, a resident's comment published and one still held
/// for staff.
fn online(c: &mut DbConn, committee: CommitteeId, admin: &Actor, office: OfficeId) -> AppResult<()> {
    let id = store::propose(
        c,
        admin,
        &Topic {
            office_id: Some(office),
            title: "社区嵌入式养老服务站建设".into(),
            background: "辖区高龄、独居老人逐年增多，拟在社区建设嵌入式养老服务站，就选址和服务内容听取意见。".into(),
            codes: String::new(),
        },
    )?;
    store::decide(c, admin, id, true, "")?;
    let invited: Vec<MemberId> = members::table
        .filter(members::office_id.eq(office).and(members::status.eq(MemberStatus::Active)))
        .order(members::id.asc())
        .limit(6)
        .select(members::id)
        .load(c)?;
    let [first, second, third, ..] = invited[..] else { return Ok(()) };
    let t = now();
    let settings = Settings {
        opens_at: t - chrono::Duration::days(2),
        closes_at: t + chrono::Duration::days(12),
        residents_open: true,
        members: invited.clone(),
    };
    phase::open(c, admin, id, &settings)?;
    // The demo's members have no logins to read their invitations.
    diesel::delete(outbox::table.filter(outbox::subject.eq(format!("online-invite:{id}")))).execute(c)?;
    let Some(o) = phase::seen(c, admin, id)?.online else { return Ok(()) };
    let who = || Who::System { committee_id: Some(committee), name: "demo" };
    let said = "建议服务站设在社区卫生服务站旁边，看病、助餐一站办好。";
    let top = comments::post_unscoped(c, who(), &o, first, None, said)?;
    comments::post_unscoped(c, who(), &o, second, Some(top), "同意，还可以和社区食堂共用场地，节省开支。")?;
    comments::post_unscoped(c, who(), &o, third, None, "先摸清高龄独居老人的人数和需求，按需配置床位和上门服务。")?;
    let resident = |body: &str| Comment { body: body.into(), ..Comment::default() };
    let heard = public::file(c, super::COMMITTEE_CODE, id, &resident("家里老人八十多了，希望能有上门助浴服务。"))?;
    comments::moderate(c, admin, heard, Moderation::Publish, "")?;
    public::file(c, super::COMMITTEE_CODE, id, &resident("服务站晚上也要有人值守，老人夜里有事能找到人。"))?;
    Ok(())
}
