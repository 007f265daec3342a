package io.countersign.gateway.delivery;

import io.vertx.core.buffer.Buffer;
import java.time.OffsetDateTime;

/**
 * One leased delivery, ready to send: where, what (the exact stored bytes) and with which secrets.
 * {@code attemptsSoFar} counts earlier attempts; this one is number {@code attemptsSoFar + 1}. {@code retryBase} is the
 * attempt count when the delivery was last replayed: the retry schedule counts from there. A non-null
 * {@code rateLimitPerSecond} means each attempt first takes a token from the endpoint's shared budget.
 */
public record DeliveryTask(String tenantId, String eventId, String endpointId, int attemptsSoFar, int retryBase,
    String url, Buffer payload, SigningKeys keys, OffsetDateTime eventCreatedAt, Integer rateLimitPerSecond) {}
