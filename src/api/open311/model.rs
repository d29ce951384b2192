//! GeoReport v2's records and their two renderings, with no I/O: a record is
//! its fields in the spec's order, written as a JSON object or an XML element.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use chrono_tz::Asia::Shanghai;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::opinions::model::Status;

/// The format a path's extension asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// `requests.json` → (`requests`, Json). Anything else is no such path.
pub fn split(name: &str) -> Option<(&str, Format)> {
    if let Some(stem) = name.strip_suffix(".json") {
        Some((stem, Format::Json))
    } else {
        name.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
    }
}

/// A field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(Option<String>),
    Bool(bool),
    Int(i64),
    /// A list with nothing in it (a service's attributes: we ask for none).
    EmptyList,
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Some(s.into()))
    }
}

/// One record: its fields in the spec's order.
pub type Record = Vec<(&'static str, Value)>;

/// GeoReport's two states: a case is `closed` once it needs nothing more
/// (closed, refused, merged into another), else `open`.
pub fn status_of(s: Status) -> &'static str {
    match s {
        Status::Closed | Status::Rejected | Status::Merged => "closed",
        _ => "open",
    }
}

/// The statuses a `status=open|closed` filter keeps; `None` for another word.
pub fn parse_status(s: &str) -> Option<Vec<Status>> {
    let closed = match s {
        "open" => false,
        "closed" => true,
        _ => return None,
    };
    Some(Status::ALL.iter().copied().filter(|st| (status_of(*st) == "closed") == closed).collect())
}

