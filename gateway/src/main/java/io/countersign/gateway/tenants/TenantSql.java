package io.countersign.gateway.tenants;

final class TenantSql {
  static final String INSERT = """
      INSERT INTO tenants (tenant_id, name, token_id, token_hash) VALUES ($1, $2, $3, $4)
      ON CONFLICT (tenant_id) DO NOTHING
      RETURNING created_at""";

  static final String AUTH = "SELECT token_id, token_hash FROM tenants WHERE tenant_id = $1";

  static final String GET = "SELECT tenant_id, name, created_at FROM tenants WHERE tenant_id = $1";

  private TenantSql() {}
}
