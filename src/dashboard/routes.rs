//! `/`: each role's home page.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::notify::Message;
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};
use crate::meetings::store::attendees::{self, Invitation, Kind};
use crate::org::store::liaisons::{self, MemberLink};
use crate::org::store::members::{self, Member};
use crate::org::store::{self as org_store, Committee, Office};

#[derive(Template)]
#[template(path = "dashboard/home.html")]
struct HomeTemplate {
    page: Page,
    committee: Committee,
    offices: Vec<Office>,
    /// A member's own record and liaison points.
    own: Option<(Member, Vec<MemberLink>)>,
    /// A member's invitations to activities to come, with their reply.
    invitations: Vec<Invitation>,
    /// Reminders about liaison points for the user's office, record or district.
    notices: Vec<Message>,
    /// A member's consultation invitations to come, with their reply.
    consultations: Vec<Invitation>,
    /// Consultation invitations, item reminders and overdue items for the user's unit.
    consultation_notices: Vec<Message>,
}

pub async fn home(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let (committee, offices, own, invitations, notices, consultations, consultation_notices) = st
        .db
        .read(move |c| {
            let own = match members::own_record(c, &me)? {
                Some(m) => {
                    let links = liaisons::of_member(c, &me, m.id)?;
                    Some((m, links))
                }
                None => None,
            };
            Ok((
                org_store::committee(c, &me)?,
                org_store::list_offices(c, &me)?,
                own,
                attendees::upcoming(c, &me, Kind::Activity)?,
                crate::activities::store::notices(c, &me)?,
                attendees::upcoming(c, &me, Kind::Consultation)?,
                crate::consultations::store::notices(c, &me)?,
            ))
        })
        .await?;
    render(&HomeTemplate { page, committee, offices, own, invitations, notices, consultations, consultation_notices })
}
