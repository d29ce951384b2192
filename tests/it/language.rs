//! Issue 14: the Chinese pages hold no English leftovers and the English pages'
//! own text (menus, buttons, table heads, the texts of the Chinese locale) no
//! Chinese, on the main pages of every demo role and of a resident.

use std::collections::{BTreeSet, HashSet};

use crate::on_both_databases;
use crate::support::{Client, TestApp, location};

on_both_databases!(no_english_in_the_chinese_ui_no_chinese_in_the_english_one);

/// Words that are the same in Chinese text: file formats, products, and the
/// audit log's action codes its filter gives as examples (user.、auth.).
const ALLOWED_WORDS: &[&str] = &["Excel", "Word", "docx", "xlsx", "xls", "doc", "pdf", "auth", "user"];

/// The demo accounts' user names, shown as data on the accounts page.
const USERNAMES: &[&str] =
    &["admin", "gaomiao", "jianhe", "member", "dept", "leader", "auditor", "sysadmin", "secadmin"];

/// Demo data that reads like a zh-CN locale text: a category, an activity's
/// default title, a locality and a post given as examples, a term, a speaker,
/// an inspection checklist item (有实效 is also a consultation's mark).
const DATA: &[&str] =
    &["其他", "维修", "听民声、察民情、知民意、解民忧", "五原路社区", "专职党委副书记", "第十届", "委员", "有实效"];

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Zh,
    En,
}

