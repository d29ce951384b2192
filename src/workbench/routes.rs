//! `/m/`: the member's workbench, the page they pin in WeChat; its forms (an
//! opinion heard, one-tap replies) and what makes it an installable app that
//! keeps its last view offline: the manifest, the service worker, and the
//! session's token for a draft sent when the network returns.

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDateTime;
use tower_sessions::Session;

use super::model::{self, Draft};
use super::store::{self, Filed, Filing, Workbench};
use crate::activities::store::Activities;
use crate::consultations::store::Consultations;
use crate::duty::time::days_text;
use crate::kernel::auth::{Actor, CurrentUser, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::Accept;
use crate::kernel::state::AppState;
use crate::kernel::time::now;
use crate::kernel::web::action::action;
use crate::kernel::web::i18n::Lang;
use crate::kernel::web::page::{csrf_token, flash};
use crate::kernel::web::{Page, render};
use crate::meetings::routes::ReplyForm;
use crate::meetings::store::{Host, attendees};
use crate::opinions::model::{MAX_BODY_CHARS, MAX_PHOTOS};

/// The workbench's own address: the service worker's scope.
pub const HOME: &str = "/m/";

pub fn router() -> Router<AppState> {
    Router::new()
        // The link a member pins may lack the slash.
        .route("/m", get(|| async { Redirect::permanent(HOME) }))
        .route(HOME, get(home))
        .route("/m/sw.js", get(service_worker))
        .route("/m/manifest.webmanifest", get(manifest))
        .route("/m/session", get(session_token))
        .route("/m/opinions", post(file))
        .route("/m/activities/{id}/reply", action("activity.replied", back, reply::<Activities>))
        .route("/m/consultations/{id}/reply", action("activity.replied", back, reply::<Consultations>))
}

fn back(_: i64) -> String {
    format!("{HOME}#invitations")
}

/// A member's one-tap answer to an invitation, by the meeting's own rules.
fn reply<H: Host>(c: &mut DbConn, me: &Actor, id: i64, f: ReplyForm) -> AppResult<()> {
    let (reply, note) = f.parse()?;
    attendees::reply::<H>(c, me, id, reply, &note)
}

#[derive(Template)]
#[template(path = "workbench/home.html")]
struct HomeTemplate {
    page: Page,
    w: Workbench,
    /// The next draft's key (`model::new_key`).
    key: String,
    /// When this view was drawn: what an offline copy says it shows.
    drawn: NaiveDateTime,
    max_photos: usize,
    max_chars: usize,
}

/// How much of a filed opinion the list shows.
const EXCERPT_CHARS: usize = 30;

impl HomeTemplate {
    fn days(&self, half: &i32) -> String {
        days_text(*half)
    }

    fn excerpt(&self, body: &str) -> String {
        crate::activities::export::summary(body, EXCERPT_CHARS)
    }
}

/// Marks a view that carries a one-off message (a flash): the service worker
/// does not keep it as the offline copy, which would show the message again.
pub const ONCE_HEADER: &str = "x-workbench-once";

async fn home(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    let w = st.db.read(move |c| store::gather(c, &me)).await?;
    let once = page.flash.is_some();
    let html = render(&HomeTemplate {
        page,
        w,
        key: model::new_key(),
        drawn: now(),
        max_photos: MAX_PHOTOS,
        max_chars: MAX_BODY_CHARS,
    })?;
    Ok(if once { ([(ONCE_HEADER, "1")], html).into_response() } else { html.into_response() })
}

/// The service worker, served from the workbench's own folder so that its
/// scope is `/m/` and nothing else of the site. Always checked afresh.
async fn service_worker() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("sw.js"),
    )
        .into_response()
}

