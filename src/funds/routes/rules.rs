//! The duty rules (规范性文件): every version for anyone of the committee to
//! read; the district adds a version.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::funds::store::rules::{self, Draft, Rule};
use crate::kernel::auth::{CurrentUser, Role};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::RuleId;
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/funds/rules", get(list).post(add))
}

#[derive(Template)]
#[template(path = "funds/rules.html")]
struct RulesTemplate {
    page: Page,
    rules: Vec<Rule>,
    /// The version in force today.
    current: Option<RuleId>,
    can_add: bool,
    today: String,
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    if matches!(me.role, Role::Sysadmin | Role::SecurityAdmin | Role::Auditor) {
        return Err(AppError::NotFound);
    }
    let can_add = me.role == Role::DistrictAdmin;
    let (rules, current) =
        st.db.read(move |c| Ok((rules::list(c, &me)?, rules::in_force(c, &me, today())?.map(|r| r.id)))).await?;
    render(&RulesTemplate { page, rules, current, can_add, today: today().to_string() })
}

#[derive(Deserialize)]
struct RuleForm {
    title: String,
    doc_number: String,
    effective_from: Option<String>,
    body: String,
    duty_days: Option<String>,
    fund_uses: String,
    leave_clause: String,
    letter_prefix: String,
}

async fn add(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<RuleForm>,
) -> AppResult<Redirect> {
    let draft = || -> AppResult<Draft> {
        Ok(Draft {
            effective_from: form::date(&f.effective_from)?,
            duty_days: form::count(&f.duty_days, "rule.bad_days")?,
            title: f.title.clone(),
            doc_number: f.doc_number.clone(),
            body: f.body.clone(),
            fund_uses: f.fund_uses.clone(),
            leave_clause: f.leave_clause.clone(),
            letter_prefix: f.letter_prefix.clone(),
        })
    };
    let result = match draft() {
        Ok(d) => st.db.write(move |c| rules::add(c, &me, &d).map(|_| ())).await,
        Err(e) => Err(e),
    };
    form_done(&session, result, "rule.added", "/funds/rules").await
}
