//! The files an office files, over HTTP on both databases: a liaison visit
//! planned, answered with apologies, attended and recorded through the pages,
//! then the quarter's and the year's activity list (xlsx, printed one page
//! wide), its record sheet (docx) and the members' duty records (xlsx);
//! other offices get nothing.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use xieshang::activities::model::Quarter;
use xieshang::kernel::db::schema::{activities, localities, members, users};

use crate::on_both_databases;
use crate::support::{Client, TestApp, location};
use crate::{office, sheet_xml};

on_both_databases!(an_office_files_its_activities, other_offices_get_nothing, a_planned_activity_prints_a_blank_form);

pub const TITLE: &str = "五原路社区听民声察民情";
const MINUTES: &str = "居民反映金河湾小区路灯坏了三个月，委员现场查看并记录。";
const REASON: &str = "在外地出差";

/// The visit and the people in it.
pub struct Visit {
    pub id: i64,
    /// Invited, ticked present.
    pub present: (i64, String),
    /// The demo login `member` (张丽华): invited, sent apologies, absent.
    pub absent: (i64, String),
    pub office: i64,
    /// Held on, in Beijing.
    pub day: NaiveDate,
    pub quarter: Quarter,
}

fn member_of_login(app: &TestApp, username: &str) -> (i64, String) {
    let username = username.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(members::table
                .inner_join(users::table.on(members::user_id.eq(users::id.nullable())))
                .filter(users::username.eq(&username))
                .select((members::id, members::name))
                .first(c)?)
        })
        .expect("the login's member record")
}

fn other_member(app: &TestApp, office: i64, not: i64) -> (i64, String) {
    app.db
        .read_blocking(move |c| {
            Ok(members::table
                .filter(members::office_id.eq(office).and(members::status.eq("active")).and(members::id.ne(not)))
                .order(members::id.asc())
                .select((members::id, members::name))
                .first(c)?)
        })
        .expect("another member of the office")
}

fn locality_of(app: &TestApp, office: i64) -> i64 {
    app.db
        .read_blocking(move |c| {
            Ok(localities::table
                .filter(localities::office_id.eq(office))
                .order(localities::id.asc())
                .select(localities::id)
                .first(c)?)
        })
        .expect("a village or community of the office")
}

fn status_of(app: &TestApp, id: i64) -> String {
    app.db.read_blocking(move |c| Ok(activities::table.find(id).select(activities::status).first(c)?)).expect("status")
}

