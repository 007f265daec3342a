-- Countersign core schema.
-- Every tenant-owned table carries tenant_id, and its primary key and unique keys begin with it, so the schema
-- distributes by tenant (Citus) without change.

CREATE TABLE tenants (
    tenant_id   text        NOT NULL,
    name        text        NOT NULL,
    token_id    text        NOT NULL,
    -- SHA-256 of the tenant API token; the token itself is shown once and never stored
    token_hash  bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);

CREATE TABLE endpoints (
    tenant_id            text        NOT NULL REFERENCES tenants (tenant_id),
    endpoint_id          text        NOT NULL,
    url                  text        NOT NULL,
    -- empty means every event type
    event_types          text[]      NOT NULL DEFAULT '{}',
    enabled              boolean     NOT NULL DEFAULT true,
    -- bumped by every change to the secret state; the If-Match of compare-and-set changes
    version              bigint      NOT NULL DEFAULT 1,
    -- secrets are AES-GCM ciphertext (nonce || ciphertext || tag) under the master key named by *_key_id
    current_secret_id    text        NOT NULL,
    current_secret       bytea       NOT NULL,
    current_key_id       text        NOT NULL,
    current_hint         text        NOT NULL,
    current_created_at   timestamptz NOT NULL,
    previous_secret_id   text,
    previous_secret      bytea,
    previous_key_id      text,
    previous_hint        text,
    previous_created_at  timestamptz,
    previous_expires_at  timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz,
    PRIMARY KEY (tenant_id, endpoint_id),
    CHECK ((previous_secret_id IS NULL) = (previous_secret IS NULL)),
    CHECK ((previous_secret_id IS NULL) = (previous_expires_at IS NULL))
);

CREATE TABLE events (
    tenant_id        text        NOT NULL REFERENCES tenants (tenant_id),
    event_id         text        NOT NULL,
    -- minted by the sender; the claim is INSERT ... ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    idempotency_key  text        NOT NULL,
    event_type       text        NOT NULL,
    body_sha256      bytea       NOT NULL,
    -- the exact bytes the sender posted; they are signed and delivered as they are
    payload          bytea       NOT NULL,
    delivery_count   integer     NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id),
    UNIQUE (tenant_id, idempotency_key)
);

CREATE TABLE deliveries (
    tenant_id        text        NOT NULL,
    event_id         text        NOT NULL,
    endpoint_id      text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempt_count    integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- the gateway process that may send the next attempt, until lease_until
    lease_owner      text,
    lease_until      timestamptz,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    PRIMARY KEY (tenant_id, event_id, endpoint_id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, event_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES endpoints (tenant_id, endpoint_id)
);

-- due work: the poller scans pending rows by time
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_lease_idx ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE delivery_attempts (
    tenant_id     text        NOT NULL,
    event_id      text        NOT NULL,
    endpoint_id   text        NOT NULL,
    attempt_no    integer     NOT NULL,
    attempted_at  timestamptz NOT NULL,
    status_code   integer,
    error         text,
    latency_ms    integer     NOT NULL,
    PRIMARY KEY (tenant_id, event_id, endpoint_id, attempt_no),
    FOREIGN KEY (tenant_id, event_id, endpoint_id) REFERENCES deliveries (tenant_id, event_id, endpoint_id)
);

-- append-only: written in the same transaction as the change it records
CREATE TABLE audit_log (
    tenant_id       text        NOT NULL,
    audit_id        bigint      GENERATED ALWAYS AS IDENTITY,
    endpoint_id     text,
    kind            text        NOT NULL,
    actor           text        NOT NULL,
    version_before  bigint,
    version_after   bigint,
    detail          jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, audit_id)
);
CREATE INDEX audit_log_endpoint_idx ON audit_log (tenant_id, endpoint_id, created_at);
