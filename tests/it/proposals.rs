//! 提案 over HTTP on both databases: a joint proposal from a case travels
//! from draft to a rated answer (numbered per session, 不满意 reopening it
//! once); a unit sees only the proposals it handles and returns one only
//! once; a merge keeps every proposer informed; bad input changes nothing;
//! the catalogue, the figures and the public answers follow.

use diesel::prelude::*;
use xieshang::kernel::db::schema::{members, outbox, proposal_signers, proposals};

use crate::on_both_databases;
use crate::support::{Client, TestApp, distinct_png, location, post_ok};

on_both_databases!(
    a_joint_proposal_from_draft_to_rated_answer,
    a_unit_sees_its_own_and_returns_once,
    a_merge_keeps_every_proposer_informed,
    bad_input_changes_nothing,
    catalogue_figures_and_public_answers
);

/// A member of 高庙乡 other than the demo's member, without a login.
fn other_member(app: &TestApp, skip: usize) -> String {
    let office = app.office_id("高庙乡");
    app.db
        .read_blocking(move |c| {
            Ok(members::table
                .filter(members::office_id.eq(office).and(members::user_id.is_null()))
                .order(members::id.asc())
                .offset(skip as i64)
                .select(members::name)
                .first(c)?)
        })
        .expect("a member")
}

fn latest(app: &TestApp) -> i64 {
    app.db
        .read_blocking(|c| Ok(proposals::table.select(diesel::dsl::max(proposals::id)).first::<Option<i64>>(c)?))
        .expect("max")
        .expect("a proposal")
}

fn status(app: &TestApp, id: i64) -> String {
    app.db.read_blocking(move |c| Ok(proposals::table.find(id).select(proposals::status).first(c)?)).expect("status")
}

fn count_proposals(app: &TestApp) -> i64 {
    app.db.read_blocking(|c| Ok(proposals::table.count().get_result(c)?)).expect("count")
}

/// In-app messages to `unit` (`member:3`) about proposal `id`.
fn told(app: &TestApp, unit: &str, id: i64) -> i64 {
    let (unit, subject) = (unit.to_string(), format!("proposal:{id}"));
    app.db
        .read_blocking(move |c| {
            Ok(outbox::table
                .filter(outbox::recipient.eq(&unit).and(outbox::subject.eq(&subject)))
                .count()
                .get_result(c)?)
        })
        .expect("outbox")
}

/// A member drafts a proposal: returns its page after the redirect.
async fn draft(c: &Client, fields: &[(&str, &str)]) -> String {
    post_ok(c, "/proposals", fields).await
}

async fn step(c: &Client, id: i64, fields: &[(&str, &str)]) -> String {
    post_ok(c, &format!("/proposals/{id}/step"), fields).await
}

/// The lead unit's answer, with a letter (a PNG stands for the scan).
async fn answer(c: &Client, id: i64, text: &str, seq: u64) -> String {
    let r = c
        .upload_png(&format!("/proposals/{id}/answer"), &[("answer", text)], "files", "答复函.png", &distinct_png(seq))
        .await;
    assert_eq!(r.status(), 303);
    c.get_text(&location(&r)).await.1
}

