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
  void theSocketAddressIsBuiltAgainOnlyWhenTheHostResolvesElsewhere() throws Exception {
    Sender.Target target = Sender.Target.of("http://hooks.example.com:8080/in");
    java.net.InetAddress first = java.net.InetAddress.getByAddress("hooks.example.com", new byte[] {10, 0, 0, 1});
    io.vertx.core.net.SocketAddress server = target.server(first);
    assertEquals("10.0.0.1", server.host());
    assertEquals(8080, server.port());
    assertTrue(server == target.server(java.net.InetAddress.getByAddress(new byte[] {10, 0, 0, 1})), "reused");
    assertEquals("10.0.0.2", target.server(java.net.InetAddress.getByAddress(new byte[] {10, 0, 0, 2})).host());
  }

  @Test
  void anInvalidUrlIsRefusedTheWayTheApiRefusesIt() {
    assertThrows(ApiError.class, () -> Sender.Target.of("ftp://hooks.example.com/"));
    assertThrows(ApiError.class, () -> Sender.Target.of("https://user:pw@hooks.example.com/"));
  }
}
