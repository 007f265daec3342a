package io.countersign.gateway.outbound;

import io.countersign.gateway.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keeps deliveries away from internal networks (SSRF): resolves an endpoint's host and refuses loopback, private,
 * link-local (cloud metadata), carrier-grade NAT, multicast and unspecified addresses, unless
 * {@code delivery.allowPrivateNetworks} is set.
 *
 * <pre>{@code
 * guard.resolve(URI.create(url)).onSuccess(addr -> connectTo(addr));   // the checked address is the one used
 * }</pre>
 *
 * <p>The sender connects to the very address that was checked, so a DNS answer that changes between check and
 * connect (rebinding) cannot redirect a delivery.
 */
public final class DestinationGuard {
  private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private record Cached(InetAddress address, long expiresAt) {}

  /** Name resolution, replaceable in tests. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final Vertx vertx;
  private final boolean allowPrivateNetworks;
  private final Resolver resolver;
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

  public DestinationGuard(Vertx vertx, boolean allowPrivateNetworks) {
    this(vertx, allowPrivateNetworks, InetAddress::getAllByName);
  }

  public DestinationGuard(Vertx vertx, boolean allowPrivateNetworks, Resolver resolver) {
    this.vertx = vertx;
    this.allowPrivateNetworks = allowPrivateNetworks;
    this.resolver = resolver;
  }

  /** Checks a URL's shape (http or https, a host, no credentials), before any resolution. */
  public static URI parse(String url) {
    if (url == null || url.isBlank() || url.length() > 2048) {
      throw ApiError.badRequest("invalid_url", "url is required and must be at most 2048 characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw ApiError.badRequest("invalid_url", "url is not a valid URI");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw ApiError.badRequest("invalid_url", "url must be http or https");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw ApiError.badRequest("invalid_url", "url must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      throw ApiError.badRequest("invalid_url", "url must not carry credentials");
    }
    if (uri.getRawFragment() != null) {
      throw ApiError.badRequest("invalid_url", "url must not have a fragment");
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      throw ApiError.badRequest("invalid_url", "url's port must be 1-65535");
    }
    return uri;
  }

  /**
   * The address to connect to for {@code uri}, or a failure with {@code destination_not_allowed}. Every address
   * the name resolves to must be public, not just the first: a name that answers with a public and an internal
   * address (a rebinding trick) is refused.
   */
  public Future<InetAddress> resolve(URI uri) {
    String host = uri.getHost();
    Cached cached = cache.get(host);
    if (cached != null && cached.expiresAt - System.nanoTime() > 0) {
      return Future.succeededFuture(cached.address);
    }
    return vertx.executeBlocking(() -> {
      InetAddress[] all;
      try {
        all = resolver.resolve(stripBrackets(host));
      } catch (UnknownHostException e) {
        throw ApiError.badRequest("destination_unresolvable", "host " + host + " does not resolve");
      }
      if (!allowPrivateNetworks) {
        for (InetAddress a : all) {
          if (isInternal(a)) {
            throw ApiError.badRequest("destination_not_allowed", "host " + host + " resolves to an internal address ("
                + a.getHostAddress() + "); deliveries go to public addresses only");
          }
        }
      }
      InetAddress chosen = all[0];
      cache.put(host, new Cached(chosen, System.nanoTime() + CACHE_NANOS));
      return chosen;
    }, false);
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static boolean isInternal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0                                   // "this network"
          || (first == 100 && second >= 64 && second < 128) // carrier-grade NAT
          || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
          || (first == 198 && (second == 18 || second == 19))   // benchmarking
          || first >= 240;                                  // reserved and broadcast
    }
    if (a instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) {
        return true; // unique local fc00::/7
      }
      // forms that carry an IPv4 address: it decides, by the same rules
      if (prefix(b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) {
        boolean mapped = (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = b[10] == 0 && b[11] == 0;
        if (mapped || compatible) {
          return internalV4(b, 12, false); // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible)
        }
        return true; // nothing routable lives in the rest of ::/80
      }
      if (prefix(b, 0, 0x64, 0xff, 0x9b, 0, 1)) {
        return true; // 64:ff9b:1::/48, local-use NAT64: where the IPv4 sits depends on a local prefix length
      }
      if (prefix(b, 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0)) {
        return internalV4(b, 12, false); // 64:ff9b::/96, well-known NAT64
      }
      if (prefix(b, 0x20, 0x02)) {
        return internalV4(b, 2, false); // 2002::/16, 6to4
      }
      if (prefix(b, 0x20, 0x01, 0, 0)) {
        return internalV4(b, 4, false) || internalV4(b, 12, true); // 2001::/32, Teredo: server, then client
      }
      if (prefix(b, 0x20, 0x01, 0x0d, 0xb8) || prefix(b, 0x01, 0, 0, 0, 0, 0, 0, 0)) {
        return true; // documentation 2001:db8::/32, discard-only 100::/64
      }
    }
    return false;
  }

  private static boolean prefix(byte[] address, int... bytes) {
    for (int i = 0; i < bytes.length; i++) {
      if ((address[i] & 0xff) != bytes[i]) {
        return false;
      }
    }
    return true;
  }

  /** The IPv4 address in bytes {@code from..from+3} (bit-inverted for Teredo's client) is internal. */
  private static boolean internalV4(byte[] address, int from, boolean inverted) {
    byte[] v4 = java.util.Arrays.copyOfRange(address, from, from + 4);
    if (inverted) {
      for (int i = 0; i < 4; i++) {
        v4[i] = (byte) ~v4[i];
      }
    }
    try {
      return isInternal(InetAddress.getByAddress(v4));
    } catch (UnknownHostException e) {
      return true; // what cannot be decoded is refused
    }
  }
}
