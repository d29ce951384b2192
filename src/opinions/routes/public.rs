//! The public side: the box (no login, mobile-first, works in WeChat's browser)
//! and the tracking page where a resident follows and rates their case.

use std::collections::HashMap;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{self, Accept};
use crate::kernel::guard::{self, Challenge};
use crate::kernel::ids::{CategoryId, LocalityId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::time::now;
use crate::kernel::web::{Page, form, render};
use crate::opinions::model::{self, Action, MAX_PHOTOS, Rating, Screen, Source};
use crate::opinions::store::cases::{NewOpinion, Step};
use crate::opinions::store::catalog::Category;
use crate::opinions::store::public::{self, BoxForm, Sender, Tracked};
use crate::org::model::Phone;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/box/{committee}", get(box_page).post(submit))
        .route("/track", get(find))
        .route("/track/{code}", get(track))
        .route("/track/{code}/rate", post(rate))
}

/// The place a QR code names, as the box's address carries it.
#[derive(Deserialize, Default)]
struct Where {
    office: Option<String>,
    locality: Option<String>,
}

impl Where {
    /// A malformed id is ignored, as a place of another committee is.
    fn ids(&self) -> (Option<OfficeId>, Option<LocalityId>) {
        (form::id(&self.office).ok().flatten().map(OfficeId), form::id(&self.locality).ok().flatten().map(LocalityId))
    }
}

/// What the resident typed, kept when the form comes back with a message.
#[derive(Default, Clone)]
struct Typed {
    body: String,
    category: String,
    name: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "opinions/box.html")]
struct BoxTemplate {
    page: Page,
    committee_code: String,
    f: BoxForm,
    typed: Typed,
    error: Option<String>,
    challenge: Option<Challenge>,
    max_photos: usize,
    max_chars: usize,
}

/// The template reads the form's fields by name (`office`, `categories`, …).
impl std::ops::Deref for BoxTemplate {
    type Target = BoxForm;
    fn deref(&self) -> &BoxForm {
        &self.f
    }
}

impl BoxTemplate {
    fn is_category(&self, c: &Category) -> bool {
        self.typed.category == c.id.to_string()
    }
}

/// How the form is shown: fresh, or again with what was typed and why not.
struct Shown {
    typed: Typed,
    error: Option<String>,
    challenge: bool,
    status: StatusCode,
}

/// The box's page; `sender` counts the address's submissions to decide on the
/// question (none when the form comes back refused: `shown` says then).
async fn show_box(
    st: &AppState,
    page: Page,
    code: String,
    w: Where,
    shown: Shown,
    sender: Option<Sender>,
) -> AppResult<Response> {
    let Shown { typed, error, challenge, status } = shown;
    let (c, (office, locality)) = (code.clone(), w.ids());
    let f = st.db.read(move |conn| public::box_form(conn, &c, office, locality, sender.as_ref())).await?;
    let challenge = (challenge || f.ask_question).then(|| guard::new_challenge(&challenge_key(st), now()));
    let tpl = BoxTemplate {
        page,
        committee_code: code,
        f,
        typed,
        error,
        challenge,
        max_photos: MAX_PHOTOS,
        max_chars: model::MAX_BODY_CHARS,
    };
    Ok((status, render(&tpl)?).into_response())
}

fn challenge_key(st: &AppState) -> [u8; 32] {
    st.personal.derive("guard.challenge")
}

async fn box_page(
    State(st): State<AppState>,
    page: Page,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    Query(w): Query<Where>,
) -> AppResult<Response> {
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let shown = Shown { typed: Typed::default(), error: None, challenge: false, status: StatusCode::OK };
    show_box(&st, page, code, w, shown, Some(Sender::new(&ip, None))).await
}

