package io.countersign.signature;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
  private static final byte[] BODY = "{\"b\": 1,   \"a\":[2 ,3]}\n".getBytes(StandardCharsets.UTF_8);

  @Test
  void signatureMatchesTheStandardWebhooksLibrary() throws Exception {
    WebhookSecret secret = WebhookSecret.generate();
    long ts = 1_700_000_000L;
    String ours = new WebhookSigner(secret).sign("msg_1", ts, BODY);
    String theirs = new Webhook(secret.reveal()).sign("msg_1", ts, new String(BODY, StandardCharsets.UTF_8));
    assertEquals(theirs, ours);
  }

  @Test
  void aBodyReadInPlaceFromAnyBufferSignsLikeItsBytesAndIsLeftUnread() throws Exception {
    WebhookSecret current = WebhookSecret.generate();
    WebhookSecret previous = WebhookSecret.generate();
    Mac[] macs = {WebhookSigner.newMac(current.key()), WebhookSigner.newMac(previous.key())};
    WebhookSigner signer = new WebhookSigner(current);
    byte[] id = "msg_3".getBytes(StandardCharsets.US_ASCII);
    String expected = signer.sign(macs, 2, id, 1_700_000_000L, BODY);
    // a slice of a larger heap array, and a direct buffer like a network read
    byte[] padded = new byte[BODY.length + 7];
    System.arraycopy(BODY, 0, padded, 3, BODY.length);
    ByteBuffer slice = ByteBuffer.wrap(padded, 3, BODY.length);
    ByteBuffer direct = ByteBuffer.allocateDirect(BODY.length).put(BODY).flip();
    for (ByteBuffer body : List.of(slice, direct)) {
      int position = body.position();
      assertEquals(expected, signer.sign(macs, 2, id, 1_700_000_000L, body));
      assertEquals(position, body.position());
      assertEquals(BODY.length, body.remaining());
    }
    String theirs = new Webhook(current.reveal()).sign("msg_3", 1_700_000_000L,
        new String(BODY, StandardCharsets.UTF_8));
    assertEquals(theirs, expected.split(" ")[0]);
  }

  @Test
  void dualSignatureIsCurrentFirstAndEachVerifiesWithTheOfficialLibrary() throws Exception {
    WebhookSecret current = WebhookSecret.generate();
    WebhookSecret previous = WebhookSecret.generate();
    long ts = Instant.now().getEpochSecond();
    String header = new WebhookSigner(current, previous).sign("msg_2", ts, BODY);
    String[] parts = header.split(" ");
    assertEquals(2, parts.length);
    assertEquals(new WebhookSigner(current).sign("msg_2", ts, BODY), parts[0]);
    Map<String, List<String>> headers = Map.of(
        "webhook-id", List.of("msg_2"),
        "webhook-timestamp", List.of(Long.toString(ts)),
        "webhook-signature", List.of(header));
    String payload = new String(BODY, StandardCharsets.UTF_8);
    assertDoesNotThrow(() -> new Webhook(current.reveal()).verify(payload, headers));
    assertDoesNotThrow(() -> new Webhook(previous.reveal()).verify(payload, headers));
    assertThrows(Exception.class, () -> new Webhook(WebhookSecret.generate().reveal()).verify(payload, headers));
  }

  @Test
  void reusedSignerGivesStableResultsAcrossTimestampsOfDifferentLengths() {
    WebhookSecret secret = WebhookSecret.generate();
    WebhookSigner signer = new WebhookSigner(secret);
    String first = signer.sign("m", 5, BODY);
    signer.sign("m", 1_700_000_000L, BODY);
    assertEquals(first, signer.sign("m", 5, BODY));
    assertEquals(new WebhookSigner(secret).sign("m", 5, BODY), first);
  }

  @Test
  void secretNeverPrintsItsValue() {
    WebhookSecret secret = WebhookSecret.generate();
    assertFalse(secret.toString().contains(secret.reveal().substring(6, 20)));
    assertTrue(secret.reveal().endsWith(secret.hint()));
    assertEquals(secret, WebhookSecret.parse(secret.reveal()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse("whsec_***not-b64***"));
    assertFalse(e.getMessage().contains("not-b64"));
  }
}
