//! The district's settings for the box: the category code list, the handling
//! departments, the routing table that preselects a case's handler, the
//! public phone, and the distribution and numbering of 社情民意信息.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;

use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CategoryId, DepartmentId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::web::action::{Button, action, action_form};
use crate::kernel::web::{Page, form, render};
use crate::opinions::model::{Assignee, DEFAULT_ANSWER_DAYS};
use crate::opinions::reports::model::PrintSettings;
use crate::opinions::reports::store as reports;
use crate::opinions::store::catalog::{self, Category};
use crate::org::store::departments::{self, Department};
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opinions/settings", get(show))
        .route(
            "/opinions/settings/categories",
            action_form(
                OK,
                |_| back("categories"),
                |c, me, f: CategoryForm| {
                    let parent = form::id(&f.parent)?.map(CategoryId);
                    catalog::add_category(c, me, parent, form::text(&f.code).as_deref(), &f.name).map(|_| ())
                },
            ),
        )
        .route(
            "/opinions/settings/categories/{id}",
            action(
                OK,
                |_| back("categories"),
                |c, me, id, f: NameForm| catalog::rename_category(c, me, CategoryId(id), &f.name),
            ),
        )
        .route(
            "/opinions/settings/categories/{id}/active",
            action(
                OK,
                |_| back("categories"),
                |c, me, id, f: ActiveForm| catalog::set_category_active(c, me, CategoryId(id), f.on()),
            ),
        )
        .route(
            "/opinions/settings/departments",
            action_form(OK, |_| back("departments"), |c, me, f: NameForm| departments::add(c, me, &f.name).map(|_| ())),
        )
        .route(
            "/opinions/settings/departments/{id}/active",
            action(
                OK,
                |_| back("departments"),
                |c, me, id, f: ActiveForm| departments::set_active(c, me, DepartmentId(id), f.on()),
            ),
        )
        .route(
            "/opinions/settings/routes",
            action_form(
                OK,
                |_| back("routes"),
                |c, me, f: RouteForm| {
                    let (category, office, assignee, days) = parse_route(&f)?;
                    catalog::set_route(c, me, category, office, assignee, days)
                },
            ),
        )
        .route(
            "/opinions/settings/phone",
            action_form(OK, |_| back("phone"), |c, me, f: PhoneForm| org::set_public_phone(c, me, &f.phone)),
        )
        .route(
            "/opinions/settings/reports",
            action_form(
                OK,
                |_| back("reports"),
                |c, me, f: ReportsForm| {
                    let s = PrintSettings::parse(&f.report_to, &f.deliver_to, &f.copy_to, &f.issuer, &f.total_before)
                        .map_err(AppError::BadRequest)?;
                    reports::set_print_settings(c, me, &s)
                },
            ),
        )
        .route(
            "/opinions/settings/routes/{id}/delete",
            action(OK, |_| back("routes"), |c, me, id, _: Button| catalog::remove_route(c, me, id)),
        )
}

/// Every change goes back to its section of the settings page.
const OK: &str = "settings.saved";

fn back(section: &str) -> String {
    format!("/opinions/settings#{section}")
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
    /// The number residents may call about their cases.
    public_phone: String,
    /// The usual distribution and the numbering of 社情民意信息.
    reports: PrintSettings,
}

impl SettingsTemplate {
    fn total_before(&self) -> String {
        self.reports.total_before.map(|n| n.to_string()).unwrap_or_default()
    }
}

impl SettingsTemplate {
    fn majors(&self) -> Vec<&Category> {
        self.categories.iter().filter(|c| c.parent_id.is_none()).collect()
    }
}

async fn show(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let (categories, departments, offices, routes, (public_phone, reports)) = st
        .db
        .read(move |c| {
            // The routing table is the district's: this refuses everyone else.
            let routes = catalog::routes(c, &me)?;
            let phone = org::committee(c, &me)?.public_phone.unwrap_or_default();
            let usual = (phone, reports::print_settings(c, &me)?);
            Ok((catalog::categories(c, &me)?, departments::list(c, &me)?, org::list_offices(c, &me)?, routes, usual))
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
    render(&SettingsTemplate {
        page,
        categories,
        departments,
        offices,
        routes,
        default_days: DEFAULT_ANSWER_DAYS,
        public_phone,
        reports,
    })
}

#[derive(Deserialize)]
struct CategoryForm {
    parent: Option<String>,
    code: Option<String>,
    name: String,
}

#[derive(Deserialize)]
struct PhoneForm {
    phone: String,
}

#[derive(Deserialize)]
struct ReportsForm {
    report_to: String,
    deliver_to: String,
    copy_to: String,
    issuer: String,
    total_before: String,
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
