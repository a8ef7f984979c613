use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use panoptes_app::{DelegationRequest, NewUser};
use panoptes_db::{Delegation, Guest, PrincipalKind};
use panoptes_domain::{ErrorCode, TenantId};
use panoptes_rbac::PermissionSet;
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

type Created = (StatusCode, Json<Json_>);

/// Tenant display names by id, for the names a listing shows beside ids.
type Names = std::collections::BTreeMap<String, String>;

fn name_of(names: &Names, id: &TenantId) -> Json_ {
    names.get(id.as_str()).map_or(Json_::Null, |n| json!(n))
}

fn guest_json(g: &Guest, names: &Names) -> Json_ {
    json!({
        "id": g.id, "tenantId": g.tenant_id, "userId": g.user_id, "homeTenantId": g.home_tenant_id,
        "homeTenantName": name_of(names, &g.home_tenant_id), "state": g.state,
    })
}

fn delegation_json(d: &Delegation, names: &Names) -> Json_ {
    json!({
        "id": d.id, "customerTenantId": d.tenant_id, "customerTenantName": name_of(names, &d.tenant_id),
        "partnerTenantId": d.partner_tenant_id, "partnerTenantName": name_of(names, &d.partner_tenant_id),
        "groupId": d.group_id, "roles": d.roles, "permissions": d.permissions, "status": d.state.name(),
        "startsNs": d.starts_ns, "endsNs": d.ends_ns,
    })
}

pub(super) async fn users(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let users = state.app.users(&caller, &TenantId::new(tenant)).await.map_err(fail(&id.0))?;
    let value: Vec<Json_> = users
        .iter()
        .map(|u| json!({"id": u.id, "tenantId": u.tenant_id, "username": u.username, "displayName": u.display_name}))
        .collect();
    Ok(Json(json!({"value": value})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateUser {
    username: String,
    display_name: Option<String>,
    password: String,
    #[serde(default)]
    roles: Vec<String>,
}

pub(super) async fn create_user(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
    Body(body): Body<CreateUser>,
) -> ApiResult<Created> {
    let new = NewUser {
        tenant: TenantId::new(tenant),
        display_name: body.display_name.unwrap_or_else(|| body.username.clone()),
        username: body.username,
        password: body.password,
        roles: body.roles,
    };
    let user = state.app.create_user(&caller, new).await.map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(json!({"id": user.id, "tenantId": user.tenant_id, "username": user.username}))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateGroup {
    display_name: String,
    #[serde(default)]
    member_ids: Vec<String>,
}

pub(super) async fn groups(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let groups = state.app.groups(&caller, &TenantId::new(tenant)).await.map_err(fail(&id.0))?;
    let value: Vec<Json_> = groups
        .iter()
        .map(|(g, members)| json!({"id": g.id, "tenantId": g.tenant_id, "displayName": g.name, "memberCount": members}))
        .collect();
    Ok(Json(json!({"value": value})))
}

pub(super) async fn create_group(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
    Body(body): Body<CreateGroup>,
) -> ApiResult<Created> {
    let tenant = TenantId::new(tenant);
    let group =
        state.app.create_group(&caller, &tenant, &body.display_name, &body.member_ids).await.map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(json!({"id": group.id, "tenantId": group.tenant_id, "displayName": group.name}))))
}

pub(super) async fn assignments(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let list = state.app.assignments(&caller, &TenantId::new(tenant)).await.map_err(fail(&id.0))?;
    let value: Vec<Json_> = list
        .iter()
        .map(|a| {
            json!({"id": a.id, "tenantId": a.tenant_id, "principalKind": a.principal_kind.name(),
                "principalId": a.principal_id, "role": a.role, "permissions": a.permissions})
        })
        .collect();
    Ok(Json(json!({"value": value})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Assign {
    principal_kind: String,
    principal_id: String,
    roles: Vec<String>,
}

pub(super) async fn assign_role(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
    Body(body): Body<Assign>,
) -> ApiResult<Created> {
    let kind = match body.principal_kind.as_str() {
        "user" => PrincipalKind::User,
        "group" => PrincipalKind::Group,
        "servicePrincipal" => PrincipalKind::ServicePrincipal,
        other => {
            let message = format!("principalKind `{other}` is not user, group or servicePrincipal");
            return Err(ApiError::new(ErrorCode::BadRequest, message, &id.0));
        }
    };
    let tenant = TenantId::new(tenant);
    let a = state.app.assign_role(&caller, &tenant, kind, &body.principal_id, body.roles).await.map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(json!({"id": a.id, "role": a.role, "permissions": a.permissions}))))
}

pub(super) async fn remove_assignment(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path((tenant, assignment)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.remove_assignment(&caller, &TenantId::new(tenant), &assignment).await.map_err(fail(&id.0))?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn guests(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let tenant = TenantId::new(tenant);
    let list = state.app.guests(&caller, &tenant).await.map_err(fail(&id.0))?;
    let names = state.app.related_tenant_names(&caller, &tenant).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": list.iter().map(|g| guest_json(g, &names)).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Invite {
    username: String,
    roles: Vec<String>,
}

pub(super) async fn invite_guest(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
    Body(body): Body<Invite>,
) -> ApiResult<Created> {
    let tenant = TenantId::new(tenant);
    let guest = state.app.invite_guest(&caller, &tenant, &body.username, body.roles).await.map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(guest_json(&guest, &Names::new()))))
}

pub(super) async fn remove_guest(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path((tenant, guest)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.remove_guest(&caller, &TenantId::new(tenant), &guest).await.map_err(fail(&id.0))?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn my_invitations(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
) -> ApiResult<Json<Json_>> {
    let list = state.app.my_invitations(&caller).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": list.iter().map(|g| guest_json(g, &Names::new())).collect::<Vec<_>>()})))
}

pub(super) async fn accept_invitation(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(invitation): Path<String>,
) -> ApiResult<Json<Json_>> {
    state.app.accept_invitation(&caller, &invitation).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"accepted": true})))
}

pub(super) async fn delegations(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let tenant = TenantId::new(tenant);
    let list = state.app.delegations(&caller, &tenant).await.map_err(fail(&id.0))?;
    let names = state.app.related_tenant_names(&caller, &tenant).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": list.iter().map(|d| delegation_json(d, &names)).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RequestDelegation {
    customer_tenant_id: String,
    group_id: String,
    roles: Vec<String>,
    duration_days: Option<i64>,
}

pub(super) async fn request_delegation(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<RequestDelegation>,
) -> ApiResult<Created> {
    let request = DelegationRequest {
        customer: TenantId::new(body.customer_tenant_id),
        group_id: body.group_id,
        roles: body.roles,
        duration_days: body.duration_days.unwrap_or(90),
    };
    let d = state.app.request_delegation(&caller, request).await.map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(delegation_json(&d, &Names::new()))))
}

