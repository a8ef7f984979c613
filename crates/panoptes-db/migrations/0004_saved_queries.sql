-- Saved hunting queries. `personal` ones belong to their owner (kept in the owner's home
-- tenant); `tenant` ones are shared with everyone who may hunt in `tenant_id` (shared in the
-- provider's own tenant, they are the MSSP team's queries).
CREATE TABLE saved_queries (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    sharing TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    query TEXT NOT NULL,
    created_ns BIGINT NOT NULL
);

CREATE INDEX saved_queries_tenant ON saved_queries (tenant_id, sharing);
CREATE INDEX saved_queries_owner ON saved_queries (owner_id);
