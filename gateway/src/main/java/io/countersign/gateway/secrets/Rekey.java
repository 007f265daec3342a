package io.countersign.gateway.secrets;

import io.countersign.gateway.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/admin/rekey} (admin): re-seals every stored secret, and every endpoint's custom headers, under the
 * primary master key, while the gateway keeps serving. Earlier keys stay configured ({@code secrets.previousMasterKeys}) until this reports
 * {@code remaining: 0}; then they can be removed. Secret values, ids and versions do not change.
 */
public final class Rekey {
  private static final int MAX_ROUNDS = 1_000;

  private final Pool pool;
  private final SecretCipher cipher;
  /** Lets only the admin token through (tenants' {@code AdminToken.required()}); secrets does not know tokens. */
  private final io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> adminOnly;

  public Rekey(Pool pool, SecretCipher cipher, io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> adminOnly) {
    this.pool = pool;
    this.cipher = cipher;
    this.adminOnly = adminOnly;
  }

  public void mount(Router router) {
    router.post("/v1/admin/rekey").handler(adminOnly);
    router.post("/v1/admin/rekey").handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    run(new int[2], 0).compose(counts -> headers(counts, 0)).onSuccess(counts -> Responses.json(ctx.response(), new JsonObject()
            .put("primaryKeyId", cipher.primaryKeyId()).put("resealed", counts[0]).put("remaining", counts[1])))
        .onFailure(ctx::fail);
  }

  /** counts[0]: rows re-sealed; counts[1]: rows still under another key (unknown keys, or rounds exhausted). */
  private Future<int[]> run(int[] counts, int round) {
    return pool.preparedQuery(SecretSql.NOT_UNDER_KEY).execute(Tuple.of(cipher.primaryKeyId())).compose(rows -> {
      List<Tuple> updates = new ArrayList<>();
      int undecryptable = 0;
      for (Row row : rows) {
        Tuple t = reseal(row);
        if (t == null) {
          undecryptable++;
        } else {
          updates.add(t);
        }
      }
      if (updates.isEmpty() || round >= MAX_ROUNDS) {
        counts[1] = rows.size();
        return Future.succeededFuture(counts);
      }
      int resealed = updates.size();
      int skipped = undecryptable;
      return pool.preparedQuery(SecretSql.RESEAL).executeBatch(updates).compose(done -> {
        counts[0] += resealed;
        // rows whose key is not configured can never be re-sealed here: stop instead of spinning on them
        return skipped == rows.size() ? Future.succeededFuture(counts) : run(counts, round + 1);
      });
    });
  }

  /** The same for custom headers: counts as in {@link #run}. */
  private Future<int[]> headers(int[] counts, int round) {
    return pool.preparedQuery(SecretSql.HEADERS_NOT_UNDER_KEY).execute(Tuple.of(cipher.primaryKeyId())).compose(rows -> {
      List<Tuple> updates = new ArrayList<>();
      for (Row row : rows) {
        String keyId = row.getString("custom_headers_key_id");
        if (cipher.canDecrypt(keyId)) {
          String binding = SecretCipher.binding(row.getString("tenant_id"), row.getString("endpoint_id"),
              SecretCipher.CUSTOM_HEADERS);
          byte[] old = row.getBuffer("custom_headers").getBytes();
          byte[] plain = cipher.decrypt(keyId, old, binding);
          updates.add(new SecretSql.ResealHeadersParams(row.getString("tenant_id"), row.getString("endpoint_id"),
              old, cipher.encrypt(plain, binding), cipher.primaryKeyId()).tuple());
          java.util.Arrays.fill(plain, (byte) 0);
        }
      }
      if (updates.isEmpty() || round >= MAX_ROUNDS) {
        counts[1] += rows.size();
        return Future.succeededFuture(counts);
      }
      int resealed = updates.size();
      return pool.preparedQuery(SecretSql.RESEAL_HEADERS).executeBatch(updates).compose(done -> {
        counts[0] += resealed;
        if (resealed < rows.size()) {
          // some are under a key that is not configured: they cannot be re-sealed here
          counts[1] += rows.size() - resealed;
          return Future.succeededFuture(counts);
        }
        return headers(counts, round + 1);
      });
    });
  }

  private Tuple reseal(Row row) {
    String tenantId = row.getString("tenant_id");
    String endpointId = row.getString("endpoint_id");
    String currentId = row.getString("current_secret_id");
    String currentKey = row.getString("current_key_id");
    String previousId = row.getString("previous_secret_id");
    String previousKey = row.getString("previous_key_id");
    if (!cipher.canDecrypt(currentKey) || (previousId != null && !cipher.canDecrypt(previousKey))) {
      return null;
    }
    byte[] current = resealOne(tenantId, endpointId, currentId, currentKey, row.getBuffer("current_secret").getBytes());
    byte[] previous = previousId == null ? null : resealOne(tenantId, endpointId, previousId, previousKey,
        row.getBuffer("previous_secret").getBytes());
    return new SecretSql.ResealParams(tenantId, endpointId, currentId, current, previousId, previous,
        cipher.primaryKeyId()).tuple();
  }

  private byte[] resealOne(String tenantId, String endpointId, String secretId, String keyId, byte[] sealed) {
    String binding = SecretCipher.binding(tenantId, endpointId, secretId);
    if (keyId.equals(cipher.primaryKeyId())) {
      return sealed;
    }
    byte[] plain = cipher.decrypt(keyId, sealed, binding);
    try {
      return cipher.encrypt(plain, binding);
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }
}
