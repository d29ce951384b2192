//! `/`: each role's home page.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use crate::activities::store::activities::Activity;
use crate::activities::store::attendance::{self, Attendee};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::notify::Message;
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, render};
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
    /// A member's invitations to come, with their reply.
    invitations: Vec<(Activity, Attendee)>,
    /// Reminders about liaison points for the user's office, record or district.
    notices: Vec<Message>,
    /// A member's consultation invitations to come, with their reply.
    consultations: Vec<(crate::consultations::store::consultations::Consultation, String)>,
    /// Consultation invitations, item reminders and overdue items for the user's unit.
    consultation_notices: Vec<Message>,
}

impl HomeTemplate {
    fn reply_key(&self, r: &str) -> String {
        crate::consultations::model::Reply::parse(r).map(|r| r.label_key()).unwrap_or_default()
    }
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
                attendance::upcoming(c, &me)?,
                crate::activities::store::notices(c, &me)?,
                crate::consultations::store::consultations::upcoming(c, &me)?,
                crate::consultations::store::notices(c, &me)?,
            ))
        })
        .await?;
    render(&HomeTemplate { page, committee, offices, own, invitations, notices, consultations, consultation_notices })
}
