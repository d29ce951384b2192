//! A consultation's report (协商议事情况报告) as a Word file, in the page
//! layout of the activity record sheet (A4, GB/T 9704 margins, 方正小标宋
//! title, 仿宋 text): a two-column table of label and content — topic, office,
//! format, time and place, host, sectors, who took part (by sector, with
//! counts), departments, residents, the cases it came from, the speakers'
//! points, the record, the agreed items with owner, deadline and state, and
//! the published results.

use chrono::{NaiveDate, NaiveDateTime};
use docx_rs::{AlignmentType, LineSpacing, Paragraph};

use crate::consultations::store::consultations as store;
use crate::consultations::store::{Consultations, departments, items};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::docx::{self, BODY_FONT, Props, Row, chinese_date, run, size};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::ConsultationId;
use crate::kernel::web::i18n::Lang;
use crate::meetings::store::attendees::{self, Attendee};
use crate::meetings::store::speakers;

const TITLE: &str = "协商议事情况报告";
/// Rows of many lines: they may run on to the next page rather than leave
/// half a page empty.
const LONG_ROWS: [&str; 6] = ["议题说明", "出席委员", "发言要点", "协商纪要", "协商成果事项", "成果公开"];

/// What the report shows, gathered by the scoped stores.
#[derive(Debug, Clone)]
pub struct Report {
    pub title: String,
    pub office: String,
    pub rows: Vec<(&'static str, Vec<String>)>,
    pub printed: NaiveDate,
    /// When the file is made (UTC), for its properties.
    pub created: NaiveDateTime,
}

/// Gathers a held or closed consultation the actor may see.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn gather(conn: &mut DbConn, actor: &Actor, id: ConsultationId, printed: NaiveDate) -> AppResult<Report> {
    let c = store::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if c.held_at.is_none() {
        return Err(AppError::Conflict("consultation.wrong_state"));
    }
    let zh = Lang::Zh;
    let office = store::office_name(conn, &c)?;
    let present: Vec<Attendee> =
        attendees::list::<Consultations>(conn, actor, id.0)?.into_iter().filter(|a| a.attended).collect();
    let mut by_sector: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for a in &present {
        by_sector.entry(a.sector.clone().unwrap_or_else(|| "其他".into())).or_default().push(a.name.clone());
    }
    let took_part: Vec<String> =
        by_sector.iter().map(|(s, names)| format!("{s}（{}人）：{}", names.len(), names.join("、"))).collect();
    let items: Vec<String> = items::of_consultation(conn, actor, id)?
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut s = format!(
                "{}. {}（{}，{}前，{}）",
                i + 1,
                r.item.body,
                r.owner,
                chinese_date(r.item.deadline),
                zh.t(&r.item.status_label_key())
            );
            if !r.item.explanation.is_empty() {
                s.push_str(&format!("：{}", r.item.explanation));
            }
            s
        })
        .collect();
    let when = c.held_at.map(|t| crate::kernel::time::local(&t)).unwrap_or_default();
    let rows: Vec<(&'static str, Vec<String>)> = vec![
        ("议题", vec![c.title.clone()]),
        ("议题说明", c.background.lines().map(str::to_string).collect()),
        ("协商形式", vec![zh.t(&c.format_label_key())]),
        ("时间", vec![when]),
        ("地点", vec![c.place.clone()]),
        ("主持人", vec![c.host.clone()]),
        ("邀请界别", vec![store::sectors_of(conn, &c)?.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join("、")]),
        (
            "出席委员",
            if took_part.is_empty() { vec![] } else { [vec![format!("共{}人", present.len())], took_part].concat() },
        ),
        (
            "邀请部门",
            vec![departments::invited(conn, actor, id)?.into_iter().map(|d| d.name).collect::<Vec<_>>().join("、")],
        ),
        ("参加群众", vec![format!("{}人", c.residents_count), c.residents.clone()]),
        (
            "来自社情民意",
            vec![store::cases_of(conn, &c)?.into_iter().map(|(_, code, _)| code).collect::<Vec<_>>().join("、")],
        ),
        (
            "发言要点",
            speakers::list::<Consultations>(conn, actor, id.0)?
                .into_iter()
                .map(|s| format!("{}：{}", s.name, s.points))
                .collect(),
        ),
        ("协商纪要", c.record.lines().map(str::to_string).collect()),
        ("协商成果事项", items),
        ("成果公开", c.results.lines().map(str::to_string).collect()),
    ];
    Ok(Report {
        title: c.title,
        office,
        rows: rows.into_iter().map(|(l, v)| (l, docx::or_none(v))).collect(),
        printed,
        created: crate::kernel::time::now(),
    })
}

/// The .docx bytes of a report. The record table keeps its last rows with
/// the date line, so the last page never holds a lone row.
pub fn render(r: &Report) -> AppResult<Vec<u8>> {
    let rows =
        r.rows
            .iter()
            .map(|(label, lines)| {
                if LONG_ROWS.contains(label) { Row::list(label, lines.clone()) } else { Row::new(label, lines.clone()) }
            })
            .collect();
    let printed = Paragraph::new()
        .add_run(run(&format!("填表日期：{}", chinese_date(r.printed)), BODY_FONT, size::SIHAO))
        .align(AlignmentType::Right)
        .line_spacing(LineSpacing::new().before(240));
    let author = format!("{}政协工作办公室", r.office);
    let doc = docx::a4(size::SIHAO)
        .add_paragraph(docx::title(TITLE, 120))
        .add_paragraph(docx::subtitle(&author))
        .add_table(docx::record_table(rows))
        .add_paragraph(printed);
    docx::pack(doc, &Props::new(&author, &format!("{TITLE}：{}", r.title), r.created), "consultation")
}

/// `协商议事_<title>.docx`
pub fn file_name(r: &Report) -> String {
    docx::file_name("协商议事_", &r.title)
}