pub(super) async fn decide_delegation(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path((tenant, delegation, decision)): Path<(String, String, String)>,
) -> ApiResult<Json<Json_>> {
    let tenant = TenantId::new(tenant);
    let d = match decision.as_str() {
        "approve" => state.app.decide_delegation(&caller, &tenant, &delegation, true).await,
        "reject" => state.app.decide_delegation(&caller, &tenant, &delegation, false).await,
        "revoke" => state.app.revoke_delegation(&caller, &tenant, &delegation).await,
        _ => return Err(ApiError::new(ErrorCode::NotFound, "no such API route; see /api/v1/openapi.json", &id.0)),
    }
    .map_err(fail(&id.0))?;
    Ok(Json(delegation_json(&d, &Names::new())))
}

pub(super) async fn service_principals(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let (principals, tokens) =
        state.app.service_principals(&caller, &TenantId::new(tenant)).await.map_err(fail(&id.0))?;
    let principals: Vec<Json_> =
        principals.iter().map(|p| json!({"id": p.id, "tenantId": p.tenant_id, "displayName": p.name})).collect();
    let tokens: Vec<Json_> = tokens
        .iter()
        .map(|t| {
            json!({"id": t.id, "principalKind": t.principal_kind.name(), "principalId": t.principal_id,
                "scopes": t.scopes, "expiresNs": t.expires_ns, "revoked": t.revoked})
        })
        .collect();
    Ok(Json(json!({"value": principals, "tokens": tokens})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateServicePrincipal {
    display_name: String,
    roles: Vec<String>,
}

pub(super) async fn create_service_principal(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
    Body(body): Body<CreateServicePrincipal>,
) -> ApiResult<Created> {
    let tenant = TenantId::new(tenant);
    let sp = state
        .app
        .create_service_principal(&caller, &tenant, &body.display_name, body.roles)
        .await
        .map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(json!({"id": sp.id, "tenantId": sp.tenant_id, "displayName": sp.name}))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct IssueToken {
    service_principal_id: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    expires_in_days: Option<u64>,
}

pub(super) async fn issue_token(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<IssueToken>,
) -> ApiResult<Created> {
    let scopes = PermissionSet::parse_names(&body.scopes.join(","))
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string(), &id.0))?;
    let days = body.expires_in_days.unwrap_or(30).clamp(1, 365);
    let lifetime = std::time::Duration::from_secs(days * 86_400);
    let token = state
        .app
        .issue_token(&caller, body.service_principal_id.as_deref(), scopes, lifetime)
        .await
        .map_err(fail(&id.0))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": token.id, "token": token.secret, "expiresNs": token.expires_ns,
        "note": "the token is shown once; store it now"})),
    ))
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path((tenant, token)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.revoke_token(&caller, &TenantId::new(tenant), &token).await.map_err(fail(&id.0))?;
    Ok(StatusCode::NO_CONTENT)
}
