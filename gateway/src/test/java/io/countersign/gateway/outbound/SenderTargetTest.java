package io.countersign.gateway.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.http.ApiError;
import org.junit.jupiter.api.Test;

class SenderTargetTest {
  @Test
  void aTargetKeepsWhatEveryAttemptNeedsFromTheUrl() {
    Sender.Target plain = Sender.Target.of("http://hooks.example.com");
    assertFalse(plain.https());
    assertEquals(80, plain.port());
    assertEquals("/", plain.pathAndQuery());
    assertEquals("hooks.example.com", plain.uri().getHost());

    Sender.Target tls = Sender.Target.of("https://hooks.example.com/in/%7Eme?a=1&b=%20");
    assertTrue(tls.https());
    assertEquals(443, tls.port());
    assertEquals("/in/%7Eme?a=1&b=%20", tls.pathAndQuery(), "sent exactly as the operator wrote it");

    assertEquals(8443, Sender.Target.of("https://hooks.example.com:8443/x").port());
  }

  @Test
  void anInvalidUrlIsRefusedTheWayTheApiRefusesIt() {
    assertThrows(ApiError.class, () -> Sender.Target.of("ftp://hooks.example.com/"));
    assertThrows(ApiError.class, () -> Sender.Target.of("https://user:pw@hooks.example.com/"));
  }
}
