package io.countersign.gateway.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.http.ApiError;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class DestinationGuardTest {
  @Test
  void internalAddressesAreRecognised() throws Exception {
    for (String a : new String[] {"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0",
        "100.64.0.1", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "224.0.0.1", "255.255.255.255"}) {
      assertTrue(DestinationGuard.isInternal(InetAddress.getByName(a)), a);
    }
    for (String a : new String[] {"93.184.216.34", "8.8.8.8", "2606:4700::1111"}) {
      assertFalse(DestinationGuard.isInternal(InetAddress.getByName(a)), a);
    }
  }

  @Test
  void everyResolvedAddressMustBePublicAndTheCheckedOneIsTheOneUsed() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      InetAddress publicAddress = InetAddress.getByName("93.184.216.34");
      InetAddress metadata = InetAddress.getByName("169.254.169.254");
      java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
      // a rebinding-style name: one public and one internal answer
      DestinationGuard mixed = new DestinationGuard(vertx, false, host -> {
        lookups.incrementAndGet();
        return new InetAddress[] {publicAddress, metadata};
      });
      Throwable refused = mixed.resolve(java.net.URI.create("https://rebind.example/hook"))
          .toCompletionStage().toCompletableFuture().handle((ok, e) -> e).get();
      assertTrue(refused instanceof ApiError || refused.getCause() instanceof ApiError, String.valueOf(refused));

      // a public name: the address that was checked is the one returned for connecting, and it is cached, so a
      // later, different DNS answer cannot change where this delivery goes
      java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
      DestinationGuard guard = new DestinationGuard(vertx, false, host -> calls.incrementAndGet() == 1
          ? new InetAddress[] {publicAddress} : new InetAddress[] {metadata});
      InetAddress first = guard.resolve(java.net.URI.create("https://ok.example/hook"))
          .toCompletionStage().toCompletableFuture().get();
      InetAddress second = guard.resolve(java.net.URI.create("https://ok.example/other"))
          .toCompletionStage().toCompletableFuture().get();
      assertEquals(publicAddress, first);
      assertEquals(publicAddress, second);
      assertEquals(1, calls.get());
    } finally {
      vertx.close();
    }
  }

  @Test
  void urlShapeIsCheckedBeforeResolution() {
    assertEquals("invalid_url", assertThrows(ApiError.class, () -> DestinationGuard.parse("ftp://example.com")).code());
    assertEquals("invalid_url", assertThrows(ApiError.class, () -> DestinationGuard.parse("http://user:pw@example.com/")).code());
    assertEquals("invalid_url", assertThrows(ApiError.class, () -> DestinationGuard.parse("not a url")).code());
    assertEquals("invalid_url", assertThrows(ApiError.class, () -> DestinationGuard.parse(null)).code());
    assertEquals("example.com", DestinationGuard.parse("https://example.com/hooks?x=1").getHost());
  }
}
