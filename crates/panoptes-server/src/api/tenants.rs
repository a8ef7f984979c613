use axum::Json;
use axum::extract::{Path, Query, State};
use panoptes_app::{NewTenant, TenantChanges};
use panoptes_db::Tenant;
use panoptes_domain::TenantId;
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

pub(super) fn tenant_json(t: &Tenant) -> Json_ {
    json!({
        "id": t.id,
        "displayName": t.name,
        "capabilities": t.capabilities,
        "status": t.status,
        "retentionDays": t.retention_days,
        "externalTenantId": t.external_tenant_id,
    })
}

pub(super) async fn my_tenants(State(state): State<AppState>, id: ReqId, Auth(caller): Auth) -> ApiResult<Json<Json_>> {
    let tenants = state.app.my_tenants(&caller).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": tenants, "@odata.count": tenants.len()})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateTenant {
    display_name: String,
    #[serde(default)]
    capabilities: Vec<String>,
    retention_days: Option<i64>,
    administrator: Option<FirstAdmin>,
}

#[derive(Deserialize)]
pub(super) struct FirstAdmin {
    username: String,
    password: String,
}

pub(super) async fn create_tenant(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<CreateTenant>,
) -> ApiResult<(axum::http::StatusCode, Json<Json_>)> {
    let new = NewTenant {
        name: body.display_name,
        capabilities: body.capabilities,
        retention_days: body.retention_days.unwrap_or(30),
        first_admin: body.administrator.map(|a| (a.username, a.password)),
    };
    let tenant = state.app.create_tenant(&caller, new).await.map_err(fail(&id.0))?;
    Ok((axum::http::StatusCode::CREATED, Json(tenant_json(&tenant))))
}

pub(super) async fn get_tenant(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    let tenant = state.app.tenant(&caller, &TenantId::new(tenant_id)).await.map_err(fail(&id.0))?;
    Ok(Json(tenant_json(&tenant)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateTenant {
    display_name: Option<String>,
    capabilities: Option<Vec<String>>,
    status: Option<String>,
    retention_days: Option<i64>,
    external_tenant_id: Option<String>,
}

pub(super) async fn update_tenant(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant_id): Path<String>,
    Body(body): Body<UpdateTenant>,
) -> ApiResult<Json<Json_>> {
    let tenant = state
        .app
        .update_tenant(
            &caller,
            &TenantId::new(tenant_id),
            TenantChanges {
                name: body.display_name,
                capabilities: body.capabilities,
                status: body.status,
                retention_days: body.retention_days,
                external_tenant_id: body.external_tenant_id,
            },
        )
        .await
        .map_err(fail(&id.0))?;
    Ok(Json(tenant_json(&tenant)))
}

#[derive(Deserialize)]
pub(super) struct Confirm {
    #[serde(default)]
    confirm: String,
}

pub(super) async fn delete_tenant(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant_id): Path<String>,
    Query(query): Query<Confirm>,
) -> ApiResult<Json<Json_>> {
    let rows =
        state.app.delete_tenant(&caller, &TenantId::new(tenant_id), &query.confirm).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"deleted": true, "eventsDeleted": rows})))
}

pub(super) async fn add_to_view(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    let view = state.app.set_in_view(&caller, &TenantId::new(tenant_id), true).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": view})))
}

pub(super) async fn remove_from_view(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    let view = state.app.set_in_view(&caller, &TenantId::new(tenant_id), false).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": view})))
}

pub(super) async fn tenant_groups(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
) -> ApiResult<Json<Json_>> {
    let groups = state.app.tenant_groups(&caller).await.map_err(fail(&id.0))?;
    let value: Vec<Json_> = groups
        .into_iter()
        .map(|(g, hidden)| json!({"id": g.id, "displayName": g.name, "tenantIds": g.members, "hiddenMembers": hidden}))
        .collect();
    Ok(Json(json!({"value": value})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateGroup {
    display_name: String,
    tenant_ids: Vec<String>,
}

pub(super) async fn create_tenant_group(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<CreateGroup>,
) -> ApiResult<Json<Json_>> {
    let members = body.tenant_ids.into_iter().map(TenantId::new).collect();
    let group = state.app.create_tenant_group(&caller, &body.display_name, members).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"id": group.id, "displayName": group.name, "tenantIds": group.members})))
}
