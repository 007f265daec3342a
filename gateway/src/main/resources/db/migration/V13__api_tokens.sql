-- Several API tokens per tenant, each with scopes, an optional expiry, and a revocation. The tenant's first token
-- moves here with every scope, so it keeps working.
CREATE TABLE api_tokens (
    tenant_id     text        NOT NULL REFERENCES tenants (tenant_id),
    token_id      text        NOT NULL,
    name          text        NOT NULL,
    -- SHA-256 of the token; the token itself is shown once and never stored
    token_hash    bytea       NOT NULL,
    -- its last four characters, to tell tokens apart ('' for tokens made before V13)
    hint          text        NOT NULL,
    scopes        text[]      NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    PRIMARY KEY (tenant_id, token_id)
);

INSERT INTO api_tokens (tenant_id, token_id, name, token_hash, hint, scopes, created_at)
SELECT tenant_id, token_id, 'initial', token_hash, '', ARRAY['events:write', 'read', 'manage'], created_at FROM tenants;

ALTER TABLE tenants DROP COLUMN token_id;
ALTER TABLE tenants DROP COLUMN token_hash;
