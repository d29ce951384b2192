//! Page numbers as GB/T 9704 sets them: 「— 1 —」 in 四号 宋体 under the text,
//! odd pages at the right and even pages at the left, a character in from the
//! margin. The number is a PAGE field, so Word and LibreOffice count.

use docx_rs::{AlignmentType, Docx, FieldCharType, Footer, InstrPAGE, InstrText, Paragraph, Run};

use super::{NUMBER_FONT, char_twips, fonts, run, size};

/// The footer line: dash, PAGE field, dash.
fn number_line(align: AlignmentType) -> Paragraph {
    let one_char = char_twips(size::SIHAO) as i32;
    let field = Run::new()
        .fonts(fonts(NUMBER_FONT))
        .size(size::SIHAO)
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::PAGE(InstrPAGE::new()))
        .add_field_char(FieldCharType::Separate, false)
        .add_text("1")
        .add_field_char(FieldCharType::End, false);
    let p = Paragraph::new()
        .add_run(run("— ", NUMBER_FONT, size::SIHAO))
        .add_run(field)
        .add_run(run(" —", NUMBER_FONT, size::SIHAO))
        .align(align);
    match align {
        AlignmentType::Right => p.indent(None, None, Some(one_char), None),
        _ => p.indent(Some(one_char), None, None, None),
    }
}

/// `doc` with the page numbers in its footers.
pub(super) fn numbered(doc: Docx) -> Docx {
    doc.footer(Footer::new().add_paragraph(number_line(AlignmentType::Right)))
        .even_footer(Footer::new().add_paragraph(number_line(AlignmentType::Left)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_field_between_dashes() {
        let xml = String::from_utf8(docx_rs::BuildXML::build(&number_line(AlignmentType::Right))).expect("utf-8");
        let at = |s: &str| xml.find(s).unwrap_or_else(|| panic!("{s} in {xml}"));
        assert!(at("— ") < at(r#"w:fldCharType="begin""#));
        assert!(at("<w:instrText>PAGE</w:instrText>") < at(r#"w:fldCharType="end""#));
        assert!(at(r#"w:fldCharType="end""#) < at(" —"));
        assert!(xml.contains(r#"<w:jc w:val="right" />"#) && xml.contains(r#"w:right="280""#), "{xml}");
    }
}
