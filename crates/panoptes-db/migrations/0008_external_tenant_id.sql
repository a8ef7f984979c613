-- The tenant's id at its telemetry source (the Entra tenant GUID Defender's streaming API
-- writes as `tenantId`): streamed records that name any other tenant are refused.
ALTER TABLE tenants ADD COLUMN external_tenant_id TEXT;
