package io.countersign.gateway.delivery;

import io.vertx.core.buffer.Buffer;
import java.time.OffsetDateTime;

/**
 * One fresh delivery a claim leased to this process, as the claim answers it: the endpoint's send_version (V23) in
 * place of what sending to it needs, which the dispatcher holds per endpoint ({@link EndpointSnapshots}).
 */
public record ClaimedDelivery(String tenantId, String eventId, String endpointId, long sendVersion,
    OffsetDateTime eventCreatedAt, Buffer payload, String traceContext) {

  /**
   * How far ahead a delivery behind an open circuit is parked, by whichever statement creates or meets it (the
   * claim, the lease): past any open period, so the pollers' scan of due work never walks a stalled endpoint's
   * backlog, and a backlog is rewritten about once an hour at most. A successful probe has them leased at once
   * from where they lie ({@code DeliverySql.LEASE_RELEASED}); this bound only matters if that never happens, and
   * then they are an hour late, not lost.
   */
  public static final String PARKED_FOR = "interval '1 hour'";
}
