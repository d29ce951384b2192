//! Leave letters (请假函) to a member's employer: the number they carry and
//! what they say. No I/O; `funds::letters` writes them as 公文 docx.
//!
//! Letters are numbered per committee and calendar year in Beijing time
//! (湖政协函〔2026〕12号): the first letter issued after midnight on New
//! Year's Eve in Beijing is number 1 of the new year, whatever UTC says.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::docx::chinese_date;

/// The year a letter issued at `issued` (UTC) is numbered in.
pub fn letter_year(issued: NaiveDateTime) -> i32 {
    shanghai_date(issued).year()
}

/// The serial after the highest one issued in the letter's year (`None`: none yet).
pub fn next_serial(highest_this_year: Option<i32>) -> i32 {
    highest_this_year.map_or(1, |n| n.saturating_add(1))
}

/// 发文字号: `湖政协函〔2026〕12号` (GB/T 9704: the year in 〔〕, no leading zeros).
pub fn doc_number(prefix: &str, year: i32, serial: i32) -> String {
    format!("{prefix}〔{year}〕{serial}号")
}

/// What a letter says: everything it names comes from the invitation, the
/// member's roster entry and the rule in force on the letter's date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Letter {
    pub number: String,
    /// The employer as the roster names it (工作单位).
    pub employer: String,
    pub member: String,
    /// 中国人民政治协商会议湖滨区委员会.
    pub committee: String,
    /// The duty: the activity's or consultation's title and kind.
    pub duty: String,
    pub kind: String,
    /// First and last day of the duty (the same for a one-day meeting).
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub place: String,
    /// The rule that requires leave: its title and the clause's text.
    pub rule_title: String,
    pub rule_clause: String,
    /// The issuing office (政协湖滨区委员会办公室) and the date.
    pub issuer: String,
    pub issued: NaiveDate,
    /// Who the employer calls with questions.
    pub contact: String,
}

impl Letter {
    pub fn title(&self) -> String {
        format!("关于商请准予{}同志参加政协履职活动的函", self.member)
    }

    /// 2026年3月12日, or 2026年3月12日至14日 / 2026年3月30日至4月2日.
    pub fn dates(&self) -> String {
        let (f, t) = (self.from, self.to);
        if t <= f {
            chinese_date(f)
        } else if t.year() != f.year() {
            format!("{}至{}", chinese_date(f), chinese_date(t))
        } else if t.month() != f.month() {
            format!("{}至{}月{}日", chinese_date(f), t.month(), t.day())
        } else {
            format!("{}至{}日", chinese_date(f), t.day())
        }
    }

    /// Days away from work, counting both ends.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days().max(0) + 1
    }

    /// The salutation and the body's paragraphs, as printed.
    pub fn paragraphs(&self) -> Vec<String> {
        let place = if self.place.trim().is_empty() { String::new() } else { format!("在{}", self.place.trim()) };
        vec![
            format!("{}：", self.employer),
            format!("贵单位{}同志是{}委员。", self.member, self.committee),
            format!(
                "根据《{}》“{}”的规定，为支持委员依章程履行职责，现商请贵单位准予{}同志于{}（共{}天）{}参加{}“{}”，并在时间上给予保障。",
                self.rule_title,
                self.rule_clause.trim().trim_end_matches('。'),
                self.member,
                self.dates(),
                self.days(),
                place,
                self.kind,
                self.duty
            ),
            "感谢贵单位对人民政协工作的支持！".to_string(),
            "特此函商。".to_string(),
        ]
    }
}

