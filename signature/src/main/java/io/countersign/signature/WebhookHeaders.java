package io.countersign.signature;

/**
 * Header names of the Standard Webhooks convention, lower-case as sent on the wire.
 *
 * <pre>{@code
 * String id = request.getHeader(WebhookHeaders.ID);
 * String ts = request.getHeader(WebhookHeaders.TIMESTAMP);
 * String sig = request.getHeader(WebhookHeaders.SIGNATURE);
 * }</pre>
 */
public final class WebhookHeaders {
  public static final String ID = "webhook-id";
  public static final String TIMESTAMP = "webhook-timestamp";
  public static final String SIGNATURE = "webhook-signature";

  private WebhookHeaders() {}
}
