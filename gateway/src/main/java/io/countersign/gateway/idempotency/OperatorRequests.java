package io.countersign.gateway.idempotency;

import static io.countersign.gateway.support.Wire.sha256;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.IdempotencyKeys;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import java.security.MessageDigest;
import java.util.function.Function;

/**
 * Operator calls that a double-click, a retry or a flaky network cannot repeat. The {@code Idempotency-Key} is
 * claimed with {@code INSERT ... ON CONFLICT DO NOTHING} in the same transaction as the change, so across processes
 * exactly one request with a key makes its change; a retry (even one that arrives while the first is still running:
 * PostgreSQL makes it wait for the first's commit) gets the first answer, marked {@code Idempotent-Replayed: true}.
 * A failed request rolls its claim back with its change, so its retry runs again.
 *
 * <pre>{@code
 * requests.once(OperatorRequests.key(ctx, tenantId), client -> rotate(client).map(view -> new Answer(200, view, ep, secretId)))
 *     .onSuccess(answer -> OperatorRequests.reply(ctx, answer));
 * }</pre>
 *
 * <p>Answers are stored without secrets: a caller that must show a secret again keeps its id in the answer and
 * re-reads it, see {@code SecretRoutes}.
 */
public final class OperatorRequests {

  /** A request's key and the hash of what the client sent: method, path, If-Match and the JSON body. */
  public record Key(String tenantId, String value, byte[] requestHash) {}

  /**
   * An answer as first given. {@code secretId} names a secret the answer revealed (kept out of {@code body});
   * {@code replayed} is true when this is a repeat of an earlier request's answer.
   */
  public record Answer(int status, JsonObject body, String endpointId, String secretId, boolean replayed) {
    public Answer(int status, JsonObject body, String endpointId, String secretId) {
      this(status, body, endpointId, secretId, false);
    }
  }

  private final Pool pool;

  public OperatorRequests(Pool pool) {
    this.pool = pool;
  }

  /** The request's key, or null when it has none (the call is then simply not deduplicated). */
  public static Key key(RoutingContext ctx, String tenantId) {
    String value = IdempotencyKeys.parse(ctx.request().getHeader(IdempotencyKeys.HEADER), null);
    if (value == null) {
      return null;
    }
    String ifMatch = ctx.request().getHeader("If-Match");
    String sent = ctx.request().method().name() + '\n' + ctx.request().path() + '\n' + (ifMatch == null ? "" : ifMatch.trim())
        + '\n' + JsonBodies.object(ctx).encode();
    return new Key(tenantId, value, sha256(sent));
  }

  /**
   * Runs {@code work} once per key: on a fresh key inside a transaction that also records its answer; on a used
   * key, answers what the first request got (422 if that request was a different one). Without a key, runs it on
   * the pool.
   */
  public Future<Answer> once(Key key, Function<SqlClient, Future<Answer>> work) {
    if (key == null) {
      return work.apply(pool);
    }
    return pool.withTransaction(conn -> conn.preparedQuery(OperatorRequestSql.CLAIM)
        .execute(new OperatorRequestSql.ClaimParams(key.tenantId(), key.value(), key.requestHash()).tuple())
        .compose(claimed -> claimed.size() == 0 ? earlier(conn, key)
            : work.apply(conn).compose(answer -> conn.preparedQuery(OperatorRequestSql.RECORD)
                .execute(new OperatorRequestSql.RecordParams(key.tenantId(), key.value(), answer.status(),
                    answer.body().encode(), answer.endpointId(), answer.secretId()).tuple())
                .map(answer))));
  }

  private static Future<Answer> earlier(SqlClient client, Key key) {
    return client.preparedQuery(OperatorRequestSql.EXISTING).execute(new OperatorRequestSql.Key(key.tenantId(), key.value()).tuple()).map(rows -> {
      Row row = rows.iterator().next();
      if (!MessageDigest.isEqual(row.getBuffer("request_sha256").getBytes(), key.requestHash())) {
        throw new ApiError(422, "idempotency_key_reused", "Idempotency-Key " + key.value()
            + " was already used for a different request (another call, endpoint, If-Match or body); use a new key"
            + " for a new intent");
      }
      return new Answer(row.getInteger("status_code"), new JsonObject(row.getString("response")),
          row.getString("endpoint_id"), row.getString("secret_id"), true);
    });
  }

  /** Sends an answer: its status, its body, the endpoint version as ETag, and the replay marker. */
  public static void reply(RoutingContext ctx, Answer answer) {
    ctx.response().setStatusCode(answer.status());
    Object version = answer.body().getValue("version");
    if (version instanceof Number n) {
      ctx.response().putHeader(Responses.ETAG, Responses.etag(n.longValue()));
    }
    if (answer.replayed()) {
      ctx.response().putHeader("Idempotent-Replayed", "true");
    }
    if (answer.status() == 204) {
      ctx.response().end();
    } else {
      Responses.json(ctx.response(), answer.body());
    }
  }
}
