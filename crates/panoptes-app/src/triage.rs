//! What incidents and alerts share: the triage changes a PATCH or bulk update carries, their
//! checks (enums, classification ↔ determination, an assignee who can see the tenant), the
//! object lookup that answers 404 for another tenant's object, and the incident log.

use panoptes_db::{IncidentLogEntry, PrincipalKind};
use panoptes_detect::{Classification, Determination};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::Permission;
use serde_json::Value as Json;

use crate::{App, AppError, Caller, Result, new_id};

/// Triage changes to an incident or alert; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriageChanges {
    /// New status (Graph spelling of the resource).
    pub status: Option<String>,
    /// New assignee; `Some(None)` unassigns.
    pub assigned_to: Option<Option<String>>,
    /// New classification; `Some(None)` clears it.
    pub classification: Option<Option<Classification>>,
    /// New determination; `Some(None)` clears it.
    pub determination: Option<Option<Determination>>,
    /// Replaces the custom tags (incidents).
    pub custom_tags: Option<Vec<String>>,
    /// Tags to add (bulk).
    pub add_tags: Vec<String>,
    /// A comment to add.
    pub comment: Option<String>,
}

impl TriageChanges {
    /// Reads a PATCH body or a bulk update's `changes`; unknown fields and wrong types are
    /// refused by name.
    pub fn from_json(body: &Json) -> Result<TriageChanges> {
        let object =
            body.as_object().ok_or_else(|| AppError::BadRequest("the changes must be a JSON object".into()))?;
        let mut changes = TriageChanges::default();
        for (key, value) in object {
            match key.as_str() {
                "status" => changes.status = Some(text(key, value)?),
                "assignedTo" => changes.assigned_to = Some(optional_text(key, value)?),
                "classification" => {
                    changes.classification = Some(
                        optional_text(key, value)?
                            .filter(|c| !c.eq_ignore_ascii_case("unknown"))
                            .map(|c| Classification::parse(&c))
                            .transpose()?,
                    )
                }
                "determination" => {
                    changes.determination = Some(
                        optional_text(key, value)?
                            .filter(|d| !d.eq_ignore_ascii_case("unknown"))
                            .map(|d| Determination::parse(&d))
                            .transpose()?,
                    )
                }
                "customTags" => changes.custom_tags = Some(tags(key, value)?),
                "addTags" => changes.add_tags = tags(key, value)?,
                "comment" => changes.comment = Some(text(key, value)?),
                other => {
                    return Err(AppError::BadRequest(format!(
                        "`{other}` cannot be changed; send status, assignedTo, classification, determination, \
                         customTags, addTags or comment"
                    )));
                }
            }
        }
        if changes == TriageChanges::default() {
            return Err(AppError::BadRequest("no changes: send at least one field to change".into()));
        }
        if let Some(comment) = &changes.comment
            && (comment.trim().is_empty() || comment.len() > 30_000)
        {
            return Err(AppError::BadRequest("a comment must be 1 to 30,000 characters".into()));
        }
        Ok(changes)
    }

    /// The classification and determination after the change, checked to fit together.
    pub(crate) fn verdict(
        &self,
        classification: Option<&str>,
        determination: Option<&str>,
    ) -> Result<(Option<String>, Option<String>)> {
        let classification = match self.classification {
            Some(new) => new,
            None => classification.map(Classification::parse).transpose()?,
        };
        let determination = match self.determination {
            Some(new) => new,
            None if self.classification.is_some() => None,
            None => determination.map(Determination::parse).transpose()?,
        };
        if let Some(determination) = determination {
            let Some(classification) = classification else {
                return Err(AppError::BadRequest(format!(
                    "determination `{determination}` needs a classification; set `classification` too"
                )));
            };
            if !determination.fits(classification) {
                return Err(AppError::BadRequest(format!(
                    "determination `{determination}` does not go with classification `{classification}`"
                )));
            }
        }
        Ok((classification.map(|c| c.as_str().to_string()), determination.map(|d| d.as_str().to_string())))
    }

