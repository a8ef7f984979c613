//! The HTTP edge: the `/api/v1` REST API (axum), its authentication (session cookie with CSRF
//! token, or bearer API token), JSON problem errors, security headers, size and rate limits,
//! and the OpenAPI document. The only crate that knows HTTP; every handler calls one
//! `panoptes_app::App` use case with the authenticated caller.
//!
//! Map: `console` (the embedded web console), `auth` (caller extraction, request ids, rate limiting), `error` (problem bodies),
//! `api/` (handlers by resource), `openapi` (the route table the document is built from).

mod api;
mod auth;
mod console;
mod error;
mod oidc;
mod openapi;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use panoptes_app::App;
use tower_http::set_header::SetResponseHeaderLayer;

pub use auth::{CSRF_HEADER, RateLimiter, SESSION_COOKIE};
pub use error::ApiError;
pub use openapi::{ROUTES, openapi_document};

/// Settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest telemetry submission (`POST /api/v1/ingest`), in bytes.
    pub max_ingest_bytes: usize,
    /// Requests per principal per minute.
    pub requests_per_minute: u32,
    /// Sign-in attempts per source per minute.
    pub sign_ins_per_minute: u32,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// The URL browsers reach this server at (OpenID redirect URIs are built from it).
    pub public_url: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            max_ingest_bytes: 64 << 20,
            requests_per_minute: 1200,
            sign_ins_per_minute: 30,
            secure_cookies: false,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// What handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    app: App,
    config: ServerConfig,
    limiter: Arc<RateLimiter>,
    sign_in_limiter: Arc<RateLimiter>,
    oidc: Arc<oidc::Flows>,
}

/// Serves `router` on `listener` until `shutdown` completes, then drains open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// The whole HTTP surface over `app`.
pub fn router(app: App, config: ServerConfig) -> Router {
    let state = AppState {
        app,
        limiter: Arc::new(RateLimiter::new(config.requests_per_minute, Duration::from_secs(60))),
        sign_in_limiter: Arc::new(RateLimiter::new(config.sign_ins_per_minute, Duration::from_secs(60))),
        oidc: Arc::new(oidc::Flows::default()),
        config: config.clone(),
    };
    let headers = [
        (header::CONTENT_SECURITY_POLICY, "default-src 'self'; frame-ancestors 'none'; base-uri 'none'"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    let mut router = api::routes()
        .with_state(state)
        .layer(axum::middleware::from_fn(run_to_completion))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(axum::middleware::from_fn(auth::request_id))
        .layer(tower_http::catch_panic::CatchPanicLayer::new());
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    router
}

/// Runs each handler to its end even when the client goes away: a change cut between its BEGIN
/// and COMMIT could otherwise leave a pooled database connection inside its transaction.
/// Streamed bodies (NDJSON hunts) still stop as soon as the client stops reading.
async fn run_to_completion(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, "handler task failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
