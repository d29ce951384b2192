//! The 12345 hotline exchange. Its work orders arrive through the API
//! (`POST /api/v1/hotline/orders`, once per order number); every public step
//! of such a case is posted back to `{hotline_url}/status`; staff forward a
//! case that is the city's to handle to `{hotline_url}/orders`. Both go
//! through the job queue with its retries and show on the deliveries page.

pub mod jobs;
pub mod routes;