/// A time as the spec writes it (W3C, with the offset): Beijing time.
pub fn w3c(t: NaiveDateTime) -> String {
    t.and_utc().with_timezone(&Shanghai).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A `start_date`/`end_date` as the spec gives it (W3C with an offset, the
/// seconds optional), as UTC.
pub fn parse_w3c(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let with_seconds = chrono::DateTime::parse_from_rfc3339(s).ok();
    let t = with_seconds.or_else(|| {
        let s = s.strip_suffix('Z').map(|x| format!("{x}+00:00")).unwrap_or_else(|| s.to_string());
        chrono::DateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M%:z").ok()
    })?;
    // The app's years: a date past them is a typo, and would overflow a day's arithmetic.
    (1900..=2100).contains(&chrono::Datelike::year(&t.naive_utc())).then(|| t.naive_utc())
}

/// The records as the spec's JSON (an array of objects) or XML (a `root`
/// element holding one `item` element per record).
pub fn render(format: Format, status: StatusCode, root: &str, item: &str, records: &[Record]) -> Response {
    match format {
        Format::Json => (status, axum::Json(records.iter().map(json_of).collect::<Vec<_>>())).into_response(),
        Format::Xml => xml_response(status, xml(root, Some(item), records)),
    }
}

/// One record as the document itself (a service definition): a JSON
/// object, or the `root` element with the fields inside.
pub fn render_one(format: Format, root: &str, record: &Record) -> Response {
    match format {
        Format::Json => axum::Json(json_of(record)).into_response(),
        Format::Xml => xml_response(StatusCode::OK, xml(root, None, std::slice::from_ref(record))),
    }
}

fn json_of(r: &Record) -> serde_json::Value {
    let mut o = serde_json::Map::new();
    for (k, v) in r {
        let v = match v {
            Value::Text(t) => t.clone().map(serde_json::Value::String).unwrap_or(serde_json::Value::Null),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(n) => serde_json::Value::from(*n),
            Value::EmptyList => serde_json::Value::Array(vec![]),
        };
        o.insert((*k).to_string(), v);
    }
    serde_json::Value::Object(o)
}

fn xml_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// `root` holding the records, each in an `item` element, or the fields of
/// the one record straight inside `root` when there is no `item`.
fn xml(root: &str, item: Option<&str>, records: &[Record]) -> String {
    let mut w = Writer::new(Vec::new());
    // Writing to a Vec cannot fail; the results are the writer's I/O errors.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let _ = w.write_event(Event::Start(BytesStart::new(root)));
    for r in records {
        if let Some(item) = item {
            let _ = w.write_event(Event::Start(BytesStart::new(item)));
        }
        for (k, v) in r {
            let text = match v {
                Value::Text(t) => xml_chars(t.as_deref().unwrap_or_default()),
                Value::Bool(b) => b.to_string(),
                Value::Int(n) => n.to_string(),
                Value::EmptyList => String::new(),
            };
            if text.is_empty() {
                let _ = w.write_event(Event::Empty(BytesStart::new(*k)));
            } else {
                let _ = w.write_event(Event::Start(BytesStart::new(*k)));
                let _ = w.write_event(Event::Text(BytesText::new(&text)));
                let _ = w.write_event(Event::End(BytesEnd::new(*k)));
            }
        }
        if let Some(item) = item {
            let _ = w.write_event(Event::End(BytesEnd::new(item)));
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new(root)));
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

/// `s` with every character XML 1.0 does not allow (control characters a
/// resident's text may carry) as U+FFFD: the writer escapes markup, not these,
/// and one such case would make a whole list unreadable.
fn xml_chars(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// The spec's error: `[{"code": 404, "description": "…"}]` with that status
/// (and when to come back, for 429).
pub fn error(format: Format, status: StatusCode, description: &str) -> Response {
    let record: Record =
        vec![("code", Value::Int(i64::from(status.as_u16()))), ("description", Value::text(description))];
    let mut res = render(format, status, "errors", "error", &[record]);
    if status == StatusCode::TOO_MANY_REQUESTS {
        res.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("60"));
    }
    res
}

/// The discovery document: where this server's GeoReport v2 endpoint is.
pub fn discovery(format: Format, endpoint: &str, changeset: &str) -> Response {
    match format {
        Format::Json => axum::Json(serde_json::json!({
            "changeset": changeset,
            "contact": "",
            "key_service": "",
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": endpoint,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        }))
        .into_response(),
        Format::Xml => {
            let esc = |s: &str| quick_xml::escape::escape(xml_chars(s)).into_owned();
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery><changeset>{c}</changeset><contact/><key_service/>\
<endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification><url>{u}</url>\
<changeset>{c}</changeset><type>production</type><formats><format>text/xml</format><format>application/json</format>\
</formats></endpoint></endpoints></discovery>",
                c = esc(changeset),
                u = esc(endpoint)
            );
            xml_response(StatusCode::OK, body)
        }
    }
}

/// The text of a case posted through Open311: the description, then the
/// place it names (an address, a point), as staff will read it.
pub fn case_text(description: &str, address: &str, lat: &str, long: &str) -> String {
    let mut text = description.trim().to_string();
    if !address.trim().is_empty() {
        text.push_str(&format!("\n地址：{}", address.trim()));
    }
    if !lat.trim().is_empty() && !long.trim().is_empty() {
        text.push_str(&format!("\n位置：{}, {}", lat.trim(), long.trim()));
    }
    text.trim().to_string()
}

/// Whether a point is one: both numbers, on the globe.
pub fn valid_point(lat: &str, long: &str) -> bool {
    match (lat.trim().parse::<f64>(), long.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike as _;

    #[test]
    fn extensions_choose_the_format() {
        assert_eq!(split("services.json"), Some(("services", Format::Json)));
        assert_eq!(split("HB0001.xml"), Some(("HB0001", Format::Xml)));
        assert_eq!(split("services"), None);
        assert_eq!(split("services.csv"), None);
    }

    #[test]
    fn a_case_is_closed_once_it_needs_nothing_more() {
        for s in Status::ALL {
            let closed = matches!(s, Status::Closed | Status::Rejected | Status::Merged);
            assert_eq!(status_of(*s), if closed { "closed" } else { "open" }, "{s:?}");
        }
        assert_eq!(parse_status("closed"), Some(vec![Status::Rejected, Status::Closed, Status::Merged]));
        assert_eq!(parse_status("open").map(|l| l.len()), Some(Status::ALL.len() - 3));
        assert_eq!(parse_status("Open"), None);
    }

    #[test]
    fn times_in_beijing_with_the_offset() {
        let t = chrono::NaiveDate::from_ymd_opt(2010, 4, 14).and_then(|d| d.and_hms_opt(6, 37, 38)).expect("valid");
        assert_eq!(w3c(t), "2010-04-14T14:37:38+08:00");
        assert_eq!(parse_w3c("2010-04-14T14:37:38+08:00"), Some(t));
        assert_eq!(parse_w3c("2010-04-14T06:37:38-00:00"), Some(t));
        assert_eq!(parse_w3c("yesterday"), None);
        assert_eq!(parse_w3c("2010-04-14T14:37+08:00"), t.with_second(0));
        assert_eq!(parse_w3c("2010-04-14T06:37Z"), t.with_second(0));
        assert_eq!(parse_w3c("+262142-12-31T00:00:00Z"), None);
    }

    #[test]
    fn xml_escapes_and_writes_empty_fields_as_empty_elements() {
        let r: Record = vec![
            ("service_request_id", Value::text("ABC")),
            ("status_notes", Value::Text(None)),
            ("description", Value::text("a < b & \"c\"")),
        ];
        let x = xml("service_requests", Some("request"), &[r]);
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request>"));
        assert!(x.contains("<status_notes/>"));
        assert!(x.contains("a &lt; b &amp;"));
        let r: Record = vec![("description", Value::text("路灯\u{1}坏了\u{b}\n"))];
        assert!(xml("x", Some("y"), &[r]).contains("<description>路灯\u{FFFD}坏了\u{FFFD}\n</description>"));
    }

    #[test]
    fn the_text_names_the_place() {
        assert_eq!(
            case_text(" 路灯坏了 ", "崖底街道12号", "34.77", "111.19"),
            "路灯坏了\n地址：崖底街道12号\n位置：34.77, 111.19"
        );
        assert_eq!(case_text("路灯坏了", "", "34.77", ""), "路灯坏了");
        assert!(valid_point("37.76524078", "-122.4212043"));
        assert!(!valid_point("91", "0") && !valid_point("x", "0"));
    }
}
