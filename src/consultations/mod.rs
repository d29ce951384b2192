//! Consultations (协商议事): topics proposed by an office, a member or the
//! district, or raised from opinion-box cases; approved or rejected; planned
//! with the sectors, members, departments and residents the topic concerns;
//! the session with QR sign-in, speakers, the record and photos; the agreed
//! items (协商成果) followed up by their owners until done or explained, with
//! reminders and overdue escalation; the public page of each closed
//! consultation and the district's overview; the online phase (网络议政,
//! `online`).

pub mod jobs;
pub mod model;
pub mod online;
pub mod report;
pub mod routes;
pub mod store;
