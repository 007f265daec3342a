package io.countersign.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.standardwebhooks.Webhook;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
  private static final byte[] BODY = "{\"order\":42}".getBytes(StandardCharsets.UTF_8);
  private final WebhookSecret current = WebhookSecret.generate();
  private final WebhookSecret previous = WebhookSecret.generate();
  private final WebhookVerifier verifier = WebhookVerifier.builder()
      .secret("current", current).secret("previous", previous)
      .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();

  private static String ts(Instant at) {
    return Long.toString(at.getEpochSecond());
  }

  @Test
  void reportsWhichSecretMatchedDuringAnOverlap() throws Exception {
    String both = new WebhookSigner(current, previous).sign("msg_1", NOW.getEpochSecond(), BODY);
    assertEquals("current", verifier.verify("msg_1", ts(NOW), both, BODY).secretLabel());

    WebhookVerifier oldOnly = WebhookVerifier.builder().secret("old", previous)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
    assertEquals("old", oldOnly.verify("msg_1", ts(NOW), both, BODY).secretLabel());
  }

  @Test
  void acceptsSignaturesMadeByTheOfficialLibrary() throws Exception {
    String sig = new Webhook(previous.reveal()).sign("msg_9", NOW.getEpochSecond(), new String(BODY, StandardCharsets.UTF_8));
    assertEquals("previous", verifier.verify("msg_9", ts(NOW), sig, BODY).secretLabel());
  }

  @Test
  void rejectsWithAClearReason() {
    String sig = new WebhookSigner(current).sign("msg_1", NOW.getEpochSecond(), BODY);
    assertReason(WebhookVerificationException.Reason.MISSING_HEADER, () -> verifier.verify("msg_1", ts(NOW), null, BODY));
    assertReason(WebhookVerificationException.Reason.INVALID_TIMESTAMP, () -> verifier.verify("msg_1", "soon", sig, BODY));
    Instant stale = NOW.minus(Duration.ofMinutes(6));
    String staleSig = new WebhookSigner(current).sign("msg_1", stale.getEpochSecond(), BODY);
    assertReason(WebhookVerificationException.Reason.TIMESTAMP_TOO_OLD, () -> verifier.verify("msg_1", ts(stale), staleSig, BODY));
    Instant future = NOW.plus(Duration.ofMinutes(6));
    assertReason(WebhookVerificationException.Reason.TIMESTAMP_IN_FUTURE, () -> verifier.verify("msg_1", ts(future), sig, BODY));
    byte[] tampered = "{\"order\":43}".getBytes(StandardCharsets.UTF_8);
    assertReason(WebhookVerificationException.Reason.NO_MATCHING_SIGNATURE, () -> verifier.verify("msg_1", ts(NOW), sig, tampered));
    assertReason(WebhookVerificationException.Reason.NO_MATCHING_SIGNATURE, () -> verifier.verify("msg_2", ts(NOW), sig, BODY));
    assertReason(WebhookVerificationException.Reason.NO_MATCHING_SIGNATURE, () -> verifier.verify("msg_1", ts(NOW), "v1,@@@ v2,abc", BODY));
  }

  private static void assertReason(WebhookVerificationException.Reason reason, ThrowingCall call) {
    WebhookVerificationException e = assertThrows(WebhookVerificationException.class, call::run);
    assertEquals(reason, e.reason());
  }

  @FunctionalInterface
  interface ThrowingCall {
    void run() throws Exception;
  }
}