async fn a_joint_proposal_from_draft_to_rated_answer(app: TestApp) {
    let member = app.login_as("member").await;
    let cosigner_name = other_member(&app, 0);
    let cosigner_id = app.member_login("weiyuan2", &cosigner_name);

    // From a case the member heard: the form carries its words and code.
    let code = app.heard_case("张丽华", "村里自来水夏天常停水，水管老化漏水。");
    let admin = app.login_as("admin").await;
    let (s, form) = member.get_text(&format!("/proposals/new?case={code}")).await;
    assert_eq!(s, 200);
    assert!(form.contains(&format!("value=\"{code}\"")) && form.contains("水管老化漏水"), "from the case");
    let case_page = member.get_text(&format!("/opinions/{}", app.opinion_id(&code))).await.1;
    assert!(case_page.contains("id=\"to-proposal\""), "the case offers a proposal");
    // A case the member does not see lends nothing.
    let other: String = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::opinions;
            Ok(opinions::table.order(opinions::id.asc()).select(opinions::code).first(c)?)
        })
        .expect("a case");
    let form = member.get_text(&format!("/proposals/new?case={other}")).await.1;
    assert!(!form.contains(&format!("value=\"{other}\"")));

    let page = draft(
        &member,
        &[
            ("kind", "joint"),
            ("title", "关于加强农村饮水安全保障的建议"),
            ("grounds", "部分村的自来水管网老化，夏季常停水。"),
            ("suggestions", "一、更新老化管网；二、建立水质定期检测公示制度。"),
            ("signers", &cosigner_id.to_string()),
            ("source_kind", "case"),
            ("source_ref", &code),
        ],
    )
    .await;
    assert!(page.contains("草稿已保存") && page.contains(&cosigner_name), "the co-signer is listed");
    let id = latest(&app);
    // A draft is the proposers' alone.
    assert_eq!(admin.get(&format!("/proposals/{id}")).await.status(), 404);
    let cosigner = app.login_as("weiyuan2").await;
    assert_eq!(cosigner.get(&format!("/proposals/{id}")).await.status(), 200, "co-signers read it");
    assert!(
        !cosigner.get_text(&format!("/proposals/{id}")).await.1.contains("id=\"submit-proposal\""),
        "only the lead submits"
    );
    let r = cosigner.post_form(&format!("/proposals/{id}/step"), &[("action", "submit")]).await;
    assert_eq!(r.status(), 403);

    // A co-signer must agree first: asked in the app, and on their home.
    assert_eq!(told(&app, &format!("member:{cosigner_id}"), id), 1, "asked to co-sign");
    assert!(cosigner.get_text("/").await.1.contains("id=\"q-proposals_to_cosign\""));
    let page = step(&member, id, &[("action", "submit")]).await;
    assert!(page.contains("还有联名委员没有确认同意"));
    assert_eq!(status(&app, id), "draft");
    let page = post_ok(&cosigner, &format!("/proposals/{id}/cosign"), &[]).await;
    assert!(page.contains("已同意联名") && !page.contains("id=\"cosign-agree\""));

    // Submitted, withdrawn to edit, submitted again.
    step(&member, id, &[("action", "submit")]).await;
    let page = step(&member, id, &[("action", "withdraw")]).await;
    assert!(page.contains("id=\"submit-proposal\""), "a draft again");
    let page = step(&member, id, &[("action", "submit")]).await;
    assert!(page.contains("待审查"));
    assert!(told(&app, "district", id) >= 1, "the district hears of a new proposal");

    // Staff accept it: the session's next number (the demo took 1 and 2).
    let page = step(&admin, id, &[("action", "accept")]).await;
    assert!(page.contains("id=\"proposal-number\">第3号<"), "numbered per session");
    let member_id = app
        .db
        .read_blocking(move |c| Ok(proposals::table.find(id).select(proposals::member_id).first::<i64>(c)?))
        .expect("lead");
    assert!(
        told(&app, &format!("member:{member_id}"), id) >= 1 && told(&app, &format!("member:{cosigner_id}"), id) >= 1
    );

    let housing = app.department_id("区住房和城乡建设局").to_string();
    let farming = app.department_id("区农业农村局").to_string();
    let deadline = (xieshang::kernel::time::today() + chrono::Duration::days(60)).to_string();
    let page =
        step(&admin, id, &[("action", "assign"), ("lead", &housing), ("co_units", &farming), ("deadline", &deadline)])
            .await;
    assert!(page.contains("id=\"lead-unit\">区住房和城乡建设局<") && page.contains("区农业农村局"));
    assert!(
        told(&app, &format!("department:{housing}"), id) == 1 && told(&app, &format!("department:{farming}"), id) == 1
    );

    // A co-unit reads it and gives its opinion; the lead unit sees it.
    app.department_login("nongye", "区农业农村局");
    let farm = app.login_as("nongye").await;
    assert_eq!(farm.get(&format!("/proposals/{id}")).await.status(), 200, "co-units read it");
    assert_eq!(farm.post_form(&format!("/proposals/{id}/step"), &[("action", "sign")]).await.status(), 403);
    let page = post_ok(&farm, &format!("/proposals/{id}/co-opinion"), &[("text", "配合做好水源地保护。")]).await;
    assert!(page.contains("会办意见已提交"));

    // Staff make it a key proposal, followed by the leader.
    let leader_id = app.actor("leader").user_id.0.to_string();
    post_ok(&admin, &format!("/proposals/{id}/key"), &[("key", "1"), ("leader", &leader_id)]).await;
    let leader = app.login_as("leader").await;
    assert!(leader.get_text("/").await.1.contains("id=\"q-key_proposals\""));
    assert!(leader.get_text("/proposals?key=1").await.1.contains("关于加强农村饮水安全保障的建议"));

    // The unit signs and answers with its letter.
    let dept = app.login_as("dept").await;
    assert!(dept.get_text(&format!("/proposals/{id}")).await.1.contains("配合做好水源地保护。"));
    let home = dept.get_text("/").await.1;
    assert!(home.contains("id=\"q-proposals_to_sign\""), "the unit's queue shows it");
    step(&dept, id, &[("action", "sign")]).await;
    let page = answer(&dept, id, "已安排管网改造，年内完成。", 1).await;
    assert!(page.contains("id=\"answer-text\">已安排管网改造") && page.contains("答复函.png"));

    // 不满意 sends it back once; the second 不满意 closes the rating.
    let home = member.get_text("/").await.1;
    assert!(home.contains("id=\"q-proposals_to_rate\""));
    step(&member, id, &[("action", "rate"), ("rating", "unsatisfied"), ("note", "没有时间表")]).await;
    assert_eq!(status(&app, id), "in_progress");
    answer(&dept, id, "管网改造于明年三月底前完成，每月公示进度。", 2).await;
    let page = step(&member, id, &[("action", "rate"), ("rating", "unsatisfied")]).await;
    assert_eq!(status(&app, id), "rated", "reopened only once");
    assert!(page.contains("id=\"rating\">不满意<"));
    let page = step(&admin, id, &[("action", "close")]).await;
    assert!(page.contains("已办结") && page.contains("不满意，重新办理"));
    assert_eq!(app.audit_count("proposal.reopened"), 1);
    assert_eq!(app.audit_count("proposal.closed"), 2, "the demo's and this one");

    // The co-signer's duty record counts the accepted proposal.
    let duty = cosigner.get_text(&format!("/duty/members/{cosigner_id}")).await.1;
    assert!(duty.contains("关于加强农村饮水安全保障的建议"), "scored for co-signers too");
}

