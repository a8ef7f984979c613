use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use panoptes_app::{HuntMode, HuntPart, HuntRequest, HuntStream};
use panoptes_domain::{ErrorCode, TenantId};
use serde::Deserialize;
use serde_json::{Map, Value as Json_, json};

use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

/// A property of the body by name, ignoring case (Graph clients send `Query` or `query`).
fn field<'a>(body: &'a Map<String, Json_>, name: &str) -> Option<&'a Json_> {
    body.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn hunt_request(body: &Map<String, Json_>, id: &str) -> ApiResult<HuntRequest> {
    let bad = |message: String| ApiError::new(ErrorCode::BadRequest, message, id);
    let text = |name: &str| -> ApiResult<Option<String>> {
        match field(body, name) {
            None | Some(Json_::Null) => Ok(None),
            Some(Json_::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(bad(format!("`{name}` must be a string, found {other}"))),
        }
    };
    let query = text("Query")?.ok_or_else(|| bad("`Query` is required: the KQL to run".into()))?;
    let tenant_ids = match field(body, "tenantIds") {
        None | Some(Json_::Null) => None,
        Some(Json_::String(list)) => Some(list.split(',').map(|t| TenantId::new(t.trim())).collect()),
        Some(Json_::Array(items)) => Some(
            items
                .iter()
                .map(|v| v.as_str().map(TenantId::new).ok_or_else(|| bad("`tenantIds` must hold strings".into())))
                .collect::<ApiResult<Vec<_>>>()?,
        ),
        Some(other) => return Err(bad(format!("`tenantIds` must be an array or a comma list, found {other}"))),
    };
    let mode = match text("mode")?.as_deref() {
        None | Some("perTenant") => HuntMode::PerTenant,
        Some("combined") => HuntMode::Combined,
        Some(other) => return Err(bad(format!("`mode` `{other}` is not perTenant or combined"))),
    };
    let max_rows = match field(body, "maxRows") {
        None | Some(Json_::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| bad("`maxRows` must be a positive integer".into()))?,
        ),
    };
    Ok(HuntRequest {
        query,
        timespan: text("Timespan")?,
        tenant_ids,
        tenant_group_id: text("tenantGroupId")?,
        mode,
        max_rows,
    })
}

pub(super) async fn run_hunting_query(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    headers: HeaderMap,
    Body(body): Body<Map<String, Json_>>,
) -> ApiResult<Response> {
    let request = hunt_request(&body, &id.0)?;
    let wants_lines =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains(NDJSON));
    if wants_lines {
        let stream = state.app.stream_hunting_query(&caller, request).await.map_err(fail(&id.0))?;
        return Ok(ndjson(stream));
    }
    let response = state.app.run_hunting_query(&caller, request).await.map_err(fail(&id.0))?;
    let value = serde_json::to_value(response)
        .map_err(|e| ApiError::from_app(panoptes_app::AppError::Internal(e.to_string()), &id.0))?;
    Ok(Json(value).into_response())
}

/// The hunting tables, their columns and the caller's tenants that hold data in each.
pub(super) async fn hunting_schema(State(state): State<AppState>, Auth(caller): Auth) -> Json<Json_> {
    Json(json!({"value": state.app.hunting_schema(&caller)}))
}

/// The parser's and planner's diagnostics for a query, without running it.
pub(super) async fn check_hunting_query(
    State(state): State<AppState>,
    id: ReqId,
    Auth(_caller): Auth,
    Body(body): Body<Map<String, Json_>>,
) -> ApiResult<Json<Json_>> {
    let query = match field(&body, "Query") {
        Some(Json_::String(text)) => text.clone(),
        _ => return Err(ApiError::new(ErrorCode::BadRequest, "`Query` is required: the KQL to check", &id.0)),
    };
    let check = state.app.check_hunting_query(&query);
    Ok(Json(json!(check)))
}

const NDJSON: &str = "application/x-ndjson";

/// The answer as lines, written as the tenants finish: `{"schema": [...]}` first, then one
/// `{"row": {...}}` per row, then `{"tenantStatus": [...], "stats": {...}}` last. Closing the
/// connection drops the stream, which stops the hunt.
fn ndjson(stream: HuntStream) -> Response {
    let line = |value: Json_| {
        let mut text = value.to_string();
        text.push('\n');
        text
    };
    let body = futures::stream::unfold(Some((stream, false)), move |state| async move {
        let (mut stream, mut schema_sent) = state?;
        let chunk = match stream.next().await {
            Some(HuntPart::Columns { schema, render }) => {
                schema_sent = true;
                match render {
                    Some(render) => line(json!({"schema": schema, "render": render})),
                    None => line(json!({"schema": schema})),
                }
            }
            Some(HuntPart::Rows(rows)) => rows.into_iter().map(|row| line(json!({"row": row}))).collect(),
            None => {
                let head = if schema_sent { String::new() } else { line(json!({"schema": []})) };
                let (tenant_status, stats) = stream.finish();
                let tail = line(json!({"tenantStatus": tenant_status, "stats": stats}));
                return Some((Ok::<_, std::convert::Infallible>(head + &tail), None));
            }
        };
        Some((Ok(chunk), Some((stream, schema_sent))))
    });
    ([(header::CONTENT_TYPE, NDJSON)], axum::body::Body::from_stream(body)).into_response()
}

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    format: Option<String>,
}

pub(super) async fn audit(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Response> {
    let entries = state.app.audit_log(&caller, &TenantId::new(tenant)).await.map_err(fail(&id.0))?;
    let rows: Vec<Json_> = entries
        .iter()
        .map(|e| {
            json!({
                "tenantId": e.tenant_id, "sequence": e.seq, "atNs": e.entry.at_ns, "actorId": e.entry.actor_id,
                "actorTenantId": e.entry.actor_tenant_id, "via": e.entry.via, "action": e.entry.action,
                "target": e.entry.target, "requestId": e.entry.request_id,
                "detail": serde_json::from_str::<Json_>(&e.entry.detail).unwrap_or(Json_::Null),
                "previousHash": e.prev_hash, "hash": e.hash,
            })
        })
        .collect();
    if query.format.as_deref() == Some("ndjson") {
        let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
        return Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], text).into_response());
    }
    Ok(Json(json!({"value": rows})).into_response())
}

pub(super) async fn verify_audit(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(tenant): Path<String>,
) -> ApiResult<Json<Json_>> {
    let broken = state.app.verify_audit(&caller, &TenantId::new(tenant)).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"intact": broken.is_none(), "firstBrokenSequence": broken})))
}
