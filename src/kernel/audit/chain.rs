//! The audit log as a hash chain: each row stores the hash of the row before
//! it (`prev_hash`) and `row_hash` = H(prev_hash ‖ its fields), so changing,
//! removing or inserting a row anywhere breaks every link after it.
//!
//! H is SHA-256 or SM3 (`crypto = "national"`), named per row in `hash_alg`,
//! so the chain survives a change of setting. The first rows of a database
//! migrated from before the chain have no hashes; the chain starts after them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use sha2::Digest as _;

use crate::config::Crypto;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{audit_log, audit_settings};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::web::i18n::Lang;

/// What the first row of the chain links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Sha256,
    Sm3,
}

impl HashAlg {
    pub fn of(crypto: Crypto) -> HashAlg {
        match crypto {
            Crypto::International => HashAlg::Sha256,
            Crypto::National => HashAlg::Sm3,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sm3 => "sm3",
        }
    }

    pub fn parse(code: &str) -> Option<HashAlg> {
        match code {
            "sha256" => Some(HashAlg::Sha256),
            "sm3" => Some(HashAlg::Sm3),
            _ => None,
        }
    }

    fn digest(self, data: &[u8]) -> String {
        let bytes: Vec<u8> = match self {
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sm3 => sm3::Sm3::digest(data).to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The fields a row's hash covers: all of them but the id (the chain's order
/// is the ids' order, and a row's place is fixed by its link to the one before).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    pub committee_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// H(prev_hash ‖ the fields), as 64 hex digits. Each field is written with a
/// presence byte and its length, so no two different rows serialise alike
/// (`"ab" + "c"` vs `"a" + "bc"`, NULL vs empty); the algorithm's name is
/// hashed too, so a row cannot be passed off under the other algorithm.
pub fn row_hash(alg: HashAlg, prev_hash: &str, f: &Fields<'_>) -> String {
    let mut data = Vec::with_capacity(256);
    let mut put = |v: Option<&str>| match v {
        None => data.push(0),
        Some(s) => {
            data.push(1);
            data.extend_from_slice(&(s.len() as u64).to_be_bytes());
            data.extend_from_slice(s.as_bytes());
        }
    };
    put(Some("xieshang.audit.v1"));
    put(Some(alg.code()));
    put(Some(prev_hash));
    put(f.committee_id.map(|v| v.to_string()).as_deref());
    put(f.actor_id.map(|v| v.to_string()).as_deref());
    put(Some(f.actor_name));
    put(Some(f.action));
    put(Some(f.entity));
    put(f.entity_id);
    put(f.before);
    put(f.after);
    put(f.request_id);
    put(Some(&timestamp(f.created_at)));
    alg.digest(&data)
}

/// Microseconds, the precision both databases keep (callers store the time
/// truncated to it, see `store::record`).
fn timestamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// Sets the algorithm for new rows from the configuration (at every start).
pub fn configure(conn: &mut DbConn, alg: HashAlg) -> AppResult<()> {
    diesel::update(audit_settings::table).set(audit_settings::hash_alg.eq(alg.code())).execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Head {
    #[diesel(sql_type = Text)]
    hash_alg: String,
    #[diesel(sql_type = Nullable<Text>)]
    row_hash: Option<String>,
}

/// Arbitrary, fixed: the advisory lock that serialises appends on PostgreSQL.
const APPEND_LOCK: i64 = 7_204_854;

/// The algorithm for the next row and the hash it links to. Appends are
/// serialised so that two never link to the same row: on PostgreSQL by an
/// advisory lock held until the inserting transaction ends (several app
/// servers share the database); on SQLite every write already goes through the
/// one writer connection (`kernel::db`), so the head read here is the head.
pub fn head_for_append(conn: &mut DbConn) -> AppResult<(HashAlg, String)> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({APPEND_LOCK})")).execute(conn)?;
    }
    let head: Head = diesel::sql_query(
        "SELECT s.hash_alg, (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1) AS row_hash \
         FROM audit_settings s WHERE s.id = 1",
    )
    .get_result(conn)?;
    let alg = HashAlg::parse(&head.hash_alg)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown audit hash {:?}", head.hash_alg)))?;
    Ok((alg, head.row_hash.unwrap_or_else(|| GENESIS.to_string())))
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every chained row checks; `unchained` rows predate the chain.
    Intact { rows: u64, unchained: u64, head: Option<String> },
    /// The first row that does not check, and why.
    Broken { id: i64, why: Break },
}

impl Verdict {
    /// The result in a sentence: 「审计日志完整：N 条」, or the first broken row.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Verdict::Intact { rows, .. } => lang.t("audit.chain.intact").replace("%{n}", &rows.to_string()),
            Verdict::Broken { id, why } => {
                lang.t("audit.chain.broken").replace("%{id}", &id.to_string()).replace("%{why}", &lang.t(why.key()))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// Its fields no longer give its hash: the row was changed.
    Altered,
    /// It does not link to the row before it: a row was removed or inserted.
    Unlinked,
    /// A row without a hash after the chain began.
    Unhashed,
}

impl Break {
    /// The translation key of the reason.
    pub fn key(self) -> &'static str {
        match self {
            Break::Altered => "audit.chain.altered",
            Break::Unlinked => "audit.chain.unlinked",
            Break::Unhashed => "audit.chain.unhashed",
        }
    }
}

type ChainRow = (
    i64,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    Option<String>,
    Option<String>,
    Option<String>,
);

const BATCH: i64 = 2_000;

/// Walks the whole chain in id order, a batch at a time, and stops at the
/// first row that does not check.
pub fn verify(conn: &mut DbConn) -> AppResult<Verdict> {
    let (mut rows, mut unchained, mut after_id) = (0u64, 0u64, 0i64);
    let mut prev: Option<String> = None;
    loop {
        let batch: Vec<ChainRow> = audit_log::table
            .filter(audit_log::id.gt(after_id))
            .order(audit_log::id)
            .limit(BATCH)
            .select((
                audit_log::id,
                audit_log::committee_id,
                audit_log::actor_id,
                audit_log::actor_name,
                audit_log::action,
                audit_log::entity,
                audit_log::entity_id,
                audit_log::before,
                audit_log::after,
                audit_log::request_id,
                audit_log::created_at,
                audit_log::hash_alg,
                audit_log::prev_hash,
                audit_log::row_hash,
            ))
            .load(conn)?;
        let Some(last) = batch.last() else { break };
        after_id = last.0;
        for r in &batch {
            rows += 1;
            let (id, alg, prev_hash, hash) = (r.0, r.11.as_deref(), r.12.as_deref(), r.13.as_deref());
            let (Some(alg), Some(prev_hash), Some(hash)) = (alg, prev_hash, hash) else {
                if prev.is_some() || alg.is_some() || prev_hash.is_some() || hash.is_some() {
                    return Ok(Verdict::Broken { id, why: Break::Unhashed });
                }
                unchained += 1;
                continue;
            };
            let expected_prev = prev.as_deref().unwrap_or(GENESIS);
            if prev_hash != expected_prev {
                return Ok(Verdict::Broken { id, why: Break::Unlinked });
            }
            let Some(alg) = HashAlg::parse(alg) else {
                return Ok(Verdict::Broken { id, why: Break::Altered });
            };
            let fields = Fields {
                committee_id: r.1,
                actor_id: r.2,
                actor_name: &r.3,
                action: &r.4,
                entity: &r.5,
                entity_id: r.6.as_deref(),
                before: r.7.as_deref(),
                after: r.8.as_deref(),
                request_id: r.9.as_deref(),
                created_at: r.10,
            };
            if row_hash(alg, prev_hash, &fields) != hash {
                return Ok(Verdict::Broken { id, why: Break::Altered });
            }
            prev = Some(hash.to_string());
        }
    }
    Ok(Verdict::Intact { rows, unchained, head: prev })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(action: &str) -> Fields<'_> {
        Fields {
            committee_id: Some(1),
            actor_id: None,
            actor_name: "cli",
            action,
            entity: "user",
            entity_id: Some("7"),
            before: None,
            after: Some("{\"role\":\"auditor\"}"),
            request_id: None,
            created_at: chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
                .and_then(|d| d.and_hms_micro_opt(8, 30, 0, 123_456))
                .expect("time"),
        }
    }

    #[test]
    fn known_answers() {
        // The empty input's digests, to pin that each name means its algorithm.
        assert_eq!(HashAlg::Sha256.digest(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(HashAlg::Sm3.digest(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn hash_covers_every_field_and_the_link() {
        for alg in [HashAlg::Sha256, HashAlg::Sm3] {
            let base = row_hash(alg, GENESIS, &fields("user.created"));
            assert_eq!(base.len(), 64);
            assert_eq!(base, row_hash(alg, GENESIS, &fields("user.created")), "deterministic");
            assert_ne!(base, row_hash(alg, &"1".repeat(64), &fields("user.created")), "link");
            assert_ne!(base, row_hash(alg, GENESIS, &fields("user.createD")), "action");
            let mut f = fields("user.created");
            f.entity_id = Some("");
            assert_ne!(base, row_hash(alg, GENESIS, &f), "empty is not NULL");
            let mut f = fields("user.created");
            f.entity_id = None;
            assert_ne!(base, row_hash(alg, GENESIS, &f), "NULL");
            let mut f = fields("user.created");
            f.created_at += chrono::Duration::microseconds(1);
            assert_ne!(base, row_hash(alg, GENESIS, &f), "time to the microsecond");
            // Moving a character from one field to the next changes the hash.
            let mut f = fields("user.created");
            f.actor_name = "cl";
            f.action = "iuser.created";
            assert_ne!(base, row_hash(alg, GENESIS, &f), "field boundaries");
        }
        assert_ne!(row_hash(HashAlg::Sha256, GENESIS, &fields("a")), row_hash(HashAlg::Sm3, GENESIS, &fields("a")));
    }

    #[test]
    fn algorithm_names() {
        for alg in [HashAlg::Sha256, HashAlg::Sm3] {
            assert_eq!(HashAlg::parse(alg.code()), Some(alg));
        }
        assert_eq!(HashAlg::parse("md5"), None);
        assert_eq!(HashAlg::of(Crypto::National), HashAlg::Sm3);
    }
}
