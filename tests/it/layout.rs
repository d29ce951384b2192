//! Issue 14: the layout's header on every page: the elder toggle and the
//! language switch first, and both bring the reader back to the same page.

use crate::on_both_databases;
use crate::support::{TestApp, location};

on_both_databases!(the_switches_come_back_to_the_same_page);

async fn the_switches_come_back_to_the_same_page(app: TestApp) {
    let c = app.client();
    // A box opened from a village's QR code keeps its village.
    let (status, page) = c.get_text("/box/hubin?locality=3").await;
    assert_eq!(status, 200);
    let toggle = "id=\"elder-toggle\" href=\"/ui/large/on?next=/box/hubin%3Flocality%3D3\"";
    assert!(page.contains(toggle), "{page}");
    assert!(page.find(toggle) < page.find("class=\"brand\""), "the toggle comes before the brand");
    assert!(page.contains("href=\"/lang/en?next=/box/hubin%3Flocality%3D3\""));
    assert!(page.contains("id=\"staff-login\" href=\"/login\""), "a way in for staff");
    let r = c.get("/ui/large/on?next=/box/hubin%3Flocality%3D3").await;
    assert_eq!(location(&r), "/box/hubin?locality=3");
    let (_, page) = c.get_text("/box/hubin?locality=3").await;
    assert!(page.contains("<html lang=\"zh-CN\" class=\"large public\">"), "public pages in large type");
    assert!(page.contains(">标准字号</a>"), "and the toggle switches back");

    // Staff see their pages grouped; the current one is marked in its menu.
    let s = app.login_as("admin").await;
    let (_, stats) = s.get_text("/opinions/stats").await;
    assert!(stats.contains("<summary class=\"current\">社情民意</summary>"), "{stats}");
    assert!(stats.contains("<a href=\"/opinions/stats\" aria-current=\"page\">"));
    assert!(!stats.contains("<a href=\"/opinions\" aria-current"), "only the longest match is current");
    assert!(stats.contains("<html lang=\"zh-CN\" class=\"\">"), "staff pages are not public ones");
}
