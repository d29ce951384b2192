//! The roster spreadsheet (花名册): export the committee's members, localities
//! and liaisons to xlsx, and import them from xlsx with a preview.
//!
//! - `sheet`: the layout (sheets, columns, header aliases) and row parsing,
//!   pure; `normalize`: the customary short forms of its cells (汉 → 汉族);
//! - `detect`: which sheet is which and where its header row is, pure;
//! - `plan`: what an import would change, resolved against a snapshot, pure;
//! - `xlsx`: reading (calamine) and writing (rust_xlsxwriter); `hidden`: the
//!   rows Excel hides, from the sheet XML;
//! - `store`: permission, the snapshot, the writes, the export;
//! - `routes`: the page, the downloads, upload → preview → confirm.
//!
//! A blank cell or a missing optional column never erases a stored value;
//! 「（清空）」 does. Nothing is written until the whole file is valid and
//! confirmed, and a file imported twice changes nothing the second time
//! (members are keyed by phone, localities by office and name, liaisons by
//! member, locality and start date).

pub mod detect;
pub mod hidden;
pub mod normalize;
pub mod plan;
pub mod routes;
pub mod sheet;
pub mod store;
pub mod xlsx;
