//! Incidents and alerts (Graph-shaped): the queues with OData options, triage, comments, bulk
//! updates and moving alerts.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use panoptes_app::{ListOptions, MoveTarget, QueueScope, TriageChanges};
use panoptes_domain::{ErrorCode, TenantId};
use serde_json::{Value as Json_, json};

use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

type Params = Query<HashMap<String, String>>;

/// The OData options and tenant narrowing of a list request.
fn list_request(params: &HashMap<String, String>, id: &str) -> ApiResult<(ListOptions, QueueScope, bool)> {
    let bad = |message: String| ApiError::new(ErrorCode::BadRequest, message, id);
    let number = |name: &str| -> ApiResult<Option<i64>> {
        params
            .get(name)
            .map(|v| v.trim().parse::<i64>().map_err(|_| bad(format!("`{name}` must be an integer"))))
            .transpose()
    };
    for key in params.keys() {
        let known = ["$filter", "$orderby", "$top", "$skip", "$count", "$expand", "tenantIds", "tenantGroupId"];
        if !known.contains(&key.as_str()) {
            return Err(bad(format!("unknown query option `{key}`; use one of {}", known.join(", "))));
        }
    }
    let options = ListOptions {
        filter: params.get("$filter").cloned(),
        order_by: params.get("$orderby").cloned(),
        top: number("$top")?,
        skip: number("$skip")?,
    };
    let scope = QueueScope {
        tenant_ids: params.get("tenantIds").map(|list| list.split(',').map(|t| TenantId::new(t.trim())).collect()),
        tenant_group_id: params.get("tenantGroupId").cloned(),
    };
    let expand = match params.get("$expand").map(String::as_str) {
        None => false,
        Some("alerts") => true,
        Some(other) => return Err(bad(format!("`$expand={other}`: only `alerts` can be expanded"))),
    };
    Ok((options, scope, expand))
}

/// Adds `@odata.nextLink` when more items follow the page: the same options, the next `$skip`.
fn with_next_link(mut page: Json_, uri: &Uri, params: &HashMap<String, String>, options: &ListOptions) -> Json_ {
    let top = options.top.unwrap_or(50);
    let skip = options.skip.unwrap_or(0);
    let count = page["@odata.count"].as_i64().unwrap_or(0);
    if skip + top < count {
        let mut pairs: Vec<(&str, String)> = params
            .iter()
            .filter(|(k, _)| *k != "$skip" && *k != "$top")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.sort();
        pairs.push(("$top", top.to_string()));
        pairs.push(("$skip", (skip + top).to_string()));
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        page["@odata.nextLink"] = json!(format!("{}?{}", uri.path(), query.join("&")));
    }
    page
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'$' | b',' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

pub(super) async fn list_incidents(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    uri: Uri,
    Query(params): Params,
) -> ApiResult<Json<Json_>> {
    let (options, scope, expand) = list_request(&params, &id.0)?;
    let page = state.app.list_incidents(&caller, &scope, &options, expand).await.map_err(fail(&id.0))?;
    Ok(Json(with_next_link(json!(page), &uri, &params, &options)))
}

pub(super) async fn get_incident(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(incident_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    let incident = state.app.get_incident(&caller, &incident_id).await.map_err(fail(&id.0))?;
    Ok(Json(json!(incident)))
}

fn changes_of(body: &Json_, id: &str) -> ApiResult<TriageChanges> {
    TriageChanges::from_json(body).map_err(|e| ApiError::from_app(e, id))
}

pub(super) async fn update_incident(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(incident_id): Path<String>,
    Body(body): Body<Json_>,
) -> ApiResult<Json<Json_>> {
    let changes = changes_of(&body, &id.0)?;
    let incident = state.app.update_incident(&caller, &incident_id, &changes).await.map_err(fail(&id.0))?;
    Ok(Json(json!(incident)))
}

fn comment_of(body: &Json_, id: &str) -> ApiResult<String> {
    body.get("comment")
        .and_then(Json_::as_str)
        .map(str::to_string)
        .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "`comment` is required: the text to add", id))
}

