//! The archive's pages: offices and years for the district and its leaders,
//! one office's year by category, and its bundle (asked for, its progress,
//! its download).

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use serde::Deserialize;
use tower_sessions::Session;

use super::model::{self, Category, Piece};
use super::store::bundles::{self, Bundle};
use super::store::{self, Scope};
use crate::kernel::auth::{CurrentUser, OfficeScope, Role};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::made_download;
use crate::kernel::ids::{BundleId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, render};
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/archive", get(index))
        .route("/archive/{office}/{year}", get(year_page))
        .route("/archive/{office}/{year}/bundle", post(ask_bundle))
        .route("/archive/bundles/{id}", get(bundle_page))
        .route("/archive/bundles/{id}/download", get(download))
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<String>,
}

/// A year as typed in the selector: this year when none is given.
fn year_of(raw: &Option<String>) -> AppResult<i32> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today().year()),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| model::year_ok(*y, today().year()))
            .ok_or(AppError::BadRequest("archive.bad_year")),
    }
}

#[derive(Template)]
#[template(path = "archive/index.html")]
struct IndexTemplate {
    page: Page,
    offices: Vec<Office>,
    year: i32,
    years: Vec<i32>,
}

/// The district and its leaders choose an office and a year; an office's
/// staff go straight to their own archive.
async fn index(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let year = year_of(&q.year)?;
    match (me.role, me.office_scope()) {
        (Role::DistrictAdmin | Role::Leader, _) => {}
        (Role::OfficeStaff, OfficeScope::One(own)) => {
            return Ok(Redirect::to(&format!("/archive/{own}/{year}")).into_response());
        }
        _ => return Err(AppError::NotFound),
    }
    let offices = st.db.read(move |c| org::list_offices(c, &me)).await?;
    let this = today().year();
    let years = (this - 9..=this).rev().collect();
    Ok(render(&IndexTemplate { page, offices, year, years })?.into_response())
}

#[derive(Deserialize, Default)]
struct CategoryQuery {
    cat: Option<String>,
}

#[derive(Template)]
#[template(path = "archive/year.html")]
struct YearTemplate {
    page: Page,
    office: OfficeId,
    office_name: String,
    year: i32,
    counts: Vec<(Category, usize)>,
    chosen: Category,
    shown: Vec<Piece>,
    files: usize,
    bundles: Vec<Bundle>,
    /// The district and leaders go back to the list of offices.
    district: bool,
}

/// An office's year by category: the counts of every category, the records
/// of the one chosen (the first that has any, unless asked), and its bundles.
async fn year_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path((office, year)): Path<(i64, i32)>,
    Query(q): Query<CategoryQuery>,
) -> AppResult<Html<String>> {
    let asked = match q.cat.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(Category::parse(c).ok_or(AppError::BadRequest("archive.bad_category"))?),
    };
    let lang = page.lang;
    let district = matches!(me.role, Role::DistrictAdmin | Role::Leader);
    let (s, pieces, bundles) = st
        .db
        .read(move |c| {
            let s = store::scope(c, &me, OfficeId(office), year, lang)?;
            let pieces = store::pieces(c, &s)?;
            let bundles = bundles::of_year(c, &s)?;
            Ok((s, pieces, bundles))
        })
        .await?;
    let counts = store::counts(&pieces);
    let files = pieces.iter().map(|p| p.files.len()).sum();
    let chosen = asked.or_else(|| counts.iter().find(|(_, n)| *n > 0).map(|(c, _)| *c)).unwrap_or(Category::Roster);
    let shown = pieces.into_iter().filter(|p| p.category == chosen).collect();
    let Scope { office, office_name, year, .. } = s;
    render(&YearTemplate { page, office, office_name, year, counts, chosen, shown, files, bundles, district })
}

/// Asks for the year's bundle and shows its progress.
async fn ask_bundle(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path((office, year)): Path<(i64, i32)>,
) -> AppResult<Redirect> {
    let lang = page.lang;
    let id = st
        .db
        .write(move |c| {
            let s = store::scope(c, &me, OfficeId(office), year, lang)?;
            bundles::request(c, &s)
        })
        .await?;
    flash(&session, true, "archive.bundle_asked").await;
    Ok(Redirect::to(&format!("/archive/bundles/{id}")))
}

#[derive(Template)]
#[template(path = "archive/bundle.html")]
struct BundleTemplate {
    page: Page,
    b: Bundle,
    office: String,
}

async fn bundle_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let (b, office) = st.db.read(move |c| bundles::get(c, &me, BundleId(id))).await?;
    render(&BundleTemplate { page, b, office })
}

/// The finished zip, read from disk as it is sent.
async fn download(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (b, office) = st.db.read(move |c| bundles::get(c, &me, BundleId(id))).await?;
    // An old link to a replaced bundle: its page says why and where the newer one is.
    if b.status == model::BundleStatus::Replaced {
        return Ok(Redirect::to(&format!("/archive/bundles/{id}")).into_response());
    }
    let sha = b.sha256.as_deref().filter(|_| b.status == model::BundleStatus::Done).ok_or(AppError::NotFound)?;
    let path = st.files.local_path(sha).ok_or(AppError::NotFound)?;
    let file = tokio::fs::File::open(&path).await.map_err(|_| AppError::NotFound)?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let name = model::folder_name(&format!("{office}{}年度政协工作档案.zip", b.year));
    let mut res = made_download(body, "application/zip", &name);
    // The size, so a browser shows how much of a large bundle is still to come.
    if let Some(len) = b.size.and_then(|n| axum::http::HeaderValue::from_str(&n.to_string()).ok()) {
        res.headers_mut().insert(axum::http::header::CONTENT_LENGTH, len);
    }
    Ok(res)
}