async fn no_english_in_the_chinese_ui_no_chinese_in_the_english_one(app: TestApp) {
    let chinese_texts = chinese_locale_texts();
    let public = public_pages(&app).await;
    let mut problems = BTreeSet::new();
    let mut seen = 0;
    for user in [
        None,
        Some("admin"),
        Some("gaomiao"),
        Some("member"),
        Some("dept"),
        Some("leader"),
        Some("auditor"),
        Some("sysadmin"),
    ] {
        for lang in [Lang::Zh, Lang::En] {
            let c = match user {
                Some(u) => app.login_as(u).await,
                None => app.client(),
            };
            c.get(if lang == Lang::En { "/lang/en?next=/" } else { "/lang/zh-CN?next=/" }).await;
            let paths = match user {
                None => public.clone(),
                Some(_) => staff_pages(&c).await,
            };
            for path in paths {
                let Some(html) = page(&c, &path).await else { continue };
                seen += 1;
                let who = user.unwrap_or("resident");
                match lang {
                    Lang::Zh => {
                        for w in english_words(&visible_text(&html, "en")) {
                            problems.insert(format!("zh {who} {path}: {w:?}"));
                        }
                    }
                    Lang::En => {
                        for run in chinese_in_chrome(&html).into_iter().filter(|r| !DATA.contains(&r.as_str())) {
                            problems.insert(format!("en {who} {path}: {run:?} in the page's own text"));
                        }
                        for run in han_runs(&without_glosses(&visible_text(&html, "zh-CN"))) {
                            if chinese_texts.contains(&run) && !DATA.contains(&run.as_str()) {
                                problems.insert(format!("en {who} {path}: {run:?} is a zh-CN locale text"));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(seen > 100, "the main pages were visited: {seen}");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// A page's HTML after any redirects; `None` for a download.
async fn page(c: &Client, path: &str) -> Option<String> {
    let mut path = path.to_string();
    for _ in 0..3 {
        let r = c.get(&path).await;
        if r.status().is_redirection() {
            path = location(&r);
            continue;
        }
        // A wrong tracking code's page is a page too.
        assert!(r.status().is_success() || r.status().is_client_error(), "{path}: {}", r.status());
        let html = r.headers().get("content-type").is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
        return if html { Some(r.text().await.expect("body")) } else { None };
    }
    panic!("{path}: too many redirects")
}

/// What a resident sees: the box, tracking (form and a demo case), results,
/// public consultation and Members' Home pages, the login, the front page.
async fn public_pages(app: &TestApp) -> Vec<String> {
    let c = app.client();
    let mut paths: Vec<String> =
        ["/", "/login", "/box/hubin", "/track", "/box/hubin/results", "/box/hubin/consultations"]
            .map(String::from)
            .into();
    let code = app
        .db
        .read_blocking(|c| {
            use diesel::prelude::*;
            use xieshang::kernel::db::schema::opinions;
            Ok(opinions::table.order(opinions::id.asc()).select(opinions::code).first::<String>(c)?)
        })
        .expect("a demo case");
    paths.push(format!("/track/{code}"));
    paths.push("/track?code=NOSUCHCODE".into());
    let list = page(&c, "/box/hubin/consultations").await.unwrap_or_default();
    paths.extend(links(&list).into_iter().filter(|h| is_detail(h, "/box/hubin/consultations")).take(1));
    let home = app
        .db
        .read_blocking(|c| {
            use diesel::prelude::*;
            use xieshang::kernel::db::schema::members_homes;
            Ok(members_homes::table.order(members_homes::id.asc()).select(members_homes::id).first::<i64>(c)?)
        })
        .expect("a demo Members' Home");
    paths.push(format!("/box/hubin/homes/{home}"));
    // The online consultations residents may join, and the first of them.
    let online = page(&c, "/box/hubin/online").await.unwrap_or_default();
    paths.push("/box/hubin/online".into());
    paths.extend(links(&online).into_iter().filter(|h| is_detail(h, "/box/hubin/online")).take(1));
    paths
}

/// A signed-in user's pages: home, every navigation link and the first
/// record each list links to.
async fn staff_pages(c: &Client) -> Vec<String> {
    let home = page(c, "/").await.unwrap_or_default();
    let nav = home.split("<nav class=\"main-nav\"").nth(1).and_then(|s| s.split("</nav>").next()).unwrap_or("");
    let mut paths = vec!["/".to_string(), "/account/password".to_string()];
    for href in links(nav) {
        if href == "/" {
            continue;
        }
        let list = page(c, &href).await.unwrap_or_default();
        paths.push(href.clone());
        if let Some(detail) = links(&list).into_iter().find(|h| is_detail(h, &href)) {
            paths.push(detail);
        }
    }
    // 网络议政 is reached from the consultations' list, not the navigation.
    let online = page(c, "/consultations/online").await.unwrap_or_default();
    paths.push("/consultations/online".into());
    let one = |h: &String| h.strip_suffix("/online").is_some_and(|x| is_detail(x, "/consultations"));
    paths.extend(links(&online).into_iter().find(one));
    paths
}

fn links(html: &str) -> Vec<String> {
    html.split("href=\"").skip(1).filter_map(|s| s.split('"').next()).map(|s| s.replace("&amp;", "&")).collect()
}

/// `/opinions/12` under `/opinions`: one record's page.
fn is_detail(href: &str, list: &str) -> bool {
    href.strip_prefix(list)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
}

/// The zh-CN locale's texts, split at their %{…} placeholders.
fn chinese_locale_texts() -> HashSet<String> {
    let yml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/zh-CN.yml")).expect("zh-CN.yml");
    yml.lines()
        .filter_map(|l| l.split_once(": ").map(|(_, v)| v.trim().trim_matches('"')))
        .flat_map(han_runs)
        .filter(|r| r.chars().count() >= 2)
        .collect()
}

/// English text without its glosses: an official term may follow its
/// translation in brackets, as in "Effective (有实效)".
fn without_glosses(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(" (") {
        let Some(close) = rest[open..].find(')').map(|i| open + i) else { break };
        let inner = &rest[open + 2..close];
        out.push_str(&rest[..open]);
        if !inner.chars().any(is_han) {
            out.push_str(&rest[open..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Maximal runs of Han characters.
fn han_runs(text: &str) -> Vec<String> {
    let mut runs = vec![];
    let mut run = String::new();
    for ch in text.chars().chain(std::iter::once(' ')) {
        if is_han(ch) {
            run.push(ch);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs
}

fn is_han(ch: char) -> bool {
    matches!(ch, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// English words in Chinese text: runs of letters with a lower-case one (all
/// capitals are codes and abbreviations: PDF, QR, a tracking code), leaving
/// out links, e-mail addresses, the allowed words and the demo user names.
fn english_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|t| !t.contains("://") && !t.contains('@') && !t.starts_with('/'))
        .flat_map(|t| t.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| w.len() >= 2 && !w.chars().any(|c| c.is_ascii_digit()))
        .filter(|w| w.chars().any(|c| c.is_ascii_lowercase()))
        .filter(|w| !ALLOWED_WORDS.iter().any(|a| a.eq_ignore_ascii_case(w)) && !USERNAMES.contains(w))
        .map(String::from)
        .collect()
}

/// Han text in what the app itself writes on an English page: the header's
/// tools, the navigation, buttons, menus' summaries, legends and table heads
/// (not the title: it holds names).
fn chinese_in_chrome(html: &str) -> Vec<String> {
    let mut runs = vec![];
    for (open, close) in [
        ("<div class=\"toolbar\"", "</div>"),
        ("<nav", "</nav>"),
        ("<button", "</button>"),
        ("<summary", "</summary>"),
        ("<legend", "</legend>"),
        ("<thead", "</thead>"),
    ] {
        for part in html.split(open).skip(1) {
            let inner = part.split(close).next().unwrap_or("");
            runs.extend(han_runs(&without_glosses(&visible_text(inner, "zh-CN"))));
        }
    }
    runs
}

/// The text a reader sees (and hears: titles, placeholders, labels for screen
/// readers), without scripts, styles, drawings, codes (`<code>`: the audit
/// log's records), and without elements marked as written in `other` (the
/// language switch).
fn visible_text(html: &str, other: &str) -> String {
    let body = html.split_once("<body").and_then(|(_, b)| b.split_once('>')).map(|(_, b)| b).unwrap_or(html);
    let mut out = String::new();
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        let end = rest.find('>').map(|i| i + 1).unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end..];
        let name: String =
            tag[1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        let skip_to = |rest: &str, name: &str| rest.find(&format!("</{name}>")).map(|i| i + name.len() + 3);
        if ["script", "style", "svg", "code"].contains(&name.as_str()) || tag.contains(&format!(" lang=\"{other}\"")) {
            if let Some(i) = skip_to(rest, &name) {
                rest = &rest[i..];
            }
            continue;
        }
        for attr in ["placeholder", "title", "aria-label", "alt"] {
            if let Some(v) = tag.split(&format!(" {attr}=\"")).nth(1).and_then(|s| s.split('"').next()) {
                out.push(' ');
                out.push_str(v);
            }
        }
        out.push(' ');
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
}

/// Templates write their words through the locales: Chinese text or
/// punctuation (、，：（）【】) typed into a template would show in English too.
#[test]
fn templates_write_no_chinese_of_their_own() {
    let mut found = vec![];
    let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/templates"))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("templates").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("template");
            for (n, line) in template_text(&text).lines().enumerate() {
                if line.chars().any(is_han) {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "text to move into the locales:\n{}", found.join("\n"));
}

/// A template without its expressions, tags, comments, styles and scripts
/// (line breaks kept, for line numbers).
fn template_text(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    let spans = [("{{", "}}"), ("{%", "%}"), ("{#", "#}"), ("<style", "</style>"), ("<script", "</script>")];
    loop {
        let next = spans.iter().filter_map(|(o, c)| rest.find(o).map(|i| (i, *c))).min_by_key(|(i, _)| *i);
        let Some((i, close)) = next else { break };
        out.push_str(&rest[..i]);
        let end = rest[i..].find(close).map(|j| i + j + close.len()).unwrap_or(rest.len());
        out.extend(rest[i..end].chars().filter(|c| *c == '\n'));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
