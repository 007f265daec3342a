package io.countersign.load;

import io.countersign.signature.WebhookVerifier;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Rotates every endpoint's secret during the run, like an operator following the runbook: end the previous
 * overlap (the receiver has adopted the last secret), rotate with If-Match, and let the receiver adopt the new
 * secret only after a delay. A correct gateway gives zero signature failures throughout.
 */
final class Rotator {
  private final ControlPlane api;
  private final Receiver receiver;
  private final String tenant;
  private final String token;
  private final String[] endpointIds;
  private final String[] held;
  private final Duration adoptDelay;
  private final Stats stats;
  private final ScheduledExecutorService adoptions = Executors.newSingleThreadScheduledExecutor();

  Rotator(ControlPlane api, Receiver receiver, String tenant, String token, String[] endpointIds,
      String[] initialSecrets, Duration adoptDelay, Stats stats) {
    this.api = api;
    this.receiver = receiver;
    this.tenant = tenant;
    this.token = token;
    this.endpointIds = endpointIds;
    this.held = initialSecrets.clone();
    this.adoptDelay = adoptDelay;
    this.stats = stats;
  }

  void rotateAll() {
    for (int i = 0; i < endpointIds.length; i++) {
      try {
        rotate(i);
      } catch (Exception e) {
        System.out.println("rotation of endpoint " + i + " failed: " + e.getMessage());
      }
    }
  }

  private void rotate(int i) throws Exception {
    JsonObject view = api.endpoint(tenant, token, endpointIds[i]);
    long version = view.getLong("version");
    if (view.getJsonArray("secrets").size() > 1) {
      view = api.secretCall(tenant, token, endpointIds[i], "expire-previous", version, null);
      version = view.getLong("version");
      if (held[i] != null) {
        receiver.hold(i, ControlPlane.hold(WebhookVerifier.builder(), "current", held[i]).build());
      }
    }
    JsonObject rotated = api.secretCall(tenant, token, endpointIds[i], "rotate", version,
        new JsonObject().put("overlap", "PT1H"));
    stats.rotations.incrementAndGet();
    String fresh = ControlPlane.receiverKey(rotated);
    String old = held[i];
    held[i] = fresh;
    // a slow receiver: it keeps verifying with what it has until it adopts the new secret, then accepts both until
    // the overlap is ended, as the rotation playbook advises
    adoptions.schedule(() -> {
      WebhookVerifier.Builder b = ControlPlane.hold(WebhookVerifier.builder(), "new", fresh);
      if (old != null) {
        ControlPlane.hold(b, "old", old);
      }
      receiver.hold(i, b.build());
    }, adoptDelay.toMillis(), TimeUnit.MILLISECONDS);
  }
}
