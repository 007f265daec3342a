package io.countersign.gateway.tenants;

import io.countersign.gateway.support.Rows;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.secrets.RaceAlerts;
import io.countersign.gateway.support.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Tenants and their API tokens: creation (with the first token), reading (with the rotation-race flag), and the
 * token lifecycle. A token's value exists only in the answer that creates it ({@link Issued}); what is stored is
 * its hash. Every change here tells the {@link TenantDirectory} to forget the tenant, so this process sees it at once.
 *
 * <pre>{@code
 * tenants.create("acme", "Acme").onSuccess(issued -> reply(201, issued.token()));
 * }</pre>
 */
public final class TenantService {
  /** A token just issued: its value, shown once, and its stored row's creation time. */
  public record Issued(String tokenId, String token, String hint, Instant createdAt) {}

  /** A tenant as read, with the race-pattern flag (null when not raised). */
  public record Tenant(String id, String name, Instant createdAt, JsonObject rotationRaceAlert) {}

  private final Pool pool;
  private final TenantDirectory directory;
  private final RaceAlerts raceAlerts;

  public TenantService(Pool pool, TenantDirectory directory, RaceAlerts raceAlerts) {
    this.pool = pool;
    this.directory = directory;
    this.raceAlerts = raceAlerts;
  }

  /** A new tenant with an initial token holding every scope; 409 {@code tenant_exists} if the id is taken. */
  public Future<Issued> create(String id, String name) {
    NewToken t = NewToken.mint();
    return pool.preparedQuery(TenantSql.INSERT)
        .execute(new TenantSql.InsertParams(id, name, t.id(), Tokens.hash(t.value()), t.hint()).tuple())
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(ApiError.conflict("tenant_exists", "tenant " + id + " already exists"))
            : Future.succeededFuture(t.issued(rows.iterator().next())))
        .onSuccess(issued -> directory.forget(id));
  }

  /** A token's value, id and hint (its last four characters), before it is stored as a hash. */
  private record NewToken(String value, String id, String hint) {
    static NewToken mint() {
      String value = Tokens.newToken();
      return new NewToken(value, Ids.tokenId(), value.substring(value.length() - 4));
    }

    Issued issued(Row stored) {
      return new Issued(id, value, hint, stored.getOffsetDateTime("created_at").toInstant());
    }
  }

  public Future<Tenant> get(String tenantId) {
    Future<io.vertx.sqlclient.RowSet<Row>> tenant = pool.preparedQuery(TenantSql.GET).execute(Tuple.of(tenantId));
    Future<JsonObject> alert = raceAlerts.alert(tenantId);
    return Future.all(tenant, alert).map(all -> {
      Row row = tenant.result().iterator().next();
      return new Tenant(row.getString("tenant_id"), row.getString("name"),
          row.getOffsetDateTime("created_at").toInstant(), alert.result());
    });
  }

  /** A new token with {@code scopes}, audited; valid in every process within the directory's staleness. */
  public Future<Issued> createToken(String tenantId, String name, Set<String> scopes, Instant expiresAt,
      String actor) {
    NewToken t = NewToken.mint();
    return pool.preparedQuery(TenantSql.CREATE_TOKEN).execute(new TenantSql.TokenParams(tenantId, t.id(), name,
            Tokens.hash(t.value()), t.hint(), scopes.toArray(String[]::new), expiresAt, actor).tuple())
        .map(rows -> t.issued(rows.iterator().next()))
        .onSuccess(issued -> directory.forget(tenantId));
  }

  /** The tenant's tokens, revoked ones too, without values. */
  public Future<List<Row>> tokens(String tenantId) {
    return pool.preparedQuery(TenantSql.LIST_TOKENS).execute(Tuple.of(tenantId)).map(Rows::list);
  }

  /** Revokes an active token, audited; 404 {@code token_not_found} if there is none by that id. */
  public Future<Void> revokeToken(String tenantId, String tokenId, String actor) {
    return pool.preparedQuery(TenantSql.REVOKE_TOKEN).execute(new TenantSql.RevokeParams(tenantId, tokenId, actor).tuple())
        .compose(rows -> rows.size() == 0
            ? Future.<Void>failedFuture(ApiError.notFound("token_not_found", "no active token " + tokenId
                + " in this tenant"))
            : Future.<Void>succeededFuture())
        .onSuccess(v -> directory.forget(tenantId));
  }
}
