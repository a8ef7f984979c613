-- Incidents, alerts and detection rules. Every row carries its tenant; JSON lists are text.
-- Severity is also kept as a rank so queues sort by it.
CREATE TABLE id_counters (
    name TEXT PRIMARY KEY,
    next_value BIGINT NOT NULL
);
INSERT INTO id_counters (name, next_value) VALUES ('incident', 1);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank BIGINT NOT NULL,
    classification TEXT,
    determination TEXT,
    assigned_to TEXT,
    custom_tags TEXT NOT NULL,
    system_tags TEXT NOT NULL,
    categories TEXT NOT NULL,
    service_sources TEXT NOT NULL,
    detection_sources TEXT NOT NULL,
    impacted_assets TEXT NOT NULL,
    active_alerts BIGINT NOT NULL,
    alert_count BIGINT NOT NULL,
    redirect_incident_id TEXT,
    created_ns BIGINT NOT NULL,
    last_update_ns BIGINT NOT NULL,
    first_activity_ns BIGINT NOT NULL,
    last_activity_ns BIGINT NOT NULL
);
-- The queue's default sorts walk these indexes, filtering tenants as they go, so a first page
-- does not sort every incident of the scope.
CREATE INDEX incidents_tenant_update ON incidents (tenant_id, last_update_ns);
CREATE INDEX incidents_update ON incidents (last_update_ns);
CREATE INDEX incidents_activity ON incidents (last_activity_ns);
CREATE INDEX incidents_severity ON incidents (severity_rank, last_activity_ns);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    incident_id TEXT NOT NULL,
    detector_id TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank BIGINT NOT NULL,
    classification TEXT,
    determination TEXT,
    assigned_to TEXT,
    service_source TEXT NOT NULL,
    detection_source TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    recommended_actions TEXT NOT NULL,
    category TEXT NOT NULL,
    mitre_techniques TEXT NOT NULL,
    evidence TEXT NOT NULL,
    system_tags TEXT NOT NULL,
    created_ns BIGINT NOT NULL,
    last_update_ns BIGINT NOT NULL,
    resolved_ns BIGINT,
    first_activity_ns BIGINT NOT NULL,
    last_activity_ns BIGINT NOT NULL,
    UNIQUE (tenant_id, detector_id, dedup_key)
);
CREATE INDEX alerts_tenant_incident ON alerts (tenant_id, incident_id);
CREATE INDEX alerts_tenant_update ON alerts (tenant_id, last_update_ns);
CREATE INDEX alerts_created ON alerts (created_ns);

-- The entities correlation matches on (device, user, mailbox, file, ip, url), lowercased.
CREATE TABLE alert_entities (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    alert_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    at_ns BIGINT NOT NULL
);
CREATE INDEX alert_entities_match ON alert_entities (tenant_id, kind, value, at_ns);
CREATE INDEX alert_entities_alert ON alert_entities (alert_id);

-- Comments and changes on an incident and its alerts, newest last.
CREATE TABLE incident_log (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    incident_id TEXT NOT NULL,
    alert_id TEXT,
    at_ns BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX incident_log_incident ON incident_log (tenant_id, incident_id, at_ns);

CREATE TABLE detection_rules (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    is_enabled BIGINT NOT NULL,
    version BIGINT NOT NULL,
    query_text TEXT NOT NULL,
    mode TEXT NOT NULL,
    tenant_ids TEXT NOT NULL,
    period TEXT NOT NULL,
    lookback_ns BIGINT NOT NULL,
    alert_title TEXT NOT NULL,
    alert_description TEXT NOT NULL,
    severity TEXT NOT NULL,
    category TEXT NOT NULL,
    mitre_techniques TEXT NOT NULL,
    recommended_actions TEXT NOT NULL,
    impacted_assets TEXT NOT NULL,
    max_alerts_per_run BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_id TEXT NOT NULL,
    created_ns BIGINT NOT NULL,
    last_modified_by TEXT NOT NULL,
    last_modified_ns BIGINT NOT NULL,
    next_run_ns BIGINT,
    last_run_ns BIGINT,
    last_run_status TEXT,
    last_run_error_code TEXT,
    last_run_failure_reason TEXT,
    UNIQUE (tenant_id, display_name)
);
CREATE INDEX detection_rules_due ON detection_rules (is_enabled, next_run_ns);

CREATE TABLE rule_runs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    rule_id TEXT NOT NULL,
    started_ns BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    window_start_ns BIGINT NOT NULL,
    window_end_ns BIGINT NOT NULL,
    status TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    rows_scanned BIGINT NOT NULL,
    alert_count BIGINT NOT NULL,
    rows_over_cap BIGINT NOT NULL,
    error_code TEXT,
    failure_reason TEXT
);
CREATE INDEX rule_runs_rule ON rule_runs (tenant_id, rule_id, started_ns);
