//! Reminders about liaison points (a daily job at 09:00 Beijing time): 30 days
//! before a quarter ends, each point with nothing planned or held reminds its
//! office, its convener and its linked members; once a quarter has ended with gaps, the
//! district hears of it. Each message is written once (outbox dedupe keys),
//! however often the job runs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Mark, Quarter, reminder_from};
use super::store::coverage;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, offices};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, MemberId};
use crate::kernel::jobs::{Every, Registry};
use crate::kernel::notify::Unit;
use crate::kernel::notify::inapp::note_once;
use crate::kernel::web::i18n::Lang;

pub const REMINDERS: &str = "activities.reminders";

pub fn register(registry: &mut Registry) {
    registry.register(REMINDERS, |ctx, _| async move {
        let (points, district) = ctx.db.write(|c| remind(c, crate::kernel::time::now())).await?;
        tracing::info!(points, district, "activity reminders");
        Ok(())
    });
    registry.periodic(REMINDERS, Every::Day { hour: 9 });
}

/// Writes the reminders due at `at`; returns (point reminders, district
/// notices) newly written.
pub fn remind(conn: &mut DbConn, at: NaiveDateTime) -> AppResult<(usize, usize)> {
    let today = shanghai_date(at);
    let q = Quarter::of(today);
    let committees: Vec<CommitteeId> = committees::table.select(committees::id).load(conn)?;
    let (mut points, mut district) = (0, 0);
    for committee in committees {
        if today >= reminder_from(q) {
            let l = coverage::load_unscoped(conn, committee, None, q)?;
            for (loc, name, office) in &l.places {
                if l.coverage.points.get(loc) != Some(&Mark::Missing) {
                    continue;
                }
                let body = Lang::Zh
                    .t("activity.reminder_body")
                    .replace("%{place}", name)
                    .replace("%{quarter}", &q.label(Lang::Zh))
                    .replace("%{last}", &q.last_day().to_string());
                let subject = format!("activity-gap:{q}:{loc}");
                let office_to = Unit::Office(*office);
                if note_once(conn, committee, office_to, &subject, &body, &format!("{subject}:{office_to}"))? {
                    points += 1;
                }
                // The point's members, and the office's convener (召集人).
                let convener: Option<MemberId> =
                    offices::table.find(*office).select(offices::convener_id).first(conn)?;
                for m in l.links.get(loc).into_iter().flatten().chain(convener.as_ref()) {
                    let to = Unit::Member(*m);
                    note_once(conn, committee, to, &subject, &body, &format!("{subject}:{to}"))?;
                }
            }
        }
        let prev = q.prev();
        let l = coverage::load_unscoped(conn, committee, None, prev)?;
        let missing = l.coverage.count(Mark::Missing);
        if missing > 0 {
            let body = Lang::Zh
                .t("activity.gaps_body")
                .replace("%{quarter}", &prev.label(Lang::Zh))
                .replace("%{missing}", &missing.to_string())
                .replace("%{points}", &l.coverage.points.len().to_string())
                .replace("%{members}", &l.coverage.members_without.len().to_string());
            let subject = format!("activity-gaps:{prev}");
            if note_once(conn, committee, Unit::District, &subject, &body, &format!("{subject}:{committee}"))? {
                district += 1;
            }
        }
    }
    Ok((points, district))
}
