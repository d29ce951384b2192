//! What the staff pages show, each gathered in one read for the acting user:
//! the case page, the inbox, the form for entering a slip. The case page shows
//! the submitter masked; showing them in full is the audited write
//! `cases::personal_data`, made only when the viewer asks.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::cases::{self, Attachment, Event, InboxFilter, InboxRow, Opinion, Roles};
use super::catalog::{self, Category};
use super::{extensions, urgent};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{departments, members, offices, opinion_events};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, MemberId, OfficeId, OpinionId};
use crate::kernel::notify::{Message, inapp};
use crate::kernel::personal::{Vault, mask_name, mask_phone};
use crate::kernel::time::now;
use crate::opinions::model::{self, Action, Assignee, EventKind, Extension, Party, Source, Status};
use crate::org::store::departments::{self as org_departments, Department};
use crate::org::store::{self as org, Office};

/// The staff case page.
pub struct CasePage {
    pub o: Opinion,
    pub roles: Roles,
    pub events: Vec<Event>,
    pub photos: Vec<Attachment>,
    pub office: Option<String>,
    pub locality: Option<String>,
    pub category: Option<String>,
    /// The handler's name.
    pub assignee: Option<String>,
    /// The submitter, masked (王**, 139****1234) unless `revealed`.
    pub name: Option<String>,
    pub phone: Option<String>,
    pub revealed: bool,
    /// Handlers the assign form offers: active departments, the offices.
    pub departments: Vec<Department>,
    pub offices: Vec<Office>,
    /// Members a case may be assigned to (the dispatcher picks).
    pub members: Vec<(MemberId, String)>,
    /// Duplicate candidates by text: (id, code, first words).
    pub similar: Vec<(OpinionId, String, String)>,
    pub overdue: bool,
    /// The routing table's handler for an unassigned case, preselected in the
    /// assign form when the form offers it.
    pub default_assignee: Option<Assignee>,
    pub sign_late: bool,
    /// The handler's request for more time on this assignment.
    pub extension: Option<Extension>,
    /// The 12345 hotline's work-order number, when it sent or took the case.
    pub hotline_order: Option<String>,
}

impl CasePage {
    /// Whether the page offers `action` to the viewer.
    pub fn can(&self, action: Action) -> bool {
        let party = match action {
            Action::Sign | Action::Return | Action::Answer if self.roles.handler => Party::Handler,
            _ if self.roles.dispatcher => Party::Dispatcher,
            _ => return false,
        };
        model::next(self.o.status, action, party, self.o.reopened).is_ok()
    }
    pub fn can_request_extension(&self) -> bool {
        self.roles.handler && model::may_request_extension(self.o.status, self.extension).is_ok()
    }
    pub fn extension_pending(&self) -> bool {
        self.roles.dispatcher && self.extension.is_some_and(Extension::pending)
    }
    pub fn can_mark_urgent(&self) -> bool {
        !self.o.status.is_final()
    }
    pub fn is_default_department(&self, id: &DepartmentId) -> bool {
        self.default_assignee == Some(Assignee::Department(*id))
    }
    pub fn is_default_office(&self, id: &OfficeId) -> bool {
        self.default_assignee == Some(Assignee::Office(*id))
    }

    /// The submitter in full, after the audited `cases::personal_data`.
    pub fn reveal(&mut self, vault: &Vault, name_enc: Option<String>, phone_enc: Option<String>) -> AppResult<()> {
        self.name = name_enc.map(|s| vault.decrypt(&s)).transpose()?;
        self.phone = phone_enc.map(|s| vault.decrypt(&s)).transpose()?;
        self.revealed = true;
        Ok(())
    }
}

/// A handler's name by its id (a case of the committee holds it).
fn assignee_name(conn: &mut DbConn, a: Assignee) -> AppResult<Option<String>> {
    Ok(match a {
        Assignee::Department(d) => departments::table.find(d).select(departments::name).get_result(conn).optional()?,
        Assignee::Office(o) => offices::table.find(o).select(offices::name).get_result(conn).optional()?,
        Assignee::Member(m) => members::table.find(m).select(members::name).get_result(conn).optional()?,
    })
}

/// The case page, if the actor may see the case; the submitter masked.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id))]
pub fn case_page(conn: &mut DbConn, actor: &Actor, id: OpinionId, vault: &Vault) -> AppResult<CasePage> {
    let o = cases::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let roles = cases::roles(conn, actor, &o)?;
    let clear = |v: &Option<String>| v.as_deref().map(|s| vault.decrypt(s)).transpose();
    let name = clear(&o.submitter_name)?.map(|n| mask_name(&n));
    let phone = clear(&o.submitter_phone)?.map(|p| mask_phone(&p));
    let names = cases::names(conn, &o)?;
    let assignee = match o.assignee {
        Some(a) => assignee_name(conn, a)?,
        None => None,
    };
    // Duplicate candidates from text similarity, for staff triaging a new case.
    let mut similar = vec![];
    if roles.dispatcher && matches!(o.status, Status::Submitted | Status::Accepted) {
        let found = crate::kernel::search::similar(conn, o.committee_id, "opinion", &o.body, 12, 5)?;
        for (other, _) in found.into_iter().filter(|(x, _)| *x != o.id.0) {
            if let Some(x) = cases::get(conn, actor, OpinionId(other))? {
                similar.push((x.id, x.code, x.body.chars().take(40).collect()));
            }
        }
    }
    let departments: Vec<Department> = org_departments::list(conn, actor)?.into_iter().filter(|d| d.active).collect();
    let offices = org::list_offices(conn, actor)?;
    // Only a handler the form offers can be preselected (members and
    // deactivated departments are not in it).
    let default_assignee =
        match o.assignee {
            Some(_) => None,
            None => catalog::route_for(conn, o.committee_id, o.category_id, o.office_id)?.map(|r| r.assignee()).filter(
                |a| match *a {
                    Assignee::Department(d) => departments.iter().any(|x| x.id == d),
                    Assignee::Office(x) => offices.iter().any(|o| o.id == x),
                    Assignee::Member(_) => false,
                },
            ),
        };
    let events = cases::timeline(conn, id, false)?;
    let flags = events.iter().filter(|e| e.kind == EventKind::SignLate).map(|e| e.created_at);
    let sign_late = model::shows_sign_late(o.status, o.assigned_at, flags);
    let members =
        if roles.dispatcher { crate::org::store::members::choices(conn, actor, o.office_id)? } else { vec![] };
    Ok(CasePage {
        photos: cases::files_of(conn, id)?,
        extension: extensions::of_case(conn, id)?,
        hotline_order: super::links::hotline_order_unscoped(conn, id)?,
        overdue: o.is_overdue(now()),
        office: names.office,
        locality: names.locality,
        category: names.category,
        assignee,
        name,
        phone,
        revealed: false,
        roles,
        events,
        departments,
        offices,
        members,
        similar,
        default_assignee,
        sign_late,
        o,
    })
}

