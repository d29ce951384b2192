//! Printable A4 posters to hang next to the physical box: one per Members'
//! Home and one per village or community, with the box's QR code for that
//! place, its rules, and its address in text for those who cannot scan.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use diesel::prelude::*;

use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::members_homes;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{LocalityId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::links::{base_url, inline, qr_svg};
use crate::kernel::web::{Page, render};
use crate::opinions::model::AUTO_CLOSE_DAYS;
use crate::org::store as org;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/posters/home/{office}", get(home))
        .route("/posters/home/{office}/qr.svg", get(home_qr))
        .route("/posters/locality/{locality}", get(locality))
        .route("/posters/locality/{locality}/qr.svg", get(locality_qr))
}

/// Where a poster hangs and where its QR code points.
struct Target {
    committee_name: String,
    committee_code: String,
    /// The place as residents know it: the Home's name, or office · locality.
    place: String,
    /// The box's query for the place, e.g. `office=3`.
    query: String,
    /// The page the poster was opened from.
    back: String,
}

/// A Members' Home's poster: the office must be one the user may see.
fn home_target(c: &mut DbConn, me: &Actor, office: OfficeId) -> AppResult<Target> {
    let o = org::get_office(c, me, office)?.ok_or(AppError::NotFound)?;
    let home: Option<String> = members_homes::table
        .filter(members_homes::office_id.eq(o.id).and(members_homes::committee_id.eq(me.committee_id)))
        .select(members_homes::name)
        .first(c)
        .optional()?;
    let committee = org::committee(c, me)?;
    Ok(Target {
        committee_name: committee.name,
        committee_code: committee.code,
        place: home.unwrap_or(o.name),
        query: format!("office={}", o.id),
        back: format!("/homes/{}", o.id),
    })
}

/// A village's or community's poster: the locality must be one the user may see.
fn locality_target(c: &mut DbConn, me: &Actor, id: LocalityId) -> AppResult<Target> {
    let l = org::localities::get(c, me, id)?.ok_or(AppError::NotFound)?;
    let office = org::office_name(c, me, l.office_id)?;
    let committee = org::committee(c, me)?;
    Ok(Target {
        committee_name: committee.name,
        committee_code: committee.code,
        place: match office {
            Some(o) => format!("{o} · {}", l.name),
            None => l.name,
        },
        query: format!("locality={}", l.id),
        back: format!("/localities/{}", l.id),
    })
}

/// The box's absolute address for a place. Committee codes are set by the
/// operator; anything outside the URL-safe set is percent-encoded anyway.
fn box_url(base: &str, committee_code: &str, query: &str) -> String {
    let code: String = committee_code
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{base}/box/{code}?{query}")
}

#[derive(Template)]
#[template(path = "opinions/poster.html")]
struct PosterTemplate {
    page: Page,
    committee_name: String,
    place: String,
    box_url: String,
    track_url: String,
    qr: String,
    back: String,
    rating_days: i64,
}

async fn poster(st: &AppState, page: Page, headers: &HeaderMap, t: Target) -> AppResult<Html<String>> {
    let base = base_url(st.config.public_base_url.as_deref(), headers);
    let url = box_url(&base, &t.committee_code, &t.query);
    let qr = qr_svg(&url)?;
    render(&PosterTemplate {
        page,
        committee_name: t.committee_name,
        place: t.place,
        track_url: format!("{base}/track"),
        qr: inline(&qr).to_string(),
        box_url: url,
        back: t.back,
        rating_days: AUTO_CLOSE_DAYS,
    })
}

fn svg_response(st: &AppState, headers: &HeaderMap, t: Target) -> AppResult<Response> {
    let base = base_url(st.config.public_base_url.as_deref(), headers);
    let svg = qr_svg(&box_url(&base, &t.committee_code, &t.query))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=300")], svg)
        .into_response())
}

async fn home(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    headers: HeaderMap,
    Path(office): Path<i64>,
) -> AppResult<Html<String>> {
    let t = st.db.read(move |c| home_target(c, &me, OfficeId(office))).await?;
    poster(&st, page, &headers, t).await
}

async fn home_qr(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    headers: HeaderMap,
    Path(office): Path<i64>,
) -> AppResult<Response> {
    let t = st.db.read(move |c| home_target(c, &me, OfficeId(office))).await?;
    svg_response(&st, &headers, t)
}

async fn locality(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let t = st.db.read(move |c| locality_target(c, &me, LocalityId(id))).await?;
    poster(&st, page, &headers, t).await
}

async fn locality_qr(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let t = st.db.read(move |c| locality_target(c, &me, LocalityId(id))).await?;
    svg_response(&st, &headers, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_urls_name_the_place() {
        assert_eq!(box_url("https://a.cn", "hubin", "locality=12"), "https://a.cn/box/hubin?locality=12");
        assert_eq!(box_url("http://h", "湖滨 1", "office=3"), "http://h/box/%E6%B9%96%E6%BB%A8%201?office=3");
    }
}
