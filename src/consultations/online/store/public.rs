//! The residents' side of online consultations, with no login: the list of
//! those open to residents, one consultation's page with its published
//! comments, and a resident's comment, held for staff. The same protections
//! as the opinion box: limits per address and per phone counted in the
//! database, the arithmetic question after a few comments; nothing here
//! returns personal data in clear.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::comments::{self, New, Shown, View};
use super::phase::{self, Online};
use crate::consultations::online::model::{self, Author, SectorCount};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{consultations, offices, online_consultations as oo};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::guard;
use crate::kernel::ids::{CommitteeId, ConsultationId, OnlineCommentId};
use crate::kernel::personal::Vault;
use crate::opinions::model::{PER_IP_PER_HOUR, PER_PHONE_PER_DAY, Screen, asks_question};
use crate::org::store as org;

/// Who is commenting, as the limits count: the address, and the phone's
/// blind index (never the number). Counted apart from the box's submissions.
#[derive(Debug, Clone)]
pub struct Sender {
    ip_key: String,
    phone_key: Option<String>,
}

impl Sender {
    pub fn new(ip: &str, phone_index: Option<&str>) -> Sender {
        Sender { ip_key: format!("online:ip:{ip}"), phone_key: phone_index.map(|p| format!("online:phone:{p}")) }
    }

    fn recent(&self, conn: &mut DbConn) -> AppResult<i32> {
        guard::count(conn, &self.ip_key, Duration::hours(1))
    }

    /// Counts one comment against the address and the phone; false when
    /// either is over its limit.
    fn hit(&self, conn: &mut DbConn) -> AppResult<bool> {
        let by_ip = guard::hit(conn, &self.ip_key, Duration::hours(1), PER_IP_PER_HOUR)?;
        let by_phone = match &self.phone_key {
            Some(k) => guard::hit(conn, k, Duration::days(1), PER_PHONE_PER_DAY)?,
            None => true,
        };
        Ok(by_ip && by_phone)
    }
}

/// A line of the public list.
#[derive(Debug, Clone)]
pub struct Listed {
    pub consultation_id: ConsultationId,
    pub title: String,
    pub office: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
}

impl Listed {
    pub fn phase_label_key(&self) -> String {
        model::phase(self.opens_at, self.closes_at, crate::kernel::time::now()).label_key()
    }
}

/// The committee with code `code`: its name and the online consultations
/// open to residents, newest first.
#[tracing::instrument(level = "debug", skip_all, fields(committee = code))]
pub fn list(conn: &mut DbConn, code: &str) -> AppResult<(String, Vec<Listed>)> {
    let c = org::committee_by_code_unscoped(conn, code)?.ok_or(AppError::NotFound)?;
    let rows: Vec<(ConsultationId, String, String, NaiveDateTime, NaiveDateTime)> = oo::table
        .inner_join(consultations::table.inner_join(offices::table))
        .filter(oo::committee_id.eq(c.id).and(oo::residents_open.eq(true)))
        .order(oo::opens_at.desc())
        .limit(50)
        .select((oo::consultation_id, consultations::title, offices::name, oo::opens_at, oo::closes_at))
        .load(conn)?;
    let listed = rows
        .into_iter()
        .map(|(consultation_id, title, office, opens_at, closes_at)| Listed {
            consultation_id,
            title,
            office,
            opens_at,
            closes_at,
        })
        .collect();
    Ok((c.name, listed))
}

/// One online consultation's public page.
#[derive(Debug, Clone)]
pub struct Page {
    pub committee: String,
    pub title: String,
    pub background: String,
    pub office: String,
    pub online: Online,
    pub comments: Vec<Shown>,
    pub figures: Vec<SectorCount>,
    /// The resident must answer the question before commenting.
    pub ask_question: bool,
}

/// The online phase of consultation `id` of committee `code`, if it is open
/// to residents; else not found.
fn opened(conn: &mut DbConn, code: &str, id: ConsultationId) -> AppResult<(CommitteeId, String, Online)> {
    let c = org::committee_by_code_unscoped(conn, code)?.ok_or(AppError::NotFound)?;
    let o = phase::of_consultation(conn, c.id, id)?.filter(|o| o.residents_open).ok_or(AppError::NotFound)?;
    Ok((c.id, c.name, o))
}

