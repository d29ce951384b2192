//! The roster's export and import template print like every export, over
//! HTTP on both databases: each sheet A4 landscape one page wide, its header
//! row repeated, every column as wide as its header and values.

use crate::on_both_databases;
use crate::support::TestApp;
use crate::{office, sheet_xml};

on_both_databases!(the_roster_and_its_template_print_one_page_wide);

async fn the_roster_and_its_template_print_one_page_wide(app: TestApp) {
    let admin = app.login_as("admin").await;
    let r = admin.get("/roster/export.xlsx").await;
    assert_eq!(r.status(), 200);
    let export = r.bytes().await.expect("bytes").to_vec();
    for (n, name) in [(1, "委员"), (2, "村社区"), (3, "定点联系")] {
        sheet_xml::assert_prints(&export, n, 0, &format!("{name}花名册"));
        sheet_xml::assert_widths_cover(&export, n, name, 0);
    }
    sheet_xml::assert_prints(&export, 4, 0, "花名册说明");
    if let Some(pages) = office::pdf_pages(&export, "xlsx") {
        assert!(pages >= 4, "each sheet on its own pages: {pages}");
    }

    let r = admin.get("/roster/template.xlsx").await;
    assert_eq!(r.status(), 200);
    let template = r.bytes().await.expect("bytes").to_vec();
    sheet_xml::assert_prints(&template, 1, 0, "花名册说明");
    for (n, name) in [(2, "委员"), (3, "村社区"), (4, "定点联系")] {
        sheet_xml::assert_prints(&template, n, 0, &format!("{name}花名册"));
        sheet_xml::assert_widths_cover(&template, n, name, 0);
    }
    if let Some(pages) = office::pdf_pages(&template, "xlsx") {
        eprintln!("template pages: {pages}");
        assert!(pages >= 4);
    }
}
