//! Who is calling: a bearer API token, or the console's session cookie (whose state-changing
//! requests must echo the session's CSRF token). Also the request id and the per-principal
//! rate limit. Tenants never come from headers: only from the caller's grants.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use panoptes_app::Caller;
use panoptes_domain::ErrorCode;

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "panoptes_session";
/// The header that carries the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The id of the request being served (also sent back in `x-request-id`).
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub String);

/// Gives each request an id and echoes it in the response.
pub(crate) async fn request_id(mut request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

pub(crate) fn request_id_of(parts: &Parts) -> String {
    parts.extensions.get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default()
}

/// A value of the `Cookie` header.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.to_string())
    })
}

/// Compares secrets without an early exit, so timing does not leak a prefix.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct Auth(pub Caller);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let request_id = request_id_of(parts);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        let caller = if let Some(token) = bearer {
            state.app.authenticate_token(token, &request_id).await
        } else if let Some(session) = cookie(&parts.headers, SESSION_COOKIE) {
            let (caller, csrf) = state
                .app
                .authenticate_session(&session, &request_id)
                .await
                .map_err(|e| ApiError::from_app(e, &request_id))?;
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !safe && !same_secret(sent, &csrf) {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "missing or wrong CSRF token: send the token from sign-in in the X-CSRF-Token header",
                    &request_id,
                ));
            }
            Ok(caller)
        } else {
            return Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "not signed in: sign in, or send `Authorization: Bearer <token>`",
                &request_id,
            ));
        };
        let caller = caller.map_err(|e| ApiError::from_app(e, &request_id))?;
        state.limiter.check(&caller.id).map_err(|secs| ApiError::too_many(secs, &request_id))?;
        Ok(Auth(caller))
    }
}

/// Fixed-window request counting per key (principal id, or source address for sign-in).
#[derive(Debug)]
pub struct RateLimiter {
    per_window: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `per_window` requests per key in each `window`.
    pub fn new(per_window: u32, window: Duration) -> Self {
        Self { per_window, window, counts: Mutex::new(HashMap::new()) }
    }

    /// Counts a request; the seconds to wait when over the limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 100_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counts.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > self.per_window {
            let wait = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        Ok(())
    }
}
