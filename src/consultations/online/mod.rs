//! 网络议政 / 远程协商: a consultation's online phase. Staff open it for a
//! set period to the members they invite and, if they choose, to residents
//! (through the public page, with the opinion box's protections); comments
//! go one reply deep, members' published at once and residents' held until
//! staff publish them; staff hide a comment with a reason; the summary staff
//! write goes into the consultation's record, and its lines become agreed
//! items. Members' published comments score 履职积分 (`online_speech`).

pub mod model;
pub mod routes;
pub mod store;
