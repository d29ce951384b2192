//! Background work of the opinion box: one push per public status change to
//! the resident, the hourly sweep (reminders, escalation 督办, auto-close, the
//! 签收超时 flag), and the staff's morning digest.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::model::{self, AUTO_CLOSE_DAYS, AssigneeKind, EventKind, Status};
use super::store::cases;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, departments, offices, opinion_events, opinions};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, DepartmentId, OfficeId, OpinionId};
use crate::kernel::jobs::{Every, JobCtx, Registry};
use crate::kernel::notify::outbox::{self, NewMessage};
use crate::kernel::notify::{Failure, Sms, Unit, inapp};
use crate::kernel::personal::{Vault, mask_phone};
use crate::kernel::time::now;
use crate::kernel::web::i18n::Lang;

pub const NOTIFY_RESIDENT: &str = "opinions.notify";
pub const SWEEP: &str = "opinions.sweep";
pub const DIGEST: &str = "opinions.digest";

/// `sms`: the configured driver (kernel::notify); `base_url`: the public
/// address (config `public_base_url`); when set, each message carries the link
/// to the tracking page, where the resident rates.
pub fn register(registry: &mut Registry, vault: Vault, channel: Arc<Sms>, base_url: Option<String>) {
    registry.register(NOTIFY_RESIDENT, move |ctx: JobCtx, payload| {
        let vault = vault.clone();
        let channel = channel.clone();
        let base_url = base_url.clone();
        async move { notify(ctx, payload, vault, channel, base_url).await }
    });
    registry.register(SWEEP, |ctx: JobCtx, _| async move {
        let n = ctx.db.write(|c| sweep(c, now())).await?;
        tracing::info!(reminded = n.0, escalated = n.1, auto_closed = n.2, "opinion sweep");
        Ok(())
    });
    registry.periodic(SWEEP, Every::Hour);
    registry.register(DIGEST, |ctx: JobCtx, _| async move {
        let n = ctx.db.write(|c| digest(c, now())).await?;
        tracing::info!(units = n, "opinion digest");
        Ok(())
    });
    // The staff's digest: once a day at 08:00 Beijing time.
    registry.periodic(DIGEST, Every::Day { hour: 8 });
}

/// The text a resident gets for a public event of their case.
fn message(committee: &str, code: &str, kind: EventKind, base_url: Option<&str>) -> String {
    use EventKind::*;
    let what = match kind {
        Submitted => "已收到，请保存查询码，凭它查看办理进度",
        Accepted => "已受理",
        Rejected => "未予受理，原因可凭查询码查看",
        Assigned | Reassigned => "已交有关单位办理",
        Signed => "承办单位已签收，正在办理",
        Answered => "已有答复，请凭查询码查看并评价",
        Reopened => "已重新办理",
        Rated | AutoClosed => "已办结，感谢您的参与",
        Merged => "已与相同问题合并办理",
        ConsultationHeld => "已列入协商议事，协商会已召开",
        ConsultationClosed => "相关协商已形成成果并公开，可凭查询码查看",
        _ => "有新进展",
    };
    match base_url {
        Some(base) => format!(
            "【{committee}】您反映的问题（查询码 {code}）{what}。查看：{}/track/{code}",
            base.trim_end_matches('/')
        ),
        None => format!("【{committee}】您反映的问题（查询码 {code}）{what}。"),
    }
}

/// One text for one public event. Its outbox row is made on the first attempt
/// and reused by retries; once the gateway accepted it, a retry sends nothing.
async fn notify(
    ctx: JobCtx,
    payload: serde_json::Value,
    vault: Vault,
    channel: Arc<Sms>,
    base_url: Option<String>,
) -> anyhow::Result<()> {
    let id = OpinionId(payload["opinion_id"].as_i64().unwrap_or_default());
    let event_id = payload["event_id"].as_i64().unwrap_or_default();
    let found = ctx
        .db
        .write(move |c| {
            let o: Option<(String, Option<String>, i64)> = opinions::table
                .find(id)
                .select((opinions::code, opinions::submitter_phone, opinions::committee_id))
                .first(c)
                .optional()?;
            let kind: Option<EventKind> =
                opinion_events::table.find(event_id).select(opinion_events::kind).first(c).optional()?;
            let Some(((code, Some(phone), committee), kind)) = o.zip(kind) else { return Ok(None) };
            let name: String = committees::table.find(committee).select(committees::name).first(c)?;
            Ok(Some((code, phone, committee, kind, name)))
        })
        .await?;
    let Some((code, phone_enc, committee, kind, committee_name)) = found else { return Ok(()) };
    let phone = vault.decrypt(&phone_enc)?;
    let text = message(&committee_name, &code, kind, base_url.as_deref());
    let masked = mask_phone(&phone);
    let subject = format!("opinion:{}", id.0);
    let key = format!("notify:{}:{event_id}", id.0);
    let (channel_name, body) = (channel.channel(), text.clone());
    let job = ctx.job_id;
    let (msg_id, done) = ctx
        .db
        .write(move |c| {
            outbox::queue_once_by_job(
                c,
                &NewMessage {
                    committee_id: crate::kernel::ids::CommitteeId(committee),
                    channel: channel_name,
                    recipient: &phone_enc,
                    recipient_masked: &masked,
                    subject: &subject,
                    body: &body,
                },
                &key,
                job,
            )
        })
        .await?;
    if done {
        return Ok(());
    }
    let sent = channel.send(&format!("xs-{msg_id}"), &phone, &text).await;
    let err = sent.as_ref().err().map(|e| e.to_string());
    ctx.db.write(move |c| outbox::mark(c, msg_id, err.as_deref())).await?;
    match sent {
        Ok(()) => Ok(()),
        // Marked failed for staff to see; retrying would be refused again.
        Err(Failure::Permanent(why)) => {
            tracing::warn!(message = msg_id, %why, "sms refused by the gateway");
            Ok(())
        }
        Err(Failure::Transient(why)) => Err(anyhow::anyhow!(why)),
    }
}

