//! Duty-time reminders (a daily job at 09:00 Beijing time): from September
//! on, each month, every serving member behind the even pace of the rules'
//! duty days hears of it, and their office gets the names, so that the
//! year's days can still be made up. Each message is written once per
//! member (or office) and month (outbox dedupe keys), however often the job
//! runs.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;

use super::scores::years_unscoped;
use super::time::{behind, days_text, expected_by};
use crate::funds::store::rules;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, members};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, MemberId, OfficeId};
use crate::kernel::jobs::{Every, Registry};
use crate::kernel::notify::Unit;
use crate::kernel::notify::inapp::note_once;
use crate::kernel::web::i18n::Lang;
use crate::org::model::MemberStatus;

pub const REMINDERS: &str = "duty.reminders";

/// The first month reminders go out: a third of the year is left.
pub const FROM_MONTH: u32 = 9;

pub fn register(registry: &mut Registry) {
    registry.register(REMINDERS, |ctx, _| async move {
        let (members, offices) = ctx.db.write(|c| remind(c, crate::kernel::time::now())).await?;
        tracing::info!(members, offices, "duty reminders");
        Ok(())
    });
    registry.periodic(REMINDERS, Every::Day { hour: 9 });
}

/// Writes the reminders due at `at`; returns (members, offices) newly told.
pub fn remind(conn: &mut DbConn, at: NaiveDateTime) -> AppResult<(usize, usize)> {
    let today = shanghai_date(at);
    if today.month() < FROM_MONTH {
        return Ok((0, 0));
    }
    let month = format!("{}-{:02}", today.year(), today.month());
    let committees: Vec<CommitteeId> = committees::table.select(committees::id).load(conn)?;
    let (mut told, mut offices_told) = (0, 0);
    for committee in committees {
        let Some(rule) = rules::in_force_unscoped(conn, committee, today)? else { continue };
        if rule.duty_days <= 0 {
            continue;
        }
        let people: Vec<(MemberId, String, Option<OfficeId>)> = members::table
            .filter(members::committee_id.eq(committee).and(members::status.eq(MemberStatus::Active)))
            .order(members::name.asc())
            .select((members::id, members::name, members::office_id))
            .load(conn)?;
        let pairs: Vec<(MemberId, String)> = people.iter().map(|(id, n, _)| (*id, n.clone())).collect();
        let years = years_unscoped(conn, committee, &pairs, today.year())?;
        let due = days_text(expected_by(rule.duty_days, today));
        let mut by_office: BTreeMap<OfficeId, Vec<String>> = BTreeMap::new();
        for (id, name, office) in &people {
            let done = years.get(id).map_or(0, |y| y.half_days);
            if !behind(done, rule.duty_days, today) {
                continue;
            }
            let body = Lang::Zh
                .t("duty.reminder_body")
                .replace("%{done}", &days_text(done))
                .replace("%{due}", &due)
                .replace("%{days}", &rule.duty_days.to_string());
            let subject = format!("duty-behind:{month}");
            let to = Unit::Member(*id);
            if note_once(conn, committee, to, &subject, &body, &format!("{subject}:{to}"))? {
                told += 1;
            }
            if let Some(o) = office {
                by_office.entry(*o).or_default().push(name.clone());
            }
        }
        for (office, names) in by_office {
            let body = Lang::Zh
                .t("duty.office_reminder_body")
                .replace("%{n}", &names.len().to_string())
                .replace("%{names}", &names.join("、"))
                .replace("%{due}", &due);
            let subject = format!("duty-behind-office:{month}");
            let to = Unit::Office(office);
            if note_once(conn, committee, to, &subject, &body, &format!("{subject}:{to}"))? {
                offices_told += 1;
            }
        }
    }
    Ok((told, offices_told))
}
