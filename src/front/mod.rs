//! The public front page at `/` for a visitor who is not signed in: the
//! resident's way into the opinion box, the tracking page and what the
//! committee has done in public.

pub mod routes;
pub mod store;