/// The hourly sweep; returns (reminded, escalated, auto-closed).
#[tracing::instrument(level = "debug", skip_all)]
pub fn sweep(conn: &mut DbConn, at: chrono::NaiveDateTime) -> AppResult<(usize, usize, usize)> {
    let running = [Status::Assigned, Status::InProgress];
    // Due within a day and not yet reminded for this deadline: one reminder on the case.
    let soon: Vec<(OpinionId, i64, Option<chrono::NaiveDateTime>)> = opinions::table
        .filter(opinions::status.eq_any(running))
        .filter(opinions::due_at.gt(at).and(opinions::due_at.le(at + Duration::hours(24))))
        .select((opinions::id, opinions::committee_id, opinions::assigned_at))
        .load(conn)?;
    let mut reminded = 0;
    for (id, committee, assigned) in soon {
        let already: i64 = opinion_events::table
            .filter(opinion_events::opinion_id.eq(id).and(opinion_events::kind.eq(EventKind::Reminded)))
            .filter(opinion_events::created_at.ge(assigned.unwrap_or_default()))
            .count()
            .get_result(conn)?;
        if already == 0 {
            internal_event(conn, committee, id, EventKind::Reminded)?;
            reminded += 1;
        }
    }
    // Overdue: escalated (督办) to the district once per deadline.
    let late: Vec<(OpinionId, i64)> = opinions::table
        .filter(opinions::status.eq_any(running))
        .filter(opinions::due_at.lt(at))
        .filter(opinions::escalated_at.is_null())
        .select((opinions::id, opinions::committee_id))
        .load(conn)?;
    for (id, committee) in &late {
        diesel::update(opinions::table.find(*id)).set(opinions::escalated_at.eq(Some(at))).execute(conn)?;
        internal_event(conn, *committee, *id, EventKind::Escalated)?;
        audit::record(
            conn,
            Who::System { committee_id: Some(crate::kernel::ids::CommitteeId(*committee)), name: "督办" },
            Change::new("opinion.escalated", "opinion", id),
        )?;
    }
    // Answered and not rated in 15 days: closed as 未评价.
    let stale: Vec<OpinionId> = opinions::table
        .filter(opinions::status.eq(Status::Answered))
        .filter(opinions::answered_at.lt(at - Duration::days(AUTO_CLOSE_DAYS)))
        .select(opinions::id)
        .load(conn)?;
    for id in &stale {
        cases::auto_close_unscoped(conn, *id)?;
    }
    let sign_late = flag_sign_late(conn, at)?;
    if sign_late > 0 {
        tracing::info!(sign_late, "cases not signed for in time");
    }
    Ok((reminded, late.len(), stale.len()))
}

/// Assigned and not signed for within a working day: one internal `sign_late`
/// event per assignment (a reassignment starts a new day to sign). Returns how
/// many cases were flagged now.
fn flag_sign_late(conn: &mut DbConn, at: NaiveDateTime) -> AppResult<usize> {
    use diesel::dsl::{exists, not};
    // The sign-for deadline ends a whole working day after the day of
    // assignment, so at least 24 hours later: younger cases cannot be late yet.
    let flagged = opinion_events::table
        .filter(opinion_events::opinion_id.eq(opinions::id))
        .filter(opinion_events::kind.eq(EventKind::SignLate))
        .filter(opinion_events::created_at.nullable().ge(opinions::assigned_at));
    let candidates: Vec<(OpinionId, i64, Option<NaiveDateTime>)> = opinions::table
        .filter(opinions::status.eq(Status::Assigned))
        .filter(opinions::signed_at.is_null())
        .filter(opinions::assigned_at.le(at - Duration::hours(24)))
        .filter(not(exists(flagged)))
        .select((opinions::id, opinions::committee_id, opinions::assigned_at))
        .load(conn)?;
    let mut n = 0;
    for (id, committee, assigned) in candidates {
        let Some(assigned) = assigned else { continue };
        let due =
            super::store::deadline::due_at(conn, CommitteeId(committee), assigned, model::SIGN_WITHIN_WORKING_DAYS)?;
        if due >= at {
            continue;
        }
        internal_event(conn, committee, id, EventKind::SignLate)?;
        audit::record(
            conn,
            Who::System { committee_id: Some(CommitteeId(committee)), name: "签收超时" },
            Change::new("opinion.sign_late", "opinion", id),
        )?;
        n += 1;
    }
    Ok(n)
}

