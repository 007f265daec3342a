package io.countersign.gateway.outbound;

/**
 * The one classification of a receiver's status code, shared by deliveries, probes, the 401/403 alarm and the
 * views: 2xx is a success; 401 and 403 are signature rejections (the incident's signal: the receiver does not hold
 * the key that signed); anything else, or no answer, is a failure.
 *
 * <pre>{@code
 * if (ReceiverAnswers.isSignatureRejection(status)) metrics.signatureRejection(tenant, endpoint);
 * }</pre>
 */
public final class ReceiverAnswers {
  private ReceiverAnswers() {}

  public static boolean isSuccess(Integer status) {
    return status != null && status >= 200 && status < 300;
  }

  public static boolean isSignatureRejection(Integer status) {
    return status != null && (status == 401 || status == 403);
  }

  /** A probe's result: {@code accepted} (2xx), {@code rejected} (401/403) or {@code failed} (anything else). */
  public static String probeResult(Integer status) {
    return isSuccess(status) ? "accepted" : isSignatureRejection(status) ? "rejected" : "failed";
  }
}
