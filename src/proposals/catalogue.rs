//! 提案目录: a session's numbered proposals as a Word table (编号, 案由,
//! 提案人, 承办单位, 办理情况), as the committee prints it for the session's
//! documents and the year's archive.

use chrono::{NaiveDate, NaiveDateTime};

use crate::kernel::docx::{self, Props, TEXT_WIDTH, chinese_date, size};
use crate::kernel::error::AppResult;

const HEADERS: [&str; 5] = ["编号", "案由", "提案人", "承办单位", "办理情况"];
const WIDTHS: [usize; 5] = [900, 3300, 1700, 1900, TEXT_WIDTH - 900 - 3300 - 1700 - 1900];

/// `committee`'s catalogue of `session`, printed on `printed`.
pub fn docx(
    committee: &str,
    session: &str,
    rows: Vec<[String; 5]>,
    printed: NaiveDate,
    made: NaiveDateTime,
) -> AppResult<Vec<u8>> {
    let title = format!("{committee}{session}提案目录");
    let mut doc = docx::a4(size::SANHAO).add_paragraph(docx::title(&title, 240));
    doc = doc.add_paragraph(docx::subtitle(&format!("共立案{}件　{}印", rows.len(), chinese_date(printed))));
    if rows.is_empty() {
        for p in docx::body("本届次暂无立案提案。") {
            doc = doc.add_paragraph(p);
        }
    } else {
        doc = doc.add_table(docx::grid(HEADERS, WIDTHS, rows));
    }
    docx::pack(doc, &Props::new(committee, &title, made), "proposal catalogue")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_every_row() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).expect("day");
        let rows = vec![
            [
                "第1号".into(),
                "关于加强农村饮水安全的建议".into(),
                "张丽华、李明".into(),
                "区水利局".into(),
                "已答复".into(),
            ],
            ["第2号".into(), "关于老旧小区加装电梯".into(), "经济界".into(), "区住建局".into(), "办理中".into()],
        ];
        let bytes = docx("湖滨区政协", "十届五次会议", rows, day, day.and_hms_opt(9, 0, 0).expect("t")).expect("docx");
        let text = docx_rs::read_docx(&bytes).expect("docx-rs reads it").json();
        for s in ["十届五次会议提案目录", "共立案2件", "第2号", "老旧小区加装电梯", "区水利局", "办理情况"]
        {
            assert!(text.contains(s), "{s}");
        }
    }
}
