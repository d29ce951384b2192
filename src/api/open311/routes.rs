//! The GeoReport v2 endpoints under `/open311/v2`. Each answers in the format
//! its extension names; errors too, as the spec's list of errors.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;

use super::model::{self, Format, Record, Value};
use crate::api::caller;
use crate::api::tokens::model::{Refusal, Scope};
use crate::kernel::auth::Actor;
use crate::kernel::error::AppError;
use crate::kernel::ids::CategoryId;
use crate::kernel::state::AppState;
use crate::kernel::web::i18n::Lang;
use crate::opinions::model::{Source, Status};
use crate::opinions::store::cases::{self, NewOpinion, Opinion};
use crate::opinions::store::catalog::{self, Category};
use crate::opinions::store::{external, links};
use crate::org::model::Phone;

/// The system name of the links Open311's tokens are kept under.
const TOKENS: &str = "open311";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{name}", get(list).post(post_request))
        .route("/open311/v2/services/{name}", get(service_definition))
        .route("/open311/v2/requests/{name}", get(one_request))
        .route("/open311/v2/tokens/{name}", get(token))
}

/// A refusal in the spec's form, its description in Chinese.
fn fail(format: Format, status: StatusCode, key: &str) -> Response {
    model::error(format, status, &Lang::Zh.t(key))
}

fn from_app(format: Format, e: AppError) -> Response {
    if let AppError::Internal(e) = &e {
        tracing::error!(error = %format!("{e:#}"), "internal error in an Open311 call");
    }
    fail(format, e.status(), e.message_key())
}

/// The caller's account: the token from the header, else the `api_key` field.
async fn admit(
    st: &AppState,
    parts: &Parts,
    api_key: Option<&str>,
    scope: Scope,
    format: Format,
) -> Result<Actor, Response> {
    let Some(token) = caller::bearer(parts).or_else(|| api_key.map(str::to_owned)) else {
        return Err(fail(format, refusal_status(Refusal::Unknown), Refusal::Unknown.message_key()));
    };
    match caller::admit(st, parts, &token, scope).await {
        Ok(Ok(a)) => Ok(a.actor),
        Ok(Err(r)) => Err(fail(format, refusal_status(r), r.message_key())),
        Err(e) => Err(fail(format, e.status, e.key)),
    }
}

/// The spec answers a missing or invalid `api_key` with 403 (its example:
/// "Invalid api_key received"); over the limit is 429 as elsewhere.
fn refusal_status(r: Refusal) -> StatusCode {
    match r {
        Refusal::TooMany => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::FORBIDDEN,
    }
}

fn query_pairs(parts: &Parts) -> HashMap<String, String> {
    parts.uri.query().map(|q| serde_urlencoded::from_str(q).unwrap_or_default()).unwrap_or_default()
}

/// The categories a request may name: active ones, by code, with their group.
fn service(c: &Category, all: &[Category]) -> Record {
    let group = c.parent_id.and_then(|p| all.iter().find(|x| x.id == p)).map(|p| p.name.clone());
    vec![
        ("service_code", Value::text(&c.code)),
        ("service_name", Value::text(&c.name)),
        ("description", Value::text(&c.name)),
        ("metadata", Value::Bool(false)),
        ("type", Value::text("realtime")),
        ("keywords", Value::text("")),
        ("group", Value::Text(group)),
    ]
}

fn request_record(o: &Opinion, office: Option<String>, cats: &[Category]) -> Record {
    let cat = o.category_id.and_then(|id| cats.iter().find(|c| c.id == id));
    let notes = match o.status {
        Status::Rejected => o.reject_reason.clone(),
        Status::Answered | Status::Closed => o.answer.clone(),
        _ => None,
    };
    vec![
        ("service_request_id", Value::text(&o.code)),
        ("status", Value::text(model::status_of(o.status))),
        ("status_notes", Value::Text(notes)),
        ("service_name", Value::Text(cat.map(|c| c.name.clone()))),
        ("service_code", Value::Text(cat.map(|c| c.code.clone()))),
        ("description", Value::text(&o.body)),
        ("agency_responsible", Value::Text(office)),
        ("service_notice", Value::Text(None)),
        ("requested_datetime", Value::text(model::w3c(o.created_at))),
        ("updated_datetime", Value::text(model::w3c(o.updated_at))),
        ("expected_datetime", Value::Text(o.due_at.map(model::w3c))),
        ("address", Value::Text(None)),
        ("address_id", Value::Text(None)),
        ("zipcode", Value::Text(None)),
        ("lat", Value::Text(None)),
        ("long", Value::Text(None)),
        ("media_url", Value::Text(None)),
    ]
}

