//! Liaison activities (进社区、进乡村) and the other activities of an office:
//! each member's quarterly 听民声、察民情、知民意、解民忧 visit to their linked
//! village or community, studies, trainings, research (调研). Plans and
//! invitations, QR sign-in (the meeting side is `crate::meetings`), the record
//! with photos, opinions heard there as
//! opinion-box cases, the quarterly coverage board with its reminders, and the
//! public results page of each Members' Home.

pub mod export;
pub mod jobs;
pub mod model;
pub mod routes;
pub mod store;