// The morning digest: one in-app message a working day per handling unit with
// work waiting, instead of one message per case.

/// What one unit has waiting.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DigestCounts {
    /// Its township's cases waiting to be accepted or assigned (offices only).
    pub new: usize,
    /// Assigned to it, not signed for.
    pub to_sign: usize,
    /// Its cases due by the end of the second working day from today.
    pub due_soon: usize,
    pub overdue: usize,
    /// Every case it holds with a deadline running.
    pub in_hand: usize,
}

impl DigestCounts {
    pub fn is_empty(&self) -> bool {
        self.new == 0 && self.in_hand == 0
    }

    /// The message, in the committee's language like every outgoing message.
    pub fn body(&self) -> String {
        Lang::Zh
            .t("digest.body")
            .replace("%{new}", &self.new.to_string())
            .replace("%{to_sign}", &self.to_sign.to_string())
            .replace("%{due_soon}", &self.due_soon.to_string())
            .replace("%{overdue}", &self.overdue.to_string())
            .replace("%{in_hand}", &self.in_hand.to_string())
    }
}

/// An open case as the digest counts it.
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub status: Status,
    pub office: Option<i64>,
    pub assignee: Option<(AssigneeKind, i64)>,
    pub due_at: Option<NaiveDateTime>,
}

/// The digest's counts per unit at `at`; `soon_until` is the end of the
/// second working day from `at`. Cases held by a member are not in the digest
/// (members read their own list).
pub fn tally(cases: &[OpenCase], at: NaiveDateTime, soon_until: NaiveDateTime) -> BTreeMap<Unit, DigestCounts> {
    let mut units: BTreeMap<Unit, DigestCounts> = BTreeMap::new();
    for c in cases {
        if matches!(c.status, Status::Submitted | Status::Accepted)
            && let Some(o) = c.office
        {
            units.entry(Unit::Office(OfficeId(o))).or_default().new += 1;
        }
        let unit = match c.assignee {
            Some((AssigneeKind::Department, id)) => Unit::Department(DepartmentId(id)),
            Some((AssigneeKind::Office, id)) => Unit::Office(OfficeId(id)),
            _ => continue,
        };
        if !c.status.deadline_runs() {
            continue;
        }
        let u = units.entry(unit).or_default();
        u.in_hand += 1;
        if c.status == Status::Assigned {
            u.to_sign += 1;
        }
        match c.due_at {
            Some(d) if d < at => u.overdue += 1,
            Some(d) if d <= soon_until => u.due_soon += 1,
            _ => {}
        }
    }
    units.retain(|_, c| !c.is_empty());
    units
}

/// Writes the day's digest for every committee whose working day `at` is: one
/// in-app message per unit with work waiting. Returns the messages written; a
/// second run on the same day writes none.
#[tracing::instrument(level = "debug", skip_all)]
pub fn digest(conn: &mut DbConn, at: NaiveDateTime) -> AppResult<usize> {
    let day = shanghai_date(at);
    let subject = format!("digest:{day}");
    let open = [Status::Submitted, Status::Accepted, Status::Assigned, Status::InProgress];
    type Row = (i64, Status, Option<i64>, Option<AssigneeKind>, Option<i64>, Option<NaiveDateTime>);
    let rows: Vec<Row> = opinions::table
        .filter(opinions::status.eq_any(open))
        .select((
            opinions::committee_id,
            opinions::status,
            opinions::office_id,
            opinions::assignee_kind,
            opinions::assignee_id,
            opinions::due_at,
        ))
        .load(conn)?;
    let mut by_committee: BTreeMap<i64, Vec<OpenCase>> = BTreeMap::new();
    for (committee, status, office, kind, assignee, due_at) in rows {
        let assignee = kind.zip(assignee);
        by_committee.entry(committee).or_default().push(OpenCase { status, office, assignee, due_at });
    }
    let mut written = 0;
    for (committee, cases) in by_committee {
        let committee = CommitteeId(committee);
        if !is_working_day(conn, committee, day)? {
            continue;
        }
        let soon_until = super::store::deadline::due_at(conn, committee, at, 2)?;
        let units = tally(&cases, at, soon_until);
        if units.is_empty() {
            continue;
        }
        let dept_names: Vec<(DepartmentId, String)> = departments::table
            .filter(departments::committee_id.eq(committee))
            .select((departments::id, departments::name))
            .load(conn)?;
        let office_names: Vec<(OfficeId, String)> = offices::table
            .filter(offices::committee_id.eq(committee))
            .select((offices::id, offices::name))
            .load(conn)?;
        for (unit, counts) in units {
            if inapp::has(conn, committee, unit, &subject)? {
                continue;
            }
            let name = match unit {
                Unit::Department(d) => dept_names.iter().find(|(x, _)| *x == d).map(|(_, n)| n.clone()),
                Unit::Office(o) => office_names.iter().find(|(x, _)| *x == o).map(|(_, n)| n.clone()),
                _ => None,
            }
            .unwrap_or_else(|| unit.to_string());
            // Delivered by being there: the unit's inbox shows its latest digest.
            inapp::post(conn, committee, unit, &name, &subject, &counts.body())?;
            written += 1;
        }
    }
    Ok(written)
}

