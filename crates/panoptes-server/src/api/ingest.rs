//! `POST /api/v1/ingest`: telemetry pushed by a collector with an `ingest.write` credential. The
//! body is NDJSON or one JSON document, up to `max_ingest_bytes`; the answer comes once the
//! accepted records are durable.

use axum::Json;
use axum::extract::{Query, State};
use panoptes_app::{IngestFormat as Format, IngestReport, IngestRequest};
use panoptes_domain::{ErrorCode, TenantId};
use serde::Deserialize;

use super::{ReqId, fail};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct IngestQuery {
    tenant_id: Option<String>,
    table: Option<String>,
    format: Option<String>,
    #[serde(default)]
    strict: bool,
}

pub(super) async fn ingest(
    State(state): State<AppState>,
    id: ReqId,
    Auth(caller): Auth,
    Query(query): Query<IngestQuery>,
    body: axum::body::Body,
) -> ApiResult<Json<IngestReport>> {
    let bad = |message: String| ApiError::new(ErrorCode::BadRequest, message, &id.0);
    let format = match query.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("auto") => Format::Auto,
        Some("native") => Format::Native,
        Some("defenderstream") => Format::DefenderStream,
        Some("windows") => Format::Windows,
        Some("export") => Format::Export,
        Some(other) => {
            return Err(bad(format!("`format` `{other}` is not auto, native, defenderStream, windows or export")));
        }
    };
    let limit = state.config.max_ingest_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        bad(format!("the body is over {limit} bytes (or was cut off): send the telemetry in smaller parts"))
    })?;
    let body = String::from_utf8(Vec::from(bytes)).map_err(|e| {
        bad(format!("the body is not UTF-8 text (byte {}): send NDJSON or JSON as UTF-8", e.utf8_error().valid_up_to()))
    })?;
    let request = IngestRequest {
        tenant: query.tenant_id.map(TenantId::new),
        table: query.table,
        format,
        strict: query.strict,
        body,
    };
    let report = state.app.ingest(&caller, request).await.map_err(fail(&id.0))?;
    Ok(Json(report))
}