async fn submit(
    State(st): State<AppState>,
    page: Page,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let (fields, uploads) = files::read_multipart(mp, MAX_PHOTOS).await?;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let w = Where { office: fields.get("office").cloned(), locality: fields.get("locality").cloned() };
    let typed = Typed { body: get("body"), category: get("category"), name: get("name"), phone: get("phone") };
    // The form again, with what was typed and a message.
    let refuse = |typed: Typed, key: &str, challenge: bool, status: StatusCode| Shown {
        error: Some(page.t(key)),
        typed,
        challenge,
        status,
    };

    // The phone, if given, must be a mobile number we can text.
    let phone = match typed.phone.trim() {
        "" => None,
        p => match Phone::parse(p) {
            Some(p) => Some(p),
            None => {
                let shown = refuse(typed, "form.bad_phone", false, StatusCode::BAD_REQUEST);
                return show_box(&st, page, code, w, shown, None).await;
            }
        },
    };
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let phone_index = phone.as_ref().map(|p| st.personal.blind_index(p.as_str()));
    let sender = Sender::new(&ip, phone_index.as_deref());
    // The limits and the question, before any photo is stored.
    let answered =
        guard::check_challenge(&challenge_key(&st), &get("challenge_token"), &get("challenge_answer"), now());
    let s = sender.clone();
    match st.db.read(move |c| public::screen(c, &s, answered)).await? {
        Screen::Pass => {}
        Screen::Question => {
            let shown = refuse(typed, "guard.wrong_answer", true, StatusCode::BAD_REQUEST);
            return show_box(&st, page, code, w, shown, None).await;
        }
        Screen::TooMany => {
            let s = sender.clone();
            st.db.write(move |c| public::count_refused(c, &s)).await?;
            return too_many(&st, page, code, w, typed).await;
        }
    }

    // Photos are checked and stored first; the case and its photo rows then
    // commit together, before the resident is told the code.
    let mut stored = vec![];
    for u in uploads {
        match st.files.put(u, Accept::Images).await {
            Ok(s) => stored.push(s),
            Err(AppError::BadRequest(k)) => {
                let shown = refuse(typed, k, false, StatusCode::BAD_REQUEST);
                return show_box(&st, page, code, w, shown, None).await;
            }
            Err(e) => return Err(e),
        }
    }
    let (office, locality) = w.ids();
    let new = NewOpinion {
        office_id: office,
        locality_id: locality,
        category_id: form::id(&Some(typed.category.clone())).ok().flatten().map(CategoryId),
        source: Some(Source::Web),
        heard_by: None,
        body: typed.body.clone(),
        name_enc: model::submitter_name(&typed.name).map(|n| st.personal.encrypt(&n)),
        phone_enc: phone.as_ref().map(|p| st.personal.encrypt(p.as_str())),
        phone_index,
        urgent: false,
    };
    let c = code.clone();
    match st.db.write(move |conn| public::submit(conn, &c, &sender, &new, &stored)).await {
        Ok(Some(tracking)) => Ok(Redirect::to(&format!("/track/{tracking}?new=1")).into_response()),
        Ok(None) => too_many(&st, page, code, w, typed).await,
        Err(AppError::BadRequest(k)) => {
            let shown = refuse(typed, k, false, StatusCode::BAD_REQUEST);
            show_box(&st, page, code, w, shown, None).await
        }
        Err(e) => Err(e),
    }
}

/// Refused for too many submissions, what was typed kept.
async fn too_many(st: &AppState, page: Page, code: String, w: Where, typed: Typed) -> AppResult<Response> {
    let shown =
        Shown { error: Some(page.t("guard.too_many")), typed, challenge: false, status: StatusCode::TOO_MANY_REQUESTS };
    show_box(st, page, code, w, shown, None).await
}

#[derive(Template)]
#[template(path = "opinions/track_find.html")]
struct FindTemplate {
    page: Page,
    error: Option<String>,
}

async fn find(page: Page, Query(q): Query<HashMap<String, String>>) -> AppResult<Response> {
    match q.get("code").map(|c| c.trim()) {
        None | Some("") => Ok(render(&FindTemplate { page, error: None })?.into_response()),
        Some(c) => match model::normalize_code(c) {
            Some(code) => Ok(Redirect::to(&format!("/track/{code}")).into_response()),
            None => {
                let error = Some(page.t("track.bad_code"));
                Ok((StatusCode::BAD_REQUEST, render(&FindTemplate { page, error })?).into_response())
            }
        },
    }
}

#[derive(Template)]
#[template(path = "opinions/track.html")]
struct TrackTemplate {
    page: Page,
    t: Tracked,
    is_new: bool,
    can_rate: bool,
    ratings: &'static [Rating],
}

/// The template reads the page's fields by name (`opinion`, `events`, …).
impl std::ops::Deref for TrackTemplate {
    type Target = Tracked;
    fn deref(&self) -> &Tracked {
        &self.t
    }
}

#[derive(Deserialize)]
struct TrackQuery {
    new: Option<String>,
}

async fn track(
    State(st): State<AppState>,
    page: Page,
    Path(code): Path<String>,
    Query(q): Query<TrackQuery>,
) -> AppResult<Html<String>> {
    let code = model::normalize_code(&code).ok_or(AppError::NotFound)?;
    let t = st.db.read(move |c| public::track(c, &code)).await?;
    let can_rate = t.can_rate();
    render(&TrackTemplate { page, t, is_new: q.new.is_some(), can_rate, ratings: Rating::GIVEN })
}

#[derive(Deserialize)]
struct RateForm {
    rating: String,
    comment: Option<String>,
}

async fn rate(
    State(st): State<AppState>,
    session: tower_sessions::Session,
    Path(code): Path<String>,
    Form(f): Form<RateForm>,
) -> AppResult<Redirect> {
    let code = model::normalize_code(&code).ok_or(AppError::NotFound)?;
    let rating = Rating::parse(&f.rating)
        .filter(|r| *r != Rating::Unrated)
        .ok_or(AppError::BadRequest("track.choose_rating"))?;
    let step = Step { note: f.comment.unwrap_or_default(), ..Step::new(Action::Rate(rating)) };
    let c = code.clone();
    let result = st.db.write(move |conn| public::rate(conn, &c, &step)).await;
    match result {
        Ok(_) => crate::kernel::web::page::flash(&session, true, "track.rated").await,
        Err(AppError::Conflict(k) | AppError::BadRequest(k)) => {
            crate::kernel::web::page::flash(&session, false, k).await
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/track/{code}")))
}
