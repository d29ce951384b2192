//! Members' Homes (委员之家): the 六有 compliance board, one home's checklist,
//! evidence uploads.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{Html, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::done;
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{self, Accept};
use crate::kernel::ids::OfficeId;
use crate::kernel::state::AppState;
use crate::kernel::web::view::view;
use crate::kernel::web::{Page, render};
use crate::org::model::{self, HomeItem, ItemStatus};
use crate::org::store::homes::{self, BoardRow, Home, ItemView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/homes", get(board))
        .route("/homes/{office}", view(show))
        .route("/homes/{office}/items/{item}", post(check_item))
        .route("/homes/{office}/items/{item}/evidence", post(add_evidence))
        .route("/homes/evidence/{id}", get(evidence_file))
}

#[derive(Template)]
#[template(path = "org/homes.html")]
struct BoardTemplate {
    page: Page,
    rows: Vec<BoardRow>,
    items: &'static [HomeItem],
}

async fn board(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let rows = st.db.read(move |c| homes::board(c, &me)).await?;
    render(&BoardTemplate { page, rows, items: HomeItem::ALL })
}

#[derive(Template)]
#[template(path = "org/home.html")]
struct HomeTemplate {
    page: Page,
    home: Home,
    items: Vec<ItemView>,
    can_manage: bool,
    statuses: &'static [ItemStatus],
}

fn show(c: &mut DbConn, me: &Actor, office: i64, page: Page) -> AppResult<HomeTemplate> {
    let office = OfficeId(office);
    let (home, items) = homes::detail(c, me, office)?.ok_or(AppError::NotFound)?;
    Ok(HomeTemplate { page, home, items, can_manage: model::can_manage_office(me, office), statuses: ItemStatus::ALL })
}

#[derive(Deserialize)]
struct CheckForm {
    status: String,
    note: Option<String>,
}

async fn check_item(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path((office, item)): Path<(i64, String)>,
    Form(f): Form<CheckForm>,
) -> AppResult<Redirect> {
    let result = async {
        let item = HomeItem::parse(&item).ok_or(AppError::NotFound)?;
        let status = ItemStatus::parse(&f.status).ok_or(AppError::BadRequest("form.bad_choice"))?;
        let note = f.note.unwrap_or_default();
        st.db.write(move |c| homes::check_item(c, &me, OfficeId(office), item, status, &note)).await
    }
    .await;
    done(&session, result, "home.saved", &format!("/homes/{office}")).await
}

/// A photo or document (and/or a note) as evidence for one item. The file is
/// checked and stored first; its row and the evidence row then commit together.
async fn add_evidence(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path((office, item)): Path<(i64, String)>,
    mp: Multipart,
) -> AppResult<Redirect> {
    let office_id = OfficeId(office);
    let result = async {
        let item = HomeItem::parse(&item).ok_or(AppError::NotFound)?;
        // Refuse before storing anything when the user may not add evidence here.
        if !model::can_manage_office(&me, office_id) {
            return Err(AppError::Forbidden);
        }
        let (fields, stored) = st.files.read_and_store(mp, 1, Accept::ImagesAndDocuments).await?;
        let note = fields.get("note").cloned().unwrap_or_default();
        let stored = stored.into_iter().next();
        st.db
            .write(move |c| {
                let file = match &stored {
                    Some(s) => Some(files::insert_row(c, &me, s)?),
                    None => None,
                };
                homes::add_evidence(c, &me, office_id, item, file, &note).map(|_| ())
            })
            .await
    }
    .await;
    done(&session, result, "home.evidence_added", &format!("/homes/{office}")).await
}

async fn evidence_file(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let row = st.db.read(move |c| homes::evidence_file(c, &me, id)).await?.ok_or(AppError::NotFound)?;
    st.files.respond(&row, crate::kernel::files::Audience::Private).await
}
