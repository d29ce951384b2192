//! A database restored without its personal-data key: the app refuses to
//! start, naming the key file, rather than making a new key; and a value that
//! does not decrypt shows 「个人信息无法解密」 on its page, not a 500.

use diesel::prelude::*;
use xieshang::config::Config;
use xieshang::kernel::db::schema::opinions;
use xieshang::kernel::personal::Vault;
use xieshang::kernel::state::AppState;

use crate::on_both_databases;
use crate::support::{TestApp, submit_opinion};

on_both_databases!(a_wrong_or_missing_key_refuses_to_start, an_undecryptable_value_shows_words_not_a_500);

fn config(app: &TestApp) -> Config {
    Config { database_url: app.db_url.clone(), data_dir: app.data_dir.clone(), ..Config::default() }
}

async fn a_wrong_or_missing_key_refuses_to_start(app: TestApp) {
    submit_opinion(&app.client(), &[("body", "路灯坏了。"), ("phone", "13903981234"), ("name", "王秀兰")]).await;
    let path = app.data_dir.join("personal.key");
    let original = std::fs::read_to_string(&path).expect("key file");
    // The right key starts.
    assert!(AppState::new(app.db.clone(), config(&app)).is_ok());

    // Another key: refused, naming the file.
    std::fs::write(&path, "1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").expect("write");
    let msg = format!("{:#}", AppState::new(app.db.clone(), config(&app)).err().expect("refused"));
    assert!(msg.contains(&path.display().to_string()) && msg.contains("打不开"), "{msg}");

    // No key at all: refused, and no new key is made.
    std::fs::remove_file(&path).expect("remove");
    let msg = format!("{:#}", AppState::new(app.db.clone(), config(&app)).err().expect("refused"));
    assert!(msg.contains(&path.display().to_string()) && msg.contains("找不到"), "{msg}");
    assert!(!path.exists(), "no new key is created over encrypted data");

    // The key back: starts again.
    std::fs::write(&path, original).expect("restore");
    assert!(AppState::new(app.db.clone(), config(&app)).is_ok());
}

async fn an_undecryptable_value_shows_words_not_a_500(app: TestApp) {
    let code =
        submit_opinion(&app.client(), &[("body", "井盖丢了。"), ("phone", "13903981234"), ("name", "王秀兰")]).await;
    let id = app.opinion_id(&code);
    // One value encrypted under a key the app does not have.
    let foreign = Vault::new([9; 32]).encrypt("13903981234");
    app.db
        .write_blocking(move |c| {
            diesel::update(opinions::table.find(id)).set(opinions::submitter_phone.eq(foreign)).execute(c)?;
            Ok(())
        })
        .expect("update");
    let admin = app.login_as("admin").await;
    let (status, page) = admin.get_text(&format!("/opinions/{id}")).await;
    assert_ne!(status, 500);
    assert!(page.contains("个人信息无法解密"), "{status} {page}");
    // The other cases still open.
    let (status, _) = admin.get_text("/opinions").await;
    assert_eq!(status, 200);
}
