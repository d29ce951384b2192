//! The district's settings for the box: the category code list, the handling
//! departments, and the routing table that preselects a case's handler.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::kernel::auth::CurrentUser;
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CategoryId, DepartmentId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, render};
use crate::opinions::model::{Assignee, DEFAULT_ANSWER_DAYS};
use crate::opinions::store::catalog::{self, Category};
use crate::org::store::departments::{self, Department};
use crate::org::store::{self as org, Office};

const BACK: &str = "/opinions/settings";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opinions/settings", get(show))
        .route("/opinions/settings/categories", post(add_category))
        .route("/opinions/settings/categories/{id}", post(rename_category))
        .route("/opinions/settings/categories/{id}/active", post(category_active))
        .route("/opinions/settings/departments", post(add_department))
        .route("/opinions/settings/departments/{id}/active", post(department_active))
        .route("/opinions/settings/routes", post(set_route))
        .route("/opinions/settings/routes/{id}/delete", post(remove_route))
}

/// A routing-table row with names to show.
struct RouteRow {
    id: i64,
    category: String,
    office: Option<String>,
    assignee: String,
    days: i32,
}

#[derive(Template)]
#[template(path = "opinions/settings.html")]
struct SettingsTemplate {
    page: Page,
    categories: Vec<Category>,
    departments: Vec<Department>,
    offices: Vec<Office>,
    routes: Vec<RouteRow>,
    default_days: u32,
}

impl SettingsTemplate {
    fn majors(&self) -> Vec<&Category> {
        self.categories.iter().filter(|c| c.parent_id.is_none()).collect()
    }
}

async fn show(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let (categories, departments, offices, routes) = st
        .db
        .read(move |c| {
            // The routing table is the district's: this refuses everyone else.
            let routes = catalog::routes(c, &me)?;
            Ok((catalog::categories(c, &me)?, departments::list(c, &me)?, org::list_offices(c, &me)?, routes))
        })
        .await?;
    let category = |id: CategoryId| {
        categories.iter().find(|c| c.id == id).map(|c| format!("{} {}", c.code, c.name)).unwrap_or_default()
    };
    let office = |id: i64| offices.iter().find(|o| o.id.0 == id).map(|o| o.name.clone());
    let routes = routes
        .into_iter()
        .map(|r| {
            let assignee = match r.assignee() {
                Assignee::Department(id) => departments.iter().find(|d| d.id == id).map(|d| d.name.clone()),
                Assignee::Office(id) => office(id.0),
                Assignee::Member(_) => None,
            }
            .unwrap_or_else(|| r.assignee().key());
            RouteRow {
                id: r.id,
                category: category(r.category_id),
                office: r.office_id.and_then(|o| office(o.0)),
                assignee,
                days: r.answer_days,
            }
        })
        .collect();
    render(&SettingsTemplate { page, categories, departments, offices, routes, default_days: DEFAULT_ANSWER_DAYS })
}

/// Goes back to `section` of the settings page, with the outcome as a flash
/// message.
async fn back(session: &Session, result: AppResult<()>, section: &str) -> AppResult<Redirect> {
    form_done(session, result, "settings.saved", &format!("{BACK}#{section}")).await
}

/// Writes one change, then goes `back`.
async fn save<F>(st: &AppState, session: &Session, section: &str, change: F) -> AppResult<Redirect>
where
    F: FnOnce(&mut DbConn) -> AppResult<()> + Send + 'static,
{
    let result = st.db.write(change).await;
    back(session, result, section).await
}

#[derive(Deserialize)]
struct CategoryForm {
    parent: Option<String>,
    code: Option<String>,
    name: String,
}

async fn add_category(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<CategoryForm>,
) -> AppResult<Redirect> {
    let result = async {
        let parent = form::id(&f.parent)?.map(CategoryId);
        let code = form::text(&f.code);
        st.db.write(move |c| catalog::add_category(c, &me, parent, code.as_deref(), &f.name).map(|_| ())).await
    }
    .await;
    back(&session, result, "categories").await
}

#[derive(Deserialize)]
struct NameForm {
    name: String,
}

/// `active=1` turns an entry on, anything else off.
#[derive(Deserialize)]
struct ActiveForm {
    active: String,
}

impl ActiveForm {
    fn on(&self) -> bool {
        self.active == "1"
    }
}

async fn rename_category(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<NameForm>,
) -> AppResult<Redirect> {
    save(&st, &session, "categories", move |c| catalog::rename_category(c, &me, CategoryId(id), &f.name)).await
}

async fn category_active(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> AppResult<Redirect> {
    save(&st, &session, "categories", move |c| catalog::set_category_active(c, &me, CategoryId(id), f.on())).await
}

async fn add_department(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<NameForm>,
) -> AppResult<Redirect> {
    save(&st, &session, "departments", move |c| departments::add(c, &me, &f.name).map(|_| ())).await
}

async fn department_active(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> AppResult<Redirect> {
    save(&st, &session, "departments", move |c| departments::set_active(c, &me, DepartmentId(id), f.on())).await
}

#[derive(Deserialize)]
struct RouteForm {
    category: Option<String>,
    /// Blank: the committee-wide route.
    office: Option<String>,
    /// `department:3` or `office:5`.
    assignee: Option<String>,
    days: Option<String>,
}

fn parse_route(f: &RouteForm) -> AppResult<(CategoryId, Option<OfficeId>, Assignee, u32)> {
    let category = form::id(&f.category)?.map(CategoryId).ok_or(AppError::BadRequest("settings.choose_category"))?;
    let office = form::id(&f.office)?.map(OfficeId);
    let assignee = form::text(&f.assignee)
        .and_then(|v| Assignee::parse(&v))
        .ok_or(AppError::BadRequest("opinion.choose_assignee"))?;
    let days = match form::text(&f.days) {
        None => DEFAULT_ANSWER_DAYS,
        Some(d) => d.parse().ok().filter(|d| (1..=60).contains(d)).ok_or(AppError::BadRequest("opinion.bad_days"))?,
    };
    Ok((category, office, assignee, days))
}

async fn set_route(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<RouteForm>,
) -> AppResult<Redirect> {
    let result = async {
        let (category, office, assignee, days) = parse_route(&f)?;
        st.db.write(move |c| catalog::set_route(c, &me, category, office, assignee, days)).await
    }
    .await;
    back(&session, result, "routes").await
}

async fn remove_route(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    save(&st, &session, "routes", move |c| catalog::remove_route(c, &me, id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(category: &str, office: &str, assignee: &str, days: &str) -> RouteForm {
        RouteForm {
            category: Some(category.into()),
            office: Some(office.into()),
            assignee: Some(assignee.into()),
            days: Some(days.into()),
        }
    }

    #[test]
    fn route_forms() {
        let ok = parse_route(&f("7", "", "department:3", "")).ok();
        assert_eq!(ok, Some((CategoryId(7), None, Assignee::Department(DepartmentId(3)), DEFAULT_ANSWER_DAYS)));
        let ok = parse_route(&f("7", "2", "office:2", "5")).ok();
        assert_eq!(ok, Some((CategoryId(7), Some(OfficeId(2)), Assignee::Office(OfficeId(2)), 5)));
        assert!(matches!(parse_route(&f("", "", "department:3", "")), Err(AppError::BadRequest(_))));
        assert!(matches!(parse_route(&f("7", "", "nobody:3", "")), Err(AppError::BadRequest(_))));
        assert!(matches!(
            parse_route(&f("7", "", "department:3", "61")),
            Err(AppError::BadRequest("opinion.bad_days"))
        ));
    }
}
