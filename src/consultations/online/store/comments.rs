//! Comments: an invited member's (published at once), the thread as staff,
//! members and the public see it, and moderation (hold, publish, hide with a
//! reason), every step audited.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::phase::{self, Online};
use crate::consultations::online::model::{self, Author, CommentStatus, Moderation};
use crate::consultations::store::consultations::can_manage;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{consultations, members, online_comments as oc, online_consultations as oo, sectors};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ConsultationId, MemberId, OfficeId, OnlineCommentId};
use crate::kernel::personal::{Vault, mask_name, mask_phone};
use crate::kernel::time::now;

/// A new comment, checked by the caller's rules.
pub(super) struct New<'a> {
    pub online: &'a Online,
    pub parent: Option<OnlineCommentId>,
    pub author: Author,
    pub member: Option<MemberId>,
    pub body: &'a str,
    pub name_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
}

/// The parent a reply names: a published comment of the same consultation
/// that is not itself a reply (`model::reply_to`).
pub(super) fn check_parent(conn: &mut DbConn, o: &Online, parent: Option<OnlineCommentId>) -> AppResult<()> {
    let Some(p) = parent else { return Ok(()) };
    let found: Option<(Option<OnlineCommentId>, CommentStatus)> =
        oc::table.find(p).filter(oc::online_id.eq(o.id)).select((oc::parent_id, oc::status)).first(conn).optional()?;
    let (grand, status) = found.ok_or(AppError::BadRequest("online.bad_parent"))?;
    model::reply_to(grand.is_some(), status)
}

/// Stores a comment in its first state (`model::first_status`).
pub(super) fn insert(conn: &mut DbConn, n: New<'_>) -> AppResult<OnlineCommentId> {
    Ok(diesel::insert_into(oc::table)
        .values((
            oc::committee_id.eq(n.online.committee_id),
            oc::online_id.eq(n.online.id),
            oc::parent_id.eq(n.parent),
            oc::author.eq(n.author),
            oc::member_id.eq(n.member),
            oc::name_enc.eq(n.name_enc),
            oc::phone_enc.eq(n.phone_enc),
            oc::phone_index.eq(n.phone_index),
            oc::body.eq(n.body),
            oc::status.eq(model::first_status(n.author)),
            oc::reason.eq(""),
            oc::created_at.eq(now()),
        ))
        .returning(oc::id)
        .get_result(conn)?)
}

/// An invited member comments, or replies to a published comment, while the
/// period is open; published at once.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn comment(
    conn: &mut DbConn,
    actor: &Actor,
    id: ConsultationId,
    parent: Option<OnlineCommentId>,
    text: &str,
) -> AppResult<OnlineCommentId> {
    let s = phase::seen(conn, actor, id)?;
    let o = s.online.ok_or(AppError::NotFound)?;
    model::may_comment(Author::Member, s.invited.is_some(), o.residents_open, o.phase())?;
    let member = s.invited.ok_or(AppError::Forbidden)?;
    post_unscoped(conn, Who::User(actor), &o, member, parent, text)
}

/// A member's comment without `comment`'s checks of the invitation and the
/// period: for `comment`, and the demo, which replays what members wrote.
#[tracing::instrument(level = "debug", skip_all, fields(member = ?member))]
pub fn post_unscoped(
    conn: &mut DbConn,
    who: Who<'_>,
    o: &Online,
    member: MemberId,
    parent: Option<OnlineCommentId>,
    text: &str,
) -> AppResult<OnlineCommentId> {
    let body = model::body(text)?;
    check_parent(conn, o, parent)?;
    let new = New {
        online: o,
        parent,
        author: Author::Member,
        member: Some(member),
        body: &body,
        name_enc: None,
        phone_enc: None,
        phone_index: None,
    };
    let comment = insert(conn, new)?;
    audit::record(
        conn,
        who,
        Change::new("online.comment", "online_comment", comment)
            .after(serde_json::json!({ "consultation": o.consultation_id, "parent": parent })),
    )?;
    Ok(comment)
}