/// The letter as a Word file in the letter layout of GB/T 9704 (信函格式):
/// the issuing office's name in red over a red rule, the number against the
/// right margin, the title, the salutation at the margin, the body, the
/// issuer and date at the right, and who to call.
pub fn docx(l: &Letter, created: NaiveDateTime) -> crate::kernel::error::AppResult<Vec<u8>> {
    use crate::kernel::docx::{self, BODY_FONT, Props, RED, TITLE_FONT, run, size};
    use docx_rs::{
        AlignmentType, BorderType, LineSpacing, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders,
    };

    let mut masthead =
        Paragraph::new().add_run(run(&l.issuer, TITLE_FONT, size::ERHAO).color(RED)).align(AlignmentType::Center);
    masthead.property = masthead.property.set_borders(ParagraphBorders::with_empty().set(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom).val(BorderType::Double).size(12).space(4).color(RED),
    ));
    let number = Paragraph::new()
        .add_run(run(&l.number, BODY_FONT, size::SANHAO))
        .align(AlignmentType::Right)
        .line_spacing(LineSpacing::new().before(240));
    let title = docx::title(&l.title(), 240).line_spacing(LineSpacing::new().before(480).after(240));
    let mut doc = docx::a4(size::SANHAO).add_paragraph(masthead).add_paragraph(number).add_paragraph(title);
    let mut paragraphs = l.paragraphs().into_iter();
    if let Some(salutation) = paragraphs.next() {
        doc = doc.add_paragraph(Paragraph::new().add_run(run(&salutation, BODY_FONT, size::SANHAO)));
    }
    for p in paragraphs {
        for para in docx::body(&p) {
            doc = doc.add_paragraph(para);
        }
    }
    let right = |text: &str| Paragraph::new().add_run(run(text, BODY_FONT, size::SANHAO)).align(AlignmentType::Right);
    doc = doc
        .add_paragraph(right(&l.issuer).line_spacing(LineSpacing::new().before(960)))
        .add_paragraph(right(&chinese_date(l.issued)));
    if !l.contact.trim().is_empty() {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(run(&format!("（联系人：{}）", l.contact.trim()), BODY_FONT, size::SANHAO))
                .line_spacing(LineSpacing::new().before(480)),
        );
    }
    docx::pack(doc, &Props::new(&l.issuer, &l.title(), created), "leave letter")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, 0)).expect("time")
    }

    #[test]
    fn numbering_follows_the_beijing_year() {
        // 23:30 on 31 December in Beijing is 15:30 UTC: still 2026.
        assert_eq!(letter_year(utc(2026, 12, 31, 15, 30)), 2026);
        // 00:10 on 1 January in Beijing is 16:10 UTC on 31 December: 2027.
        assert_eq!(letter_year(utc(2026, 12, 31, 16, 10)), 2027);
        // The serial restarts with the year: the store asks for the highest of
        // the letter's own year only.
        assert_eq!(next_serial(Some(41)), 42);
        assert_eq!(next_serial(None), 1);
        assert_eq!(doc_number("湖政协函", 2027, 1), "湖政协函〔2027〕1号");
    }

    fn letter(from: NaiveDate, to: NaiveDate) -> Letter {
        Letter {
            number: doc_number("湖政协函", 2026, 12),
            employer: "湖滨区第一中学".into(),
            member: "张丽华".into(),
            committee: "中国人民政治协商会议湖滨区委员会".into(),
            duty: "农村饮水安全协商议事会".into(),
            kind: "协商议事".into(),
            from,
            to,
            place: "高庙乡委员之家".into(),
            rule_title: "湖滨区政协委员履职服务保障办法".into(),
            rule_clause: "委员所在单位应当支持委员履行职责，保障委员参加政协活动的时间。".into(),
            issuer: "政协湖滨区委员会办公室".into(),
            issued: from,
            contact: "李明 0398-1234567".into(),
        }
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn the_letter_names_the_member_the_dates_the_duty_and_the_rule() {
        let l = letter(day(3, 12), day(3, 12));
        assert_eq!(l.title(), "关于商请准予张丽华同志参加政协履职活动的函");
        let p = l.paragraphs();
        assert_eq!(p[0], "湖滨区第一中学：");
        assert!(
            p[2].contains(
                "《湖滨区政协委员履职服务保障办法》“委员所在单位应当支持委员履行职责，保障委员参加政协活动的时间”"
            ),
            "{}",
            p[2]
        );
        assert!(
            p[2].contains("于2026年3月12日（共1天）在高庙乡委员之家参加协商议事“农村饮水安全协商议事会”"),
            "{}",
            p[2]
        );
        assert_eq!(letter(day(3, 12), day(3, 14)).dates(), "2026年3月12日至14日");
        assert_eq!(letter(day(3, 30), day(4, 2)).dates(), "2026年3月30日至4月2日");
        assert_eq!(letter(day(3, 30), day(4, 2)).days(), 4);
        let across = letter(day(12, 31), NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"));
        assert_eq!(across.dates(), "2026年12月31日至2027年1月1日");
    }

    #[test]
    fn the_word_file_reads_as_the_letter() {
        let l = letter(day(3, 12), day(3, 12));
        let bytes = docx(&l, utc(2026, 3, 5, 2, 0)).expect("docx");
        let doc = docx_rs::read_docx(&bytes).expect("a docx docx-rs reads");
        let text: Vec<String> = doc
            .document
            .children
            .iter()
            .filter_map(|c| match c {
                docx_rs::DocumentChild::Paragraph(p) => Some(p.raw_text()),
                _ => None,
            })
            .collect();
        let all = text.join("\n");
        for expected in [
            "政协湖滨区委员会办公室",
            "湖政协函〔2026〕12号",
            "湖滨区第一中学：",
            "特此函商。",
            "2026年3月12日",
            "（联系人：李明 0398-1234567）",
        ] {
            assert!(all.contains(expected), "{expected} in {all}");
        }
        let title = text.iter().position(|t| t.starts_with("关于商请准予")).expect("the title");
        assert_eq!(
            text[title].replace(char::is_whitespace, ""),
            l.title(),
            "the title, whole, however it is broken into lines"
        );
    }
}