    /// A line for the incident log describing the change.
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(status) = &self.status {
            parts.push(format!("status → {status}"));
        }
        if let Some(assignee) = &self.assigned_to {
            parts.push(format!("assigned to → {}", assignee.as_deref().unwrap_or("nobody")));
        }
        if let Some(classification) = &self.classification {
            parts.push(format!("classification → {}", classification.map_or("none", |c| c.as_str())));
        }
        if let Some(determination) = &self.determination {
            parts.push(format!("determination → {}", determination.map_or("none", |d| d.as_str())));
        }
        if let Some(tags) = &self.custom_tags {
            parts.push(format!("tags → [{}]", tags.join(", ")));
        }
        if !self.add_tags.is_empty() {
            parts.push(format!("tags + [{}]", self.add_tags.join(", ")));
        }
        parts.join("; ")
    }
}

fn text(key: &str, value: &Json) -> Result<String> {
    value.as_str().map(str::to_string).ok_or_else(|| AppError::BadRequest(format!("`{key}` must be a string")))
}

fn optional_text(key: &str, value: &Json) -> Result<Option<String>> {
    match value {
        Json::Null => Ok(None),
        Json::String(s) if s.trim().is_empty() => Ok(None),
        Json::String(s) => Ok(Some(s.trim().to_string())),
        _ => Err(AppError::BadRequest(format!("`{key}` must be a string or null"))),
    }
}

fn tags(key: &str, value: &Json) -> Result<Vec<String>> {
    let list = value.as_array().ok_or_else(|| AppError::BadRequest(format!("`{key}` must be a list of strings")))?;
    let mut tags = Vec::new();
    for tag in list {
        let tag =
            tag.as_str().map(str::trim).ok_or_else(|| AppError::BadRequest(format!("`{key}` holds a non-string")))?;
        if tag.is_empty() || tag.len() > 100 {
            return Err(AppError::BadRequest(format!("a tag in `{key}` must be 1 to 100 characters")));
        }
        if !tags.iter().any(|t: &String| t.eq_ignore_ascii_case(tag)) {
            tags.push(tag.to_string());
        }
    }
    Ok(tags)
}

/// A JSON text list column as strings (empty when unreadable).
pub(crate) fn list_of(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Strings as a JSON text list.
pub(crate) fn list_text(items: &[String]) -> String {
    Json::from(items.to_vec()).to_string()
}

/// Severity rank for sorting.
pub(crate) fn severity_rank(severity: &str) -> i64 {
    panoptes_detect::Severity::parse(severity).map_or(0, |s| s as i64)
}

impl App {
    /// The one-tenant scope of an object the caller asks about: 404 when the object does not
    /// exist or its tenant is one the caller cannot read; 403 when it can read but `manage`
    /// (when given) is not held.
    pub(crate) fn object_scope(
        &self,
        caller: &Caller,
        tenant: Option<TenantId>,
        manage: Option<Permission>,
        what: &str,
    ) -> Result<TenantScope> {
        let tenant = tenant.ok_or_else(|| AppError::NotFound(what.to_string()))?;
        let scope = self.authorize(caller, &tenant, Permission::SecurityDataRead, what).map_err(|e| match e {
            AppError::Forbidden(_) => AppError::NotFound(what.to_string()),
            other => other,
        })?;
        if let Some(permission) = manage {
            self.authorize(caller, &tenant, permission, what)?;
        }
        Ok(scope)
    }

    /// Checks that `assignee` is a user who can read incidents in `tenant`.
    pub(crate) async fn check_assignee(&self, tenant: &TenantId, assignee: &str) -> Result<()> {
        let mut conn = self.db.conn().await?;
        let user = panoptes_db::user_by_username(&mut conn, assignee).await?;
        drop(conn);
        let refused = || {
            AppError::BadRequest(format!(
                "`{assignee}` cannot be assigned here: assign someone who holds a role in the tenant"
            ))
        };
        let user = user.ok_or_else(refused)?;
        let principal = self.caller(PrincipalKind::User, &user.id, None, "assignee-check").await?;
        principal.access.authorize(tenant, Permission::SecurityDataRead, self.now_ns()).map_err(|_| refused())
    }

    /// An entry for an incident's log, stamped now.
    pub(crate) fn log_entry(
        &self,
        tenant: &TenantId,
        incident_id: &str,
        alert_id: Option<&str>,
        actor: &str,
        kind: &str,
        text: String,
    ) -> IncidentLogEntry {
        IncidentLogEntry {
            id: new_id(),
            tenant_id: tenant.clone(),
            incident_id: incident_id.to_string(),
            alert_id: alert_id.map(str::to_string),
            at_ns: self.now_ns(),
            actor: actor.to_string(),
            kind: kind.to_string(),
            text,
        }
    }
}
