//! The OpenAPI document at `/api/v1/openapi.json`, and `/api/v1/docs`, a page
//! that shows it to the people who connect another system: every operation
//! with its parameters and answers, every schema with its fields. Drawn on
//! the server from the document itself (no script from a CDN: a government
//! intranet has none).

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde_json::Value;

use crate::kernel::state::AppState;
use crate::kernel::web::i18n::Lang;

pub const JSON_PATH: &str = "/api/v1/openapi.json";
pub const PAGE_PATH: &str = "/api/v1/docs";

pub fn router(doc: utoipa::openapi::OpenApi) -> Router<AppState> {
    let json: Arc<str> = match doc.to_pretty_json() {
        Ok(j) => j.into(),
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            "{}".into()
        }
    };
    let pages: Arc<[String; 2]> = Arc::new([render_page(&json, Lang::Zh), render_page(&json, Lang::En)]);
    Router::new()
        .route(
            JSON_PATH,
            get(move || {
                let json = json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], json.to_string()).into_response() }
            }),
        )
        .route(
            PAGE_PATH,
            get(move |headers: HeaderMap| {
                let pages = pages.clone();
                async move {
                    let i = usize::from(Lang::from_headers(&headers) == Lang::En);
                    Html(pages[i].clone()).into_response()
                }
            }),
        )
}

#[derive(Template)]
#[template(path = "api/docs.html")]
struct DocsTemplate {
    lang: Lang,
    title: String,
    version: String,
    description: Vec<String>,
    ops: Vec<Op>,
    schemas: Vec<SchemaView>,
}

struct Op {
    anchor: String,
    method: String,
    path: String,
    tag: String,
    summary: String,
    description: Vec<String>,
    params: Vec<Field>,
    body: Option<String>,
    responses: Vec<(String, String, Option<String>)>,
}

struct Field {
    name: String,
    place: String,
    ty: String,
    required: bool,
    description: String,
}

struct SchemaView {
    name: String,
    description: String,
    fields: Vec<Field>,
}

impl DocsTemplate {
    fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }
}

fn render_page(json: &str, lang: Lang) -> String {
    let doc: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    let tpl = DocsTemplate {
        lang,
        title: text(&doc["info"]["title"]),
        version: text(&doc["info"]["version"]),
        description: lines(&text(&doc["info"]["description"])),
        ops: operations(&doc),
        schemas: schemas(&doc, lang),
    };
    tpl.render().unwrap_or_else(|e| format!("<p>{e}</p>"))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn lines(s: &str) -> Vec<String> {
    s.split("\n\n").map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// A schema's type in a few words: `string (date-time) or null`, `array of CaseSummary`.
fn type_of(s: &Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = s[key].as_array() {
            return list.iter().map(type_of).collect::<Vec<_>>().join(" or ");
        }
    }
    let base = match &s["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts.iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
        _ => vec![],
    };
    let words: Vec<String> = base
        .into_iter()
        .map(|t| match t.as_str() {
            "array" => format!("array of {}", type_of(&s["items"])),
            "null" => t,
            _ => match s["format"].as_str() {
                Some(f) => format!("{t} ({f})"),
                None => t,
            },
        })
        .collect();
    if words.is_empty() { "any".into() } else { words.join(" or ") }
}

fn operations(doc: &Value) -> Vec<Op> {
    let mut out = vec![];
    let Some(paths) = doc["paths"].as_object() else { return out };
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, op) in item {
            let summary_and_more = text(&op["summary"]);
            let params = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| Field {
                            name: text(&p["name"]),
                            place: text(&p["in"]),
                            ty: type_of(&p["schema"]),
                            required: p["required"].as_bool().unwrap_or(false),
                            description: text(&p["description"]),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = op["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|_| type_of(&op["requestBody"]["content"]["application/json"]["schema"]));
            let responses = op["responses"]
                .as_object()
                .map(|rs| {
                    rs.iter()
                        .map(|(code, r)| {
                            let schema = &r["content"]["application/json"]["schema"];
                            let ty = schema.as_object().map(|_| type_of(schema));
                            (code.clone(), text(&r["description"]), ty)
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Op {
                anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
                method: method.to_uppercase(),
                path: path.clone(),
                tag: op["tags"][0].as_str().unwrap_or_default().to_string(),
                summary: summary_and_more,
                description: lines(&text(&op["description"])),
                params,
                body,
                responses,
            });
        }
    }
    out.sort_by(|a, b| (a.tag.as_str(), a.path.as_str()).cmp(&(b.tag.as_str(), b.path.as_str())));
    out
}

fn schemas(doc: &Value, lang: Lang) -> Vec<SchemaView> {
    let Some(all) = doc["components"]["schemas"].as_object() else { return vec![] };
    all.iter()
        .map(|(name, s)| {
            // A flattened struct is an allOf of its parts: show every field.
            let parts: Vec<&Value> = match s["allOf"].as_array() {
                Some(list) => list.iter().collect(),
                None => vec![s],
            };
            let mut fields = vec![];
            for part in parts {
                let required: Vec<&str> = part["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(r) = part["$ref"].as_str() {
                    fields.push(Field {
                        name: "…".into(),
                        place: String::new(),
                        ty: r.rsplit('/').next().unwrap_or(r).to_string(),
                        required: true,
                        description: lang.t("api_docs.every_field"),
                    });
                }
                if let Some(props) = part["properties"].as_object() {
                    for (field, p) in props {
                        fields.push(Field {
                            name: field.clone(),
                            place: String::new(),
                            ty: type_of(p),
                            required: required.contains(&field.as_str()),
                            description: text(&p["description"]),
                        });
                    }
                }
            }
            SchemaView { name: name.clone(), description: text(&s["description"]), fields }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_as_words() {
        let t = |v: Value| type_of(&v);
        assert_eq!(t(serde_json::json!({"type": "string"})), "string");
        assert_eq!(
            t(serde_json::json!({"type": ["string", "null"], "format": "date-time"})),
            "string (date-time) or null"
        );
        assert_eq!(
            t(serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/CaseSummary"}})),
            "array of CaseSummary"
        );
        assert_eq!(
            t(serde_json::json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/X"}]})),
            "null or X"
        );
        assert_eq!(t(serde_json::json!({})), "any");
    }
}
