//! The demo's notices: a public announcement on the front page, an internal
//! notice from the district to every office asking for a reply, which one
//! office has read and answered, and an office's notice to its members.

use crate::kernel::auth::store as users;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::time::today;
use crate::notices::model::Audience;
use crate::notices::store::notices::{self, Draft};
use crate::notices::store::recipients;

pub fn load(c: &mut DbConn) -> AppResult<()> {
    let find = |c: &mut DbConn, name: &str| -> AppResult<_> {
        Ok(users::find_by_username_unscoped(c, name)?.map(|u| u.actor(None)))
    };
    let (Some(admin), Some(gaomiao)) = (find(c, "admin")?, find(c, "gaomiao")?) else { return Ok(()) };
    let day = today();
    let public = Draft {
        public: true,
        title: "关于征集2027年度协商议题的公告".into(),
        body: "为做好2027年度协商议事工作，现面向社会征集协商议题。\n居民群众可通过社情民意征集箱、各委员之家或委员接待日提出，请写明问题所在的村（社区）和具体建议。".into(),
        ..Draft::default()
    };
    let id = notices::create(c, &admin, public, day)?;
    notices::publish(c, &admin, id, day)?;

    let internal = Draft {
        title: "关于报送2026年度政协工作总结的通知".into(),
        body: "各乡（街道）政协工作办公室：\n请于12月20日前报送本年度政协工作总结，内容包括委员之家运行、履职活动、社情民意征集办理和协商议事成果。\n收到后请在系统中回执。".into(),
        audience: Audience { all_offices: true, ..Audience::default() },
        reply_by: Some(day + chrono::Duration::days(14)),
        ..Draft::default()
    };
    let id = notices::create(c, &admin, internal, day)?;
    notices::publish(c, &admin, id, day)?;
    let shown = notices::get(c, &gaomiao, id)?;
    recipients::mark_read(c, &gaomiao, &shown)?;
    recipients::reply(c, &gaomiao, id, "已收到，将按时报送。")?;

    let office = Draft {
        title: "本周六委员之家接待日安排".into(),
        body: "本周六上午9点至11点在乡委员之家开展委员接待日活动，请值班委员按时到岗。".into(),
        audience: Audience { all_members: true, ..Audience::default() },
        ..Draft::default()
    };
    let id = notices::create(c, &gaomiao, office, day)?;
    notices::publish(c, &gaomiao, id, day)?;
    Ok(())
}
