//! tower-sessions' store over our own database, so that sessions survive a
//! restart and are shared by every app instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::USER_KEY;
use crate::kernel::db::schema::sessions;
use crate::kernel::db::{Db, is_unique_violation};
use crate::kernel::error::AppError;
use crate::kernel::ids::UserId;

/// How far the stored idle expiry may lag before a page view writes it.
const REFRESH_AFTER_SECS: i64 = 60;
/// Sessions loaded and not yet saved that `loaded` keeps at most (requests in
/// flight, and the few that end without saving); past it, it starts afresh.
const LOADED_MAX: usize = 4096;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    /// What each request's `load` read (data as stored, idle expiry), taken
    /// back by its `save`: an unchanged session is then known without reading
    /// the row again (a database round trip on every page view).
    loaded: Arc<Mutex<HashMap<Id, (String, NaiveDateTime)>>>,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db, loaded: Arc::default() }
    }

    fn remember(&self, id: Id, data: &str, expiry: NaiveDateTime) {
        if let Ok(mut m) = self.loaded.lock() {
            if m.len() >= LOADED_MAX {
                m.clear();
            }
            m.insert(id, (data.to_owned(), expiry));
        }
    }

    fn recall(&self, id: &Id) -> Option<(String, NaiveDateTime)> {
        self.loaded.lock().ok().and_then(|mut m| m.remove(id))
    }
}

/// Nothing to write: the same data, and an idle expiry less than a minute
/// behind (a session may end up to a minute early).
fn unchanged(stored: NaiveDateTime, expiry: NaiveDateTime) -> bool {
    stored <= expiry && expiry - stored < chrono::Duration::seconds(REFRESH_AFTER_SECS)
}

fn naive(t: time::OffsetDateTime) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp(t.unix_timestamp(), 0).unwrap_or_default().naive_utc()
}

fn backend(e: AppError) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// The session's data as JSON with its keys in order: `save` compares it with
/// the stored text to skip unchanged sessions, and a `HashMap`'s own order
/// differs from one map to the next (half the page views wrote their session).
fn encode(r: &Record) -> session_store::Result<String> {
    let sorted: std::collections::BTreeMap<&String, &serde_json::Value> = r.data.iter().collect();
    serde_json::to_string(&sorted).map_err(|e| session_store::Error::Encode(e.to_string()))
}

/// The signed-in user of a session, kept in its own column so that a user's
/// sessions can be ended by an index.
fn user_of(r: &Record) -> Option<i64> {
    r.data.get(USER_KEY).and_then(serde_json::Value::as_i64)
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A new id on the (astronomically unlikely) collision.
        for _ in 0..3 {
            let (id, data, expiry) = (record.id.to_string(), encode(record)?, naive(record.expiry_date));
            let user = user_of(record);
            let inserted = self
                .db
                .write(move |c| {
                    match diesel::insert_into(sessions::table)
                        .values((
                            sessions::id.eq(id),
                            sessions::data.eq(data),
                            sessions::expiry_date.eq(expiry),
                            sessions::user_id.eq(user),
                        ))
                        .execute(c)
                    {
                        Ok(_) => Ok(true),
                        Err(e) if is_unique_violation(&e) => Ok(false),
                        Err(e) => Err(e.into()),
                    }
                })
                .await
                .map_err(backend)?;
            if inserted {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(session_store::Error::Backend("session id collision".into()))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (id, data, expiry) = (record.id.to_string(), encode(record)?, naive(record.expiry_date));
        let user = user_of(record);
        // Every page view moves the idle expiry on by seconds; writing that each
        // time would queue every page view behind the one writer (on SQLite an
        // fsync each). What this request loaded says whether anything changed;
        // a session it did not load (a new id) is read again.
        if let Some((was, stored)) = self.recall(&record.id)
            && was == data
            && unchanged(stored, expiry)
        {
            return Ok(());
        }
        let (rid, rdata) = (id.clone(), data.clone());
        let stored: Option<NaiveDateTime> = self
            .db
            .read(move |c| {
                Ok(sessions::table
                    .find(rid)
                    .filter(sessions::data.eq(rdata))
                    .select(sessions::expiry_date)
                    .first(c)
                    .optional()?)
            })
            .await
            .map_err(backend)?;
        if stored.is_some_and(|s| unchanged(s, expiry)) {
            return Ok(());
        }
        self.db
            .write(move |c| {
                // Update only: new sessions come through `create`. A row that is
                // gone was ended (password change, reset, lock, sign-out) while
                // this request ran; writing it back would revive the session.
                diesel::update(sessions::table.find(&id))
                    .set((sessions::data.eq(&data), sessions::expiry_date.eq(expiry), sessions::user_id.eq(user)))
                    .execute(c)?;
                Ok(())
            })
            .await
            .map_err(backend)
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let id = session_id.to_string();
        let now = Utc::now().naive_utc();
        let row: Option<(String, NaiveDateTime)> = self
            .db
            .read(move |c| {
                Ok(sessions::table
                    .find(id)
                    .filter(sessions::expiry_date.gt(now))
                    .select((sessions::data, sessions::expiry_date))
                    .first(c)
                    .optional()?)
            })
            .await
            .map_err(backend)?;
        let Some((data, expiry)) = row else { return Ok(None) };
        self.remember(*session_id, &data, expiry);
        let data = serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expiry.and_utc().timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *session_id, data, expiry_date }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        let id = session_id.to_string();
        self.db
            .write(move |c| {
                diesel::delete(sessions::table.find(id)).execute(c)?;
                Ok(())
            })
            .await
            .map_err(backend)
    }
}

/// Ends every session of `user` (a reset, a lock, a disable): the next
/// request of any of its browsers finds no session and goes to the login page.
#[tracing::instrument(level = "debug", skip(c))]
pub fn end_user_sessions(c: &mut crate::kernel::db::DbConn, user: UserId) -> Result<usize, AppError> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0))).execute(c)?)
}

/// Ends every session of `user` but `keep` (a password change: the browser
/// that made it stays signed in).
#[tracing::instrument(level = "debug", skip(c, keep))]
pub fn end_other_sessions(c: &mut crate::kernel::db::DbConn, user: UserId, keep: &str) -> Result<usize, AppError> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0).and(sessions::id.ne(keep)))).execute(c)?)
}

/// Deletes expired sessions; run by the `sessions.purge` job.
#[tracing::instrument(level = "debug", skip(c))]
pub fn purge_expired(c: &mut crate::kernel::db::DbConn) -> Result<usize, AppError> {
    let now = Utc::now().naive_utc();
    Ok(diesel::delete(sessions::table.filter(sessions::expiry_date.le(now))).execute(c)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same data always encodes to the same text, whatever order its map
    /// was filled in: an unchanged session is not written again.
    #[test]
    fn encoding_does_not_depend_on_insertion_order() {
        let record = |keys: &[&str]| {
            let mut r =
                Record { id: Id::default(), data: Default::default(), expiry_date: time::OffsetDateTime::UNIX_EPOCH };
            for k in keys {
                r.data.insert((*k).to_string(), serde_json::json!(k.len()));
            }
            r
        };
        let keys = ["user", "csrf", "flash", "lang", "large", "next"];
        let mut reversed = keys;
        reversed.reverse();
        let a = encode(&record(&keys)).expect("encode");
        for _ in 0..20 {
            assert_eq!(encode(&record(&reversed)).expect("encode"), a);
            assert_eq!(encode(&record(&keys)).expect("encode"), a);
        }
    }
}
