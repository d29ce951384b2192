//! Printable A4 posters to hang next to the physical box: one per Members'
//! Home and one per village or community, with the box's QR code for that
//! place, its rules, and its address in text for those who cannot scan.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};

use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{LocalityId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::links::{base_url, inline, qr_svg};
use crate::kernel::web::{Page, render};
use crate::opinions::model::AUTO_CLOSE_DAYS;
use crate::opinions::store::posters::{self, Poster};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/posters/home/{office}", page(home))
        .route("/posters/home/{office}/qr.svg", qr(home))
        .route("/posters/locality/{locality}", page(locality))
        .route("/posters/locality/{locality}/qr.svg", qr(locality))
}

/// The poster of one kind of place (a Members' Home, a village), by its id.
type Load = fn(&mut DbConn, &Actor, i64) -> AppResult<Poster>;

fn home(c: &mut DbConn, me: &Actor, office: i64) -> AppResult<Poster> {
    posters::home(c, me, OfficeId(office))
}

fn locality(c: &mut DbConn, me: &Actor, id: i64) -> AppResult<Poster> {
    posters::locality(c, me, LocalityId(id))
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

/// A place's box as the poster and its QR image show it.
struct BoxLink {
    /// This site's address, as the visitor reached it.
    base: String,
    url: String,
    /// The QR code of `url`, an SVG image.
    qr: String,
}

impl BoxLink {
    fn of(st: &AppState, headers: &HeaderMap, t: &Poster) -> AppResult<BoxLink> {
        let base = base_url(st.config.public_base_url.as_deref(), headers);
        let url = box_url(&base, &t.committee_code, &t.query);
        Ok(BoxLink { qr: qr_svg(&url)?, base, url })
    }
}

/// `GET` of the printable poster of the place `load` finds.
fn page(load: Load) -> MethodRouter<AppState> {
    get(move |State(st): State<AppState>, me: CurrentUser, page: Page, headers: HeaderMap, id: Path<i64>| async move {
        let t = find(&st, me, id, load).await?;
        let link = BoxLink::of(&st, &headers, &t)?;
        render(&PosterTemplate {
            page,
            committee_name: t.committee_name,
            place: t.place,
            track_url: format!("{}/track", link.base),
            qr: inline(&link.qr).to_string(),
            box_url: link.url,
            back: t.back,
            rating_days: AUTO_CLOSE_DAYS,
        })
    })
}

/// `GET` of the QR code alone (an SVG image) of the place `load` finds.
fn qr(load: Load) -> MethodRouter<AppState> {
    get(move |State(st): State<AppState>, me: CurrentUser, headers: HeaderMap, id: Path<i64>| async move {
        let t = find(&st, me, id, load).await?;
        let svg = BoxLink::of(&st, &headers, &t)?.qr;
        AppResult::Ok(
            ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=300")], svg)
                .into_response(),
        )
    })
}

/// The place's poster, if the user may see it.
async fn find(st: &AppState, CurrentUser(me): CurrentUser, Path(id): Path<i64>, load: Load) -> AppResult<Poster> {
    st.db.read(move |c| load(c, &me, id)).await
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