/// The page of consultation `id` of committee `code`. `sender`: count its
/// comments to decide on the question (none when the form comes back after
/// a refusal, which says itself whether to ask).
#[tracing::instrument(level = "debug", skip_all, fields(committee = code, id = ?id))]
pub fn page(
    conn: &mut DbConn,
    code: &str,
    id: ConsultationId,
    sender: Option<&Sender>,
    vault: &Vault,
) -> AppResult<Page> {
    let (_, committee, online) = opened(conn, code, id)?;
    let (title, background, office): (String, String, String) = consultations::table
        .inner_join(offices::table)
        .filter(consultations::id.eq(id))
        .select((consultations::title, consultations::background, offices::name))
        .first(conn)?;
    let ask_question = match sender {
        Some(s) => asks_question(s.recent(conn)?),
        None => false,
    };
    Ok(Page {
        comments: comments::thread(conn, &online, View::Public, vault)?,
        figures: phase::figures(conn, &online)?,
        committee,
        title,
        background,
        office,
        online,
        ask_question,
    })
}

/// What the page does with a comment (the box's `screen`), from the
/// address's and the phone's counts. `answered`: the question was rightly
/// answered.
#[tracing::instrument(level = "debug", skip_all, fields(answered))]
pub fn screen(conn: &mut DbConn, sender: &Sender, answered: bool) -> AppResult<Screen> {
    let recent = sender.recent(conn)?;
    let by_phone = match &sender.phone_key {
        Some(k) => guard::count(conn, k, Duration::days(1))?,
        None => 0,
    };
    Ok(crate::opinions::model::screen(recent, by_phone, answered))
}

/// A refused attempt counts too: an address that keeps trying stays limited.
#[tracing::instrument(level = "debug", skip_all)]
pub fn count_refused(conn: &mut DbConn, sender: &Sender) -> AppResult<()> {
    sender.hit(conn)?;
    Ok(())
}

/// A resident's comment as the page sends it, personal data encrypted.
#[derive(Debug, Clone, Default)]
pub struct Comment {
    pub parent: Option<OnlineCommentId>,
    pub body: String,
    pub name_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
}

/// Stores a resident's comment, held for staff, counted against the limits
/// in the same transaction. `None` when a limit was reached meanwhile.
#[tracing::instrument(level = "debug", skip_all, fields(committee = code, id = ?id))]
pub fn submit(
    conn: &mut DbConn,
    code: &str,
    id: ConsultationId,
    sender: &Sender,
    n: &Comment,
) -> AppResult<Option<OnlineCommentId>> {
    // Over a limit: nothing filed, and the hit stays counted (`Ok` commits),
    // as with `count_refused`. A comment `file` refuses (an error) rolls the
    // transaction back, its hit with it: a mistyped comment costs nothing.
    if !sender.hit(conn)? {
        return Ok(None);
    }
    file(conn, code, id, n).map(Some)
}

/// Files a resident's comment with no limit counted: `submit`, and the demo,
/// which replays what residents sent.
#[tracing::instrument(level = "debug", skip_all, fields(committee = code, id = ?id))]
pub fn file(conn: &mut DbConn, code: &str, id: ConsultationId, n: &Comment) -> AppResult<OnlineCommentId> {
    let (committee, _, o) = opened(conn, code, id)?;
    model::may_comment(Author::Resident, false, o.residents_open, o.phase())?;
    let body = model::body(&n.body)?;
    comments::check_parent(conn, &o, n.parent)?;
    let new = New {
        online: &o,
        parent: n.parent,
        author: Author::Resident,
        member: None,
        body: &body,
        name_enc: n.name_enc.clone(),
        phone_enc: n.phone_enc.clone(),
        phone_index: n.phone_index.clone(),
    };
    let comment = comments::insert(conn, new)?;
    audit::record(
        conn,
        Who::System { committee_id: Some(committee), name: "resident" },
        Change::new("online.comment", "online_comment", comment)
            .after(serde_json::json!({ "consultation": id, "parent": n.parent })),
    )?;
    Ok(comment)
}
