//! One TLS crypto provider for the process: ring, as rustls, lettre and sqlx use here.
//!
//! reqwest (the CRL fetch job, object_store's S3 client) is built without a provider of its own
//! (the default one is AWS-LC, a C and CMake build that the cold build waited on, see
//! docs/build.md), so the process installs ring before the first HTTP client is made.

/// Installs ring as the process's provider; later calls (and a provider already set) are fine.
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only when another provider was installed first: that one serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
