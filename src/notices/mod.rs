//! 通知公告 (architecture.md "Layout"): public notices on the committee's
//! front page and each Members' Home's page; internal notices to offices,
//! departments, sectors' members or chosen members, with attachments, a
//! reply date where one applies (回执), read receipts and replies, pushed
//! in-app and by text. Staff see who has not read or replied.

pub mod jobs;
pub mod model;
pub mod routes;
pub mod store;
