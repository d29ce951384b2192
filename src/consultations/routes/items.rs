//! The agreed items' follow-up: the list of the items the user owns or
//! oversees (a department sees only its own), one item with its notes, and
//! progress, done or explained.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use crate::consultations::model::ItemStatus;
use crate::consultations::store::consultations::Consultation;
use crate::consultations::store::items::{self, Item, ItemFilter, ItemRow, Note};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::routes::download;
use crate::kernel::ids::{FileId, ItemId};
use crate::kernel::state::AppState;
use crate::kernel::web::action::action;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, render};
use crate::meetings::Reply;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consultations/items", get(list))
        .route("/consultations/items/{id}", get(detail))
        .route("/consultations/items/{id}/progress", post(progress))
        .route(
            "/consultations/items/{id}/finish",
            action(
                "consultation.item_finished",
                |id| format!("/consultations/items/{id}"),
                |c, me, id, f: FinishForm| {
                    items::finish(c, me, ItemId(id), f.done()?, &f.explanation.unwrap_or_default())
                },
            ),
        )
        .route("/consultations/items/{id}/files/{file}", download(holds_file))
}

#[derive(Template)]
#[template(path = "consultations/items.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<ItemRow>,
    /// A department's invitations to planned consultations, with its reply.
    invitations: Vec<(Consultation, Reply)>,
    replies: [Reply; 2],
    filter: ItemFilter,
    /// Some filter is on: the page says so and how to see everything.
    filtered: bool,
    statuses: &'static [ItemStatus],
}

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
    overdue: Option<String>,
    due_soon: Option<String>,
    closed_from: Option<String>,
    closed_to: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = ItemFilter {
        status: q.status.as_deref().and_then(ItemStatus::parse),
        overdue: q.overdue.as_deref() == Some("1"),
        due_soon: q.due_soon.as_deref() == Some("1"),
        closed_from: form::date(&q.closed_from)?,
        closed_to: form::date(&q.closed_to)?,
    };
    let (rows, invitations) = st
        .db
        .read(move |c| {
            Ok((items::mine(c, &me, &filter)?, crate::consultations::store::departments::invitations(c, &me)?))
        })
        .await?;
    let filtered = filter != ItemFilter::default();
    render(&ListTemplate {
        page,
        rows,
        invitations,
        replies: Reply::CHOICES,
        filter,
        filtered,
        statuses: ItemStatus::ALL,
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "consultations/item.html")]
struct ItemTemplate {
    page: Page,
    item: Item,
    c: Consultation,
    may_update: bool,
    notes: Vec<Note>,
}

async fn detail(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tpl = st
        .db
        .read(move |conn| {
            let (item, c, may) = items::get(conn, &me, ItemId(id))?.ok_or(AppError::NotFound)?;
            let notes = items::notes_of(conn, &me, item.id)?;
            Ok(ItemTemplate { page, may_update: may && item.is_open(), item, c, notes })
        })
        .await?;
    render(&tpl).map(IntoResponse::into_response)
}

/// A progress note with an optional evidence file (photo or document).
async fn progress(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> AppResult<Redirect> {
    let result = async {
        let (fields, stored) = st.files.read_and_store(mp, 1, crate::kernel::files::Accept::ImagesAndDocuments).await?;
        let note = fields.get("note").cloned().unwrap_or_default();
        let stored = stored.into_iter().next();
        st.db
            .write(move |c| {
                let file = match &stored {
                    Some(s) => Some(crate::kernel::files::insert_row(c, &me, s)?),
                    None => None,
                };
                items::progress(c, &me, ItemId(id), &note, file)
            })
            .await
    }
    .await;
    form_done(&session, result, "consultation.progress_saved", &format!("/consultations/items/{id}")).await
}

#[derive(Deserialize)]
struct FinishForm {
    outcome: String,
    explanation: Option<String>,
}

impl FinishForm {
    /// Done, or explained (说明) why not.
    fn done(&self) -> AppResult<bool> {
        match self.outcome.as_str() {
            "done" => Ok(true),
            "explained" => Ok(false),
            _ => Err(AppError::BadRequest("form.bad_choice")),
        }
    }
}

/// An evidence file of an item the actor may see.
fn holds_file(c: &mut DbConn, me: &Actor, id: i64, file: FileId) -> AppResult<bool> {
    Ok(items::notes_of(c, me, ItemId(id))?.iter().any(|n| n.1 == Some(file)))
}
