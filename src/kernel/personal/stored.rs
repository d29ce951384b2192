//! Where encrypted personal values are stored, for the start-up key check and
//! for re-encryption after a key rotation.
//!
//! Texted reset codes in the job queue are encrypted too but live minutes:
//! they are left out (one sent across a rotation still opens, as long as its
//! key is in the ring).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::Vault;
use crate::kernel::audit::store::{self as audit, Change, Who};
use crate::kernel::db::{Db, DbConn};
use crate::kernel::error::AppResult;

/// (table, column) of every long-lived encrypted value. Fixed names, never input.
pub const COLUMNS: &[(&str, &str)] = &[
    ("users", "phone_enc"),
    // Administrators' TOTP secrets: left under a retired key they could not sign in.
    ("users", "totp_secret_enc"),
    ("opinions", "submitter_name"),
    ("opinions", "submitter_phone"),
    // Residents' names and phones left with an online consultation's comments.
    ("online_comments", "name_enc"),
    ("online_comments", "phone_enc"),
];

/// Values checked at start: the oldest and newest few of each column, so a key
/// missing from the ring shows whether it made the first values or the last.
const SAMPLE: i64 = 5;

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    value: String,
}

/// A sample of the stored encrypted values (empty on a database without any).
pub fn samples(conn: &mut DbConn) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    for (table, column) in COLUMNS {
        for order in ["ASC", "DESC"] {
            let rows: Vec<Value> = diesel::sql_query(format!(
                "SELECT id, {column} AS value FROM {table} WHERE {column} IS NOT NULL ORDER BY id {order} LIMIT {SAMPLE}"
            ))
            .load(conn)?;
            out.extend(rows.into_iter().map(|r| r.value));
        }
    }
    Ok(out)
}

/// What a re-encryption did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reencrypted {
    pub values: u64,
    pub batches: u64,
}

/// Values per transaction: short transactions, so an interrupted run keeps
/// what it did and `keys reencrypt` resumes (servers stay stopped meanwhile:
/// they hold the old ring).
const BATCH: i64 = 500;

/// Re-encrypts every stored value not yet under the vault's newest key and
/// cipher, `BATCH` at a time, each batch in its own transaction (with one
/// audit entry). Resumable: run again after an interruption, it carries on
/// with the values still left. A value that does not open stops it with an
/// error (`personal.undecryptable`), nothing of that batch written.
pub fn reencrypt(db: &Db, vault: &Vault, mut progress: impl FnMut(&str, u64)) -> AppResult<Reencrypted> {
    let mut done = Reencrypted::default();
    let current = vault.current_prefix();
    for (table, column) in COLUMNS {
        let mut after_id = 0i64;
        loop {
            let (n, last) = db.write_blocking(|c| {
                let rows: Vec<Value> = diesel::sql_query(format!(
                    "SELECT id, {column} AS value FROM {table} WHERE {column} IS NOT NULL AND id > $1 \
                     AND substr({column}, 1, {len}) <> $2 ORDER BY id LIMIT {BATCH}",
                    len = current.len()
                ))
                .bind::<BigInt, _>(after_id)
                .bind::<Text, _>(&current)
                .load(c)?;
                for r in &rows {
                    let plain = vault.decrypt(&r.value)?;
                    diesel::sql_query(format!("UPDATE {table} SET {column} = $1 WHERE id = $2"))
                        .bind::<Text, _>(vault.encrypt(&plain))
                        .bind::<BigInt, _>(r.id)
                        .execute(c)?;
                }
                if let Some(r) = rows.last() {
                    let change = Change::new("personal.reencrypted", table, r.id).after(serde_json::json!({
                        "column": column,
                        "values": rows.len(),
                        "key": current,
                    }));
                    audit::record(c, Who::System { committee_id: None, name: "cli" }, change)?;
                }
                Ok((rows.len() as u64, rows.last().map(|r| r.id)))
            })?;
            let Some(last) = last else { break };
            after_id = last;
            done.values += n;
            done.batches += 1;
            progress(&format!("{table}.{column}"), done.values);
        }
    }
    Ok(done)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many stored values are under key `id` (before retiring it). `v1:`
/// values count under every key: which one made them is known only by trying.
pub fn count_under(conn: &mut DbConn, id: &str) -> AppResult<i64> {
    let mut total = 0;
    for (table, column) in COLUMNS {
        let c: Count = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE {column} LIKE 'v1:%' \
             OR {column} LIKE $1 OR {column} LIKE $2"
        ))
        .bind::<Text, _>(format!("v2:aes:{id}:%"))
        .bind::<Text, _>(format!("v2:sm4:{id}:%"))
        .get_result(conn)?;
        total += c.n;
    }
    Ok(total)
}
