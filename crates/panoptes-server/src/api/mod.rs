//! Handlers by resource, and the extractors they share.

mod detection_rules;
mod directory;
mod federation;
mod hunting;
mod incidents;
mod ingest;
mod roles;
mod saved_queries;
mod session;
mod tenants;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use panoptes_domain::ErrorCode;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::request_id_of;
use crate::error::ApiError;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/signIn", post(session::sign_in))
        .route("/api/v1/auth/discover", post(session::discover))
        .route("/api/v1/auth/signOut", post(session::sign_out))
        .route("/api/v1/auth/oidc/{provider_id}/start", get(federation::start))
        .route("/api/v1/auth/oidc/callback", get(federation::callback))
        .route("/api/v1/me", get(session::me))
        .route("/api/v1/me/password", post(session::change_password))
        .route("/api/v1/me/invitations", get(directory::my_invitations))
        .route("/api/v1/me/invitations/{id}/accept", post(directory::accept_invitation))
        .route("/api/v1/me/view/{tenant_id}", put(tenants::add_to_view).delete(tenants::remove_from_view))
        .route("/api/v1/me/tenantGroups", get(tenants::tenant_groups).post(tenants::create_tenant_group))
        .route("/api/v1/tenants", get(tenants::my_tenants).post(tenants::create_tenant))
        .route(
            "/api/v1/tenants/{tenant_id}",
            get(tenants::get_tenant).patch(tenants::update_tenant).delete(tenants::delete_tenant),
        )
        .route("/api/v1/tenants/{tenant_id}/users", get(directory::users).post(directory::create_user))
        .route("/api/v1/tenants/{tenant_id}/groups", get(directory::groups).post(directory::create_group))
        .route("/api/v1/tenants/{tenant_id}/roles", get(roles::roles).post(roles::create_role))
        .route("/api/v1/tenants/{tenant_id}/roles/{id}", delete(roles::delete_role))
        .route("/api/v1/tenants/{tenant_id}/roleAssignments", get(directory::assignments).post(directory::assign_role))
        .route("/api/v1/tenants/{tenant_id}/roleAssignments/{id}", delete(directory::remove_assignment))
        .route("/api/v1/tenants/{tenant_id}/guests", get(directory::guests).post(directory::invite_guest))
        .route("/api/v1/tenants/{tenant_id}/guests/{id}", delete(directory::remove_guest))
        .route("/api/v1/tenants/{tenant_id}/delegations", get(directory::delegations))
        .route("/api/v1/delegations", post(directory::request_delegation))
        .route("/api/v1/tenants/{tenant_id}/delegations/{id}/{decision}", post(directory::decide_delegation))
        .route(
            "/api/v1/tenants/{tenant_id}/identityProviders",
            get(federation::providers).post(federation::add_provider),
        )
        .route("/api/v1/tenants/{tenant_id}/identityProviders/{id}", delete(federation::remove_provider))
        .route(
            "/api/v1/tenants/{tenant_id}/servicePrincipals",
            get(directory::service_principals).post(directory::create_service_principal),
        )
        .route("/api/v1/tokens", post(directory::issue_token))
        .route("/api/v1/tenants/{tenant_id}/tokens/{id}", delete(directory::revoke_token))
        .route("/api/v1/tenants/{tenant_id}/audit", get(hunting::audit))
        .route("/api/v1/tenants/{tenant_id}/audit/verify", get(hunting::verify_audit))
        .route("/api/v1/security/runHuntingQuery", post(hunting::run_hunting_query))
        .route("/api/v1/security/checkHuntingQuery", post(hunting::check_hunting_query))
        .route("/api/v1/security/huntingSchema", get(hunting::hunting_schema))
        .route("/api/v1/security/savedQueries", get(saved_queries::list).post(saved_queries::save))
        .route("/api/v1/security/savedQueries/{id}", delete(saved_queries::delete))
        .route("/api/v1/security/incidents", get(incidents::list_incidents))
        .route("/api/v1/security/incidents/bulkUpdate", post(incidents::bulk_update_incidents))
        .route("/api/v1/security/incidents/{id}", get(incidents::get_incident).patch(incidents::update_incident))
        .route("/api/v1/security/incidents/{id}/comments", post(incidents::comment_incident))
        .route("/api/v1/security/alerts_v2", get(incidents::list_alerts))
        .route("/api/v1/security/alerts_v2/bulkUpdate", post(incidents::bulk_update_alerts))
        .route("/api/v1/security/alerts_v2/{id}", get(incidents::get_alert).patch(incidents::update_alert))
        .route("/api/v1/security/alerts_v2/{id}/comments", post(incidents::comment_alert))
        .route("/api/v1/security/alerts_v2/{id}/move", post(incidents::move_alert))
        .route("/api/v1/security/rules/detectionRules", get(detection_rules::list).post(detection_rules::create))
        .route(
            "/api/v1/security/rules/detectionRules/{id}",
            get(detection_rules::get).patch(detection_rules::update).delete(detection_rules::delete),
        )
        .route("/api/v1/security/rules/detectionRules/{id}/run", post(detection_rules::run))
        .route("/api/v1/security/rules/detectionRules/{id}/runs", get(detection_rules::runs))
        .route("/api/v1/ingest", post(ingest::ingest))
        .route("/api/v1/openapi.json", get(|| async { Json(crate::openapi_document()) }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ready" }))
        .fallback(crate::console::serve)
}

pub(crate) async fn not_found(id: ReqId) -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such API route; see /api/v1/openapi.json", &id.0)
}

/// The request id, for handlers that answer errors themselves.
pub(crate) struct ReqId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ReqId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqId(request_id_of(parts)))
    }
}

/// A JSON body whose errors are problem bodies naming what is wrong.
pub(crate) struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let id = request.extensions().get::<crate::auth::RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                ErrorCode::BadRequest,
                "the request body is over the size limit; send less per request",
                &id,
            )),
            Err(rejection) => {
                Err(ApiError::new(ErrorCode::BadRequest, format!("invalid JSON body: {}", rejection.body_text()), &id))
            }
        }
    }
}

/// Maps a use case's error to a problem body.
pub(crate) fn fail(id: &str) -> impl FnOnce(panoptes_app::AppError) -> ApiError + '_ {
    move |e| ApiError::from_app(e, id)
}
