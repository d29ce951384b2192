//! The member's phone workbench (委员工作台, `/m/`): one page with today's
//! meetings and their sign-in, this quarter's tasks (invitations to answer,
//! cases routed to the member, liaison points to visit), an opinion heard to
//! file with photos, and the member's duty this year. It reads through the
//! areas' stores and adds one write of its own (`store::file`), through the
//! opinion box's intake.
//!
//! It is an installable web app: a manifest, and a service worker (`sw.js`,
//! scope `/m/`) that keeps the last view for when the network is gone; the
//! page's script (`static/workbench.js`) keeps a draft written offline on the
//! phone and sends it once the network is back, under a key that files it once.

pub mod model;
pub mod routes;
pub mod store;
