-- OpenID sign-ins between the redirect to the provider and its callback, so a restart (or
-- another instance behind the same load balancer) can finish them. Keyed by a hash of the
-- `state`; the PKCE verifier and nonce are sealed by the application.
CREATE TABLE oidc_flows (
    state_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    provider_id TEXT NOT NULL,
    verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    started_ns BIGINT NOT NULL
);
CREATE INDEX oidc_flows_started ON oidc_flows (started_ns);
