//! The residents' pages (no login, mobile-first): the online consultations
//! open to them, and one with its published comments and the comment form,
//! under the opinion box's protections (limits, the question, the form token).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use crate::consultations::online::model::{self, CommentStatus, Group};
use crate::consultations::online::store::comments::Shown;
use crate::consultations::online::store::public::{self, Comment, Listed, Sender};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::guard::{self, Challenge};
use crate::kernel::ids::{ConsultationId, OnlineCommentId};
use crate::kernel::state::AppState;
use crate::kernel::time::now;
use crate::kernel::web::{Page, form, render};
use crate::opinions::model::{Screen, submitter_name};
use crate::org::model::Phone;

pub fn router() -> Router<AppState> {
    Router::new().route("/box/{code}/online", get(list)).route("/box/{code}/online/{id}", get(show).post(submit))
}

#[derive(Template)]
#[template(path = "consultations/online_public_list.html")]
struct ListTemplate {
    page: Page,
    code: String,
    committee: String,
    rows: Vec<Listed>,
}

async fn list(State(st): State<AppState>, page: Page, Path(code): Path<String>) -> AppResult<Response> {
    let c = code.clone();
    let (committee, rows) = st.db.read(move |conn| public::list(conn, &c)).await?;
    render(&ListTemplate { page, code, committee, rows }).map(IntoResponse::into_response)
}

/// What the resident typed, kept when the form comes back with a message.
#[derive(Default, Clone, Deserialize)]
struct Typed {
    #[serde(default)]
    body: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    parent: String,
}

#[derive(Template)]
#[template(path = "consultations/online_public.html")]
struct ShowTemplate {
    page: Page,
    code: String,
    p: public::Page,
    typed: Typed,
    /// The comment the form replies to, one of those shown.
    reply_to: Option<Shown>,
    error: Option<String>,
    /// Just sent: it shows once staff have read it.
    sent: bool,
    challenge: Option<Challenge>,
    max_chars: usize,
}

impl ShowTemplate {
    fn open(&self) -> bool {
        self.p.online.is_open()
    }
    fn total(&self) -> (usize, usize, usize) {
        model::total(&self.p.figures)
    }
}

/// How the page is shown: fresh, or again with what was typed and why not.
struct Showing {
    typed: Typed,
    error: Option<String>,
    challenge: bool,
    status: StatusCode,
    sent: bool,
}

fn challenge_key(st: &AppState) -> [u8; 32] {
    // The box's question: one key for the public forms.
    st.personal.derive("guard.challenge")
}

async fn page_of(
    st: &AppState,
    page: Page,
    code: String,
    id: ConsultationId,
    shown: Showing,
    sender: Option<Sender>,
) -> AppResult<Response> {
    let (c, vault) = (code.clone(), st.personal.clone());
    let p = st.db.read(move |conn| public::page(conn, &c, id, sender.as_ref(), &vault)).await?;
    let challenge = (shown.challenge || p.ask_question).then(|| guard::new_challenge(&challenge_key(st), now()));
    let parent = form::id(&Some(shown.typed.parent.clone())).ok().flatten().map(OnlineCommentId);
    let reply_to = parent.and_then(|r| p.comments.iter().find(|x| x.id == r && x.status == CommentStatus::Published));
    let tpl = ShowTemplate {
        reply_to: reply_to.cloned(),
        page,
        code,
        p,
        typed: shown.typed,
        error: shown.error,
        sent: shown.sent,
        challenge,
        max_chars: model::MAX_COMMENT,
    };
    Ok((shown.status, render(&tpl)?).into_response())
}

#[derive(Deserialize)]
struct ShowQuery {
    reply: Option<String>,
    sent: Option<String>,
}

async fn show(
    State(st): State<AppState>,
    page: Page,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((code, id)): Path<(String, i64)>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let typed = Typed { parent: q.reply.unwrap_or_default(), ..Typed::default() };
    let shown = Showing { typed, error: None, challenge: false, status: StatusCode::OK, sent: q.sent.is_some() };
    page_of(&st, page, code, ConsultationId(id), shown, Some(Sender::new(&ip, None))).await
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(flatten)]
    typed: Typed,
    #[serde(default)]
    challenge_token: String,
    #[serde(default)]
    challenge_answer: String,
}

async fn submit(
    State(st): State<AppState>,
    page: Page,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((code, id)): Path<(String, i64)>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    let id = ConsultationId(id);
    let typed = f.typed;
    let refuse = |typed: Typed, key: &str, challenge: bool, status: StatusCode| Showing {
        error: Some(page.t(key)),
        typed,
        challenge,
        status,
        sent: false,
    };
    let phone = match typed.phone.trim() {
        "" => None,
        p => match Phone::parse(p) {
            Some(p) => Some(p),
            None => {
                let shown = refuse(typed, "form.bad_phone", false, StatusCode::BAD_REQUEST);
                return page_of(&st, page, code, id, shown, None).await;
            }
        },
    };
    let parent = match form::id(&Some(typed.parent.clone())) {
        Ok(p) => p.map(OnlineCommentId),
        Err(_) => {
            let shown = refuse(typed, "online.bad_parent", false, StatusCode::BAD_REQUEST);
            return page_of(&st, page, code, id, shown, None).await;
        }
    };
    let ip = guard::client_ip(&headers, Some(peer), st.config.trust_proxy_headers);
    let phone_index = phone.as_ref().map(|p| st.personal.blind_index(p.as_str()));
    let sender = Sender::new(&ip, phone_index.as_deref());
    let answered = guard::check_challenge(&challenge_key(&st), &f.challenge_token, &f.challenge_answer, now());
    let s = sender.clone();
    match st.db.read(move |c| public::screen(c, &s, answered)).await? {
        Screen::Pass => {}
        Screen::Question => {
            let key = if f.challenge_answer.trim().is_empty() { "guard.answer_first" } else { "guard.wrong_answer" };
            let shown = refuse(typed, key, true, StatusCode::BAD_REQUEST);
            return page_of(&st, page, code, id, shown, None).await;
        }
        Screen::TooMany => {
            let s = sender.clone();
            st.db.write(move |c| public::count_refused(c, &s)).await?;
            let shown = refuse(typed, "guard.too_many", false, StatusCode::TOO_MANY_REQUESTS);
            return page_of(&st, page, code, id, shown, None).await;
        }
    }
    let comment = Comment {
        parent,
        body: typed.body.clone(),
        name_enc: submitter_name(&typed.name).map(|n| st.personal.encrypt(&n)),
        phone_enc: phone.as_ref().map(|p| st.personal.encrypt(p.as_str())),
        phone_index,
    };
    let c = code.clone();
    match st.db.write(move |conn| public::submit(conn, &c, id, &sender, &comment)).await {
        Ok(Some(_)) => Ok(Redirect::to(&format!("/box/{code}/online/{id}?sent=1#comment-form")).into_response()),
        Ok(None) => {
            let shown = refuse(typed, "guard.too_many", false, StatusCode::TOO_MANY_REQUESTS);
            page_of(&st, page, code, id, shown, None).await
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            let shown = refuse(typed, k, false, StatusCode::BAD_REQUEST);
            page_of(&st, page, code, id, shown, None).await
        }
        Err(e) => Err(e),
    }
}
