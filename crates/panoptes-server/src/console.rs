//! Serves the web console built from `web/` and embedded by `build.rs`: hashed assets with a
//! long cache life, and `index.html` for every other path outside `/api/`, so the console's
//! own routes (`/hunting`, `/settings/tenants`) survive a reload.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::api::{ReqId, not_found};

include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));

/// Griffel (Fluent UI's CSS-in-JS) inserts `<style>` elements, hence `'unsafe-inline'` for
/// styles only; scripts stay same-origin.
const CONSOLE_CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                           frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The fallback of the whole router: a console file, the console's page, or the API's 404.
pub(crate) async fn serve(id: ReqId, uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" {
        return not_found(id).await.into_response();
    }
    let relative = path.trim_start_matches('/');
    if let Some((name, bytes)) = ASSETS.iter().find(|(name, _)| *name == relative && *name != "index.html") {
        return file(name, bytes, "public, max-age=31536000, immutable");
    }
    if relative.starts_with("assets/") || relative.contains('.') {
        return (StatusCode::NOT_FOUND, "no such console file").into_response();
    }
    match ASSETS.iter().find(|(name, _)| *name == "index.html") {
        Some((name, bytes)) => file(name, bytes, "no-cache"),
        None => (StatusCode::NOT_FOUND, "the console was not built into this binary").into_response(),
    }
}

fn file(name: &str, bytes: &'static [u8], cache: &'static str) -> Response {
    let content_type = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONSOLE_CSP));
    response
}
