//! 履职积分 pages: the ranking of an office's (or the district's) members
//! with their duty time, a member's year line by line with each point's
//! record, and the district's scoring table. The rules and the checks are
//! in `duty::scores`; handlers parse and render.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::Datelike;
use serde::Deserialize;
use tower_sessions::Session;

use crate::duty::score::{ScoreItem, ScoreLine, ScoreTable};
use crate::duty::scores::{self, Ranked};
use crate::duty::time::{days_text, expected_by};
use crate::kernel::auth::{CurrentUser, Role};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, paging, render};
use crate::org::store::{self as org, Office, members};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/duty/scores", get(ranking_page))
        .route("/duty/scores/table", get(table_page).post(set_table))
        .route("/duty/members/{id}", get(member_page))
        .route("/duty/mine", get(mine))
}

#[derive(Deserialize, Default)]
struct RankQuery {
    office: Option<String>,
    year: Option<String>,
}

fn year_of(raw: Option<&str>) -> i32 {
    paging::year(raw).unwrap_or_else(|| today().year())
}

#[derive(Template)]
#[template(path = "duty/scores.html")]
struct RankingTemplate {
    page: Page,
    year: i32,
    office: Option<OfficeId>,
    offices: Vec<Office>,
    ranked: Vec<Ranked>,
    expected_days: i32,
    /// Half days the even pace asks by today (or the year's end).
    expected_now: i32,
    behind: usize,
    /// The district and leaders choose an office or all.
    sees_all: bool,
}

impl RankingTemplate {
    fn days(&self, half: &i32) -> String {
        days_text(*half)
    }
}

async fn ranking_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<RankQuery>,
) -> AppResult<Response> {
    let year = year_of(q.year.as_deref());
    let office = form::id(&q.office)?.map(OfficeId);
    let sees_all = matches!(me.role, Role::DistrictAdmin | Role::Leader);
    let now = today();
    let by = scores::judged_on(year, now);
    let (ranked, offices, expected_days) = st
        .db
        .read(move |c| {
            let days = scores::expected_days(c, &me, year, now)?;
            let ranked = scores::ranking(c, &me, office, year, days, now)?;
            Ok((ranked, org::list_offices(c, &me)?, days))
        })
        .await?;
    let behind = ranked.iter().filter(|r| r.behind).count();
    render(&RankingTemplate {
        page,
        year,
        office,
        offices,
        ranked,
        expected_days,
        expected_now: if year > now.year() { 0 } else { expected_by(expected_days, by) },
        behind,
        sees_all,
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "duty/member.html")]
struct MemberTemplate {
    page: Page,
    year: i32,
    member: MemberId,
    name: String,
    lines: Vec<ScoreLine>,
    total: i32,
    half_days: i32,
    expected_days: i32,
    /// Each item's points this year and how many records earned it.
    items: Vec<(ScoreItem, i32, usize)>,
}

impl MemberTemplate {
    fn days(&self, half: &i32) -> String {
        days_text(*half)
    }
}

async fn member_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<RankQuery>,
) -> AppResult<Response> {
    let year = year_of(q.year.as_deref());
    let member = MemberId(id);
    let (s, name, expected_days) = st
        .db
        .read(move |c| {
            let s = scores::member_score(c, &me, member, year)?;
            let name = members::profile(c, &me, member)?.member.name;
            Ok((s, name, scores::expected_days(c, &me, year, today())?))
        })
        .await?;
    let mut counted: HashMap<ScoreItem, usize> = HashMap::new();
    for l in &s.lines {
        *counted.entry(l.record.item).or_default() += 1;
    }
    let items = s.table.items().iter().map(|(i, p)| (*i, *p, counted.get(i).copied().unwrap_or(0))).collect();
    render(&MemberTemplate {
        page,
        year,
        member,
        name,
        lines: s.lines,
        total: s.total,
        half_days: s.half_days,
        expected_days,
        items,
    })
    .map(IntoResponse::into_response)
}

/// A member's own year: their page.
async fn mine(State(st): State<AppState>, CurrentUser(me): CurrentUser) -> AppResult<Redirect> {
    if me.role != Role::Member {
        return Err(AppError::NotFound);
    }
    let id = st.db.read(move |c| members::own_id(c, &me)).await?;
    Ok(Redirect::to(&format!("/duty/members/{id}")))
}

#[derive(Template)]
#[template(path = "duty/table.html")]
struct TableTemplate {
    page: Page,
    year: i32,
    table: ScoreTable,
    can_edit: bool,
}

async fn table_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<RankQuery>,
) -> AppResult<Response> {
    // The table is the committee's rule: whoever is scored or ranks reads it.
    if !matches!(me.role, Role::DistrictAdmin | Role::Leader | Role::OfficeStaff | Role::Member) {
        return Err(AppError::NotFound);
    }
    let year = year_of(q.year.as_deref());
    let can_edit = me.role == Role::DistrictAdmin;
    let table = st.db.read(move |c| scores::table(c, &me, year)).await?;
    render(&TableTemplate { page, year, table, can_edit }).map(IntoResponse::into_response)
}

async fn set_table(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<HashMap<String, String>>,
) -> AppResult<Redirect> {
    let year = year_of(f.get("year").map(String::as_str));
    let back = format!("/duty/scores/table?year={year}");
    let parsed: AppResult<Vec<(ScoreItem, i32)>> = ScoreItem::ALL
        .iter()
        .filter_map(|item| {
            let raw = form::text(&f.get(item.as_str()).cloned())?;
            let n = form::halfwidth(&raw).trim().parse::<i32>().map_err(|_| AppError::BadRequest("score.bad_points"));
            Some(n.map(|n| (*item, n)))
        })
        .collect();
    let result = match parsed {
        Ok(given) => st.db.write(move |c| scores::set_table(c, &me, year, &given)).await,
        Err(e) => Err(e),
    };
    form_done(&session, result, "score.saved", &back).await
}
