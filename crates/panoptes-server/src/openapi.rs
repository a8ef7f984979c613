//! The OpenAPI 3 document, built from the same route table the router is checked against (a
//! test calls every listed route and expects it to exist).

use serde_json::{Map, Value as Json, json};

/// Every API route: method, path (OpenAPI form), tag, summary.
pub const ROUTES: &[(&str, &str, &str, &str)] = &[
    (
        "post",
        "/api/v1/auth/signIn",
        "session",
        "Sign in with a password; sets the session cookie, returns the CSRF token",
    ),
    (
        "post",
        "/api/v1/auth/discover",
        "session",
        "Home-realm discovery: the identity provider that signs in an address's e-mail domain, or null",
    ),
    ("post", "/api/v1/auth/signOut", "session", "End the current session"),
    ("get", "/api/v1/me", "session", "The caller, its home tenant and what it reaches"),
    ("post", "/api/v1/me/password", "session", "Change the caller's password (ends its sessions)"),
    ("get", "/api/v1/me/invitations", "session", "The caller's guest invitations into other tenants"),
    ("post", "/api/v1/me/invitations/{id}/accept", "session", "Accept a guest invitation"),
    ("put", "/api/v1/me/view/{tenantId}", "tenants", "Add a tenant to the caller's multi-tenant view"),
    ("delete", "/api/v1/me/view/{tenantId}", "tenants", "Remove a tenant from the caller's view"),
    ("get", "/api/v1/me/tenantGroups", "tenants", "The caller's tenant groups"),
    ("post", "/api/v1/me/tenantGroups", "tenants", "Name a group of the caller's tenants"),
    ("get", "/api/v1/tenants", "tenants", "The tenants the caller reaches, each with its status"),
    ("post", "/api/v1/tenants", "tenants", "Create a tenant (instance administrators)"),
    ("get", "/api/v1/tenants/{tenantId}", "tenants", "One tenant"),
    ("patch", "/api/v1/tenants/{tenantId}", "tenants", "Rename a tenant or change its plan, status or retention"),
    ("delete", "/api/v1/tenants/{tenantId}", "tenants", "Delete a tenant and its data (?confirm=<name>)"),
    ("get", "/api/v1/tenants/{tenantId}/users", "directory", "A tenant's users"),
    ("post", "/api/v1/tenants/{tenantId}/users", "directory", "Create a user with roles"),
    ("get", "/api/v1/tenants/{tenantId}/groups", "directory", "A tenant's groups with member counts"),
    ("post", "/api/v1/tenants/{tenantId}/groups", "directory", "Create a group of the tenant's users"),
    ("get", "/api/v1/tenants/{tenantId}/roles", "directory", "Built-in roles and the tenant's custom roles"),
    (
        "post",
        "/api/v1/tenants/{tenantId}/roles",
        "directory",
        "Define a named custom role (displayName, description, permissions from the fixed list)",
    ),
    ("delete", "/api/v1/tenants/{tenantId}/roles/{id}", "directory", "Delete a custom role no assignment uses"),
    ("get", "/api/v1/tenants/{tenantId}/roleAssignments", "directory", "A tenant's role assignments"),
    ("post", "/api/v1/tenants/{tenantId}/roleAssignments", "directory", "Assign roles to a principal"),
    ("delete", "/api/v1/tenants/{tenantId}/roleAssignments/{id}", "directory", "Remove a role assignment"),
    ("get", "/api/v1/tenants/{tenantId}/guests", "directory", "A tenant's guests"),
    ("post", "/api/v1/tenants/{tenantId}/guests", "directory", "Invite a user of another tenant as a guest"),
    ("delete", "/api/v1/tenants/{tenantId}/guests/{id}", "directory", "Remove a guest; its access ends at once"),
    ("get", "/api/v1/tenants/{tenantId}/delegations", "directory", "Delegated-access relationships of a tenant"),
    ("post", "/api/v1/delegations", "directory", "Request delegated access to a customer tenant"),
    ("post", "/api/v1/tenants/{tenantId}/delegations/{id}/approve", "directory", "Approve a requested relationship"),
    ("post", "/api/v1/tenants/{tenantId}/delegations/{id}/reject", "directory", "Reject a requested relationship"),
    ("post", "/api/v1/tenants/{tenantId}/delegations/{id}/revoke", "directory", "End a relationship"),
    ("get", "/api/v1/tenants/{tenantId}/identityProviders", "federation", "The tenant's OpenID providers"),
    (
        "post",
        "/api/v1/tenants/{tenantId}/identityProviders",
        "federation",
        "Add an OpenID provider (issuer, clientId, clientSecret, usernameClaim); answers its sign-in URL",
    ),
    ("delete", "/api/v1/tenants/{tenantId}/identityProviders/{id}", "federation", "Remove an OpenID provider"),
    (
        "get",
        "/api/v1/auth/oidc/{providerId}/start",
        "federation",
        "Start a federated sign-in: redirects to the provider (authorization code + PKCE)",
    ),
    (
        "get",
        "/api/v1/auth/oidc/callback",
        "federation",
        "The provider's redirect back: verifies the ID token, sets the session cookie",
    ),
    (
        "get",
        "/api/v1/tenants/{tenantId}/servicePrincipals",
        "directory",
        "The tenant's service principals (`value`) and API tokens (`tokens`: owner, scopes, expiry, revoked; never secrets)",
    ),
    ("post", "/api/v1/tenants/{tenantId}/servicePrincipals", "directory", "Create a service principal with roles"),
    ("post", "/api/v1/tokens", "directory", "Issue an API token to the caller or a service principal"),
    ("delete", "/api/v1/tenants/{tenantId}/tokens/{id}", "directory", "Revoke an API token"),
    ("get", "/api/v1/tenants/{tenantId}/audit", "audit", "A tenant's ledger (?format=ndjson to export)"),
    ("get", "/api/v1/tenants/{tenantId}/audit/verify", "audit", "Check a tenant's ledger hash chain"),
    (
        "post",
        "/api/v1/ingest",
        "ingest",
        "Submit telemetry (native NDJSON with `table`, Defender streaming-API records, Windows events) to the one tenant the credential may write to (`tenantId` to choose); answers once the accepted records are durable",
    ),
    (
        "post",
        "/api/v1/security/runHuntingQuery",
        "hunting",
        "Run a KQL hunting query across tenants; with `Accept: application/x-ndjson` the answer streams as lines (schema, one per row, tenant status last)",
    ),
    (
        "post",
        "/api/v1/security/checkHuntingQuery",
        "hunting",
        "Parse and plan a KQL query without running it: diagnostics with UTF-16 offsets, or the result columns",
    ),
    (
        "get",
        "/api/v1/security/huntingSchema",
        "hunting",
        "The hunting tables and columns with KQL types, and which of the caller's tenants hold data in each",
    ),
    (
        "get",
        "/api/v1/security/savedQueries",
        "hunting",
        "The caller's personal saved queries and those shared in tenants where it may hunt",
    ),
    (
        "post",
        "/api/v1/security/savedQueries",
        "hunting",
        "Save a query: `name`, `query`, `description`, `sharing` personal (default) or tenant with `tenantId`",
    ),
    (
        "delete",
        "/api/v1/security/savedQueries/{id}",
        "hunting",
        "Delete a saved query (its owner, or a settings manager of the tenant it is shared in)",
    ),
    (
        "get",
        "/api/v1/security/incidents",
        "incidents",
        "The incident queue over the caller's tenants: OData `$filter`, `$orderby`, `$top`, `$skip`, `$expand=alerts`; `tenantIds`, `tenantGroupId`",
    ),
    (
        "post",
        "/api/v1/security/incidents/bulkUpdate",
        "incidents",
        "Apply `changes` to the incidents in `ids` across tenants; one result per item",
    ),
    ("get", "/api/v1/security/incidents/{id}", "incidents", "One incident with its alerts and comments"),
    (
        "patch",
        "/api/v1/security/incidents/{id}",
        "incidents",
        "Triage an incident: status, assignedTo, classification, determination, customTags, comment",
    ),
    ("post", "/api/v1/security/incidents/{id}/comments", "incidents", "Add a comment to an incident"),
    ("get", "/api/v1/security/alerts_v2", "incidents", "The alert queue over the caller's tenants, with OData options"),
    (
        "post",
        "/api/v1/security/alerts_v2/bulkUpdate",
        "incidents",
        "Apply `changes` to the alerts in `ids` across tenants; one result per item",
    ),
    ("get", "/api/v1/security/alerts_v2/{id}", "incidents", "One alert with its evidence"),
    (
        "patch",
        "/api/v1/security/alerts_v2/{id}",
        "incidents",
        "Triage an alert: status, assignedTo, classification, determination, comment",
    ),
    ("post", "/api/v1/security/alerts_v2/{id}/comments", "incidents", "Add a comment to an alert"),
    (
        "post",
        "/api/v1/security/alerts_v2/{id}/move",
        "incidents",
        "Move an alert to `incidentId` (same tenant) or to a `new` incident, with a `reason`",
    ),
    (
        "get",
        "/api/v1/security/rules/detectionRules",
        "detections",
        "Custom detection rules of every tenant the caller may read",
    ),
    (
        "post",
        "/api/v1/security/rules/detectionRules",
        "detections",
        "Create a detection rule in `tenantId` (checked at save)",
    ),
    ("get", "/api/v1/security/rules/detectionRules/{id}", "detections", "One detection rule"),
    (
        "patch",
        "/api/v1/security/rules/detectionRules/{id}",
        "detections",
        "Change a detection rule (merged, checked again; edits bump the version)",
    ),
    ("delete", "/api/v1/security/rules/detectionRules/{id}", "detections", "Delete a detection rule (its alerts stay)"),
    (
        "post",
        "/api/v1/security/rules/detectionRules/{id}/run",
        "detections",
        "Run a detection rule now over its lookback",
    ),
    ("get", "/api/v1/security/rules/detectionRules/{id}/runs", "detections", "A detection rule's recent runs"),
    ("get", "/api/v1/openapi.json", "meta", "This document"),
];

/// The OpenAPI 3.0 document of [`ROUTES`].
pub fn openapi_document() -> Json {
    let mut paths: Map<String, Json> = Map::new();
    for (method, path, tag, summary) in ROUTES {
        let parameters: Vec<Json> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let operation = json!({
            "tags": [tag],
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "success", "content": {"application/json": {}}},
                "default": {"description": "a problem body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if let Json::Object(entry) = paths.entry(path.to_string()).or_insert_with(|| json!({})) {
            entry.insert(method.to_string(), operation);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Panoptes API", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::SESSION_COOKIE}
            },
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}, "target": {"type": "string", "nullable": true},
                "details": {"type": "array", "items": {}}, "requestId": {"type": "string"}}}}}}
        },
        "security": [{"bearer": []}, {"session": []}]
    })
}