/// Staff of the consultation's office (or the district) hold, publish or
/// hide a comment (hiding with the reason). Returns the consultation, for
/// the page to go back to. Another office does not learn it exists.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, comment = ?comment, m = ?m))]
pub fn moderate(
    conn: &mut DbConn,
    actor: &Actor,
    comment: OnlineCommentId,
    m: Moderation,
    reason: &str,
) -> AppResult<ConsultationId> {
    let found: Option<(CommentStatus, String, ConsultationId, OfficeId)> = oc::table
        .inner_join(oo::table.inner_join(consultations::table))
        .filter(oc::id.eq(comment).and(oc::committee_id.eq(actor.committee_id)))
        .select((oc::status, oc::reason, oo::consultation_id, consultations::office_id))
        .first(conn)
        .optional()?;
    let (from, before_reason, id, office) = found.ok_or(AppError::NotFound)?;
    if !can_manage(actor, office) {
        return Err(if actor.sees_office(office) { AppError::Forbidden } else { AppError::NotFound });
    }
    let (to, reason) = model::moderate(from, m, reason)?;
    let t = now();
    diesel::update(oc::table.find(comment))
        .set((
            oc::status.eq(to),
            oc::reason.eq(&reason),
            oc::moderated_by.eq(Some(actor.user_id)),
            oc::moderated_at.eq(Some(t)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("online.moderate", "online_comment", comment)
            .before(serde_json::json!({ "status": from, "reason": before_reason }))
            .after(serde_json::json!({ "status": to, "reason": reason, "consultation": id })),
    )?;
    Ok(id)
}

/// Whose eyes a thread is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Staff who manage it: every comment, residents' names and phones
    /// masked (`personal_data` shows them, audited).
    Staff,
    /// Others signed in: published comments, and the member's own.
    Member(Option<MemberId>),
    /// The public page: published comments; members named only if they
    /// agreed to be named in public, residents' names masked.
    Public,
}

/// A comment as shown, with its replies.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub id: OnlineCommentId,
    pub author: Author,
    /// The member's name, or the resident's masked; none shows the author's kind.
    pub name: Option<String>,
    pub sector: Option<String>,
    /// The resident's phone, masked: for staff only.
    pub phone: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub mine: bool,
    /// The resident's name and phone are shown in full (`personal_data`).
    pub revealed: bool,
    pub replies: Vec<Shown>,
}

impl Shown {
    pub fn status_label_key(&self) -> String {
        self.status.label_key()
    }
    pub fn author_label_key(&self) -> String {
        self.author.label_key()
    }
    pub fn is(&self, s: CommentStatus) -> bool {
        self.status == s
    }
    /// A resident left a name or a phone, shown masked (staff may reveal it).
    pub fn has_personal(&self) -> bool {
        self.author == Author::Resident && (self.name.is_some() || self.phone.is_some()) && !self.revealed
    }
    /// The resident's name and phone in full, from `personal_data`.
    pub fn reveal(&mut self, vault: &Vault, name_enc: Option<String>, phone_enc: Option<String>) -> AppResult<()> {
        self.name = name_enc.map(|s| vault.decrypt(&s)).transpose()?;
        self.phone = phone_enc.map(|s| vault.decrypt(&s)).transpose()?;
        self.revealed = true;
        Ok(())
    }
}

/// The comment `id` of a thread, a reply or not.
pub fn find_mut(thread: &mut [Shown], id: OnlineCommentId) -> Option<&mut Shown> {
    for c in thread.iter_mut() {
        if c.id == id {
            return Some(c);
        }
        if let Some(r) = c.replies.iter_mut().find(|r| r.id == id) {
            return Some(r);
        }
    }
    None
}

/// A resident's name and phone in full (encrypted as stored), for staff who
/// moderate the comment: a deliberate act, written to the audit log first.
/// Returns the consultation, for its page. Another office does not learn the
/// comment exists; a member's comment has no personal data to show.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, comment = ?comment))]
pub fn personal_data(
    conn: &mut DbConn,
    actor: &Actor,
    comment: OnlineCommentId,
) -> AppResult<(ConsultationId, Option<String>, Option<String>)> {
    type Found = (Author, Option<String>, Option<String>, ConsultationId, OfficeId);
    let found: Option<Found> = oc::table
        .inner_join(oo::table.inner_join(consultations::table))
        .filter(oc::id.eq(comment).and(oc::committee_id.eq(actor.committee_id)))
        .select((oc::author, oc::name_enc, oc::phone_enc, oo::consultation_id, consultations::office_id))
        .first(conn)
        .optional()?;
    let (author, name, phone, id, office) = found.ok_or(AppError::NotFound)?;
    if !can_manage(actor, office) {
        return Err(if actor.sees_office(office) { AppError::Forbidden } else { AppError::NotFound });
    }
    if author != Author::Resident || (name.is_none() && phone.is_none()) {
        return Err(AppError::BadRequest("online.no_personal"));
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("online.personal_view", "online_comment", comment).after(serde_json::json!({ "consultation": id })),
    )?;
    Ok((id, name, phone))
}

