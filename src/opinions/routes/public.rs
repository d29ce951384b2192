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
use chrono::Duration;
use serde::Deserialize;

use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{self, Accept};
use crate::kernel::guard::{self, Challenge};
use crate::kernel::ids::{CategoryId, CommitteeId, LocalityId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, form, render};
use crate::opinions::model::{self, Action, MAX_PHOTOS, Rating, Status};
use crate::opinions::store::cases::{self, Event, NewOpinion, Opinion, Step};
use crate::opinions::store::catalog::{self, Category};
use crate::org::model::Phone;
use crate::org::store as org;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/box/{committee}", get(box_page).post(submit))
        .route("/track", get(find))
        .route("/track/{code}", get(track))
        .route("/track/{code}/rate", post(rate))
}

/// Submissions per IP address per hour, and per phone per day.
const PER_IP_PER_HOUR: i32 = 10;
const PER_PHONE_PER_DAY: i32 = 5;
/// After this many submissions from one address in an hour, ask a question.
const CHALLENGE_AFTER: i32 = 3;

#[derive(Deserialize, Default)]
struct Where {
    office: Option<String>,
    locality: Option<String>,
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
    committee_name: String,
    office: Option<(OfficeId, String)>,
    locality: Option<(LocalityId, String)>,
    categories: Vec<Category>,
    typed: Typed,
    error: Option<String>,
    challenge: Option<Challenge>,
    max_photos: usize,
    max_chars: usize,
}

impl BoxTemplate {
    fn is_category(&self, c: &Category) -> bool {
        self.typed.category == c.id.to_string()
    }
}

struct Place {
    committee: CommitteeId,
    committee_name: String,
    office: Option<(OfficeId, String)>,
    locality: Option<(LocalityId, String)>,
}

