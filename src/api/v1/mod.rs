//! `/api/v1`: the opinion box's cases (list, read, create, act), the roster,
//! activities and consultations to read, the offices and categories a new
//! case names. Each handler carries its `#[utoipa::path]` and is registered
//! through `OpenApiRouter`, so the OpenAPI document is made from the routes.

pub mod activities;
pub mod cases;
pub mod consultations;
pub mod directory;
pub mod docs;
pub mod hotline;
pub mod roster;

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use crate::kernel::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "协商 xieshang API",
        version = "1",
        description = "基层政协协商工作平台的接口：社情民意案件的提交、查询与办理，委员名册、履职活动与协商议事的查询。\
每次调用须带系统管理员发放的令牌（Authorization: Bearer xs_…），按令牌的权限（read / submit / act）与所属政协的范围执行，\
并记入审计日志。错误以 JSON 返回：code 为稳定代码，message 为中文说明，message_en 为英文说明。\n\n\
The API of xieshang, the grassroots consultation platform: submit, track and act on opinion-box cases; read the \
roster, activities and consultations. Every call carries a token the sysadmin issued (Authorization: Bearer xs_…), \
runs with that token's scopes (read / submit / act) in its committee, and is audited. Times are UTC (RFC 3339)."
    ),
    modifiers(&BearerToken),
    tags(
        (name = "cases", description = "社情民意案件 · Opinion-box cases"),
        (name = "directory", description = "工作办公室与分类 · Offices and categories"),
        (name = "roster", description = "委员名册 · The roster"),
        (name = "activities", description = "履职活动 · Activities"),
        (name = "consultations", description = "协商议事 · Consultations"),
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The bearer token every operation asks for.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let scheme =
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("xs_…").build());
        doc.components.get_or_insert_with(Default::default).add_security_scheme("token", scheme);
    }
}

/// The errors any operation may answer, each with the JSON error body.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Errors {
    /// 请求有误 · The request is not acceptable (a value out of range, a move the case's state does not allow).
    #[response(status = 400)]
    BadRequest(#[to_schema] ErrorBody),
    /// 令牌缺失、无效、已过期或已吊销 · No token, or not a valid one.
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// 令牌无此权限，或账户不能做此操作 · The token lacks the scope, or the account may not do this.
    #[response(status = 403)]
    Forbidden(#[to_schema] ErrorBody),
    /// 不存在或不在令牌范围内 · Not found, or outside the token's committee.
    #[response(status = 404)]
    NotFound(#[to_schema] ErrorBody),
    /// 与当前状态冲突 · Conflicts with the record's state.
    #[response(status = 409)]
    Conflict(#[to_schema] ErrorBody),
    /// 超过令牌每分钟调用次数 · Over the token's calls per minute; retry after a minute.
    #[response(status = 429)]
    TooMany(#[to_schema] ErrorBody),
}

fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(cases::list, cases::create))
        .routes(routes!(cases::read))
        .routes(routes!(cases::act))
        .routes(routes!(hotline::order))
        .routes(routes!(directory::offices))
        .routes(routes!(directory::categories))
        .routes(routes!(roster::members))
        .routes(routes!(activities::list))
        .routes(routes!(activities::read))
        .routes(routes!(consultations::list))
        .routes(routes!(consultations::read))
        .split_for_parts()
}

/// The API's routes, its document and the page that shows it.
pub fn router() -> Router<AppState> {
    let (routes, doc) = parts();
    routes.merge(docs::router(doc))
}