/// The staff inbox page.
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    pub offices: Vec<Office>,
    pub categories: Vec<Category>,
    /// Active departments, for bulk assigning.
    pub departments: Vec<Department>,
    /// The latest morning digest of the user's unit.
    pub digest: Option<Message>,
    /// Urgent cases waiting for the user's unit to sign for them.
    pub alerts: Vec<urgent::Alert>,
    /// Rows flagged 签收超时.
    pub sign_late: HashSet<OpinionId>,
}

/// The inbox: the actor's cases, filtered, and with `query` those the
/// full-text search finds (its newest 500 matches, then the scope and filters).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, search = query.is_some()))]
pub fn inbox_page(conn: &mut DbConn, actor: &Actor, filter: InboxFilter, query: Option<&str>) -> AppResult<InboxPage> {
    let rows = find(conn, actor, filter, query)?;
    let unit = crate::org::store::units::handling_unit(conn, actor)?;
    Ok(InboxPage {
        sign_late: sign_late_among(conn, rows.iter().map(|r| &r.opinion))?,
        alerts: match unit {
            Some(u) => urgent::waiting(conn, actor, u)?,
            None => vec![],
        },
        digest: match unit {
            Some(u) => inapp::to_unit(conn, actor.committee_id, u, "digest:%", 1)?.pop(),
            None => None,
        },
        offices: org::list_offices(conn, actor)?,
        categories: catalog::categories(conn, actor)?,
        departments: org_departments::list(conn, actor)?.into_iter().filter(|d| d.active).collect(),
        rows,
    })
}

/// A page of the actor's cases, filtered, and with `query` those the
/// full-text search finds (its newest 500 matches, then the scope and
/// filters): the inbox's rows, and the API's list.
pub fn find(
    conn: &mut DbConn,
    actor: &Actor,
    mut filter: InboxFilter,
    query: Option<&str>,
) -> AppResult<Vec<InboxRow>> {
    if let Some(text) = query {
        let before = filter.before.map(|b| b.0);
        let ids = crate::kernel::search::search(conn, actor.committee_id, "opinion", text, 500, before)?;
        filter.ids = Some(ids.into_iter().map(OpinionId).collect());
    }
    cases::inbox(conn, actor, &filter)
}

/// The cases among `rows` (the actor's, read already) that wear the 签收超时
/// tag: one query for a page.
fn sign_late_among<'a>(
    conn: &mut DbConn,
    rows: impl IntoIterator<Item = &'a Opinion>,
) -> AppResult<HashSet<OpinionId>> {
    let waiting: Vec<&Opinion> = rows.into_iter().filter(|o| o.status == Status::Assigned).collect();
    if waiting.is_empty() {
        return Ok(HashSet::new());
    }
    let flags: Vec<(OpinionId, NaiveDateTime)> = opinion_events::table
        .filter(opinion_events::opinion_id.eq_any(waiting.iter().map(|o| o.id).collect::<Vec<_>>()))
        .filter(opinion_events::kind.eq(EventKind::SignLate))
        .select((opinion_events::opinion_id, opinion_events::created_at))
        .load(conn)?;
    Ok(waiting
        .into_iter()
        .filter(|o| {
            let mine = flags.iter().filter(|(id, _)| *id == o.id).map(|f| f.1);
            model::shows_sign_late(o.status, o.assigned_at, mine)
        })
        .map(|o| o.id)
        .collect())
}

/// The form for entering a paper slip or an opinion heard at an activity.
pub struct EntryForm {
    pub offices: Vec<Office>,
    pub categories: Vec<Category>,
    pub members: Vec<(MemberId, String)>,
    pub sources: Vec<Source>,
}

/// The entry form, for those who enter cases (`model::is_dispatcher`).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn entry_form(conn: &mut DbConn, actor: &Actor) -> AppResult<EntryForm> {
    if !model::is_dispatcher(actor) {
        return Err(AppError::Forbidden);
    }
    Ok(EntryForm {
        offices: org::list_offices(conn, actor)?,
        categories: catalog::categories(conn, actor)?,
        members: crate::org::store::members::choices(conn, actor, actor.office_id)?,
        sources: vec![Source::Paper, Source::Activity],
    })
}
