package io.countersign.gateway.outbound;

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
  void ipv6FormsThatCarryAnInternalIpv4AreInternal() throws Exception {
    for (String a : new String[] {
        "::127.0.0.1", "::10.0.0.1", "::ffff:169.254.169.254",            // IPv4-compatible, IPv4-mapped
        "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::10.1.2.3",   // NAT64 well-known prefix
        "64:ff9b:1::8.8.8.8", "64:ff9b:1:ffff::1",                         // local-use NAT64: never decodable here
        "2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::",             // 6to4
        "2001:0:7f00:1::1",                                                // Teredo, internal server
        "2001:0:0808:0808::80ff:fffe",                                     // Teredo, client 127.0.0.1 (inverted)
        "::1:0:0", "2001:db8::1", "100::1"}) {                             // rest of ::/80, documentation, discard
      assertTrue(DestinationGuard.isInternal(InetAddress.getByName(a)), a);
    }
    for (String a : new String[] {"64:ff9b::8.8.8.8", "2002:808:808::1", "2001:0:808:808::f7f7:f7f7", "::8.8.8.8"}) {
      assertFalse(DestinationGuard.isInternal(InetAddress.getByName(a)), a);
    }
  }

  @Test
  void portsOutsideOneTo65535AreRefused() {
    for (String url : new String[] {"http://example.com:0/", "http://example.com:65536/", "http://example.com:99999/"}) {
      assertEquals("invalid_url", assertThrows(ApiError.class, () -> DestinationGuard.parse(url)).code(), url);
    }
    assertEquals(65535, DestinationGuard.parse("https://example.com:65535/").getPort());
    assertEquals(1, DestinationGuard.parse("http://example.com:1/").getPort());
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
