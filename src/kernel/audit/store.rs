use chrono::{NaiveDateTime, SubsecRound as _};
use diesel::prelude::*;
use serde::Serialize;

use super::chain;
use crate::kernel::auth::model::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::audit_log;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::CommitteeId;

/// One change to record. `before`/`after` are the record's JSON, secrets removed.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Self {
        Change { action, entity, entity_id: Some(entity_id.to_string()), before: None, after: None }
    }
    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }
    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// Who did it: a logged-in user, or the system (CLI, background job, a resident).
#[derive(Clone, Copy)]
pub enum Who<'a> {
    User(&'a Actor),
    System { committee_id: Option<CommitteeId>, name: &'a str },
}

/// `None` is bound as NULL rather than written `DEFAULT` (the same here: no
/// column has a default), so the insert has one SQL text that PostgreSQL keeps
/// prepared instead of planning it afresh for every entry.
#[derive(Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
struct NewEntry {
    committee_id: Option<i64>,
    actor_id: Option<i64>,
    actor_name: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
    request_id: Option<String>,
    created_at: NaiveDateTime,
    hash_alg: Option<String>,
    prev_hash: Option<String>,
    row_hash: Option<String>,
}

/// Appends one entry, linked into the hash chain (`chain`). Call it inside the transaction that makes the change.
#[tracing::instrument(level = "debug", skip_all, fields(action = change.action, entity = change.entity))]
pub fn record(conn: &mut DbConn, who: Who<'_>, change: Change<'_>) -> AppResult<()> {
    let (committee_id, actor_id, actor_name, request_id) = match who {
        Who::User(a) => (
            Some(a.committee_id.0),
            Some(a.user_id.0),
            format!("{} ({})", a.display_name, a.username),
            a.request_id.clone(),
        ),
        Who::System { committee_id, name } => (committee_id.map(|c| c.0), None, name.to_string(), None),
    };
    // The kernel clock: replayed history (`xieshang gen`) is audited at its own
    // time; to the microsecond, which both databases keep exactly as hashed.
    let created_at = crate::kernel::time::now().trunc_subsecs(6);
    let mut entry = NewEntry {
        committee_id,
        actor_id,
        actor_name,
        action: change.action.to_string(),
        entity: change.entity.to_string(),
        entity_id: change.entity_id,
        before: change.before.map(|v| v.to_string()),
        after: change.after.map(|v| v.to_string()),
        request_id,
        created_at,
        hash_alg: None,
        prev_hash: None,
        row_hash: None,
    };
    let (alg, prev) = chain::head_for_append(conn)?;
    let hash = chain::row_hash(alg, &prev, &fields(&entry));
    entry.hash_alg = Some(alg.code().to_string());
    entry.prev_hash = Some(prev);
    entry.row_hash = Some(hash);
    diesel::insert_into(audit_log::table).values(entry).execute(conn)?;
    Ok(())
}

fn fields(e: &NewEntry) -> chain::Fields<'_> {
    chain::Fields {
        committee_id: e.committee_id,
        actor_id: e.actor_id,
        actor_name: &e.actor_name,
        action: &e.action,
        entity: &e.entity,
        entity_id: e.entity_id.as_deref(),
        before: e.before.as_deref(),
        after: e.after.as_deref(),
        request_id: e.request_id.as_deref(),
        created_at: e.created_at,
    }
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Entry {
    pub id: i64,
    pub committee_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub hash_alg: Option<String>,
    pub prev_hash: Option<String>,
    pub row_hash: Option<String>,
}

pub const PAGE_SIZE: i64 = 50;

/// The auditor's view: the committee's entries, newest first, `PAGE_SIZE` at a
/// time before the entry id `before_id` (keyset paging stays fast on a long log).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    before_id: Option<i64>,
    action_prefix: Option<&str>,
) -> AppResult<Vec<Entry>> {
    if !actor.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    let mut q = audit_log::table
        .filter(audit_log::committee_id.eq(actor.committee_id.0))
        .order(audit_log::id.desc())
        .limit(PAGE_SIZE)
        .into_boxed();
    if let Some(b) = before_id {
        q = q.filter(audit_log::id.lt(b));
    }
    if let Some(p) = action_prefix.filter(|p| !p.is_empty()) {
        q = q.filter(audit_log::action.like(format!("{}%", p.replace(['%', '_'], ""))));
    }
    Ok(q.load(conn)?)
}
