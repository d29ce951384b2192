//! The fonts the documents name, each with its fallbacks in
//! `word/fontTable.xml` (`w:altName`, a comma-separated list): Word takes the
//! first of them installed when the named font is missing. LibreOffice
//! replaces a missing font through its own replacement table and the
//! system's font matching (fontconfig on Linux), which finds an installed
//! Chinese font for the official names; the print tests check that it
//! prints. The runs keep the official names, which offices expect to see.

/// Body text: 仿宋_GB2312.
pub const BODY_FONT: &str = "仿宋_GB2312";
/// Titles: 方正小标宋简体.
pub const TITLE_FONT: &str = "方正小标宋简体";
/// Headings and table labels: 黑体.
pub const HEADING_FONT: &str = "黑体";
/// Page numbers: 宋体.
pub const NUMBER_FONT: &str = "宋体";

/// Each font the documents name, with what replaces it where it is missing
/// (in order) and its family; all in the GB2312 character set ("86").
pub(super) const FONTS: [(&str, &str, &str); 4] = [
    (BODY_FONT, "仿宋,FangSong", "modern"),
    (TITLE_FONT, "华文中宋,宋体", "roman"),
    (HEADING_FONT, "SimHei", "modern"),
    (NUMBER_FONT, "SimSun", "roman"),
];

/// `word/fontTable.xml`: the Latin fonts docx-rs declares, and ours with
/// their fallbacks.
pub(super) fn font_table() -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
    );
    for (name, charset, family) in
        [("Times New Roman", "00", "roman"), ("Symbol", "02", "roman"), ("Arial", "00", "swiss")]
    {
        x.push_str(&format!(
            r#"<w:font w:name="{name}"><w:charset w:val="{charset}" /><w:family w:val="{family}" /><w:pitch w:val="variable" /></w:font>"#
        ));
    }
    for (name, alt, family) in FONTS {
        x.push_str(&format!(
            r#"<w:font w:name="{name}"><w:altName w:val="{alt}" /><w:charset w:val="86" /><w:family w:val="{family}" /><w:pitch w:val="fixed" /></w:font>"#
        ));
    }
    x.push_str("</w:fonts>");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_fonts_fall_back_as_offices_expect() {
        let t = font_table();
        for (name, alt) in [("仿宋_GB2312", "仿宋,FangSong"), ("方正小标宋简体", "华文中宋,宋体"), ("黑体", "SimHei")]
        {
            assert!(t.contains(&format!(r#"<w:font w:name="{name}"><w:altName w:val="{alt}" />"#)), "{name}");
        }
    }
}
