//! Titles in 二号 方正小标宋, not bold (GB/T 9704), centred; a title that
//! would leave one character alone on its last line is broken earlier so
//! that its lines are balanced.

use docx_rs::{AlignmentType, BreakType, LineSpacing, Paragraph, Run};

use super::{TEXT_WIDTH, TITLE_FONT, char_twips, fonts, half_widths, run, size};

/// A centred title in 二号 方正小标宋, `after` twips of space below, its
/// lines as `title_lines` breaks them.
pub fn title(text: &str, after: u32) -> Paragraph {
    let per_line = TEXT_WIDTH / char_twips(size::ERHAO);
    let mut p = Paragraph::new().align(AlignmentType::Center).line_spacing(LineSpacing::new().after(after));
    for (i, line) in title_lines(text, per_line).iter().enumerate() {
        if i > 0 {
            let br = Run::new().add_break(BreakType::TextWrapping).fonts(fonts(TITLE_FONT)).size(size::ERHAO);
            p = p.add_run(br);
        }
        p = p.add_run(run(line, TITLE_FONT, size::ERHAO));
    }
    p
}

/// The lines of a title `per_line` Chinese characters wide (Latin letters and
/// digits count half): one line when it fits; as the word processor would
/// wrap it when its last line has more than one character; otherwise the
/// same number of lines, balanced, so no character stands alone.
pub fn title_lines(text: &str, per_line: usize) -> Vec<String> {
    let text = text.trim();
    let room = per_line.max(1) * 2;
    let total = half_widths(text);
    if total <= room {
        return vec![text.to_string()];
    }
    let lines = total.div_ceil(room);
    let last = total - (lines - 1) * room;
    if last > 2 {
        // A natural wrap leaves a fair last line: leave it to the word processor.
        return vec![text.to_string()];
    }
    // The same number of lines, each at most `target` wide (whole
    // characters, the first lines the longer, as titles are set).
    let target = total.div_ceil(lines).div_ceil(2) * 2;
    let mut out = vec![String::new()];
    let mut width = 0;
    for c in text.chars() {
        let w = half_widths(c.encode_utf8(&mut [0; 4]));
        if width + w > target && out.len() < lines {
            out.push(String::new());
            width = 0;
        }
        if let Some(l) = out.last_mut() {
            l.push(c);
        }
        width += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(lines: &[String]) -> Vec<usize> {
        lines.iter().map(|l| l.chars().count()).collect()
    }

    #[test]
    fn short_titles_stay_on_one_line() {
        assert_eq!(title_lines(" 关于加强老旧小区路灯维护的建议 ", 20), vec!["关于加强老旧小区路灯维护的建议"]);
        assert_eq!(title_lines(&"长".repeat(20), 20).len(), 1);
    }

    #[test]
    fn a_lone_last_character_is_avoided() {
        // 21 characters: 20 + 1 would leave one alone; 11 + 10 instead.
        let t = "关于加强五原路社区金河湾小区老旧路灯维护的建议";
        let t: String = t.chars().take(21).collect();
        let lines = title_lines(&t, 20);
        assert_eq!(widths(&lines), vec![11, 10]);
        assert_eq!(lines.concat(), t, "nothing lost");
        // 41: 14 + 14 + 13.
        assert_eq!(widths(&title_lines(&"字".repeat(41), 20)), vec![14, 14, 13]);
    }

    #[test]
    fn a_fair_last_line_is_left_to_the_word_processor() {
        assert_eq!(title_lines(&"字".repeat(22), 20).len(), 1, "20 + 2: no forced break");
        assert_eq!(title_lines(&"字".repeat(39), 20).len(), 1);
    }

    #[test]
    fn latin_counts_half() {
        // 19 Chinese characters and 3 digits: 20.5 wide, a half-character
        // last line is as lonely as a whole one.
        let t = format!("{}123", "字".repeat(19));
        let lines = title_lines(&t, 20);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| half_widths(l) >= 18), "{lines:?}");
    }

    #[test]
    fn the_title_paragraph_breaks_where_the_lines_do() {
        let t: String = "字".repeat(21);
        let xml = String::from_utf8(docx_rs::BuildXML::build(&title(&t, 0))).expect("utf-8");
        assert_eq!(xml.matches(r#"<w:br w:type="textWrapping" />"#).count(), 1, "{xml}");
        assert!(!xml.contains("<w:b />"), "not bold");
    }
}
