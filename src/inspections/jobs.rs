//! Rectification reminders (a daily job at 09:00 Beijing time): from three
//! days before its deadline an open item reminds its office once; once it
//! is overdue the district hears of it once (督办), and the item shows when
//! it was reported. Messages are written once (outbox dedupe keys).

use chrono::NaiveDateTime;

use super::model::{overdue, reminder_due};
use super::store::rectifications;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::docx::chinese_date;
use crate::kernel::error::AppResult;
use crate::kernel::jobs::{Every, Registry};
use crate::kernel::notify::Unit;
use crate::kernel::notify::inapp::note_once;
use crate::kernel::web::i18n::Lang;

pub const REMINDERS: &str = "inspections.reminders";

pub fn register(registry: &mut Registry) {
    registry.register(REMINDERS, |ctx, _| async move {
        let (reminded, escalated) = ctx.db.write(|c| remind(c, crate::kernel::time::now())).await?;
        tracing::info!(reminded, escalated, "rectification reminders");
        Ok(())
    });
    registry.periodic(REMINDERS, Every::Day { hour: 9 });
}

/// Writes the reminders and escalations due at `at`; returns (reminders,
/// escalations) newly written.
pub fn remind(conn: &mut DbConn, at: NaiveDateTime) -> AppResult<(usize, usize)> {
    let today = shanghai_date(at);
    let (mut reminded, mut escalated) = (0, 0);
    for (r, office) in rectifications::open_unscoped(conn)? {
        if reminder_due(r.status, r.deadline, today) {
            let subject = format!("rectification-due:{}", r.id);
            let body = Lang::Zh
                .t("rectification.due_body")
                .replace("%{date}", &chinese_date(r.deadline))
                .replace("%{body}", &r.body);
            if note_once(conn, r.committee_id, Unit::Office(r.office_id), &subject, &body, &subject)? {
                reminded += 1;
            }
        }
        if overdue(r.status, r.deadline, today) {
            let subject = format!("rectification-overdue:{}", r.id);
            let body = Lang::Zh
                .t("rectification.overdue_body")
                .replace("%{office}", &office)
                .replace("%{date}", &chinese_date(r.deadline))
                .replace("%{body}", &r.body);
            if note_once(conn, r.committee_id, Unit::District, &subject, &body, &subject)? {
                rectifications::mark_escalated_unscoped(conn, r.id, at)?;
                escalated += 1;
            }
        }
    }
    Ok((reminded, escalated))
}