async fn a_unit_sees_its_own_and_returns_once(app: TestApp) {
    app.department_login("jiaotong", "区交通运输局");
    let admin = app.login_as("admin").await;
    let member = app.login_as("member").await;
    draft(
        &member,
        &[("kind", "member"), ("title", "关于增设公交站点的建议"), ("suggestions", "在高庙村口增设公交站。")],
    )
    .await;
    let id = latest(&app);
    step(&member, id, &[("action", "submit")]).await;
    step(&admin, id, &[("action", "accept")]).await;
    let housing = app.department_id("区住房和城乡建设局").to_string();
    step(&admin, id, &[("action", "assign"), ("lead", &housing)]).await;

    // Another unit neither sees nor finds it.
    let transport = app.login_as("jiaotong").await;
    assert_eq!(transport.get(&format!("/proposals/{id}")).await.status(), 404);
    assert!(!transport.get_text("/proposals").await.1.contains("增设公交站点"));
    let dept = app.login_as("dept").await;
    assert!(dept.get_text("/proposals").await.1.contains("增设公交站点"));
    // Nor do office staff, or another member.
    for who in ["gaomiao", "jianhe", "auditor"] {
        assert_eq!(app.login_as(who).await.get(&format!("/proposals/{id}")).await.status(), 404, "{who}");
    }
    // Another unit cannot act on it.
    let r = transport.post_form(&format!("/proposals/{id}/step"), &[("action", "sign")]).await;
    assert_eq!(r.status(), 404);

    // Returned once, reassigned, and a second return is refused.
    let page = step(&dept, id, &[("action", "return"), ("note", "公交站点属交通部门职责")]).await;
    assert!(page.contains("已退回区政协") && !page.contains("增设公交站点"), "back to the unit's list");
    assert_eq!(status(&app, id), "accepted");
    assert_eq!(dept.get(&format!("/proposals/{id}")).await.status(), 404, "no longer the unit's");
    step(&admin, id, &[("action", "assign"), ("lead", &housing)]).await;
    let page = step(&dept, id, &[("action", "return"), ("note", "再次退回")]).await;
    assert!(page.contains("已经退回过一次"));
    assert_eq!(status(&app, id), "assigned");
    // The answer needs its letter: nothing is stored without it.
    step(&dept, id, &[("action", "sign")]).await;
    let form = reqwest::multipart::Form::new().text("_csrf", dept.csrf().await).text("answer", "已研究。");
    let r = dept.http.post(format!("{}/proposals/{id}/answer", dept.base)).multipart(form).send().await.expect("post");
    assert_eq!(r.status(), 303);
    assert!(dept.get_text(&location(&r)).await.1.contains("请上传答复函"));
    // Nor does the step form take an answer.
    let page = post_ok(&dept, &format!("/proposals/{id}/step"), &[("action", "answer")]).await;
    assert!(page.contains("所选项目不存在"), "refused");
    assert_eq!(status(&app, id), "in_progress");
}

