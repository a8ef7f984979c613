-- Named custom roles: a tenant's own permission sets from the fixed permission list, assigned
-- by name like the built-in roles.
CREATE TABLE custom_roles (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_ns BIGINT NOT NULL
);

CREATE UNIQUE INDEX custom_roles_name ON custom_roles (tenant_id, name);

-- Guests and delegations are looked up by tenant and by user, never scanned.
CREATE INDEX guests_user ON guests (user_id);
CREATE INDEX delegations_customer ON delegations (tenant_id);
CREATE INDEX delegations_partner ON delegations (partner_tenant_id);
