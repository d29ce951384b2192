//! Urgent cases (紧急件). Handlers normally learn of their queue from the
//! morning digest; an urgent case instead alerts its handling unit at once, in
//! the same transaction as the assignment, and the alert stays at the top of the
//! unit's inbox until the case is signed for.

use diesel::prelude::*;

use super::cases::{self, Opinion};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::opinions;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::OpinionId;
use crate::kernel::notify::{Unit, inapp};
use crate::kernel::time::{local, now};
use crate::kernel::web::i18n::Lang;
use crate::opinions::model::{Assignee, EventKind, Status};

/// The outbox subject of a case's alert; one alert per case and unit.
fn subject(id: OpinionId) -> String {
    format!("urgent:{id}")
}

/// The unit of a case's handler, as the digest addresses units.
fn unit_of(o: &Opinion) -> Option<Unit> {
    o.assignee.map(Assignee::unit)
}

/// The alert's text: the code, the first words of the case and its deadline.
pub fn text(o: &Opinion) -> String {
    let excerpt: String = o.body.chars().take(40).collect();
    let more = if o.body.chars().count() > 40 { "…" } else { "" };
    Lang::Zh
        .t("urgent.alert")
        .replace("%{code}", &o.code)
        .replace("%{excerpt}", &format!("{excerpt}{more}"))
        .replace("%{due}", &o.due_at.as_ref().map(local).unwrap_or_default())
}

/// Alerts the handler of an urgent case that is waiting for them; does
/// nothing for a case that is not urgent, has no handler yet, or whose unit was
/// already alerted. Returns whether an alert was written. For a case the
/// caller has just changed (`set`, `cases::apply`).
pub(super) fn alert(conn: &mut DbConn, id: OpinionId) -> AppResult<bool> {
    let o = cases::by_id_unscoped(conn, id)?.ok_or(AppError::NotFound)?;
    if !o.urgent || !o.status.deadline_runs() {
        return Ok(false);
    }
    let Some(unit) = unit_of(&o) else { return Ok(false) };
    let subject = subject(id);
    if inapp::has(conn, o.committee_id, unit, &subject)? {
        return Ok(false);
    }
    // Delivered by being there: the unit's inbox lists it until the case is signed.
    inapp::post(conn, o.committee_id, unit, &unit.to_string(), &subject, &text(&o))?;
    // The unit's work groups are outside servers: the code and the deadline, not the resident's words.
    let short = Lang::Zh
        .t("urgent.robot")
        .replace("%{code}", &o.code)
        .replace("%{due}", &o.due_at.as_ref().map(local).unwrap_or_default());
    crate::kernel::notify::robots::store::fan_out(conn, o.committee_id, unit, &subject, &short)?;
    Ok(true)
}

/// Staff mark an open case urgent, or clear the mark; an assigned case alerts
/// its handler at once.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id, urgent))]
pub fn set(conn: &mut DbConn, actor: &Actor, id: OpinionId, urgent: bool) -> AppResult<()> {
    let o = cases::as_dispatcher(conn, actor, id)?;
    if o.status.is_final() {
        return Err(AppError::Conflict("opinion.wrong_state"));
    }
    if o.urgent == urgent {
        return Ok(());
    }
    diesel::update(opinions::table.find(id))
        .set((opinions::urgent.eq(urgent), opinions::updated_at.eq(now())))
        .execute(conn)?;
    let kind = if urgent { EventKind::MarkedUrgent } else { EventKind::UnmarkedUrgent };
    cases::event(conn, o.committee_id, id, kind, None, Some(actor), &actor.display_name, false, "")?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion.urgent", "opinion", id).after(serde_json::json!({ "urgent": urgent })),
    )?;
    if urgent {
        alert(conn, id)?;
    }
    Ok(())
}

/// An alert in a handler's inbox.
#[derive(Debug, Clone)]
pub struct Alert {
    pub opinion_id: OpinionId,
    pub body: String,
    pub at: chrono::NaiveDateTime,
}

/// The alerts for `unit` whose cases still wait to be signed for by it,
/// newest first.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, unit = %unit))]
pub fn waiting(conn: &mut DbConn, actor: &Actor, unit: Unit) -> AppResult<Vec<Alert>> {
    let Some(holder) = Assignee::of_unit(unit) else { return Ok(vec![]) };
    let rows = inapp::to_unit(conn, actor.committee_id, unit, "urgent:%", 50)?;
    let of = |subject: &str| subject.strip_prefix("urgent:")?.parse().ok().map(OpinionId);
    let ids: Vec<OpinionId> = rows.iter().filter_map(|m| of(&m.subject)).collect();
    let (kind, id) = holder.parts();
    let still: Vec<OpinionId> = opinions::table
        .filter(opinions::id.eq_any(&ids))
        .filter(opinions::committee_id.eq(actor.committee_id))
        .filter(opinions::status.eq(Status::Assigned))
        .filter(opinions::assignee_kind.eq(kind).and(opinions::assignee_id.eq(id)))
        .select(opinions::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            let id = of(&m.subject)?;
            still.contains(&id).then_some(Alert { opinion_id: id, body: m.body, at: m.created_at })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::CommitteeId;

    fn case(body: &str) -> Opinion {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("time");
        Opinion {
            id: OpinionId(7),
            committee_id: CommitteeId(1),
            office_id: None,
            locality_id: None,
            category_id: None,
            code: "ABCDE23456".into(),
            source: crate::opinions::model::Source::Paper,
            heard_by: None,
            body: body.into(),
            status: Status::Assigned,
            submitter_name: None,
            submitter_phone: None,
            phone_index: None,
            merged_into: None,
            assignee: Some(Assignee::Department(crate::kernel::ids::DepartmentId(3))),
            assigned_at: Some(t),
            due_at: Some(t),
            signed_at: None,
            reopened: false,
            answer: None,
            answered_at: None,
            rating: None,
            rating_comment: None,
            reject_reason: None,
            public: false,
            escalated_at: None,
            closed_at: None,
            created_at: t,
            updated_at: t,
            urgent: true,
        }
    }

    #[test]
    fn the_alert_names_the_case_and_its_deadline() {
        let o = case("五原路社区燃气管道漏气，请马上处理");
        assert_eq!(unit_of(&o), Some(Unit::Department(crate::kernel::ids::DepartmentId(3))));
        let t = text(&o);
        assert!(t.contains("ABCDE23456") && t.contains("燃气管道漏气") && t.contains("2026-12-01 17:00"), "{t}");
        let long = case(&"漏".repeat(100));
        assert!(text(&long).contains(&format!("{}…", "漏".repeat(40))));
    }
}
