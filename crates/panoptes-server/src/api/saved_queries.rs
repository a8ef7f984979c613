//! Saved hunting queries: personal, or shared in a tenant.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use panoptes_app::NewSavedQuery;
use panoptes_domain::TenantId;
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

pub(super) async fn list(State(state): State<AppState>, id: ReqId, Auth(caller): Auth) -> ApiResult<Json<Json_>> {
    let saved = state.app.saved_queries(&caller).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": saved})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct SaveQuery {
    name: String,
    query: String,
    #[serde(default)]
    description: String,
    /// `personal` (default) or `tenant`.
    #[serde(default)]
    sharing: Option<String>,
    tenant_id: Option<String>,
}

pub(super) async fn save(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<SaveQuery>,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let bad = |message: &str| crate::error::ApiError::new(panoptes_domain::ErrorCode::BadRequest, message, &id.0);
    let shared_in = match (body.sharing.as_deref().unwrap_or("personal"), body.tenant_id) {
        ("personal", None) => None,
        ("personal", Some(_)) => return Err(bad("a personal query takes no `tenantId`; use `sharing: tenant`")),
        ("tenant", Some(tenant)) => Some(TenantId::new(tenant)),
        ("tenant", None) => return Err(bad("`sharing: tenant` needs the `tenantId` to share the query in")),
        (other, _) => return Err(bad(&format!("`sharing` `{other}` is not personal or tenant"))),
    };
    let new = NewSavedQuery { name: body.name, description: body.description, query: body.query, shared_in };
    let saved = state.app.save_query(&caller, new).await.map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(json!(saved))))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(saved_id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_saved_query(&caller, &saved_id).await.map_err(fail(&id.0))?;
    Ok(StatusCode::NO_CONTENT)
}
