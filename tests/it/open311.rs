//! Open311 GeoReport v2 on both databases, from the specification's own
//! examples (wiki.open311.org/GeoReport_v2): the services list, a request
//! posted as the spec posts it, the request list, one request, a token, and
//! errors, each in JSON and XML as the spec writes them.

use serde_json::Value;

use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    services_list_as_the_spec_shows_them,
    a_request_posted_as_the_spec_posts_it_is_found_every_way,
    errors_come_as_the_spec_writes_them,
);

async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let r = reqwest::get(app.url(path)).await.expect("GET");
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, r.text().await.expect("body"))
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = reqwest::Client::new().post(app.url(path)).form(form).send().await.expect("POST");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

async fn services_list_as_the_spec_shows_them(app: TestApp) {
    let key = app.api_token("hubin", "随手拍", "read", 600);
    let (s, ct, body) = get(&app, &format!("/open311/v2/services.json?api_key={key}")).await;
    assert_eq!((s, ct.as_str()), (200, "application/json"));
    let list: Value = serde_json::from_str(&body).expect("JSON");
    let first = &list[0];
    let mut want = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
        .map(String::from)
        .to_vec();
    want.sort();
    let mut got = keys(first);
    got.sort();
    assert_eq!(got, want);
    assert_eq!(first["type"], "realtime");
    assert_eq!(first["metadata"], false);
    // Only the categories offered for new cases; a sub-category names its group.
    assert!(list.as_array().expect("list").iter().any(|s| s["group"].is_string()));

    let (s, ct, xml) = get(&app, &format!("/open311/v2/services.xml?api_key={key}")).await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/xml"));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>"), "{xml}");
    assert!(xml.contains("<metadata>false</metadata><type>realtime</type>"));

    // A service's definition: it asks for no attributes.
    let code = first["service_code"].as_str().expect("code");
    let (s, _, def) = get(&app, &format!("/open311/v2/services/{code}.json?api_key={key}")).await;
    assert_eq!(s, 200);
    let def: Value = serde_json::from_str(&def).expect("JSON");
    assert_eq!(def["service_code"], code);
    assert_eq!(def["attributes"], serde_json::json!([]));
    let (s, _, def) = get(&app, &format!("/open311/v2/services/{code}.xml?api_key={key}")).await;
    assert_eq!(s, 200);
    assert!(def.contains(&format!(
        "<service_definition><service_code>{code}</service_code><attributes/></service_definition>"
    )));
}

