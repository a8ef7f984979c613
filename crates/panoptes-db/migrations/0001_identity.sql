-- Tenancy, principals, grants, sessions, tokens and the audit ledger. One dialect subset
-- (TEXT, BIGINT, no vendor types) serves SQLite and PostgreSQL alike. Times are Unix
-- nanoseconds; flags are 0/1 BIGINTs. Every row carries the tenant that owns it.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    status TEXT NOT NULL,
    retention_days BIGINT NOT NULL,
    created_ns BIGINT NOT NULL
);
CREATE UNIQUE INDEX tenants_name ON tenants (name);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until_ns BIGINT NOT NULL DEFAULT 0,
    instance_admin BIGINT NOT NULL DEFAULT 0,
    created_ns BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);

CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL
);

CREATE TABLE group_members (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    group_id TEXT NOT NULL REFERENCES groups (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE service_principals (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    created_ns BIGINT NOT NULL
);

-- A role held in tenant_id by a user (member or guest), a group or a service principal.
CREATE TABLE role_assignments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    principal_kind TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    role TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_ns BIGINT NOT NULL
);
CREATE INDEX role_assignments_principal ON role_assignments (principal_id);

-- tenant_id invited user_id (whose home is home_tenant_id).
CREATE TABLE guests (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    home_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    state TEXT NOT NULL,
    created_ns BIGINT NOT NULL
);
CREATE UNIQUE INDEX guests_tenant_user ON guests (tenant_id, user_id);

-- A delegated-access relationship: tenant_id is the customer, partner_tenant_id the partner
-- whose group group_id holds `permissions` in the customer while active.
CREATE TABLE delegations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    partner_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    group_id TEXT NOT NULL REFERENCES groups (id),
    roles TEXT NOT NULL,
    permissions TEXT NOT NULL,
    state TEXT NOT NULL,
    duration_ns BIGINT NOT NULL,
    starts_ns BIGINT,
    ends_ns BIGINT,
    created_ns BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_ns BIGINT NOT NULL,
    last_seen_ns BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    principal_kind TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires_ns BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0,
    created_ns BIGINT NOT NULL
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);

-- Which tenants a principal has added to its multi-tenant view (tenant_id: the principal's home).
CREATE TABLE view_tenants (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    principal_id TEXT NOT NULL,
    view_tenant_id TEXT NOT NULL,
    PRIMARY KEY (principal_id, view_tenant_id)
);

CREATE TABLE tenant_groups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    members TEXT NOT NULL
);

-- Append-only, hash-chained per tenant: hash = sha256(prev_hash | fields).
CREATE TABLE audit_entries (
    tenant_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at_ns BIGINT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_tenant_id TEXT NOT NULL,
    via TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
