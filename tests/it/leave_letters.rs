//! Leave letters (请假函) over HTTP on both databases: an invited member asks
//! for theirs from the activity's page and gets a numbered Word letter that
//! names them, their employer, the activity and the rule; asking again gives
//! the same letter; staff issue one for another invitee (the next number)
//! and see both listed on the activity; nobody else reads them.

use crate::activity_exports::{docx_text, held_visit};
use crate::on_both_databases;
use crate::support::{TestApp, location, post_ok};

on_both_databases!(an_invitee_gets_a_numbered_letter);

/// The serial of the letter number 湖政协函〔2026〕N号 in a letter's text.
fn serial(text: &str, year: i32) -> i32 {
    let marker = format!("湖政协函〔{year}〕");
    let rest = text.split(&marker).nth(1).unwrap_or_else(|| panic!("{marker} in {text}"));
    rest.split('号').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("a serial in {rest}"))
}

async fn an_invitee_gets_a_numbered_letter(app: TestApp) {
    let v = held_visit(&app).await;
    let year = chrono::Datelike::year(&xieshang::kernel::time::today());
    let member = app.login_as("member").await;
    let page = member.get_text(&format!("/activities/{}", v.id)).await.1;
    assert!(page.contains("id=\"ask-leave-letter\""), "the invitee may ask for a letter");
    let issued = app.audit_count("leave_letter.issue");

    let r = member.post_form(&format!("/activities/{}/leave-letter", v.id), &[]).await;
    assert_eq!(r.status(), 303);
    let href = location(&r);
    assert!(href.starts_with("/leave-letters/") && href.ends_with(".docx"), "{href}");
    let got = member.get(&href).await;
    assert_eq!(got.status(), 200);
    let text = docx_text(&got.bytes().await.expect("docx"));
    let (_, name) = &v.absent;
    let first = serial(&text, year);
    for expected in [
        format!("关于商请准予{name}同志参加政协履职活动的函"),
        crate::activity_exports::TITLE.to_string(),
        "湖滨区政协委员履职服务保障办法".to_string(),
        "特此函商。".to_string(),
    ] {
        assert!(text.replace('\n', "").contains(&expected), "{expected} in {text}");
    }

    // Asking again gives the same letter; the page now offers the download.
    let again = member.post_form(&format!("/activities/{}/leave-letter", v.id), &[]).await;
    assert_eq!(location(&again), href);
    let page = member.get_text(&format!("/activities/{}", v.id)).await.1;
    assert!(page.contains(&format!("href=\"{href}\"")) && !page.contains("id=\"ask-leave-letter\""));

    // Staff issue one for the other invitee: the next number; both listed.
    let staff = app.login_as("gaomiao").await;
    let present = v.present.0.to_string();
    let r = staff.post_form(&format!("/activities/{}/leave-letter", v.id), &[("member", present.as_str())]).await;
    assert_eq!(r.status(), 303);
    let second = location(&r);
    let text = docx_text(&staff.get(&second).await.bytes().await.expect("docx"));
    assert_eq!(serial(&text, year), first + 1, "numbered in series");
    let page = staff.get_text(&format!("/activities/{}", v.id)).await.1;
    assert!(page.contains(&format!("href=\"{href}\"")) && page.contains(&format!("href=\"{second}\"")), "archived");
    assert_eq!(app.audit_count("leave_letter.issue"), issued + 2);

    // Not for someone not invited; and a bad member id changes nothing.
    let outsider = app.office_id("涧河街道");
    let stranger: i64 = app
        .db
        .read_blocking(move |c| {
            use diesel::prelude::*;
            use xieshang::kernel::db::schema::members;
            Ok(members::table.filter(members::office_id.eq(outsider)).select(members::id).first(c)?)
        })
        .expect("a member of another office");
    let page =
        post_ok(&staff, &format!("/activities/{}/leave-letter", v.id), &[("member", &stranger.to_string())]).await;
    assert!(page.contains("只能为受邀参加的委员开具请假函"), "refused in Chinese");
    let page = post_ok(&staff, &format!("/activities/{}/leave-letter", v.id), &[("member", "abc")]).await;
    assert!(page.contains("id=\"leave-letters\""), "back on the page");
    assert_eq!(app.audit_count("leave_letter.issue"), issued + 2);

    // Nobody else reads them.
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.get(&href).await.status(), 404);
    assert_eq!(app.login_as("dept").await.get(&href).await.status(), 404);
    assert_eq!(app.login_as("leader").await.get(&href).await.status(), 200);
    assert_eq!(member.get(&second).await.status(), 404, "another member's letter");
    assert_eq!(member.get("/leave-letters/x.docx").await.status(), 404);
}