type Loaded = (
    OnlineCommentId,
    Option<OnlineCommentId>,
    Author,
    Option<MemberId>,
    Option<String>,
    Option<String>,
    String,
    CommentStatus,
    String,
    NaiveDateTime,
    Option<(String, bool)>,
    Option<String>,
);

/// The most comments a page shows besides those waiting for staff: the
/// newest, with the comments the replies among them answer.
pub const MAX_SHOWN: i64 = 2000;

/// Which comments of a thread to load.
enum Which<'a> {
    /// The newest `MAX_SHOWN` the view may see.
    Newest(View),
    /// Every comment waiting for staff.
    Held,
    /// These comments (replies' parents outside the newest).
    Ids(&'a [OnlineCommentId]),
}

fn load(conn: &mut DbConn, o: &Online, which: Which<'_>) -> AppResult<Vec<Loaded>> {
    let mut q = oc::table
        .left_join(members::table.left_join(sectors::table))
        .filter(oc::online_id.eq(o.id))
        .select((
            oc::id,
            oc::parent_id,
            oc::author,
            oc::member_id,
            oc::name_enc,
            oc::phone_enc,
            oc::body,
            oc::status,
            oc::reason,
            oc::created_at,
            (members::name, members::public_name).nullable(),
            sectors::name.nullable(),
        ))
        .into_boxed();
    match which {
        Which::Newest(view) => {
            q = match view {
                View::Staff => q,
                View::Member(Some(me)) => {
                    q.filter(oc::status.eq(CommentStatus::Published).or(oc::member_id.eq(me).assume_not_null()))
                }
                View::Member(None) | View::Public => q.filter(oc::status.eq(CommentStatus::Published)),
            };
            q = q.order(oc::id.desc()).limit(MAX_SHOWN);
        }
        Which::Held => q = q.filter(oc::status.eq(CommentStatus::Held)),
        Which::Ids(ids) => q = q.filter(oc::id.eq_any(ids.to_vec())),
    }
    Ok(q.load(conn)?)
}

/// The thread of `o` for `view`, in the order written, replies under their
/// comment: the newest `MAX_SHOWN` comments the view may see, for staff
/// every comment waiting for them however many there are, and the comments
/// the replies shown answer. The caller found `o` through the actor's scope
/// or the public page.
#[tracing::instrument(level = "debug", skip_all, fields(view = ?view))]
pub fn thread(conn: &mut DbConn, o: &Online, view: View, vault: &Vault) -> AppResult<Vec<Shown>> {
    let mut rows = load(conn, o, Which::Newest(view))?;
    if view == View::Staff {
        rows.extend(load(conn, o, Which::Held)?);
    }
    let have: std::collections::HashSet<OnlineCommentId> = rows.iter().map(|r| r.0).collect();
    let mut parents: Vec<OnlineCommentId> = rows.iter().filter_map(|r| r.1).filter(|p| !have.contains(p)).collect();
    parents.sort();
    parents.dedup();
    if !parents.is_empty() {
        rows.extend(load(conn, o, Which::Ids(&parents))?);
    }
    rows.sort_by_key(|r| r.0);
    rows.dedup_by_key(|r| r.0);
    let clear = |v: &Option<String>| v.as_deref().map(|s| vault.decrypt(s)).transpose();
    let mut shown: Vec<(Option<OnlineCommentId>, Shown)> = vec![];
    for (id, parent, author, member, name_enc, phone_enc, body, status, reason, created_at, m, sector) in rows {
        let mine = matches!(view, View::Member(Some(me)) if member == Some(me));
        let visible = match view {
            View::Staff => true,
            View::Member(_) => status == CommentStatus::Published || mine,
            View::Public => status == CommentStatus::Published,
        };
        if !visible {
            continue;
        }
        let name = match (author, m) {
            (Author::Member, Some((n, public))) => (view != View::Public || public).then_some(n),
            _ => clear(&name_enc)?.map(|n| mask_name(&n)).filter(|n| !n.is_empty()),
        };
        let phone = if view == View::Staff { clear(&phone_enc)?.map(|p| mask_phone(&p)) } else { None };
        let s = Shown {
            id,
            author,
            name,
            sector,
            phone,
            body,
            status,
            reason,
            created_at,
            mine,
            revealed: false,
            replies: vec![],
        };
        shown.push((parent, s));
    }
    let (replies, mut top): (Vec<_>, Vec<_>) = shown.into_iter().partition(|(p, _)| p.is_some());
    // A reply whose comment is not shown is not shown either.
    for (parent, r) in replies {
        if let Some((_, c)) = top.iter_mut().find(|(_, c)| Some(c.id) == parent) {
            c.replies.push(r);
        }
    }
    Ok(top.into_iter().map(|(_, c)| c).collect())
}
