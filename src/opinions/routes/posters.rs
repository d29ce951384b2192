//! Printable A4 posters to hang next to the physical box: one per Members'
//! Home and one per village or community, with the box's QR code for that
//! place, its rules, and its address in text for those who cannot scan.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::kernel::auth::CurrentUser;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{LocalityId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::links::{base_url, inline, qr_svg};
use crate::kernel::web::{Page, render};
use crate::opinions::model::AUTO_CLOSE_DAYS;
use crate::opinions::store::posters::{self, Poster};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/posters/home/{office}", get(home))
        .route("/posters/home/{office}/qr.svg", get(home_qr))
        .route("/posters/locality/{locality}", get(locality))
        .route("/posters/locality/{locality}/qr.svg", get(locality_qr))
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

async fn poster(st: &AppState, page: Page, headers: &HeaderMap, t: Poster) -> AppResult<Html<String>> {
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

fn svg_response(st: &AppState, headers: &HeaderMap, t: Poster) -> AppResult<Response> {
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
    let t = st.db.read(move |c| posters::home(c, &me, OfficeId(office))).await?;
    poster(&st, page, &headers, t).await
}

async fn home_qr(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    headers: HeaderMap,
    Path(office): Path<i64>,
) -> AppResult<Response> {
    let t = st.db.read(move |c| posters::home(c, &me, OfficeId(office))).await?;
    svg_response(&st, &headers, t)
}

async fn locality(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let t = st.db.read(move |c| posters::locality(c, &me, LocalityId(id))).await?;
    poster(&st, page, &headers, t).await
}

async fn locality_qr(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let t = st.db.read(move |c| posters::locality(c, &me, LocalityId(id))).await?;
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
