//! The 版记 at the end of a document (GB/T 9704): who it is reported (报),
//! sent (送) and copied (抄送) to, and the issuing office with the date it
//! was issued (印发), between rules — thick above and below, thin between.

use docx_rs::{BorderType, LineSpacing, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders};

use super::{BODY_FONT, char_twips, run, size, spread};

/// Eighths of a point: the thick outer rules and the thin one between.
const THICK: usize = 8;
const THIN: usize = 4;
/// The text starts a character in; the rules span the whole width, so the
/// paragraphs are not indented.
const INDENT: &str = "\u{3000}";

/// What the 版记 shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imprint {
    /// (报, 送, 抄送): empty ones are left out.
    pub report_to: String,
    pub deliver_to: String,
    pub copy_to: String,
    /// The office that issues it, and the date (2026年12月3日).
    pub issuer: String,
    pub date: String,
}

fn rules(p: Paragraph, top: Option<usize>, bottom: Option<usize>) -> Paragraph {
    let mut borders = ParagraphBorders::with_empty();
    for (pos, sz) in [(ParagraphBorderPosition::Top, top), (ParagraphBorderPosition::Bottom, bottom)] {
        if let Some(sz) = sz {
            borders = borders.set(ParagraphBorder::new(pos).val(BorderType::Single).size(sz).space(1));
        }
    }
    let mut p = p;
    p.property = p.property.set_borders(borders);
    p
}

/// The 版记 paragraphs, a blank line above them.
pub fn imprint(i: &Imprint) -> Vec<Paragraph> {
    let one_char = char_twips(size::SIHAO);
    let lines: Vec<String> = [("报", &i.report_to), ("送", &i.deliver_to), ("抄送", &i.copy_to)]
        .iter()
        .filter(|(_, to)| !to.trim().is_empty())
        .map(|(what, to)| format!("{what}：{}", to.trim()))
        .collect();
    let n = lines.len();
    let mut out: Vec<Paragraph> = lines
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let p = Paragraph::new().add_run(run(&format!("{INDENT}{l}"), BODY_FONT, size::SIHAO)).keep_next(true);
            rules(p, (k == 0).then_some(THICK), (k + 1 == n).then_some(THIN))
        })
        .collect();
    // The 印发 line: the office at the left, the date at the right, a
    // character in from each margin.
    let issued = spread(&format!("{INDENT}{}", i.issuer), &format!("{}印发", i.date), size::SIHAO, one_char);
    out.push(rules(issued, (n == 0).then_some(THICK), Some(THICK)));
    if let Some(first) = out.first_mut() {
        *first = first.clone().line_spacing(LineSpacing::new().before(480));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(ps: &[Paragraph]) -> String {
        ps.iter().map(|p| String::from_utf8(docx_rs::BuildXML::build(p)).expect("utf-8")).collect()
    }

    #[test]
    fn lines_between_rules() {
        let i = Imprint {
            report_to: "市政协办公室".into(),
            deliver_to: "区委、区政府领导".into(),
            copy_to: " ".into(),
            issuer: "湖滨区政协办公室".into(),
            date: "2026年12月3日".into(),
        };
        let ps = imprint(&i);
        assert_eq!(ps.len(), 3, "报, 送, 印发; no empty 抄送");
        let x = xml(&ps);
        assert!(x.contains("报：市政协办公室") && x.contains("送：区委、区政府领导") && !x.contains("抄送"));
        assert!(x.contains("湖滨区政协办公室") && x.contains("2026年12月3日印发"));
        assert_eq!(x.matches("<w:top ").count(), 1, "{x}");
        assert_eq!(x.matches("<w:bottom ").count(), 2, "{x}");
    }

    #[test]
    fn only_the_issuer_line() {
        let ps = imprint(&Imprint { issuer: "办公室".into(), date: "2026年1月1日".into(), ..Imprint::default() });
        assert_eq!(ps.len(), 1);
        let x = xml(&ps);
        assert!(x.contains("<w:top ") && x.contains("<w:bottom "), "{x}");
    }
}
