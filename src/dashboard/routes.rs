//! `/`: each role's home page, its work queue.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::queue::{self, Queue};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
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
    q: Queue,
}

impl HomeTemplate {
    /// The district's staff find the dashboard from their work queue.
    fn is_district(&self) -> bool {
        self.page.user.as_ref().is_some_and(|u| u.role == crate::kernel::auth::Role::DistrictAdmin)
    }
}

/// The signed-in user's home.
pub async fn home(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let (committee, offices, own, q) = st
        .db
        .read(move |c| {
            let own = match members::own_record(c, &me)? {
                Some(m) => {
                    let links = liaisons::of_member(c, &me, m.id)?;
                    Some((m, links))
                }
                None => None,
            };
            Ok((org_store::committee(c, &me)?, org_store::list_offices(c, &me)?, own, queue::gather(c, &me)?))
        })
        .await?;
    render(&HomeTemplate { page, committee, offices, own, q })
}
