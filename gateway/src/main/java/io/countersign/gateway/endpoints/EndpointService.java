package io.countersign.gateway.endpoints;

import io.countersign.gateway.http.Principal;
import io.countersign.gateway.idempotency.OperatorRequests;
import io.countersign.gateway.idempotency.OperatorRequests.Answer;
import io.countersign.gateway.secrets.IssuedKey;
import io.countersign.gateway.secrets.SecretCipher;
import io.countersign.gateway.support.Ids;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Endpoint changes, each once per {@code Idempotency-Key} ({@link OperatorRequests}) and each one statement with its
 * audit row: creation (sealing the issued key and the custom headers), the compare-and-set change of settings and
 * the compare-and-set delete. A lost compare-and-set is a 409 naming the winner ({@link EndpointStore#conflict}).
 * The service behind {@link EndpointRoutes}, which validates the request and replies.
 *
 * <pre>{@code
 * endpoints.create(key, principal, issued, new EndpointService.NewEndpoint(url, types, null, Map.of(), false));
 * }</pre>
 */
public final class EndpointService {
  /** A validated creation request. */
  public record NewEndpoint(String url, List<String> eventTypes, Integer rateLimitPerSecond,
      Map<String, String> headers, boolean forwardTraceparent) {}

  /**
   * A validated change: null fields are left as they are; {@code headers} null leaves them, empty removes them.
   * {@code detail} is what the audit row says changed (header names only: a value may be a credential).
   */
  public record Change(String url, String[] eventTypes, Boolean enabled, boolean setRateLimit, Integer rateLimitPerSecond,
      Map<String, String> headers, boolean releaseHeld, Boolean forwardTraceparent, JsonObject detail) {}

  private final EndpointStore store;
  private final OperatorRequests requests;
  private final SecretCipher cipher;
  private final Clock clock;

  public EndpointService(EndpointStore store, OperatorRequests requests, SecretCipher cipher, Clock clock) {
    this.store = store;
    this.requests = requests;
    this.cipher = cipher;
    this.clock = clock;
  }

  /** Creates the endpoint with {@code issued} as its current key; the stored answer holds the key's id, never its value. */
  public Future<Answer> create(OperatorRequests.Key key, Principal principal, IssuedKey issued, NewEndpoint spec) {
    return requests.once(key, client -> {
      String tenantId = principal.tenantId();
      String endpointId = Ids.endpoint();
      Sealed headers = seal(tenantId, endpointId, spec.headers());
      String secretId = Ids.secret();
      byte[] sealed = cipher.encrypt(issued.material(), SecretCipher.binding(tenantId, endpointId, secretId));
      EndpointSql.InsertParams params = new EndpointSql.InsertParams(tenantId, endpointId, spec.url(),
          spec.eventTypes().toArray(String[]::new), issued.entry(secretId, cipher.primaryKeyId(), sealed,
              clock.instant()), spec.rateLimitPerSecond(), headers.bytes(), headers.keyId(), headers.hints(),
          spec.forwardTraceparent(), principal.actorId());
      return client.preparedQuery(EndpointSql.INSERT).execute(params.tuple())
          .map(rows -> new Answer(201, issued.supplied() ? store.view(rows.iterator().next()).put("secretSupplied", true)
              : store.view(rows.iterator().next()), endpointId, secretId));
    });
  }

  /** The change, if the endpoint is still at {@code expected}; re-enabling resumes its pending deliveries. */
  public Future<Answer> update(OperatorRequests.Key key, Principal principal, String endpointId, long expected,
      Change change) {
    Sealed headers = change.headers() == null ? new Sealed(null, null, null)
        : seal(principal.tenantId(), endpointId, change.headers());
    EndpointSql.UpdateParams params = new EndpointSql.UpdateParams(principal.tenantId(), endpointId, change.url(),
        change.eventTypes(), change.enabled(), principal.actorId(), change.detail().encode(), change.setRateLimit(),
        change.rateLimitPerSecond(), expected, change.headers() != null, headers.bytes(), headers.keyId(),
        headers.hints(), change.releaseHeld(), change.forwardTraceparent());
    return requests.once(key, client -> client.preparedQuery(EndpointSql.UPDATE).execute(params.tuple())
        .compose(rows -> rows.size() == 0 ? lost(principal, endpointId, "update", expected)
            : store.find(client, principal.tenantId(), endpointId))
        .map(row -> new Answer(200, store.view(row), endpointId, null)));
  }

  /** Deletes the endpoint, if it is still at {@code expected}; its pending deliveries are closed as failed. */
  public Future<Answer> delete(OperatorRequests.Key key, Principal principal, String endpointId, long expected) {
    return requests.once(key, client -> client.preparedQuery(EndpointSql.DELETE)
        .execute(new EndpointSql.DeleteParams(principal.tenantId(), endpointId, principal.actorId(), expected).tuple())
        .compose(rows -> rows.size() == 0 ? lost(principal, endpointId, "delete", expected)
            : Future.succeededFuture(new Answer(204, new JsonObject(), endpointId, null))));
  }

  /** Zero rows changed: the endpoint is gone (404) or another change landed first (409, audited). */
  private <T> Future<T> lost(Principal principal, String endpointId, String action, long expected) {
    return store.conflict(principal, endpointId, action, expected, null, false, () -> { })
        .compose(Future::failedFuture);
  }

  /** Sealed custom headers and their masked hints; all null when there are none. */
  private record Sealed(Buffer bytes, String keyId, String hints) {}

  private Sealed seal(String tenantId, String endpointId, Map<String, String> headers) {
    if (headers.isEmpty()) {
      return new Sealed(null, null, null);
    }
    byte[] sealed = cipher.encrypt(CustomHeaders.encode(headers), SecretCipher.binding(tenantId, endpointId,
        SecretCipher.CUSTOM_HEADERS));
    return new Sealed(Buffer.buffer(sealed), cipher.primaryKeyId(), CustomHeaders.masked(headers).encode());
  }
}