pub(super) async fn comment_incident(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(incident_id): Path<String>,
    Body(body): Body<Json_>,
) -> ApiResult<Json<Json_>> {
    let comment = comment_of(&body, &id.0)?;
    let incident = state.app.comment_incident(&caller, &incident_id, &comment).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": incident.comments})))
}

fn bulk_of(body: &Json_, id: &str) -> ApiResult<(Vec<String>, TriageChanges)> {
    let bad = |message: &str| ApiError::new(ErrorCode::BadRequest, message, id);
    let ids = body
        .get("ids")
        .and_then(Json_::as_array)
        .ok_or_else(|| bad("`ids` is required: the list of ids to change"))?
        .iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad("`ids` must hold strings")))
        .collect::<ApiResult<Vec<_>>>()?;
    let changes = changes_of(body.get("changes").unwrap_or(&Json_::Null), id)?;
    Ok((ids, changes))
}

pub(super) async fn bulk_update_incidents(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<Json_>,
) -> ApiResult<Json<Json_>> {
    let (ids, changes) = bulk_of(&body, &id.0)?;
    let results = state.app.bulk_update_incidents(&caller, &ids, &changes).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": results})))
}

pub(super) async fn list_alerts(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    uri: Uri,
    Query(params): Params,
) -> ApiResult<Json<Json_>> {
    let (options, scope, expand) = list_request(&params, &id.0)?;
    if expand {
        return Err(ApiError::new(ErrorCode::BadRequest, "alerts have nothing to `$expand`", &id.0));
    }
    let page = state.app.list_alerts(&caller, &scope, &options).await.map_err(fail(&id.0))?;
    Ok(Json(with_next_link(json!(page), &uri, &params, &options)))
}

pub(super) async fn get_alert(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(alert_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    let alert = state.app.get_alert(&caller, &alert_id).await.map_err(fail(&id.0))?;
    Ok(Json(json!(alert)))
}

pub(super) async fn update_alert(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(alert_id): Path<String>,
    Body(body): Body<Json_>,
) -> ApiResult<Json<Json_>> {
    let changes = changes_of(&body, &id.0)?;
    let alert = state.app.update_alert(&caller, &alert_id, &changes).await.map_err(fail(&id.0))?;
    Ok(Json(json!(alert)))
}

pub(super) async fn comment_alert(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(alert_id): Path<String>,
    Body(body): Body<Json_>,
) -> ApiResult<Json<Json_>> {
    let changes = TriageChanges { comment: Some(comment_of(&body, &id.0)?), ..TriageChanges::default() };
    let alert = state.app.update_alert(&caller, &alert_id, &changes).await.map_err(fail(&id.0))?;
    Ok(Json(json!(alert)))
}

pub(super) async fn bulk_update_alerts(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<Json_>,
) -> ApiResult<Json<Json_>> {
    let (ids, changes) = bulk_of(&body, &id.0)?;
    let results = state.app.bulk_update_alerts(&caller, &ids, &changes).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": results})))
}

pub(super) async fn move_alert(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(alert_id): Path<String>,
    Body(body): Body<Json_>,
) -> ApiResult<Json<Json_>> {
    let bad = |message: &str| ApiError::new(ErrorCode::BadRequest, message, &id.0);
    let target = match (body.get("incidentId").and_then(Json_::as_str), body.get("new").and_then(Json_::as_bool)) {
        (Some(incident), None | Some(false)) => MoveTarget::Incident(incident.to_string()),
        (None, Some(true)) => MoveTarget::New,
        _ => return Err(bad("send either `incidentId` (an incident of the alert's tenant) or `new: true`")),
    };
    let reason = body.get("reason").and_then(Json_::as_str).unwrap_or_default();
    let comment = body.get("comment").and_then(Json_::as_str);
    let alert = state.app.move_alert(&caller, &alert_id, target, reason, comment).await.map_err(fail(&id.0))?;
    Ok(Json(json!(alert)))
}
