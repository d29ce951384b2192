//! Statements the connection keeps prepared where diesel's own builders would
//! prepare them afresh on every call (the hot paths: a case's every step).

use diesel::backend::Backend;
use diesel::query_builder::{AsChangeset, AstPass, QueryFragment, QueryId};
use diesel::query_source::Table;
use diesel::{QueryResult, RunQueryDsl};

/// `UPDATE table SET … WHERE …` that the connection keeps prepared, keyed by its
/// SQL text. Diesel's own `update(…).set(…)` is never cached: in general its SQL
/// varies with the values (`AsChangeset` skips `None` fields), so it is
/// prepared afresh every time — and a case's every step makes one to three
/// (preparing them was a large part of a step's time, docs/decisions.md,
/// "Generated data"). Only for changesets whose SQL is one fixed text per call
/// site: tuples of `.eq(…)`, as here.
pub struct Update<T: Table, V: AsChangeset, W> {
    from: T::FromClause,
    values: V::Changeset,
    filter: W,
}

/// `update(opinions::table, (opinions::status.eq(…), …), opinions::id.eq(id))`.
pub fn update<T, V, W>(table: T, values: V, filter: W) -> Update<T, V, W>
where
    T: Table,
    V: AsChangeset<Target = T>,
{
    Update { from: table.from_clause(), values: values.as_changeset(), filter }
}

/// The static id of an [`Update`]: its table's, values' and filter's.
pub struct UpdateId<T, V, W>(std::marker::PhantomData<(T, V, W)>);

/// The statement's type names its SQL (as diesel's own `SELECT`s do), so the
/// cache finds it without building the SQL text first. A changeset with
/// optional fields (whose SQL would vary) has no `QueryId` and does not compile.
impl<T, V, W> QueryId for Update<T, V, W>
where
    T: Table + QueryId,
    V: AsChangeset + QueryId,
    W: QueryId,
{
    type QueryId = UpdateId<T::QueryId, V::QueryId, W::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = T::HAS_STATIC_QUERY_ID && V::HAS_STATIC_QUERY_ID && W::HAS_STATIC_QUERY_ID;
}

impl<T, V, W, DB> QueryFragment<DB> for Update<T, V, W>
where
    DB: Backend,
    T: Table,
    T::FromClause: QueryFragment<DB>,
    V: AsChangeset,
    V::Changeset: QueryFragment<DB>,
    W: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.values.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<T: Table, V: AsChangeset, W, Conn> RunQueryDsl<Conn> for Update<T, V, W> {}
