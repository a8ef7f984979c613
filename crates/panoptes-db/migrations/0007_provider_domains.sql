-- E-mail domains an OpenID provider signs in, for home-realm discovery on the sign-in page:
-- a user types their address and is offered their organization's provider. A domain belongs
-- to one provider in the instance, so no other tenant can put its provider in front of
-- that domain's users.
CREATE TABLE identity_provider_domains (
    domain TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    provider_id TEXT NOT NULL REFERENCES identity_providers (id)
);
CREATE INDEX identity_provider_domains_provider ON identity_provider_domains (provider_id);
