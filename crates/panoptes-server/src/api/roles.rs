//! A tenant's roles: the built-in ones and its named custom roles.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use panoptes_domain::TenantId;
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

pub(super) async fn roles(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let list = state.app.roles(&caller, &TenantId::new(tenant)).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": list})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NewRole {
    display_name: String,
    #[serde(default)]
    description: String,
    permissions: Vec<String>,
}

pub(super) async fn create_role(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
    Body(body): Body<NewRole>,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let tenant = TenantId::new(tenant);
    let role = state
        .app
        .create_role(&caller, &tenant, &body.display_name, &body.description, &body.permissions)
        .await
        .map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(json!(role))))
}

pub(super) async fn delete_role(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path((tenant, role)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.delete_role(&caller, &TenantId::new(tenant), &role).await.map_err(fail(&id.0))?;
    Ok(StatusCode::NO_CONTENT)
}
