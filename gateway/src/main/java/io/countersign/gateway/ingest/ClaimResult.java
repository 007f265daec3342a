package io.countersign.gateway.ingest;

import io.countersign.gateway.delivery.DeliveryTask;
import java.util.List;

/**
 * How a claim ended: this request created the event, or the key was already taken (with what was stored).
 * {@code batchSize} is how many claims shared its statement (a span attribute).
 */
sealed interface ClaimResult {
  String eventId();

  int batchSize();

  record Won(String eventId, List<DeliveryTask> deliveries, int batchSize) implements ClaimResult {}

  record AlreadyClaimed(String eventId, byte[] bodySha256, int deliveryCount, int batchSize) implements ClaimResult {}
}
