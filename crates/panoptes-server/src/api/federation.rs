//! A tenant's OpenID providers, and the browser's round trip through one to sign in.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use panoptes_app::{AppError, NewIdentityProvider};
use panoptes_domain::TenantId;
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::session::{csrf_cookie, session_cookie, with_cookie};
use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::{Auth, cookie};
use crate::error::{ApiError, ApiResult};

/// Binds a started sign-in to the browser that started it (login CSRF): `Lax`, because the
/// provider's redirect back is a cross-site top-level navigation.
const FLOW_COOKIE: &str = "panoptes_oidc";

pub(super) async fn providers(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let list = state.app.identity_providers(&caller, &TenantId::new(tenant)).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": list})))
}

pub(super) async fn add_provider(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
    Body(body): Body<NewIdentityProvider>,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let provider = state.app.add_identity_provider(&caller, &TenantId::new(tenant), body).await.map_err(fail(&id.0))?;
    let start = format!("/api/v1/auth/oidc/{}/start", provider.id);
    Ok((StatusCode::CREATED, Json(json!({"provider": provider, "signInUrl": start}))))
}

pub(super) async fn remove_provider(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path((tenant, provider)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.remove_identity_provider(&caller, &TenantId::new(tenant), &provider).await.map_err(fail(&id.0))?;
    Ok(StatusCode::NO_CONTENT)
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}/api/v1/auth/oidc/callback", state.config.public_url.trim_end_matches('/'))
}

/// Sends the browser to the provider.
pub(super) async fn start(
    State(state): State<AppState>,
    id: ReqId,
    Path(provider): Path<String>,
) -> ApiResult<Response> {
    let provider = state.app.sign_in_provider(&provider).await.map_err(fail(&id.0))?;
    let started = state.oidc.start(&provider, &redirect_uri(&state)).await.map_err(fail(&id.0))?;
    state
        .app
        .begin_oidc_flow(&provider, &started.state, &started.verifier, &started.nonce)
        .await
        .map_err(fail(&id.0))?;
    let (url, flow) = (started.url, started.state);
    let flow_cookie = format!("{FLOW_COOKIE}={flow}; HttpOnly; SameSite=Lax; Path=/api/v1/auth/oidc; Max-Age=600");
    with_cookie(&state, Redirect::to(&url).into_response(), &flow_cookie, &id.0)
}

#[derive(Deserialize)]
pub(super) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The provider's answer: the code is redeemed, the ID token verified, a session opened.
pub(super) async fn callback(
    State(state): State<AppState>,
    id: ReqId,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> ApiResult<Response> {
    let refuse = |message: String| ApiError::from_app(AppError::Unauthenticated(message), &id.0);
    if let Some(error) = answer.error {
        let detail = answer.error_description.unwrap_or_default();
        return Err(refuse(format!("the identity provider refused the sign-in: {error} {detail}")));
    }
    let (Some(code), Some(flow)) = (answer.code, answer.state) else {
        return Err(refuse("the provider's answer lacks `code` or `state`; start the sign-in again".into()));
    };
    // The state must be the one this browser started with, and it works once.
    if cookie(&headers, FLOW_COOKIE).as_deref() != Some(flow.as_str()) {
        return Err(refuse("this sign-in was not started in this browser; start it again".into()));
    }
    let (provider_id, verifier, nonce) = state
        .app
        .take_oidc_flow(&flow)
        .await
        .map_err(fail(&id.0))?
        .ok_or_else(|| refuse("the sign-in expired or was already used; start it again".into()))?;
    let provider = state.app.sign_in_provider(&provider_id).await.map_err(fail(&id.0))?;
    let identity =
        state.oidc.finish(&provider, &redirect_uri(&state), &code, verifier, nonce).await.map_err(fail(&id.0))?;
    let signed = state.app.sign_in_federated(&identity, &id.0).await.map_err(fail(&id.0))?;
    // A page that moves on by itself: a same-site navigation, so the Strict session cookie
    // goes with it (a redirect would still count as the provider's cross-site one).
    let page = Html("<!doctype html><meta http-equiv=\"refresh\" content=\"0;url=/\"><title>Signed in</title>");
    let response = with_cookie(&state, page.into_response(), &session_cookie(&signed.session), &id.0)?;
    let response = with_cookie(&state, response, &csrf_cookie(&signed.csrf_token), &id.0)?;
    with_cookie(&state, response, &format!("{FLOW_COOKIE}=; HttpOnly; Path=/api/v1/auth/oidc; Max-Age=0"), &id.0)
}