/// The web app manifest, in the reader's language.
async fn manifest(headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let body = serde_json::json!({
        "name": lang.t("workbench.app_name"),
        "short_name": lang.t("workbench.title"),
        "lang": lang.code(),
        "start_url": HOME,
        "scope": HOME,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            { "src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png" },
            { "src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png" },
            { "src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml" }
        ]
    });
    ([(header::CONTENT_TYPE, "application/manifest+json"), (header::CACHE_CONTROL, "no-cache")], body.to_string())
        .into_response()
}

/// The signed-in member and their session's form token: what a draft kept
/// on the phone is sent with once the network is back (the page it was
/// written on may be an offline copy, or another person's session since).
async fn session_token(CurrentUser(me): CurrentUser, session: Session) -> AppResult<Response> {
    if me.role != Role::Member {
        return Err(AppError::NotFound);
    }
    let csrf = csrf_token(&session).await;
    Ok(Json(serde_json::json!({ "user": me.user_id, "csrf": csrf })).into_response())
}

/// The phone's script asks for JSON; the plain form gets pages.
fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"))
}

/// A member files an opinion they heard, with up to the box's photos: once
/// per draft key, however often the phone sends it.
async fn file(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    headers: HeaderMap,
    mp: Multipart,
) -> AppResult<Response> {
    // Nothing of the form is read, no photo stored, for anyone else.
    if me.role != Role::Member {
        return Err(AppError::NotFound);
    }
    let result = async move {
        // A draft sent again is answered by its key, which the form sends
        // before its photos: they are neither decoded nor stored again.
        let sent_before = async |fields: &std::collections::HashMap<String, String>| -> AppResult<Option<Filed>> {
            let Some(key) = fields.get("key").filter(|k| model::valid_key(k)).cloned() else { return Ok(None) };
            let actor = me.clone();
            st.db.read(move |c| store::filed_by_key(c, &actor, &key)).await
        };
        let (fields, photos) = match st.files.read_and_store_unless(mp, MAX_PHOTOS, Accept::Images, sent_before).await?
        {
            Ok(form) => form,
            Err(first) => return Ok(first),
        };
        let d = Draft::parse(&fields)?;
        let vault = &st.personal;
        let f = Filing {
            key: d.key.clone(),
            body: d.body,
            activity: d.activity,
            category: d.category,
            name_enc: d.name.map(|n| vault.encrypt(&n)),
            phone_enc: d.phone.as_ref().map(|p| vault.encrypt(p.as_str())),
            phone_index: d.phone.as_ref().map(|p| vault.blind_index(p.as_str())),
        };
        let actor = me.clone();
        match st.db.write(move |c| store::file(c, &actor, &f, &photos)).await {
            // The same draft sent twice at once: the other send filed it.
            Err(AppError::Conflict("api.duplicate_external_id")) => st
                .db
                .read(move |c| store::filed_by_key(c, &me, &d.key))
                .await?
                .ok_or(AppError::Conflict("workbench.sent_twice")),
            other => other,
        }
    }
    .await;
    if wants_json(&headers) {
        return answer_json(&page, result);
    }
    match result {
        Ok(_) => flash(&session, true, "workbench.filed").await,
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            flash(&session, false, k).await;
            return Ok(Redirect::to(&format!("{HOME}#report")).into_response());
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("{HOME}#mine")).into_response())
}

/// The script's answer: the case (201 when this send filed it), or why the
/// draft is refused as it stands (it is not sent again unchanged).
fn answer_json(page: &Page, result: AppResult<Filed>) -> AppResult<Response> {
    match result {
        Ok(f) => {
            let status = if f.new { StatusCode::CREATED } else { StatusCode::OK };
            let body = serde_json::json!({
                "id": f.id,
                "code": f.code,
                "href": format!("/opinions/{}", f.id),
                "new": f.new,
            });
            Ok((status, Json(body)).into_response())
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            let body = serde_json::json!({ "error": k, "message": page.t(k) });
            Ok((StatusCode::BAD_REQUEST, Json(body)).into_response())
        }
        Err(e) => Err(e),
    }
}