/// 高庙乡's staff plan a visit on `day` with two of the office's members
/// invited: (the activity's id, the one to be present, the demo login
/// `member`, the office).
async fn plan_visit(app: &TestApp, day: NaiveDate) -> (i64, (i64, String), (i64, String), i64) {
    let office = app.office_id("高庙乡");
    let absent = member_of_login(app, "member");
    let present = other_member(app, office, absent.0);
    let locality = locality_of(app, office);
    let staff = app.login_as("gaomiao").await;
    let (o, l, p, a, d) =
        (office.to_string(), locality.to_string(), present.0.to_string(), absent.0.to_string(), day.to_string());
    let r = staff
        .post_form(
            "/activities",
            &[
                ("office", o.as_str()),
                ("kind", "liaison"),
                ("title", TITLE),
                ("locality", l.as_str()),
                ("date", d.as_str()),
                ("time", "09:00"),
                ("member", p.as_str()),
                ("member", a.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "planned");
    let at = location(&r);
    let id: i64 = at.trim_start_matches("/activities/").parse().unwrap_or_else(|_| panic!("an activity page: {at}"));
    (id, present, absent, office)
}

/// 高庙乡's staff plan a visit a week ago, the member sends apologies, staff
/// tick the other present and write the record.
pub async fn held_visit(app: &TestApp) -> Visit {
    let day = xieshang::kernel::time::today() - Duration::days(7);
    let (id, present, absent, office) = plan_visit(app, day).await;
    let staff = app.login_as("gaomiao").await;
    let (p, d) = (present.0.to_string(), day.to_string());

    let member = app.login_as("member").await;
    let r = member.post_form(&format!("/activities/{id}/reply"), &[("reply", "apology"), ("note", REASON)]).await;
    assert_eq!(r.status(), 303, "apologies sent");

    let r = staff.post_form(&format!("/activities/{id}/attendance"), &[("present", p.as_str())]).await;
    assert_eq!(r.status(), 303, "attendance ticked");
    let r = staff
        .post_form(
            &format!("/activities/{id}/record"),
            &[
                ("date", d.as_str()),
                ("time", "09:30"),
                ("minutes", MINUTES),
                ("outcomes", "已联系乡城建办报修路灯。"),
                ("residents_count", "25"),
                ("other_participants", "社区干部2人"),
                ("public", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "recorded");
    assert_eq!(status_of(app, id), "held", "the record was accepted");
    Visit { id, present, absent, office, day, quarter: Quarter::of(day) }
}

/// A download: status, content type, the UTF-8 file name, the bytes.
pub struct Download {
    pub status: u16,
    pub content_type: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

pub async fn download(c: &Client, path: &str) -> Download {
    let r = c.get(path).await;
    let header = |h: &str| r.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let file_name = disposition.split("filename*=UTF-8''").nth(1).map(percent_decode);
    let status = r.status().as_u16();
    Download { status, content_type, file_name, bytes: r.bytes().await.expect("body").to_vec() }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        match (b[i], s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("a UTF-8 file name")
}

/// Every row of the first sheet, as text; dates with their time of day.
pub fn sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    let x: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an xlsx");
    let name = x.sheet_names().first().cloned().expect("a sheet");
    sheet_named(bytes, &name)
}

/// Every row of sheet `name`, as `sheet` reads them.
pub fn sheet_named(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut x: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an xlsx");
    let range = x.worksheet_range(name).unwrap_or_else(|_| panic!("sheet {name}"));
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::DateTime(d) => {
                        d.as_datetime().map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
                    }
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The row whose cell under `column` is `value`, as column → text.
pub fn row_with(rows: &[Vec<String>], column: &str, value: &str) -> Option<Vec<(String, String)>> {
    let header = rows.iter().find(|r| r.iter().any(|c| c == column))?;
    let at = header.iter().position(|c| c == column)?;
    let row = rows.iter().find(|r| r.get(at).is_some_and(|c| c == value))?;
    Some(header.iter().cloned().zip(row.iter().cloned()).collect())
}

pub fn cell(row: &[(String, String)], column: &str) -> String {
    row.iter().find(|(h, _)| h == column).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("column {column}"))
}

/// The text of a docx's body: every `<w:t>` of word/document.xml, in order.
pub fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).expect("utf-8");
    let mut out = String::new();
    for part in xml.split("<w:t").skip(1) {
        // `<w:t>` or `<w:t xml:space=…>`, not `<w:tab/>` or `<w:tabs>`.
        if !(part.starts_with('>') || part.starts_with(' ')) {
            continue;
        }
        let Some(start) = part.find('>') else { continue };
        let text = &part[start + 1..];
        out.push_str(&text[..text.find("</w:t>").unwrap_or(0)]);
        out.push('\n');
    }
    out
}

async fn an_office_files_its_activities(app: TestApp) {
    let v = held_visit(&app).await;
    let staff = app.login_as("gaomiao").await;
    let q = v.quarter.to_string();

    // The quarter's list, as the office files it.
    let f = download(&staff, &format!("/activities/export.xlsx?quarter={q}")).await;
    assert_eq!(f.status, 200);
    assert!(f.content_type.contains("spreadsheetml"), "{}", f.content_type);
    assert_eq!(f.file_name.as_deref(), Some(format!("活动_高庙乡_{q}.xlsx").as_str()));
    let rows = sheet(&f.bytes);
    let row = row_with(&rows, "活动名称", TITLE).expect("the visit is listed");
    assert_eq!(cell(&row, "工作办公室"), "高庙乡");
    assert_eq!(cell(&row, "状态"), "已开展");
    assert_eq!(cell(&row, "出席委员"), v.present.1, "the member present, by name");
    assert_eq!(
        (cell(&row, "邀请人数"), cell(&row, "出席人数"), cell(&row, "群众人数")),
        ("2".into(), "1".into(), "25".into())
    );
    assert!(cell(&row, "纪要摘要").starts_with("居民反映金河湾小区路灯"));
    assert_eq!(cell(&row, "时间"), format!("{} 09:30", v.day), "when it was held, with the time of day");
    // Printed as the office files it: one page wide, the headers on every page.
    let title = format!("高庙乡{}委员活动一览", v.quarter.label(xieshang::kernel::web::i18n::Lang::Zh));
    sheet_xml::assert_prints(&f.bytes, 1, 3, &title);
    sheet_xml::assert_widths_cover(&f.bytes, 1, "活动一览", 3);
    let at = rows.iter().position(|r| r.iter().any(|c| c == TITLE)).expect("the visit's row") + 1;
    assert!(sheet_xml::wraps(&f.bytes, 1, &format!("K{at}")), "the minutes are too long for one line: wrapped");
    assert!(!sheet_xml::wraps(&f.bytes, 1, &format!("C{at}")), "the title fits its column");
    if let Some(pages) = office::pdf_pages(&f.bytes, "xlsx") {
        assert_eq!(pages, 1, "a short list prints on one page");
    }

    // The district: the office's year, and the whole committee's.
    let admin = app.login_as("admin").await;
    let year = v.quarter.year;
    let f = download(&admin, &format!("/activities/export.xlsx?office={}&year={year}", v.office)).await;
    assert_eq!(f.status, 200);
    assert_eq!(f.file_name.as_deref(), Some(format!("活动_高庙乡_{year}.xlsx").as_str()));
    assert!(row_with(&sheet(&f.bytes), "活动名称", TITLE).is_some());
    let f = download(&admin, &format!("/activities/export.xlsx?quarter={q}&kind=liaison")).await;
    assert_eq!(f.file_name.as_deref(), Some(format!("活动_全区_{q}.xlsx").as_str()));
    assert!(row_with(&sheet(&f.bytes), "活动名称", TITLE).is_some());
    let f = download(&admin, &format!("/activities/export.xlsx?quarter={q}&kind=study")).await;
    assert!(row_with(&sheet(&f.bytes), "活动名称", TITLE).is_none(), "filtered by kind");

    // Typing mistakes are explained, in Chinese.
    for (path, words) in [
        ("/activities/export.xlsx?quarter=2026Q5", "季度格式不对"),
        ("/activities/export.xlsx?year=二〇二六", "年份格式不对"),
        (&format!("/members/{}/duty.xlsx?year=26", v.present.0), "年份格式不对"),
    ] {
        let (status, body) = staff.get_text(path).await;
        assert_eq!(status, 400, "{path}");
        assert!(body.contains(words), "{path}: {words}");
    }

    // The record sheet: the minutes, who came, who sent apologies and why.
    let f = download(&staff, &format!("/activities/{}/record.docx", v.id)).await;
    assert_eq!(f.status, 200);
    assert!(f.content_type.contains("wordprocessingml"), "{}", f.content_type);
    assert!(f.file_name.as_deref().is_some_and(|n| n.starts_with("活动记录表_") && n.ends_with(".docx")));
    let text = docx_text(&f.bytes);
    for expected in ["委员活动记录表", TITLE, MINUTES, "已联系乡城建办报修路灯。", "25人", "社区干部2人"]
    {
        assert!(text.contains(expected), "{expected} in the record sheet:\n{text}");
    }
    assert!(text.contains(&format!("{}（1人）", v.present.1)), "present: {text}");
    assert!(text.contains(&format!("{}（{REASON}）", v.absent.1)), "apologies with the reason: {text}");
    if let Some(pages) = office::pdf_pages(&f.bytes, "docx") {
        assert_eq!(pages, 1, "the record sheet prints on one page");
    }
    the_office_conventions(&f.bytes);
    // A member of the office sees the activity's page, and its record sheet.
    let member = app.login_as("member").await;
    assert_eq!(download(&member, &format!("/activities/{}/record.docx", v.id)).await.status, 200);

    // The duty records: the visit for who came, not for who sent apologies.
    for who in [&admin, &staff] {
        let f = download(who, &format!("/members/{}/duty.xlsx?year={year}", v.present.0)).await;
        assert_eq!(f.status, 200);
        assert_eq!(f.file_name.as_deref(), Some(format!("履职档案_{}_{year}.xlsx", v.present.1).as_str()));
        let rows = sheet(&f.bytes);
        assert!(rows[0][0].contains(&v.present.1), "titled with the name: {:?}", rows[0]);
        let row = row_with(&rows, "事项", TITLE).expect("the visit in the duty record");
        assert_eq!(cell(&row, "工作办公室"), "高庙乡");
        assert_eq!(cell(&row, "类别"), "参加活动");
        let f = download(who, &format!("/members/{}/duty.xlsx?year={year}", v.absent.0)).await;
        assert_eq!(f.status, 200);
        assert!(row_with(&sheet(&f.bytes), "事项", TITLE).is_none(), "apologies are not attendance");
    }
    // Another year has nothing; the member downloads their own, not another's.
    let f = download(&admin, &format!("/members/{}/duty.xlsx?year={}", v.present.0, year - 1)).await;
    assert!(row_with(&sheet(&f.bytes), "事项", TITLE).is_none());
    assert_eq!(download(&member, &format!("/members/{}/duty.xlsx", v.absent.0)).await.status, 200);
    assert_eq!(download(&member, &format!("/members/{}/duty.xlsx", v.present.0)).await.status, 404);

    // The pages link to the files.
    let (_, page) = staff.get_text(&format!("/members/{}", v.present.0)).await;
    assert!(page.contains(&format!("/members/{}/duty.xlsx", v.present.0)), "the member page links the duty record");
    let (_, page) = staff.get_text(&format!("/activities?quarter={q}")).await;
    assert!(
        page.contains(&format!("/activities/export.xlsx?office=&amp;kind=&amp;quarter={q}")),
        "the list links its export"
    );
}

async fn other_offices_get_nothing(app: TestApp) {
    let v = held_visit(&app).await;
    let q = v.quarter.to_string();
    let jianhe = app.login_as("jianhe").await;
    let f = download(&jianhe, &format!("/activities/export.xlsx?office={}&quarter={q}", v.office)).await;
    assert_eq!(f.status, 404, "another office's list");
    let f = download(&jianhe, &format!("/activities/export.xlsx?quarter={q}")).await;
    assert_eq!(f.status, 200);
    assert_eq!(f.file_name.as_deref(), Some(format!("活动_涧河街道_{q}.xlsx").as_str()));
    assert!(row_with(&sheet(&f.bytes), "活动名称", TITLE).is_none(), "only its own activities");
    assert_eq!(download(&jianhe, &format!("/activities/{}/record.docx", v.id)).await.status, 404);
    assert_eq!(download(&jianhe, &format!("/members/{}/duty.xlsx", v.present.0)).await.status, 404);
    // Roles without an office: no list at all.
    let dept = app.login_as("dept").await;
    assert_eq!(download(&dept, &format!("/activities/export.xlsx?quarter={q}")).await.status, 403);
    assert_eq!(download(&dept, &format!("/activities/{}/record.docx", v.id)).await.status, 404);
    // Not logged in: to the login page.
    let r = app.client().get(&format!("/activities/{}/record.docx", v.id)).await;
    assert!(r.status().is_redirection() || r.status() == 401, "{}", r.status());
}

/// The conventions every document shares: page numbers, the label column
/// wide enough for 请假委员及事由 (7 characters of 四号, 280 twips each, and
/// the cell's margins), the office as the author and the creation date.
fn the_office_conventions(bytes: &[u8]) {
    let footer = office::part(bytes, "word/footer1.xml");
    assert!(footer.contains("<w:instrText>PAGE</w:instrText>"), "{footer}");
    let document = office::part(bytes, "word/document.xml");
    let grid = document.split("<w:gridCol w:w=\"").nth(1).expect("the table's grid");
    let label: usize = grid[..grid.find('"').expect("width")].parse().expect("twips");
    assert!(label >= 7 * 280 + 2 * 108, "label column {label} twips");
    let core = office::part(bytes, "docProps/core.xml");
    assert!(core.contains("<dc:creator>高庙乡政协工作办公室</dc:creator>"), "{core}");
    let made = xieshang::kernel::time::now().date().format("%Y-%m-%d").to_string();
    assert!(core.contains(&format!(r#"<dcterms:created xsi:type="dcterms:W3CDTF">{made}T"#)), "{core}");
}

/// A visit planned for next week: its record sheet is a form to fill by
/// hand on the day — what is known printed, the rest left blank, not 无 or 0人.
async fn a_planned_activity_prints_a_blank_form(app: TestApp) {
    let day = xieshang::kernel::time::today() + Duration::days(7);
    let (id, present, absent, _) = plan_visit(&app, day).await;
    let staff = app.login_as("gaomiao").await;
    let f = download(&staff, &format!("/activities/{id}/record.docx")).await;
    assert_eq!(f.status, 200);
    let text = docx_text(&f.bytes);
    for expected in ["委员活动记录表", TITLE, "出席委员", "活动纪要", "活动成果", "填表人"] {
        assert!(text.contains(expected), "{expected} on the form:\n{text}");
    }
    assert!(text.contains(&present.1) && text.contains(&absent.1), "the invited members: {text}");
    for blank in ["无", "0人", "照片0张"] {
        assert!(!text.contains(blank), "no {blank} on a blank form:\n{text}");
    }
    the_office_conventions(&f.bytes);
    if let Some(pages) = office::pdf_pages(&f.bytes, "docx") {
        assert_eq!(pages, 1, "the form prints on one page");
    }
}
