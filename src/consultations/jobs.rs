//! Reminders about agreed items (a daily job at 09:00 Beijing time): from
//! three days before its deadline an open item reminds its owner (the
//! department or the office) once; once it is overdue, the district hears of
//! it once (督办). Each message is written once (outbox dedupe keys), however
//! often the job runs.

use chrono::NaiveDateTime;

use super::model::{ItemStatus, overdue, reminder_due};
use super::store::items;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::jobs::{Every, Registry};
use crate::kernel::notify::Unit;
use crate::kernel::notify::inapp::note_once;
use crate::kernel::web::i18n::Lang;

pub const REMINDERS: &str = "consultations.reminders";

pub fn register(registry: &mut Registry) {
    registry.register(REMINDERS, |ctx, _| async move {
        let (reminded, escalated) = ctx.db.write(|c| remind(c, crate::kernel::time::now())).await?;
        tracing::info!(reminded, escalated, "consultation item reminders");
        Ok(())
    });
    registry.periodic(REMINDERS, Every::Day { hour: 9 });
}

/// Writes the reminders and escalations due at `at`; returns (reminders,
/// escalations) newly written.
pub fn remind(conn: &mut DbConn, at: NaiveDateTime) -> AppResult<(usize, usize)> {
    let today = shanghai_date(at);
    let (mut reminded, mut escalated) = (0, 0);
    for (item, title) in items::open_items_unscoped(conn)? {
        let status = ItemStatus::Open;
        if reminder_due(status, item.deadline, today) {
            let body = Lang::Zh
                .t("consultation.item_due_body")
                .replace("%{title}", &title)
                .replace("%{item}", &item.body)
                .replace("%{deadline}", &item.deadline.to_string());
            let to = item.owner_unit();
            let subject = format!("consultation-item-due:{}", item.id);
            if note_once(conn, item.committee_id, to, &subject, &body, &format!("{subject}:{to}"))? {
                reminded += 1;
            }
        }
        if overdue(status, item.deadline, today) {
            let body = Lang::Zh
                .t("consultation.item_overdue_body")
                .replace("%{title}", &title)
                .replace("%{item}", &item.body)
                .replace("%{deadline}", &item.deadline.to_string());
            let subject = format!("consultation-item-overdue:{}", item.id);
            if note_once(conn, item.committee_id, Unit::District, &subject, &body, &subject)? {
                escalated += 1;
            }
        }
    }
    Ok((reminded, escalated))
}