fn is_working_day(conn: &mut DbConn, committee: CommitteeId, day: NaiveDate) -> AppResult<bool> {
    let cal = crate::kernel::calendar::store::load_unscoped(conn, committee, day.year(), day.year())?;
    Ok(cal.is_working_day(day))
}

/// An internal note by the sweep on a case's timeline.
fn internal_event(conn: &mut DbConn, committee: i64, id: OpinionId, kind: EventKind) -> AppResult<()> {
    cases::event(conn, CommitteeId(committee), id, kind, None, None, "系统", false, "")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_the_code_and_links_when_it_can() {
        let plain = message("湖滨区政协", "ABCDE23456", EventKind::Answered, None);
        assert_eq!(plain, "【湖滨区政协】您反映的问题（查询码 ABCDE23456）已有答复，请凭查询码查看并评价。");
        let linked = message("湖滨区政协", "ABCDE23456", EventKind::Answered, Some("https://xs.example.cn/"));
        assert!(linked.ends_with("查看：https://xs.example.cn/track/ABCDE23456"), "{linked}");
        let first = message("湖滨区政协", "ABCDE23456", EventKind::Submitted, Some("https://xs.example.cn"));
        assert_eq!(
            first,
            "【湖滨区政协】您反映的问题（查询码 ABCDE23456）已收到，请保存查询码，凭它查看办理进度。查看：https://xs.example.cn/track/ABCDE23456"
        );
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn the_digest_counts_what_each_unit_has_waiting() {
        let at = t("2026-12-01 00:00");
        let soon = t("2026-12-03 15:59");
        let case =
            |status, office, assignee, due: Option<&str>| OpenCase { status, office, assignee, due_at: due.map(t) };
        let d3 = Some((AssigneeKind::Department, 3));
        let cases = vec![
            case(Status::Submitted, Some(5), None, None),
            case(Status::Accepted, Some(5), None, None),
            // Waiting for the district (no office): nobody's digest.
            case(Status::Submitted, None, None, None),
            case(Status::Assigned, Some(5), d3, Some("2026-12-10 15:59")),
            case(Status::InProgress, Some(6), d3, Some("2026-12-02 15:59")),
            case(Status::InProgress, Some(6), d3, Some("2026-11-30 15:59")),
            case(Status::Assigned, Some(6), Some((AssigneeKind::Office, 6)), Some("2026-12-03 15:59")),
            // A member's case and a case under answer review are not counted.
            case(Status::Assigned, Some(7), Some((AssigneeKind::Member, 9)), Some("2026-11-30 15:59")),
            case(Status::AnswerReview, Some(7), Some((AssigneeKind::Department, 4)), Some("2026-11-30 15:59")),
        ];
        let units = tally(&cases, at, soon);
        assert_eq!(units.len(), 3, "{units:?}");
        let (office, dept) = (|o| Unit::Office(OfficeId(o)), |d| Unit::Department(DepartmentId(d)));
        assert_eq!(units[&office(5)], DigestCounts { new: 2, ..Default::default() });
        assert_eq!(units[&dept(3)], DigestCounts { new: 0, to_sign: 1, due_soon: 1, overdue: 1, in_hand: 3 });
        assert_eq!(units[&office(6)], DigestCounts { to_sign: 1, due_soon: 1, in_hand: 1, ..Default::default() });
        assert!(!units.contains_key(&office(7)) && !units.contains_key(&dept(4)));
        let body = units[&dept(3)].body();
        assert!(body.contains("待签收 1 件") && body.contains("已超期 1 件"), "{body}");
    }
}