/// The committee by its code, and the office/locality a QR code points at
/// (ignored when they do not belong to it).
fn place(conn: &mut crate::kernel::db::DbConn, code: &str, w: &Where) -> AppResult<Place> {
    use crate::kernel::db::schema::{localities, offices};
    use diesel::prelude::*;
    let c = org::committee_by_code_unscoped(conn, code)?.ok_or(AppError::NotFound)?;
    let locality: Option<(LocalityId, String, OfficeId)> = match form::id(&w.locality).ok().flatten() {
        Some(l) => localities::table
            .filter(localities::id.eq(l).and(localities::committee_id.eq(c.id)))
            .select((localities::id, localities::name, localities::office_id))
            .first(conn)
            .optional()?,
        None => None,
    };
    let office_id = locality.as_ref().map(|l| l.2).or(form::id(&w.office).ok().flatten().map(OfficeId));
    let office: Option<(OfficeId, String)> = match office_id {
        Some(o) => offices::table
            .filter(offices::id.eq(o).and(offices::committee_id.eq(c.id)))
            .select((offices::id, offices::name))
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok(Place { committee: c.id, committee_name: c.name, office, locality: locality.map(|(id, n, _)| (id, n)) })
}

/// How the form is shown: fresh, or again with what was typed and why not.
struct Shown {
    typed: Typed,
    error: Option<String>,
    challenge: bool,
    status: StatusCode,
}

async fn show_box(st: &AppState, page: Page, code: String, w: Where, shown: Shown) -> AppResult<Response> {
    show_box_counting(st, page, code, w, shown, None).await
}

/// `show_box`, asking the question too when `ip_key` has reached the count
/// (read with the page's data, in one go).
async fn show_box_counting(
    st: &AppState,
    page: Page,
    code: String,
    w: Where,
    shown: Shown,
    ip_key: Option<String>,
) -> AppResult<Response> {
    let Shown { typed, error, challenge, status } = shown;
    let c = code.clone();
    let (p, categories, recent) = st
        .db
        .read(move |conn| {
            let p = place(conn, &c, &w)?;
            let cats = catalog::categories(conn, p.committee)?.into_iter().filter(|c| c.active).collect();
            let recent = match ip_key {
                Some(k) => guard::count(conn, &k, Duration::hours(1))?,
                None => 0,
            };
            Ok((p, cats, recent))
        })
        .await?;
    let challenge = (challenge || recent >= CHALLENGE_AFTER)
        .then(|| guard::new_challenge(&st.personal.derive("guard.challenge"), crate::kernel::time::now()));
    let tpl = BoxTemplate {
        page,
        committee_code: code,
        committee_name: p.committee_name,
        office: p.office,
        locality: p.locality,
        categories,
        typed,
        error,
        challenge,
        max_photos: MAX_PHOTOS,
        max_chars: model::MAX_BODY_CHARS,
    };
    Ok((status, render(&tpl)?).into_response())
}

/// The per-phone counter's key: the phone's blind index, never the number.
fn phone_key(index: &str) -> String {
    format!("submit:phone:{index}")
}

/// Counts one submission against its address and phone; false when either is
/// over its limit.
fn count_attempt(c: &mut DbConn, ip_key: &str, phone_index: Option<&str>) -> AppResult<bool> {
    let by_ip = guard::hit(c, ip_key, Duration::hours(1), PER_IP_PER_HOUR)?;
    let by_phone = match phone_index {
        Some(p) => guard::hit(c, &phone_key(p), Duration::days(1), PER_PHONE_PER_DAY)?,
        None => true,
    };
    Ok(by_ip && by_phone)
}

/// Refused for too many submissions, what was typed kept.
async fn too_many(st: &AppState, page: Page, code: String, w: Where, typed: Typed) -> AppResult<Response> {
    let shown =
        Shown { error: Some(page.t("guard.too_many")), typed, challenge: false, status: StatusCode::TOO_MANY_REQUESTS };
    show_box(st, page, code, w, shown).await
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
    show_box_counting(&st, page, code, w, shown, Some(format!("submit:ip:{ip}"))).await
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
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
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
                return show_box(&st, page, code, w, shown).await;
            }
        },
    };
    // The address's and the phone's counts in one read. Over a limit already:
    // refused before any photo is stored. The counters move in the case's own
    // transaction below (one commit, not two), which checks them again for
    // submissions racing this one.
    let ip_key = format!("submit:ip:{ip}");
    let phone_index = phone.as_ref().map(|p| st.personal.blind_index(p.as_str()));
    let (k, pk) = (ip_key.clone(), phone_index.clone());
    let (recent, over_by_phone) = st
        .db
        .read(move |c| {
            let recent = guard::count(c, &k, Duration::hours(1))?;
            let by_phone = match &pk {
                Some(p) => guard::count(c, &phone_key(p), Duration::days(1))? >= PER_PHONE_PER_DAY,
                None => false,
            };
            Ok((recent, by_phone))
        })
        .await?;
    // Repeated submissions from one address must answer a question first.
    if recent >= CHALLENGE_AFTER {
        let ok = guard::check_challenge(
            &st.personal.derive("guard.challenge"),
            &get("challenge_token"),
            &get("challenge_answer"),
            crate::kernel::time::now(),
        );
        if !ok {
            let shown = refuse(typed, "guard.wrong_answer", true, StatusCode::BAD_REQUEST);
            return show_box(&st, page, code, w, shown).await;
        }
    }
    let over = recent >= PER_IP_PER_HOUR || over_by_phone;
    if over {
        // Refused attempts count too: an address that keeps trying stays limited.
        let (k, pk) = (ip_key.clone(), phone_index.clone());
        st.db.write(move |c| count_attempt(c, &k, pk.as_deref())).await?;
        return too_many(&st, page, code, w, typed).await;
    }

    // Photos are checked and stored first; the case and its photo rows then
    // commit together, before the resident is told the code.
    let mut stored = vec![];
    for u in uploads {
        match st.files.put(u, Accept::Images).await {
            Ok(s) => stored.push(s),
            Err(AppError::BadRequest(k)) => {
                let shown = refuse(typed, k, false, StatusCode::BAD_REQUEST);
                return show_box(&st, page, code, w, shown).await;
            }
            Err(e) => return Err(e),
        }
    }
    let name = typed.name.trim().chars().take(30).collect::<String>();
    let new = NewOpinion {
        office_id: form::id(&w.office).ok().flatten().map(OfficeId),
        locality_id: form::id(&w.locality).ok().flatten().map(LocalityId),
        category_id: form::id(&Some(typed.category.clone())).ok().flatten().map(CategoryId),
        source: Some(model::Source::Web),
        heard_by: None,
        body: typed.body.clone(),
        name_enc: (!name.is_empty()).then(|| st.personal.encrypt(&name)),
        phone_enc: phone.as_ref().map(|p| st.personal.encrypt(p.as_str())),
        phone_index,
        urgent: false,
    };
    let committee_code = code.clone();
    let pk = new.phone_index.clone();
    let result = st
        .db
        .write(move |c| {
            if !count_attempt(c, &ip_key, pk.as_deref())? {
                return Ok(None);
            }
            let committee = org::committee_by_code_unscoped(c, &committee_code)?.ok_or(AppError::NotFound)?;
            let (id, tracking) = cases::submit(c, committee.id, &new, None)?;
            for s in &stored {
                let f = files::insert_public_row(c, committee.id, s)?;
                cases::attach_file(c, id, f, "photo")?;
            }
            Ok(Some(tracking))
        })
        .await;
    match result {
        Ok(Some(tracking)) => Ok(Redirect::to(&format!("/track/{tracking}?new=1")).into_response()),
        Ok(None) => too_many(&st, page, code, w, typed).await,
        Err(AppError::BadRequest(k)) => {
            let shown = refuse(typed, k, false, StatusCode::BAD_REQUEST);
            show_box(&st, page, code, w, shown).await
        }
        Err(e) => Err(e),
    }
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
    opinion: Opinion,
    events: Vec<Event>,
    category: Option<String>,
    office: Option<String>,
    is_new: bool,
    can_rate: bool,
    ratings: Vec<Rating>,
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
    let (opinion, events, category, office) = st
        .db
        .read(move |c| {
            use crate::kernel::db::schema::{offices, opinion_categories};
            use diesel::prelude::*;
            let o = cases::by_code(c, &code)?.ok_or(AppError::NotFound)?;
            // A merged duplicate shows its case's progress.
            let shown = match o.merged_into {
                Some(m) => cases::by_id_unscoped(c, m)?.unwrap_or(o.clone()),
                None => o.clone(),
            };
            let mut events = cases::events(c, o.id, true)?;
            if shown.id != o.id {
                events.extend(cases::events(c, shown.id, true)?);
            }
            let category = match shown.category_id {
                Some(id) => opinion_categories::table.find(id).select(opinion_categories::name).first(c).optional()?,
                None => None,
            };
            let office = match shown.office_id {
                Some(id) => offices::table.find(id).select(offices::name).first(c).optional()?,
                None => None,
            };
            Ok((shown, events, category, office))
        })
        .await?;
    let can_rate = opinion.status() == Status::Answered;
    let ratings = vec![Rating::Satisfied, Rating::Basic, Rating::Unsatisfied];
    render(&TrackTemplate { page, opinion, events, category, office, is_new: q.new.is_some(), can_rate, ratings })
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
    let result = st.db.write(move |conn| cases::act_as_resident(conn, &c, &step)).await;
    match result {
        Ok(_) => crate::kernel::web::page::flash(&session, true, "track.rated").await,
        Err(AppError::Conflict(k) | AppError::BadRequest(k)) => {
            crate::kernel::web::page::flash(&session, false, k).await
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/track/{code}")))
}
