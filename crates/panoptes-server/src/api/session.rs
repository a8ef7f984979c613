use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::{Auth, SESSION_COOKIE, cookie};
use crate::error::{ApiError, ApiResult};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SignIn {
    username: String,
    password: String,
}

/// The client's socket address; forwarded headers are client-controlled and not trusted.
pub(super) struct Source(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let address = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>();
        Ok(Source(address.map_or_else(|| "local".to_string(), |c| c.0.ip().to_string())))
    }
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    id: ReqId,
    Source(source): Source,
    Body(body): Body<SignIn>,
) -> ApiResult<Response> {
    state.sign_in_limiter.check(&format!("ip:{source}")).map_err(|secs| ApiError::too_many(secs, &id.0))?;
    let signed = state.app.sign_in(&body.username, &body.password, &id.0).await.map_err(fail(&id.0))?;
    let body = json!({
        "csrfToken": signed.csrf_token,
        "user": {"id": signed.caller.id, "username": signed.caller.name, "homeTenantId": signed.caller.home},
    });
    let response = with_cookie(&state, Json(body).into_response(), &session_cookie(&signed.session), &id.0)?;
    with_cookie(&state, response, &csrf_cookie(&signed.csrf_token), &id.0)
}

#[derive(Deserialize)]
pub(super) struct Discover {
    username: String,
}

/// Home-realm discovery: the identity provider that signs in the address's domain, or null
/// (then the user signs in with a password). Rate-limited like sign-in, since it is public.
pub(super) async fn discover(
    State(state): State<AppState>,
    id: ReqId,
    Source(source): Source,
    Body(body): Body<Discover>,
) -> ApiResult<Json<Json_>> {
    state.sign_in_limiter.check(&format!("discover:{source}")).map_err(|secs| ApiError::too_many(secs, &id.0))?;
    let provider = state.app.discover_provider(&body.username).await.map_err(fail(&id.0))?;
    let provider = provider.map(|p| {
        json!({
            "id": p.id,
            "displayName": p.display_name,
            "tenantName": p.tenant_name,
            "signInUrl": format!("/api/v1/auth/oidc/{}/start", p.id),
        })
    });
    Ok(Json(json!({ "provider": provider })))
}

/// The CSRF token for the console's script to read after a reload (double submit: another
/// site can neither read it nor send it in the header).
pub(super) fn csrf_cookie(token: &str) -> String {
    format!("{CSRF_COOKIE}={token}; SameSite=Strict; Path=/")
}

const CSRF_COOKIE: &str = "panoptes_csrf";

/// The session cookie: script cannot read it, other sites' requests do not carry it.
pub(super) fn session_cookie(session: &str) -> String {
    format!("{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/")
}

/// Adds a `Set-Cookie`, marked `Secure` when the server is configured behind TLS.
pub(super) fn with_cookie(state: &AppState, mut response: Response, cookie: &str, id: &str) -> ApiResult<Response> {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let value = HeaderValue::from_str(&format!("{cookie}{secure}"))
        .map_err(|e| ApiError::from_app(panoptes_app::AppError::Internal(e.to_string()), id))?;
    response.headers_mut().append(header::SET_COOKIE, value);
    Ok(response)
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    id: ReqId,
    Auth(_caller): Auth,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        state.app.sign_out(&session).await.map_err(fail(&id.0))?;
    }
    let mut response = Json(json!({"signedOut": true})).into_response();
    let headers = response.headers_mut();
    for expired in [
        "panoptes_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
        "panoptes_csrf=; SameSite=Strict; Path=/; Max-Age=0",
    ] {
        headers.append(header::SET_COOKIE, HeaderValue::from_static(expired));
    }
    Ok(response)
}

pub(super) async fn me(State(state): State<AppState>, id: ReqId, Auth(caller): Auth) -> ApiResult<Json<Json_>> {
    let tenants = state.app.my_tenants(&caller).await.map_err(fail(&id.0))?;
    Ok(Json(json!({
        "id": caller.id,
        "name": caller.name,
        "kind": caller.kind.name(),
        "homeTenantId": caller.home,
        "instanceAdmin": caller.instance_admin,
        "tenants": tenants,
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PasswordChange {
    current_password: String,
    new_password: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<PasswordChange>,
) -> ApiResult<Json<Json_>> {
    state.app.change_password(&caller, &body.current_password, &body.new_password).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"changed": true, "note": "every session of this user has ended; sign in again"})))
}
