package io.countersign.signature;

/**
 * Why a webhook was rejected. The message names the reason only: never a secret or a full signature.
 *
 * <pre>{@code
 * try { verifier.verify(id, ts, sig, body); }
 * catch (WebhookVerificationException e) { respond(401, e.reason().name()); }
 * }</pre>
 */
public final class WebhookVerificationException extends Exception {
  /** The reasons a delivery fails verification. */
  public enum Reason {
    MISSING_HEADER,
    INVALID_TIMESTAMP,
    TIMESTAMP_TOO_OLD,
    TIMESTAMP_IN_FUTURE,
    NO_MATCHING_SIGNATURE
  }

  private final Reason reason;

  public WebhookVerificationException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
