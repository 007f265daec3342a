package io.countersign.gateway.ingest;

/**
 * How a claim ended: this request created the event, or the key was already taken (with what was stored).
 * {@code deliveries}: how many the event fans out to. {@code batchSize}: how many claims shared its statement (a span
 * attribute).
 */
sealed interface ClaimResult {
  String eventId();

  int batchSize();

  record Won(String eventId, int deliveries, int batchSize) implements ClaimResult {}

  record AlreadyClaimed(String eventId, byte[] bodySha256, int deliveryCount, int batchSize) implements ClaimResult {}
}
