package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.RawClient;
import io.countersign.gateway.testing.TestGateway;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Slow and idle clients cannot hold connections, and no client can take them all: the header, idle and body
 * timeouts (short here; 10 s, 60 s and 30 s by default) and the connection bound, over raw sockets.
 */
class SlowClientsIT {
  private static final String GET_HEALTH = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

  @Test
  void slowHeadersIdleConnectionsAndStalledBodiesAreCut() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("http.headerTimeout", "1s", "http.idleTimeout", "2s",
        "http.bodyTimeout", "1s"))) {
      int port = URI.create(gateway.url("")).getPort();

      // slowloris: a header byte every 200 ms keeps bytes flowing, and the connection is cut at the header timeout
      try (RawClient c = RawClient.connect(port)) {
        long start = System.nanoTime();
        String trickle = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(200);
        boolean closed = false;
        for (int i = 0; i < trickle.length() && !closed; i++) {
          try {
            c.send(trickle.substring(i, i + 1));
            closed = c.closedWithin(200);   // also paces the trickle
          } catch (java.io.IOException reset) {
            closed = true;
          }
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        assertTrue(closed, "the trickle was never cut");
        assertTrue(elapsed < 6_000, "a trickled request head was cut after " + elapsed + " ms");
      }

      // an idle keep-alive connection: served once, then closed after the idle timeout
      try (RawClient c = RawClient.connect(port)) {
        RawClient.Answer ok = c.send(GET_HEALTH).read(5_000);
        assertEquals(200, ok.status());
        long waited = c.awaitClosed(10_000);
        assertTrue(waited >= 1_000, "not before the idle timeout: " + waited + " ms");
      }

      // a body that stops arriving: 408 with a JSON body, then the connection closes
      try (RawClient c = RawClient.connect(port)) {
        c.send("POST /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestGateway.ADMIN_TOKEN
            + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":");
        RawClient.Answer timedOut = c.read(10_000);
        assertNotNull(timedOut, "answered while a response was still possible");
        assertEquals(408, timedOut.status());
        assertEquals("request_timeout", timedOut.json().getString("code"));
        c.awaitClosed(5_000);
      }
      // answered before its body arrived (an unknown token), then the body stalls: the connection is still cut
      try (RawClient c = RawClient.connect(port)) {
        c.send("POST /v1/tenants/acme/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
            + "Idempotency-Key: k1\r\nEvent-Type: a.b\r\nContent-Type: application/json\r\n"
            + "Content-Length: 100\r\n\r\n{\"n\":");
        RawClient.Answer refused = c.read(10_000);
        assertNotNull(refused, "answered before the body arrived");
        assertEquals(401, refused.status());
        c.awaitClosed(10_000);
      }
      assertTrue(gateway.metrics().contains("countersign_client_errors_total{kind=\"body_timeout\"}"));
      assertTrue(gateway.metrics().contains("countersign_client_errors_total{kind=\"header_timeout\"}"));
    }
  }

  @Test
  void connectionsAreBoundedAndAFreedPlaceIsUsable() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("http.maxConnections", "4"))) {
      int port = URI.create(gateway.url("")).getPort();
      List<RawClient> held = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          RawClient c = RawClient.connect(port);
          assertEquals(200, c.send(GET_HEALTH).read(5_000).status(), "connection " + i + " within the bound");
          held.add(c);
        }
        try (RawClient over = RawClient.connect(port)) {
          over.send(GET_HEALTH);
          assertNull(over.read(5_000), "the fifth connection is closed without an answer");
        }
        held.remove(0).close();
        // the freed place is usable once the server has seen the close
        RawClient next = null;
        for (int attempt = 0; attempt < 50 && next == null; attempt++) {
          RawClient c = RawClient.connect(port);
          RawClient.Answer a = c.send(GET_HEALTH).read(5_000);
          if (a != null) {
            next = c;
          } else {
            c.close();
          }
        }
        assertNotNull(next, "a connection after one was freed");
        held.add(next);
      } finally {
        for (RawClient c : held) {
          c.close();
        }
      }
    }
  }
}