/// `services.{fmt}` and `requests.{fmt}` (GET).
async fn list(State(st): State<AppState>, Path(name): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let Some((stem, format)) = model::split(&name) else {
        return fail(Format::Json, StatusCode::NOT_FOUND, "error.not_found");
    };
    // Discovery is public: it says where the endpoint is, nothing more.
    if stem == "discovery" {
        let base = st.config.public_base_url.as_deref().unwrap_or("").trim_end_matches('/');
        return model::discovery(format, &format!("{base}/open311/v2"), env!("CARGO_PKG_VERSION"));
    }
    let q = query_pairs(&parts);
    let me = match admit(&st, &parts, q.get("api_key").map(String::as_str), Scope::Read, format).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match stem {
        "services" => match st.db.read(move |c| catalog::categories(c, &me)).await {
            Ok(all) => {
                let records: Vec<Record> = all.iter().filter(|c| c.active).map(|c| service(c, &all)).collect();
                model::render(format, StatusCode::OK, "services", "service", &records)
            }
            Err(e) => from_app(format, e),
        },
        "requests" => requests(&st, me, &q, format).await,
        _ => fail(format, StatusCode::NOT_FOUND, "error.not_found"),
    }
}

/// The query of `GET requests`: by ids (which override every other
/// argument, as the spec says), or by service, dates and status: the newest
/// 50 the account sees, as the inbox pages them.
async fn requests(st: &AppState, me: Actor, q: &HashMap<String, String>, format: Format) -> Response {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let ids: Option<Vec<String>> = get("service_request_id")
        .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect());
    let statuses = match get("status") {
        None => None,
        Some(s) => match model::parse_status(&s) {
            Some(list) => Some(list),
            None => return fail(format, StatusCode::BAD_REQUEST, "open311.bad_status"),
        },
    };
    let mut dates = [None, None];
    for (i, k) in ["start_date", "end_date"].iter().enumerate() {
        if let Some(v) = get(k) {
            match model::parse_w3c(&v) {
                Some(t) => dates[i] = Some(t),
                None => return fail(format, StatusCode::BAD_REQUEST, "open311.bad_date"),
            }
        }
    }
    let code = get("service_code");
    let found = st
        .db
        .read(move |c| {
            let cats = catalog::categories(c, &me)?;
            let rows = match ids {
                Some(ids) => external::by_codes(c, &me, &ids)?,
                None => {
                    let category: Option<CategoryId> = match &code {
                        None => None,
                        Some(code) => match cats.iter().find(|x| &x.code == code) {
                            Some(x) => Some(x.id),
                            None => return Ok(None),
                        },
                    };
                    external::received_between(c, &me, category, statuses, dates[0], dates[1])?
                }
            };
            Ok(Some((rows, cats)))
        })
        .await;
    match found {
        Ok(Some((rows, cats))) => {
            let records: Vec<Record> = rows.into_iter().map(|(o, office)| request_record(&o, office, &cats)).collect();
            model::render(format, StatusCode::OK, "service_requests", "request", &records)
        }
        Ok(None) => fail(format, StatusCode::NOT_FOUND, "open311.no_service"),
        Err(e) => from_app(format, e),
    }
}

/// `services/{code}.{fmt}`: a service asks for no attributes.
async fn service_definition(State(st): State<AppState>, Path(name): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let Some((code, format)) = model::split(&name) else {
        return fail(Format::Json, StatusCode::NOT_FOUND, "error.not_found");
    };
    let q = query_pairs(&parts);
    let me = match admit(&st, &parts, q.get("api_key").map(String::as_str), Scope::Read, format).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let code = code.to_string();
    match st.db.read(move |c| catalog::categories(c, &me)).await {
        Ok(all) if all.iter().any(|c| c.active && c.code == code) => model::render_one(
            format,
            "service_definition",
            &vec![("service_code", Value::text(code)), ("attributes", Value::EmptyList)],
        ),
        Ok(_) => fail(format, StatusCode::NOT_FOUND, "open311.no_service"),
        Err(e) => from_app(format, e),
    }
}

/// `requests/{id}.{fmt}`: one case by its tracking code, as a list of one.
async fn one_request(State(st): State<AppState>, Path(name): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let Some((id, format)) = model::split(&name) else {
        return fail(Format::Json, StatusCode::NOT_FOUND, "error.not_found");
    };
    let q = query_pairs(&parts);
    let me = match admit(&st, &parts, q.get("api_key").map(String::as_str), Scope::Read, format).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = id.to_string();
    let found = st
        .db
        .read(move |c| {
            let Some(o) = cases::get_by_code(c, &me, &id)? else { return Ok(None) };
            let office = cases::names(c, &o)?.office;
            Ok(Some((o, office, catalog::categories(c, &me)?)))
        })
        .await;
    match found {
        Ok(Some((o, office, cats))) => {
            model::render(format, StatusCode::OK, "service_requests", "request", &[request_record(&o, office, &cats)])
        }
        Ok(None) => fail(format, StatusCode::NOT_FOUND, "error.not_found"),
        Err(e) => from_app(format, e),
    }
}

