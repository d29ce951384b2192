//! Demo opinions: handling departments, the routing table, and cases at every
//! stage of the loop, so the inbox, the timeline and the tracking page show
//! something real. Texts are the kind residents write; people are invented.

use crate::kernel::audit::store::Who;
use crate::kernel::auth::store as users;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, OfficeId};
use crate::opinions::model::{Action, Assignee, Rating, Source};
use crate::opinions::store::cases::{self, NewOpinion, Step};
use crate::opinions::store::{catalog, public};
use crate::org::store::departments;

/// The district's handling units (承办单位).
pub const DEPARTMENTS: [&str; 10] = [
    "区住房和城乡建设局",
    "区城市管理局",
    "区民政局",
    "区教育局",
    "区卫生健康委员会",
    "区交通运输局",
    "区农业农村局",
    "区生态环境分局",
    "区市场监督管理局",
    "区人力资源和社会保障局",
];

/// (office index, category code, text, how far it has gone)
const CASES: [(usize, &str, &str, u8); 12] = [
    (3, "0301", "五原路社区金河湾小区老人多，希望社区能提供助餐和上门照料服务，子女上班顾不过来。", 6),
    (3, "0103", "五原路社区金河湾小区3号楼前路灯坏了三个月，晚上老人出门很不方便。", 5),
    (0, "0102", "小区物业不管事，楼道堆满杂物，消防通道被占，反映多次没人处理。", 4),
    (9, "0603", "高庙村到乡里的路下雨就泥泞，孩子上学不好走，希望能硬化。", 3),
    (9, "0601", "村里灌溉用的机井坏了，今年春灌很困难，请帮忙协调维修。", 2),
    (5, "0201", "会兴街道夜市烧烤噪音和油烟很大，晚上十一点以后还很吵。", 1),
    (1, "0104", "车站附近早晚高峰堵车严重，希望增加交警疏导或调整红绿灯时长。", 1),
    (8, "0602", "磁钟村垃圾清运不及时，垃圾桶满了好几天没人拉。", 0),
    (2, "0402", "前进小学放学时校门口没有人维持秩序，接孩子的车乱停。", 0),
    (6, "0304", "希望街道多组织一些面向下岗职工的技能培训。", 0),
    (7, "0801", "交口乡集市上有商贩缺斤短两，希望市场监管部门来查一查。", 0),
    (4, "0501", "崖底街道社区卫生服务站医生太少，看病要排很久。", 0),
];

pub fn load(c: &mut DbConn, committee: CommitteeId, offices: &[OfficeId]) -> AppResult<()> {
    let who = || Who::System { committee_id: Some(committee), name: "demo" };
    let mut depts = vec![];
    for name in DEPARTMENTS {
        depts.push(departments::create(c, who(), committee, name)?);
    }
    // The `dept` login works for the housing and construction bureau.
    if let Some(u) = users::find_by_username_unscoped(c, "dept")? {
        departments::set_user_department_unscoped(c, who(), u.id, depts[0])?;
    }
    // Routing: each major class to its usual unit, 10 working days.
    let routes = [("01", 0), ("02", 7), ("03", 2), ("04", 3), ("05", 4), ("06", 6), ("07", 5), ("08", 8), ("09", 9)];
    catalog::class_routes_unscoped(c, who, committee, routes.map(|(code, d)| (code, Assignee::Department(depts[d]))))?;
    let admin = users::find_by_username_unscoped(c, "admin")?.map(|u| u.actor(None));
    let dept = users::find_by_username_unscoped(c, "dept")?.map(|u| u.actor(None));
    let (Some(admin), Some(dept)) = (admin, dept) else { return Ok(()) };
    let categories = catalog::categories(c, &admin)?;
    for (office, cat, text, stage) in CASES {
        let category = categories.iter().find(|x| x.code == cat).map(|x| x.id);
        let new = NewOpinion {
            office_id: Some(offices[office]),
            category_id: category,
            source: Some(Source::Web),
            body: text.into(),
            ..NewOpinion::default()
        };
        let (id, _) = public::file(c, committee, &new)?;
        // Walk the case through the loop as far as its stage, always through
        // the housing bureau so the `dept` login has work.
        let steps: Vec<(Action, bool)> = vec![
            (Action::Accept, false),
            (Action::Assign, false),
            (Action::Sign, true),
            (Action::Answer, true),
            (Action::ApproveAnswer, false),
            (Action::Rate(Rating::Satisfied), false),
        ];
        for (action, by_handler) in steps.into_iter().take(stage as usize) {
            let mut step = Step::new(action);
            match action {
                Action::Assign => step.assignee = Some(Assignee::Department(depts[0])),
                Action::Answer => step.note = "已安排人员现场查看，本月内完成维修，并将定期巡查。".into(),
                Action::Rate(_) => step.note = "处理及时，谢谢。".into(),
                _ => {}
            }
            let actor = if by_handler { &dept } else { &admin };
            cases::act(c, actor, id, &step)?;
        }
        // The closed, satisfied case is published, so the front page's results
        // wall shows a visitor how an answer reads.
        if stage == 6 {
            cases::set_public(c, &admin, id, true)?;
        }
    }
    Ok(())
}
