//! Custom detection rules (Graph's `detectionRule`), run now and run history.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value as Json_, json};

use super::{Body, ReqId, fail};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

pub(super) async fn list(State(state): State<AppState>, id: ReqId, Auth(caller): Auth) -> ApiResult<Json<Json_>> {
    let rules = state.app.detection_rules(&caller).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": rules})))
}

pub(super) async fn get(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(rule_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    Ok(Json(state.app.detection_rule(&caller, &rule_id).await.map_err(fail(&id.0))?))
}

pub(super) async fn create(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Body(body): Body<Json_>,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let rule = state.app.create_detection_rule(&caller, &body).await.map_err(fail(&id.0))?;
    Ok((StatusCode::CREATED, Json(rule)))
}

pub(super) async fn update(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(rule_id): Path<String>,
    Body(body): Body<Json_>,
) -> ApiResult<Json<Json_>> {
    Ok(Json(state.app.update_detection_rule(&caller, &rule_id, &body).await.map_err(fail(&id.0))?))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(rule_id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_detection_rule(&caller, &rule_id).await.map_err(fail(&id.0))?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn run(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(rule_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    Ok(Json(state.app.run_detection_rule_now(&caller, &rule_id).await.map_err(fail(&id.0))?))
}

pub(super) async fn runs(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Path(rule_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    let runs = state.app.detection_rule_runs(&caller, &rule_id).await.map_err(fail(&id.0))?;
    Ok(Json(json!({"value": runs})))
}