async fn a_merge_keeps_every_proposer_informed(app: TestApp) {
    let admin = app.login_as("admin").await;
    let member = app.login_as("member").await;
    let second_name = other_member(&app, 1);
    let second_id = app.member_login("weiyuan3", &second_name);
    let second = app.login_as("weiyuan3").await;
    draft(&member, &[("kind", "member"), ("title", "关于治理夜市油烟的建议"), ("suggestions", "安装油烟净化设备。")])
        .await;
    let first = latest(&app);
    draft(&second, &[("kind", "member"), ("title", "关于夜市噪音扰民的建议"), ("suggestions", "限定营业时间。")]).await;
    let other = latest(&app);
    for id in [first, other] {
        let c = if id == first { &member } else { &second };
        step(c, id, &[("action", "submit")]).await;
        step(&admin, id, &[("action", "accept")]).await;
    }
    let number: i32 = app
        .db
        .read_blocking(move |c| Ok(proposals::table.find(first).select(proposals::number).first::<Option<i32>>(c)?))
        .expect("n")
        .expect("numbered");
    // Merging into a number that is not there, or into itself, is refused.
    let page = step(&admin, other, &[("action", "merge"), ("merge_number", "999")]).await;
    assert!(page.contains("没有这个编号"));
    let before = told(&app, &format!("member:{second_id}"), first);
    let page = step(&admin, other, &[("action", "merge"), ("merge_number", &format!("第{number}号"))]).await;
    assert!(page.contains("已并案"));
    // The merged proposal's proposer now follows the one it joined.
    let signer: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(proposal_signers::table
                .filter(proposal_signers::proposal_id.eq(first).and(proposal_signers::member_id.eq(second_id)))
                .count()
                .get_result(c)?)
        })
        .expect("signers");
    assert_eq!(signer, 1);
    let page = second.get_text(&format!("/proposals/{first}")).await.1;
    assert!(page.contains("关于治理夜市油烟的建议") && page.contains(&second_name));
    let housing = app.department_id("区住房和城乡建设局").to_string();
    step(&admin, first, &[("action", "assign"), ("lead", &housing)]).await;
    assert!(told(&app, &format!("member:{second_id}"), first) > before, "told of the next step");
}

