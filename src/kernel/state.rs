//! The state every handler and job shares: the database, the configuration,
//! files, the personal-data vault, the SMS driver and the keys derived once.

use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::config::Config;
use crate::kernel::audit::chain::{self, HashAlg};
use crate::kernel::db::Db;
use crate::kernel::files::{DecodeBudget, FileStore};
use crate::kernel::notify::Sms;
use crate::kernel::personal::Vault;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: PrometheusHandle,
    pub files: FileStore,
    /// Encrypts, indexes and derives keys for residents' personal data.
    pub personal: Vault,
    /// Texts to residents' phones.
    pub sms: Arc<Sms>,
    /// Signs anonymous visitors' form tokens (`kernel::web::csrf`); derived
    /// once here rather than on every page view.
    pub form_key: [u8; 32],
}

impl AppState {
    /// Fails when a setting is unsafe (`Config::validate`), when the
    /// personal-data key is malformed, cannot be read or created, or does not
    /// open the data already stored (better not to start than to store data
    /// under a wrong key), or when the SMS gateway is misconfigured.
    pub fn new(db: Db, config: Config) -> anyhow::Result<AppState> {
        config.validate()?;
        let alg = HashAlg::of(config.crypto()?);
        db.write_blocking(|c| chain::configure(c, alg)).map_err(anyhow::Error::from)?;
        let budget = DecodeBudget::new(
            config.image_decode_budget_mb,
            std::time::Duration::from_secs(config.image_decode_wait_secs),
        );
        let files = FileStore::with_budget(&config.data_dir, budget);
        let personal = Vault::open(&config, &db)?;
        let sms = Arc::new(Sms::from_config(&config)?);
        let form_key = personal.derive("web.form_token");
        Ok(AppState { db, config: Arc::new(config), metrics: metrics_handle(), files, personal, sms, form_key })
    }
}

/// The Prometheus recorder is process-global; install it once.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first (tests); then
            // this handle simply renders nothing.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}