/// `tokens/{token}.{fmt}`: the case a token from `POST requests` became.
async fn token(State(st): State<AppState>, Path(name): Path<String>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let Some((tok, format)) = model::split(&name) else {
        return fail(Format::Json, StatusCode::NOT_FOUND, "error.not_found");
    };
    let q = query_pairs(&parts);
    let me = match admit(&st, &parts, q.get("api_key").map(String::as_str), Scope::Read, format).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let tok = tok.to_string();
    let found = st
        .db
        .read(move |c| {
            let Some(id) = links::find_unscoped(c, me.committee_id, TOKENS, &tok)? else { return Ok(None) };
            Ok(cases::get(c, &me, id)?.map(|o| (o.code, tok)))
        })
        .await;
    match found {
        Ok(Some((code, tok))) => model::render(
            format,
            StatusCode::OK,
            "service_requests",
            "request",
            &[vec![("service_request_id", Value::text(code)), ("token", Value::text(tok))]],
        ),
        Ok(None) => fail(format, StatusCode::NOT_FOUND, "error.not_found"),
        Err(e) => from_app(format, e),
    }
}

/// `POST requests.{fmt}`: a new case, received as from another system
/// (source `api`). Answers its tracking code as `service_request_id`, and a
/// `token` that `tokens/{token}` finds it by.
async fn post_request(State(st): State<AppState>, Path(name): Path<String>, req: Request) -> Response {
    let format = match model::split(&name) {
        Some(("requests", f)) => f,
        Some((_, f)) => return fail(f, StatusCode::NOT_FOUND, "error.not_found"),
        None => return fail(Format::Json, StatusCode::NOT_FOUND, "error.not_found"),
    };
    let (parts, body) = req.into_parts();
    let form =
        match axum::Form::<Vec<(String, String)>>::from_request(Request::from_parts(parts.clone(), body), &st).await {
            Ok(axum::Form(pairs)) => pairs,
            Err(_) => return fail(format, StatusCode::BAD_REQUEST, "open311.bad_form"),
        };
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let key = field("api_key");
    let me = match admit(&st, &parts, Some(key.as_str()).filter(|k| !k.is_empty()), Scope::Submit, format).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (lat, long) = (field("lat"), field("long"));
    if (!lat.is_empty() || !long.is_empty()) && !model::valid_point(&lat, &long) {
        return fail(format, StatusCode::BAD_REQUEST, "open311.bad_point");
    }
    let phone = match field("phone") {
        p if p.is_empty() => None,
        p => match Phone::parse(&p) {
            Some(p) => Some(p),
            None => return fail(format, StatusCode::BAD_REQUEST, "form.bad_phone"),
        },
    };
    // A Chinese name is the family name first.
    let name = format!("{}{}", field("last_name"), field("first_name"));
    let vault = st.personal.clone();
    let text = model::case_text(&field("description"), &field("address_string"), &lat, &long);
    let code = field("service_code");
    let tok = crate::kernel::auth::password::random_token(16);
    let (actor, tok2) = (me.clone(), tok.clone());
    let made = st
        .db
        .write(move |c| {
            let cats = catalog::categories(c, &actor)?;
            let cat =
                cats.iter().find(|x| x.active && x.code == code).ok_or(AppError::BadRequest("open311.no_service"))?;
            let n = NewOpinion {
                category_id: Some(cat.id),
                source: Some(Source::Api),
                body: text,
                name_enc: (!name.is_empty()).then(|| vault.encrypt(&name.chars().take(30).collect::<String>())),
                phone_enc: phone.as_ref().map(|p| vault.encrypt(p.as_str())),
                phone_index: phone.as_ref().map(|p| vault.blind_index(p.as_str())),
                ..NewOpinion::default()
            };
            let (id, _) = links::enter_once(c, &actor, &n, TOKENS, Some(&tok2))?;
            Ok(cases::get(c, &actor, id)?.ok_or(AppError::NotFound)?.code)
        })
        .await;
    match made {
        Ok(code) => {
            let notice = Lang::Zh.t("open311.received").replace("%{code}", &code);
            model::render(
                format,
                StatusCode::OK,
                "service_requests",
                "request",
                &[vec![
                    ("service_request_id", Value::text(code)),
                    ("token", Value::text(tok)),
                    ("service_notice", Value::text(notice)),
                    ("account_id", Value::Text(None)),
                ]],
            )
        }
        Err(e) => from_app(format, e),
    }
}
