//! Configuration: commented defaults embedded in the binary, then a TOML
//! file, then `AUTOCRM_*` environment variables (nested keys with `__`, plus
//! the documented short forms), then command-line flags.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format as _, Toml};
use serde::Deserialize;

/// The commented default configuration (`autocrm config` prints it).
pub const DEFAULTS: &str = include_str!("../autocrm.default.toml");

/// Everything configurable.
#[derive(Clone, Deserialize)]
pub struct Config {
    /// Listen address.
    pub bind: String,
    /// Database URL.
    pub database_url: String,
    /// Where people reach the app (empty: derived from the listen address).
    pub public_url: String,
    /// Workspace of `/help`, `/portal` and the widget when a request names none.
    #[serde(default)]
    pub public_workspace: String,
    /// Blob and SQLite directory.
    pub data_dir: String,
    /// Pool size.
    pub max_connections: u32,
    /// Session lifetimes.
    pub sessions: Sessions,
    /// Request limits.
    pub limits: Limits,
    /// Webhook settings.
    pub webhooks: Webhooks,
    /// Worker settings.
    pub workers: Workers,
    /// The shop behind the desk.
    #[serde(default)]
    pub commerce: Commerce,
    /// Outbound system e-mail (invitations).
    #[serde(default)]
    pub mail: Mail,
}

/// `[mail]`: the SMTP server for the system's own e-mail. Empty: nothing is e-mailed.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct Mail {
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required`, `smtps://host:465`.
    pub smtp_url: String,
    /// Sender (`Everline Support <no-reply@everline.example>`).
    pub from: String,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("Mail").field("configured", &!self.smtp_url.is_empty()).field("from", &self.from).finish()
    }
}

impl Mail {
    /// The workers' mail settings, checked; `None` when no server is set.
    pub fn config(&self) -> anyhow::Result<Option<autocrm_jobs::mail::MailConfig>> {
        if self.smtp_url.trim().is_empty() {
            return Ok(None);
        }
        let cfg = autocrm_jobs::mail::MailConfig { smtp_url: self.smtp_url.clone(), from: self.from.clone() };
        autocrm_jobs::mail::Mailer::new(&cfg)?;
        Ok(Some(cfg))
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The database URL may hold a password: show its scheme only.
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("database", &self.database_url.split(':').next().unwrap_or_default())
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

/// `[sessions]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Sessions {
    /// Idle timeout.
    pub idle_timeout_minutes: i64,
    /// Absolute timeout.
    pub absolute_timeout_hours: i64,
    /// `Secure` cookies.
    pub secure_cookies: bool,
}

/// `[limits]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Limits {
    /// Body limit.
    pub max_body_bytes: usize,
    /// Per key.
    pub per_key_per_minute: u32,
    /// Per IP.
    pub per_ip_per_minute: u32,
}

/// `[webhooks]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Webhooks {
    /// Allowed non-public networks.
    pub allow_networks: String,
}

/// `[workers]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Workers {
    /// In-process loops.
    pub count: usize,
}

/// `[commerce]`: which shop the customer panel talks to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Commerce {
    /// `mock` (the demo shop in AutoCRM's database) or `shopify`.
    pub provider: String,
    /// `[commerce.shopify]`.
    pub shopify: ShopifySettings,
    /// `[commerce.appstle]`.
    pub appstle: AppstleSettings,
}

/// `[commerce.shopify]`.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct ShopifySettings {
    /// `everline` or `everline.myshopify.com`.
    pub shop: String,
    /// Admin API access token (a secret).
    pub access_token: String,
    /// Admin API version.
    pub api_version: String,
    /// Overrides `https://{shop}.myshopify.com`.
    pub base_url: String,
    /// Per-request timeout.
    pub timeout_seconds: u64,
}

impl std::fmt::Debug for ShopifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("ShopifySettings")
            .field("shop", &self.shop)
            .field("api_version", &self.api_version)
            .field("access_token", &if self.access_token.is_empty() { "<empty>" } else { "<redacted>" })
            .finish_non_exhaustive()
    }
}

/// `[commerce.appstle]`.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct AppstleSettings {
    /// Appstle API key (a secret); empty: no subscriptions.
    pub api_key: String,
    /// Appstle's API host.
    pub base_url: String,
}

impl std::fmt::Debug for AppstleSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppstleSettings")
            .field("base_url", &self.base_url)
            .field("api_key", &if self.api_key.is_empty() { "<empty>" } else { "<redacted>" })
            .finish()
    }
}

/// Loads the configuration from the defaults, an optional file and the environment.
pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
    let mut fig = Figment::from(Toml::string(DEFAULTS));
    match file {
        Some(f) => fig = fig.merge(Toml::file_exact(f)),
        None => fig = fig.merge(Toml::file("autocrm.toml")),
    }
    fig = fig
        .merge(Env::prefixed("AUTOCRM_").split("__").ignore(&["webhooks_allow_networks"]))
        .merge(Env::raw().only(&["AUTOCRM_WEBHOOKS_ALLOW_NETWORKS"]).map(|_| "webhooks.allow_networks".into()));
    Ok(fig.extract()?)
}
