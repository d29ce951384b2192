//! Open311 GeoReport v2 over the opinion box, for civic reporting apps that
//! speak it: `services` (the categories), `requests` to post and to query,
//! `requests/{id}`, `tokens/{token}`, each as `.json` or `.xml`. The same
//! tokens as `/api/v1`, sent as the spec's `api_key` or as a bearer header.

pub mod model;
pub mod routes;
