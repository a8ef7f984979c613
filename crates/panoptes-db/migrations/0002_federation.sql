-- Federated sign-in: OpenID providers a tenant trusts for its users, and which provider
-- subject is bound to which user (bound at the first sign-in, so a later change of e-mail
-- at the provider cannot move a session to another user).
CREATE TABLE identity_providers (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    display_name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    username_claim TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    created_ns BIGINT NOT NULL
);

CREATE INDEX identity_providers_tenant ON identity_providers (tenant_id);

CREATE TABLE federated_identities (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    provider_id TEXT NOT NULL REFERENCES identity_providers (id),
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (provider_id, subject)
);

CREATE UNIQUE INDEX federated_identities_user ON federated_identities (provider_id, user_id);
