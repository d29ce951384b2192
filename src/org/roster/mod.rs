//! The roster spreadsheet (花名册): export the committee's members, localities
//! and liaisons to xlsx, and import them from xlsx with a preview.
//!
//! - `sheet`: the layout (sheets, columns) and row parsing, pure;
//! - `plan`: what an import would change, resolved against a snapshot, pure;
//! - `xlsx`: reading (calamine) and writing (rust_xlsxwriter);
//! - `store`: permission, the snapshot, the writes, the export;
//! - `routes`: the page, the downloads, upload → preview → confirm.
//!
//! Nothing is written until the whole file is valid, and a file imported twice
//! changes nothing the second time (members are keyed by phone, localities by
//! office and name, liaisons by member, locality and start date).

pub mod plan;
pub mod routes;
pub mod sheet;
pub mod store;
pub mod xlsx;
