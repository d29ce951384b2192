//! `xieshang keys rotate`: a new key in the ring, every stored personal value
//! re-encrypted under it and still readable; `keys reencrypt` after switching
//! to crypto = "national" moves them to SM4; `keys retire` drops a key once
//! nothing is stored under it.

use diesel::prelude::*;
use xieshang::config::Config;
use xieshang::kernel::db::schema::{opinions, users};
use xieshang::kernel::personal::{Vault, keyring};

use crate::on_both_databases;
use crate::support::{TestApp, submit_opinion};

on_both_databases!(rotation_reencrypts_every_value);

fn xieshang(app: &TestApp, args: &[&str], national: bool) -> String {
    let (ok, text) = try_xieshang(app, args, national);
    assert!(ok, "{args:?}: {text}");
    text
}

/// The command's success and what it printed.
fn try_xieshang(app: &TestApp, args: &[&str], national: bool) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .env("XIESHANG_DATA_DIR", &app.data_dir)
        .env("XIESHANG_CRYPTO", if national { "national" } else { "international" })
        .output()
        .expect("run xieshang");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
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

    // Retiring: a key that values are still under is refused and the ring kept.
    let ring_path = app.data_dir.join("personal.key");
    let ring = keyring::read(&ring_path).expect("ring").with_new_key();
    keyring::write(&ring_path, &ring).expect("key 3 added by hand, nothing re-encrypted");
    let (ok, out) = try_xieshang(&app, &["keys", "retire", "2"], true);
    assert!(!ok && out.contains("still under key 2"), "{out}");
    assert_eq!(keyring::read(&ring_path).expect("ring").render(), ring.render(), "the ring is unchanged");
    for id in ["1", "3", "9"] {
        let (ok, out) = try_xieshang(&app, &["keys", "retire", id], true);
        assert!(!ok, "key {id} cannot be retired: {out}");
    }
    // Once nothing is under it, it goes, and every value still reads the same.
    xieshang(&app, &["keys", "reencrypt"], true);
    let out = xieshang(&app, &["keys", "retire", "2"], true);
    assert!(out.contains("key 2 removed"), "{out}");
    let ids: Vec<String> = keyring::read(&ring_path).expect("ring").keys().map(|(id, _)| id.to_string()).collect();
    assert_eq!(ids, ["1", "3"]);
    let last = vault(&app, true);
    let again: Vec<String> = stored(&app).iter().map(|v| last.decrypt(v).expect("readable")).collect();
    assert_eq!(again, plain, "every value reads the same without key 2");
    // The chain still verifies with the rotation's own audit entries in it.
    let verdict = app.db.read_blocking(xieshang::kernel::audit::chain::verify).expect("verify");
    assert!(matches!(verdict, xieshang::kernel::audit::chain::Verdict::Intact { .. }), "{verdict:?}");
}
