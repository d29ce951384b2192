//! The public side: the box (no login, mobile-first, works in WeChat's browser)
//! and the tracking page where a resident follows and rates their case.

use std::collections::HashMap;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::kernel::error::{AppError, AppResult};
use crate::kernel::guard::{self, Challenge};
use crate::kernel::ids::{CategoryId, FileId, LocalityId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::time::now;
use crate::kernel::web::{Page, form, render};
use crate::opinions::model::{self, Action, MAX_PHOTOS, Rating, Screen, Source};
use crate::opinions::store::cases::{NewOpinion, Step};
use crate::opinions::store::catalog::Category;
use crate::opinions::store::public::{self, BoxForm, Sender, Submitted, Tracked};
use crate::org::model::Phone;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/box/{committee}", get(box_page).post(submit))
        .route("/track", get(find))
        .route("/track/{code}", get(track))
        .route("/track/{code}/files/{file}", get(track_file))
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
    let read = st.files.read_multipart_keeping_text(mp, MAX_PHOTOS).await?;
    let (fields, uploads) = (read.fields, read.uploads);
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

    // A photo too large, empty or one too many: the form again, all typed
    // kept, to choose again (a browser cannot keep the chosen photos).
    if let Some(key) = read.refused {
        let shown = refuse(typed, key, false, StatusCode::BAD_REQUEST);
        return show_box(&st, page, code, w, shown, None).await;
    }
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
    // No answer yet: the question is new to them (many submissions from
    // this address, a shared one perhaps), not answered wrong.
    let question = if get("challenge_answer").trim().is_empty() { "guard.answer_first" } else { "guard.wrong_answer" };
    // With photos, the limits and the question are read first, so that a
    // refused sender's photos are never stored; the write checks them again.
    // Without (most submissions), the write alone screens them.
    if !uploads.is_empty() {
        let s = sender.clone();
        match st.db.read(move |c| public::screen(c, &s, answered)).await? {
            Screen::Pass => {}
            Screen::Question => {
                let shown = refuse(typed, question, true, StatusCode::BAD_REQUEST);
                return show_box(&st, page, code, w, shown, None).await;
            }
            Screen::TooMany => {
                let s = sender.clone();
                st.db.write(move |c| public::count_refused(c, &s)).await?;
                return too_many(&st, page, code, w, typed).await;
            }
        }
    }

    // Photos are checked and stored first; the case and its photo rows then
    // commit together, before the resident is told the code.
    let mut stored = vec![];
    for u in uploads {
        match st.files.put_public(u).await {
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
        doc: None,
    }
    .indexed();
    let c = code.clone();
    // The text at submission carries the tracking page's link: without the
    // site's public address there is none to give.
    let text_code = st.config.public_base_url.is_some();
    match st.db.write(move |conn| public::submit(conn, &c, &sender, answered, &new, &stored, text_code)).await {
        Ok(Submitted::Filed(tracking)) => Ok(Redirect::to(&format!("/track/{tracking}?new=1")).into_response()),
        Ok(Submitted::Question) => {
            let shown = refuse(typed, question, true, StatusCode::BAD_REQUEST);
            show_box(&st, page, code, w, shown, None).await
        }
        Ok(Submitted::TooMany) => too_many(&st, page, code, w, typed).await,
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
    /// What the resident typed, shown again when it found nothing.
    typed: String,
    /// (committee, phone) to call when the code is lost.
    phones: Vec<(String, String)>,
}

impl FindTemplate {
    fn code_form(&self) -> String {
        self.page.t("track.code_form").replace("%{n}", &model::CODE_LEN.to_string())
    }
}

/// The tracking page's search again, with why nothing was found: a code of the
/// wrong form (400) or one no case has (404).
async fn not_found(st: &AppState, page: Page, typed: &str, status: StatusCode) -> AppResult<Response> {
    let phones = st.db.read(public::help_phones).await?;
    let key = match status {
        StatusCode::NOT_FOUND => "track.not_found",
        // A code never holds 0, 1, O, I or L: say so rather than "wrong form".
        _ if typed.chars().any(|c| "01OoIiLl０１".contains(c)) => "track.confusable",
        _ => "track.bad_code",
    };
    let error = Some(page.t(key));
    let typed: String = typed.trim().chars().take(40).collect();
    Ok((status, render(&FindTemplate { page, error, typed, phones })?).into_response())
}

async fn find(State(st): State<AppState>, page: Page, Query(q): Query<HashMap<String, String>>) -> AppResult<Response> {
    match q.get("code").map(|c| c.trim()) {
        None | Some("") => {
            let phones = st.db.read(public::help_phones).await?;
            Ok(render(&FindTemplate { page, error: None, typed: String::new(), phones })?.into_response())
        }
        Some(c) => match model::normalize_code(c) {
            Some(code) => Ok(Redirect::to(&format!("/track/{code}")).into_response()),
            None => not_found(&st, page, c, StatusCode::BAD_REQUEST).await,
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

impl TrackTemplate {
    fn is_image(&self, content_type: &str) -> bool {
        content_type.starts_with("image/")
    }
}

#[derive(Deserialize)]
struct TrackQuery {
    new: Option<String>,
}

async fn track(
    State(st): State<AppState>,
    page: Page,
    Path(typed): Path<String>,
    Query(q): Query<TrackQuery>,
) -> AppResult<Response> {
    let Some(code) = model::normalize_code(&typed) else {
        return not_found(&st, page, &typed, StatusCode::NOT_FOUND).await;
    };
    // A code typed in another form (lower case, spaces) gets its one address.
    if code != typed {
        return Ok(Redirect::to(&format!("/track/{code}")).into_response());
    }
    let t = match st.db.read(move |c| public::track(c, &code)).await {
        Ok(t) => t,
        Err(AppError::NotFound) => return not_found(&st, page, &typed, StatusCode::NOT_FOUND).await,
        Err(e) => return Err(e),
    };
    let can_rate = t.can_rate();
    let tpl = TrackTemplate { page, t, is_new: q.new.is_some(), can_rate, ratings: Rating::GIVEN };
    Ok(render(&tpl)?.into_response())
}

/// A photo the resident sent, or a public file of the answer: only through
/// the case's code.
async fn track_file(State(st): State<AppState>, Path((code, file)): Path<(String, i64)>) -> AppResult<Response> {
    let code = model::normalize_code(&code).ok_or(AppError::NotFound)?;
    let row = st.db.read(move |c| public::tracked_file(c, &code, FileId(file))).await?.ok_or(AppError::NotFound)?;
    st.files.respond(&row, crate::kernel::files::Audience::Private).await
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
