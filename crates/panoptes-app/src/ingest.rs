//! Telemetry submitted over the API: converted as `panoptes ingest` converts a file, into the one
//! tenant the credential may write to, and acknowledged only once the write-ahead log holds it
//! on disk.

use panoptes_domain::TenantId;
use panoptes_eventstore::ingest::{Format, IngestOptions, RecordError, convert_text};
use panoptes_rbac::Permission;
use serde::Serialize;

use crate::{App, AppError, Caller, Result};

/// Refusals listed in a report; the rest are only counted.
const LISTED_ERRORS: usize = 20;

/// One submission.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// The tenant written to; `None` means the one tenant the caller may write to.
    pub tenant: Option<TenantId>,
    /// The table of native NDJSON rows.
    pub table: Option<String>,
    /// The input layout.
    pub format: Format,
    /// Store nothing when any record is refused.
    pub strict: bool,
    /// NDJSON lines, or one JSON document (e.g. `{"records": [...]}`).
    pub body: String,
}

/// What became of a submission.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestReport {
    /// The tenant written to.
    pub tenant_id: TenantId,
    /// Records stored and durable.
    pub accepted: usize,
    /// Records refused.
    pub refused: usize,
    /// The first refusals, each with where and why.
    pub errors: Vec<RecordError>,
}

impl App {
    /// Stores the records of `request` in its tenant (which needs `ingest.write`): good records
    /// are kept and bad ones reported, or with `strict` nothing is kept when any is bad.
    /// Streamed records must name the tenant's external id (or, with none set, its own id).
    pub async fn ingest(&self, caller: &Caller, request: IngestRequest) -> Result<IngestReport> {
        let tenant = match request.tenant {
            Some(tenant) => tenant,
            None => self.only_ingest_tenant(caller)?,
        };
        let scope = self.authorize(caller, &tenant, Permission::IngestWrite, "tenant")?;
        let record = self.tenant(caller, &tenant).await?;
        if record.status != "active" {
            return Err(AppError::Conflict(format!("tenant {tenant} is {}: it takes no telemetry", record.status)));
        }
        let options = IngestOptions {
            format: request.format,
            table: request.table,
            external_tenant_id: Some(record.external_tenant_id.unwrap_or_else(|| tenant.to_string())),
            received_ns: self.now_ns(),
            tenant: tenant.to_string(),
        };
        let (events, strict, body) = (self.events.clone(), request.strict, request.body);
        // Converting and the fsync of the log block: off the async runtime.
        let (accepted, errors) = tokio::task::spawn_blocking(move || -> Result<(usize, Vec<RecordError>)> {
            let converted = convert_text(&body, 1, &options).map_err(AppError::BadRequest)?;
            if strict && !converted.errors.is_empty() {
                return Ok((0, converted.errors));
            }
            let batches: Vec<(&str, _)> = converted.batches.iter().map(|(t, b)| (t.as_str(), b.clone())).collect();
            let ack = events.append(&scope, &batches).map_err(|e| AppError::EventStore(e.to_string()))?;
            Ok((ack.rows, converted.errors))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        tracing::info!(tenant = %tenant, accepted, refused = errors.len(), "telemetry ingested over the API");
        Ok(IngestReport {
            tenant_id: tenant,
            accepted,
            refused: errors.len(),
            errors: errors.into_iter().take(LISTED_ERRORS).collect(),
        })
    }

    /// The one tenant the caller may write telemetry to.
    fn only_ingest_tenant(&self, caller: &Caller) -> Result<TenantId> {
        let scope = self.authorize_everywhere(caller, Permission::IngestWrite);
        match scope.tenants() {
            [one] => Ok(one.clone()),
            [] => {
                Err(AppError::Forbidden("this credential may not write telemetry to any tenant (ingest.write)".into()))
            }
            _ => Err(AppError::BadRequest(
                "this credential may write to several tenants: name one with `tenantId`".into(),
            )),
        }
    }
}
