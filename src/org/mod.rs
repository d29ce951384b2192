//! The organisation: the committee (区政协) and its township offices
//! (政协工作办公室). The full roster — sectors, members, localities, liaisons,
//! Members' Homes — grows here.

pub mod duty;
pub mod model;
pub mod roster;
pub mod routes;
pub mod store;