async fn a_request_posted_as_the_spec_posts_it_is_found_every_way(app: TestApp) {
    let key = app.api_token("hubin", "随手拍", "read,submit", 600);
    let (_, _, services) = get(&app, &format!("/open311/v2/services.json?api_key={key}")).await;
    let services: Value = serde_json::from_str(&services).expect("JSON");
    let code = services[0]["service_code"].as_str().expect("code").to_string();
    // The spec's example request, with a Chinese mobile number for its phone.
    let (s, body) = post(
        &app,
        "/open311/v2/requests.xml",
        &[
            ("api_key", key.as_str()),
            ("service_code", code.as_str()),
            ("lat", "37.76524078"),
            ("long", "-122.4212043"),
            ("address_string", "1234 5th street"),
            ("email", "smit222@sfgov.edu"),
            ("device_id", "tt222111"),
            ("account_id", "123456"),
            ("first_name", "john"),
            ("last_name", "smith"),
            ("phone", "13912345678"),
            ("description", "A large sinkhole is destroying the street"),
            ("media_url", "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"),
            ("attribute[WHISPAWN]", "123456"),
            ("attribute[WHISDORN]", "COISL001"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><service_request_id>"),
        "{body}"
    );
    assert!(body.contains("<account_id/>") && body.contains("<service_notice>"));
    let between =
        |s: &str, a: &str, b: &str| s.split(a).nth(1).and_then(|r| r.split(b).next()).unwrap_or("").to_string();
    let id = between(&body, "<service_request_id>", "</service_request_id>");
    let tok = between(&body, "<token>", "</token>");
    assert_eq!(id.len(), 10, "the tracking code: {id}");
    assert!(!tok.is_empty());

    // Staff read the text with the place; the name and phone are kept apart.
    let case = app.opinion_id(&id);
    let text: String = app
        .db
        .read_blocking(move |c| {
            use diesel::prelude::*;
            use xieshang::kernel::db::schema::opinions;
            Ok(opinions::table.find(case).select(opinions::body).first(c)?)
        })
        .expect("body");
    assert_eq!(
        text,
        "A large sinkhole is destroying the street\n地址：1234 5th street\n位置：37.76524078, -122.4212043"
    );

    // The spec's list query, in JSON with every field in the spec's order.
    let (s, _, list) =
        get(&app, &format!("/open311/v2/requests.json?api_key={key}&start_date=2010-05-24T00:00:00Z&status=open"))
            .await;
    assert_eq!(s, 200, "{list}");
    let list: Value = serde_json::from_str(&list).expect("JSON");
    let ours =
        list.as_array().expect("list").iter().find(|r| r["service_request_id"] == id.as_str()).expect("listed").clone();
    let want = [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ];
    let mut got = keys(&ours);
    let mut sorted = want.map(String::from).to_vec();
    got.sort();
    sorted.sort();
    assert_eq!(got, sorted);
    assert_eq!(ours["status"], "open");
    assert_eq!(ours["service_code"], code.as_str());
    assert!(ours["requested_datetime"].as_str().expect("time").ends_with("+08:00"));
    // Closed ones only: not there, and every one listed is closed.
    let (_, _, closed) = get(&app, &format!("/open311/v2/requests.json?api_key={key}&status=closed")).await;
    assert!(!closed.contains(&id));
    let closed: Value = serde_json::from_str(&closed).expect("JSON");
    assert!(closed.as_array().expect("list").iter().all(|r| r["status"] == "closed"));
    // Ids override every other argument.
    let (_, _, by_id) =
        get(&app, &format!("/open311/v2/requests.json?api_key={key}&status=closed&service_request_id={id}")).await;
    assert!(by_id.contains(&id));

    // One request, by its id, in both formats; and by the token.
    let (s, _, one) = get(&app, &format!("/open311/v2/requests/{id}.json?api_key={key}")).await;
    assert_eq!(s, 200);
    let one: Value = serde_json::from_str(&one).expect("JSON");
    assert_eq!(one[0]["service_request_id"], id.as_str());
    let (s, _, one) = get(&app, &format!("/open311/v2/requests/{id}.xml?api_key={key}")).await;
    assert_eq!(s, 200);
    assert!(one.contains(&format!("<request><service_request_id>{id}</service_request_id><status>open</status>")));
    let (s, _, t) = get(&app, &format!("/open311/v2/tokens/{tok}.xml?api_key={key}")).await;
    assert_eq!(s, 200);
    assert!(t.ends_with(&format!("<service_requests><request><service_request_id>{id}</service_request_id><token>{tok}</token></request></service_requests>")), "{t}");
    // Several ids at once, comma-separated; the bearer header works as well as api_key.
    let r = reqwest::Client::new()
        .get(app.url(&format!("/open311/v2/requests.json?service_request_id={id},NOSUCHCODE")))
        .bearer_auth(&key)
        .send()
        .await
        .expect("GET");
    let many: Value = r.json().await.expect("JSON");
    assert_eq!(many.as_array().map(Vec::len), Some(1));
    assert!(app.audit_count("api.call") >= 8);
}

async fn errors_come_as_the_spec_writes_them(app: TestApp) {
    let reader = app.api_token("hubin", "随手拍", "read", 600);
    // No key: the spec's error list, with the status in it (403, as the spec's example).
    let (s, _, body) = get(&app, "/open311/v2/services.json").await;
    assert_eq!(s, 403);
    let e: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(e[0]["code"], 403);
    assert!(e[0]["description"].as_str().unwrap_or_default().contains("令牌"));
    let (s, _, body) = get(&app, "/open311/v2/services.xml?api_key=xs_wrong").await;
    assert_eq!(s, 403);
    assert!(body.contains("<errors><error><code>403</code><description>"), "{body}");
    // Discovery needs no key: it says where the endpoint is.
    let (s, _, d) = get(&app, "/open311/v2/discovery.json").await;
    assert_eq!(s, 200);
    let d: Value = serde_json::from_str(&d).expect("JSON");
    assert_eq!(d["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(d["endpoints"][0]["url"].as_str().unwrap_or_default().ends_with("/open311/v2"));
    let (s, _, d) = get(&app, "/open311/v2/discovery.xml").await;
    assert_eq!(s, 200);
    assert!(d.contains("<discovery><changeset>") && d.contains("<format>application/json</format>"));
    // A read-only key cannot create.
    let (_, _, services) = get(&app, &format!("/open311/v2/services.json?api_key={reader}")).await;
    let services: Value = serde_json::from_str(&services).expect("JSON");
    let code = services[0]["service_code"].as_str().expect("code").to_string();
    let (s, body) =
        post(&app, "/open311/v2/requests.json", &[("api_key", &reader), ("service_code", &code), ("description", "x")])
            .await;
    assert_eq!(s, 403, "{body}");
    let writer = app.api_token("hubin", "随手拍", "submit,read", 600);
    for (form, status) in [
        (vec![("service_code", "NOPE"), ("description", "路灯坏了")], 400),
        (vec![("service_code", code.as_str()), ("description", "  ")], 400),
        (vec![("service_code", code.as_str()), ("description", "路灯坏了"), ("lat", "91"), ("long", "0")], 400),
        (vec![("service_code", code.as_str()), ("description", "路灯坏了"), ("phone", "12")], 400),
    ] {
        let mut all = vec![("api_key", writer.as_str())];
        all.extend(form.iter().copied());
        let (s, body) = post(&app, "/open311/v2/requests.json", &all).await;
        assert_eq!(s, status, "{form:?}: {body}");
        let e: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(e[0]["code"], status);
    }
    for (path, status) in [
        (format!("/open311/v2/requests.json?api_key={reader}&status=pending"), 400),
        (format!("/open311/v2/requests.json?api_key={reader}&start_date=yesterday"), 400),
        (format!("/open311/v2/requests/NOSUCHCODE.json?api_key={reader}"), 404),
        (format!("/open311/v2/tokens/nosuch.json?api_key={reader}"), 404),
        (format!("/open311/v2/services/NOPE.xml?api_key={reader}"), 404),
        (format!("/open311/v2/services.csv?api_key={reader}"), 404),
    ] {
        let (s, _, body) = get(&app, &path).await;
        assert_eq!(s, status, "{path}: {body}");
    }
}
