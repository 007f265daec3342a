package io.countersign.gateway.ingest;

import io.countersign.gateway.delivery.DeliveryTask;
import java.util.List;

/** How a claim ended: this request created the event, or the key was already taken (with what was stored). */
sealed interface ClaimResult {
  record Won(String eventId, List<DeliveryTask> deliveries, boolean leased) implements ClaimResult {}

  record AlreadyClaimed(String eventId, byte[] bodySha256, int deliveryCount) implements ClaimResult {}
}