async fn bad_input_changes_nothing(app: TestApp) {
    let member = app.login_as("member").await;
    let admin = app.login_as("admin").await;
    let before = count_proposals(&app);
    for (fields, message) in [
        (vec![("kind", "member"), ("title", ""), ("suggestions", "x")], "请填写案由"),
        (vec![("kind", "member"), ("title", "标题"), ("suggestions", "")], "请写明具体建议"),
        (vec![("kind", "joint"), ("title", "标题"), ("suggestions", "建议")], "至少选择一位联名委员"),
        (vec![("kind", "joint"), ("title", "标题"), ("suggestions", "建议"), ("signers", "999999")], "本会以外"),
        (vec![("kind", "member"), ("title", &"长".repeat(101)), ("suggestions", "建议")], "不能超过100字"),
    ] {
        let r = member.post_form("/proposals", &fields).await;
        assert_eq!(r.status(), 400, "{message}");
        let page = r.text().await.unwrap_or_default();
        assert!(page.contains(message), "{message}");
        assert!(page.contains("name=\"suggestions\""), "the form comes back");
    }
    assert_eq!(count_proposals(&app), before, "nothing saved");
    // Staff cannot draft; a leader cannot review.
    assert_eq!(
        admin.post_form("/proposals", &[("kind", "member"), ("title", "t"), ("suggestions", "s")]).await.status(),
        403
    );
    draft(&member, &[("kind", "member"), ("title", "关于路灯的建议"), ("suggestions", "修路灯。")]).await;
    let id = latest(&app);
    step(&member, id, &[("action", "submit")]).await;
    let leader = app.login_as("leader").await;
    assert_eq!(leader.post_form(&format!("/proposals/{id}/step"), &[("action", "accept")]).await.status(), 403);
    // 不立案 needs its reason; a bad deadline is refused.
    let page = step(&admin, id, &[("action", "decline"), ("note", " ")]).await;
    assert!(page.contains("请填写理由"));
    assert_eq!(status(&app, id), "submitted");
    step(&admin, id, &[("action", "accept")]).await;
    let page = step(
        &admin,
        id,
        &[("action", "assign"), ("lead", &app.department_id("区民政局").to_string()), ("deadline", "2020-01-01")],
    )
    .await;
    assert!(page.contains("答复期限应在明天到一年之内"));
    assert_eq!(status(&app, id), "accepted");
    // A submitted proposal is no longer edited.
    let r = member
        .post_form(&format!("/proposals/{id}/edit"), &[("kind", "member"), ("title", "改"), ("suggestions", "改")])
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("提交后的提案不能再修改"));
    assert_eq!(status(&app, id), "accepted");
    // 转为社情民意 makes a case heard by the proposer.
    draft(&member, &[("kind", "member"), ("title", "楼道堆物影响消防通道"), ("suggestions", "请社区清理。")]).await;
    let small = latest(&app);
    step(&member, small, &[("action", "submit")]).await;
    let page = step(&admin, small, &[("action", "to_opinion")]).await;
    assert!(page.contains("转社情民意"));
    let case: Option<i64> = app
        .db
        .read_blocking(move |c| Ok(proposals::table.find(small).select(proposals::opinion_id).first(c)?))
        .expect("case");
    assert!(case.is_some(), "a case was filed");
}

async fn catalogue_figures_and_public_answers(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (s, list) = admin.get_text("/proposals").await;
    assert_eq!(s, 200);
    assert!(list.contains("关于硬化高庙村至乡政府道路的建议") && !list.contains("老年助餐点"), "no drafts for staff");
    let r = admin.get("/proposals/catalogue").await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("docx");
    let text = crate::office::part(&bytes, "word/document.xml");
    assert!(text.contains("提案目录") && text.contains("第1号") && text.contains("区住房和城乡建设局"));
    let figures = admin.get_text("/proposals/stats").await.1;
    assert!(
        figures.contains("区住房和城乡建设局") && figures.contains("100.0%"),
        "the demo's answer was on time and satisfied"
    );
    for who in ["member", "dept", "gaomiao"] {
        assert_eq!(app.login_as(who).await.get("/proposals/stats").await.status(), 404, "{who}");
        assert_eq!(app.login_as(who).await.get("/proposals/catalogue").await.status(), 404, "{who}");
    }
    // The public sees the published answer, and nothing unpublished.
    let public = app.client();
    let page = public.get_text("/box/hubin/proposals").await.1;
    assert!(page.contains("关于硬化高庙村至乡政府道路的建议") && !page.contains("机井"));
    let id: i64 = app
        .db
        .read_blocking(|c| Ok(proposals::table.filter(proposals::public.eq(true)).select(proposals::id).first(c)?))
        .expect("public one");
    let one = public.get_text(&format!("/box/hubin/proposals/{id}")).await.1;
    assert!(one.contains("列入今年农村公路建设计划"));
    post_ok(&admin, &format!("/proposals/{id}/public"), &[]).await;
    assert_eq!(public.get(&format!("/box/hubin/proposals/{id}")).await.status(), 404, "withdrawn from view");
    assert_eq!(app.audit_count("proposal.public"), 2);
}
