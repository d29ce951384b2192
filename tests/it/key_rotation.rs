//! `xieshang keys rotate`: a new key in the ring, every stored personal value
//! re-encrypted under it and still readable; `keys reencrypt` after switching
//! to crypto = "national" moves them to SM4.

use diesel::prelude::*;
use xieshang::config::Config;
use xieshang::kernel::db::schema::{opinions, users};
use xieshang::kernel::personal::Vault;

use crate::on_both_databases;
use crate::support::{TestApp, submit_opinion};

on_both_databases!(rotation_reencrypts_every_value);

fn xieshang(app: &TestApp, args: &[&str], national: bool) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .env("XIESHANG_DATA_DIR", &app.data_dir)
        .env("XIESHANG_CRYPTO", if national { "national" } else { "international" })
        .output()
        .expect("run xieshang");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{args:?}: {text}");
    text
}

/// Every stored personal value: opinions' names and phones, users' phones.
fn stored(app: &TestApp) -> Vec<String> {
    app.db
        .read_blocking(|c| {
            let o: Vec<(Option<String>, Option<String>)> =
                opinions::table.select((opinions::submitter_name, opinions::submitter_phone)).load(c)?;
            let u: Vec<Option<String>> = users::table.select(users::phone_enc).load(c)?;
            Ok(o.into_iter().flat_map(|(a, b)| [a, b]).chain(u).flatten().collect())
        })
        .expect("values")
}

fn vault(app: &TestApp, national: bool) -> Vault {
    let config = Config {
        database_url: app.db_url.clone(),
        data_dir: app.data_dir.clone(),
        crypto: if national { "national" } else { "international" }.into(),
        ..Config::default()
    };
    Vault::open(&config, &app.db).expect("the ring opens the data")
}

async fn rotation_reencrypts_every_value(app: TestApp) {
    let resident = app.client();
    for (i, phone) in ["13903981234", "13803985678", "13703980000"].iter().enumerate() {
        submit_opinion(&resident, &[("body", &format!("第{i}件事。")), ("phone", phone), ("name", "王秀兰")]).await;
    }
    let before = stored(&app);
    assert!(before.len() >= 6);
    let old = vault(&app, false);
    let plain: Vec<String> = before.iter().map(|v| old.decrypt(v).expect("readable")).collect();

    let out = xieshang(&app, &["keys", "rotate"], false);
    assert!(out.contains("added key 2"), "{out}");
    let ring = std::fs::read_to_string(app.data_dir.join("personal.key")).expect("ring");
    assert_eq!(ring.lines().count(), 2);
    let after = stored(&app);
    assert!(after.iter().all(|v| v.starts_with("v2:aes:2:")), "{after:?}");
    let new = vault(&app, false);
    let again: Vec<String> = after.iter().map(|v| new.decrypt(v).expect("readable")).collect();
    assert_eq!(again, plain, "every value reads the same");
    assert!(after.iter().all(|v| old.decrypt(v).is_err()), "the old ring alone no longer opens them");
    // Blind indexes keep their key: the same phone finds the same rows.
    assert_eq!(new.blind_index("13903981234"), old.blind_index("13903981234"));

    // Key 1 can go? No: it is the first (blind indexes). Nothing is left under it though.
    let out = xieshang(&app, &["keys", "reencrypt"], true);
    assert!(out.contains("v2:sm4:2:"), "{out}");
    let sm4 = stored(&app);
    assert!(sm4.iter().all(|v| v.starts_with("v2:sm4:2:")), "{sm4:?}");
    let national = vault(&app, true);
    let again: Vec<String> = sm4.iter().map(|v| national.decrypt(v).expect("readable")).collect();
    assert_eq!(again, plain);
    // Run again: nothing left to do (resumable, idempotent).
    let out = xieshang(&app, &["keys", "reencrypt"], true);
    assert!(out.contains("re-encrypted 0 values"), "{out}");
    // The chain still verifies with the rotation's own audit entries in it.
    let verdict = app.db.read_blocking(xieshang::kernel::audit::chain::verify).expect("verify");
    assert!(matches!(verdict, xieshang::kernel::audit::chain::Verdict::Intact { .. }), "{verdict:?}");
}
