//! Demo activities, so the coverage board and the Members' Home pages show
//! something real: in each office, a visit held three days ago (with minutes,
//! its members present, published) and one planned for next week. The point
//! of the `member` login is left without, for trying sign-in by QR code.

use diesel::prelude::*;

use crate::activities::model::Kind;
use crate::activities::store::Activities;
use crate::activities::store::activities::{self as store, Plan, Record};
use crate::kernel::auth::store as users;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{liaisons, members};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{LocalityId, MemberId, OfficeId};
use crate::kernel::time::now;
use crate::meetings::store::attendees;
use crate::org::store::localities;

const MINUTES: &str = "委员与村（社区）干部、群众代表座谈，听取了大家对道路、饮水、养老和环境卫生的意见，\
    现场答复了政策咨询，对需要协调的问题作了记录。";
const OUTCOMES: &str = "收集意见建议5条，其中2条已转交乡（街道）办理，1条录入社情民意征集箱。";

pub fn load(c: &mut DbConn, offices: &[OfficeId]) -> AppResult<()> {
    let Some(admin) = users::find_by_username_unscoped(c, "admin")?.map(|u| u.actor(None)) else { return Ok(()) };
    let keep_free: Vec<LocalityId> = match users::find_by_username_unscoped(c, "member")? {
        Some(u) => liaisons::table
            .inner_join(members::table)
            .filter(members::user_id.eq(Some(u.id)))
            .select(liaisons::locality_id)
            .load(c)?,
        None => vec![],
    };
    let t = now();
    for office in offices {
        let points: Vec<LocalityId> = localities::list(c, &admin, Some(*office))?
            .into_iter()
            .map(|l| l.id)
            .filter(|l| !keep_free.contains(l))
            .take(2)
            .collect();
        for (i, point) in points.into_iter().enumerate() {
            let linked: Vec<MemberId> = liaisons::table
                .filter(liaisons::locality_id.eq(point).and(liaisons::end_on.is_null()))
                .select(liaisons::member_id)
                .load(c)?;
            let held = i == 0;
            let when = if held { t - chrono::Duration::days(3) } else { t + chrono::Duration::days(7) };
            let plan = Plan {
                office_id: *office,
                kind: Kind::Liaison,
                title: "听民声、察民情、知民意、解民忧".into(),
                locality_id: Some(point),
                venue: "村（社区）党群服务中心".into(),
                planned_at: when,
                topic: String::new(),
                members: linked.clone(),
            };
            let id = store::plan(c, &admin, &plan)?;
            if held {
                attendees::set_present::<Activities>(c, &admin, id.0, &linked)?;
                let record = Record {
                    held_at: Some(when),
                    minutes: MINUTES.into(),
                    outcomes: OUTCOMES.into(),
                    residents_count: 18,
                    duration_minutes: Some(150),
                    other_participants: "村（社区）干部、群众代表".into(),
                    public: true,
                    ..Record::default()
                };
                store::record(c, &admin, id, &record)?;
            }
        }
    }
    Ok(())
}
