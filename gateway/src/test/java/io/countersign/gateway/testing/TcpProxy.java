package io.countersign.gateway.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP proxy that a test can cut and restore, to take PostgreSQL "down" under a running gateway.
 *
 * <pre>{@code
 * TcpProxy proxy = TcpProxy.start("127.0.0.1", 5432);
 * proxy.cut();      // drops every connection and refuses new ones
 * proxy.restore();  // accepts again
 * }</pre>
 */
public final class TcpProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final String targetHost;
  private final int targetPort;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private final NetClient client;
  private NetServer server;
  private int port;

  private TcpProxy(String targetHost, int targetPort) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  public static TcpProxy start(String targetHost, int targetPort) throws Exception {
    TcpProxy proxy = new TcpProxy(targetHost, targetPort);
    proxy.listen(0);
    return proxy;
  }

  public int port() {
    return port;
  }

  private void listen(int onPort) throws Exception {
    server = vertx.createNetServer().connectHandler(inbound -> {
      inbound.pause();
      open.add(inbound);
      client.connect(targetPort, targetHost).onSuccess(outbound -> {
        open.add(outbound);
        inbound.handler(outbound::write);
        outbound.handler(inbound::write);
        inbound.closeHandler(v -> outbound.close());
        outbound.closeHandler(v -> inbound.close());
        inbound.resume();
      }).onFailure(e -> inbound.close());
    });
    port = server.listen(onPort, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
  }

  /** Closes every proxied connection and stops listening: to the gateway, the database is gone. */
  public void cut() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // waited for: a request sent after cut() returns must not reach the database through a socket still closing
    List<Future<Void>> closing = new ArrayList<>();
    for (NetSocket s : open) {
      closing.add(s.close());
    }
    open.clear();
    Future.join(closing).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Listens again on the same port. */
  public void restore() throws Exception {
    listen(port);
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
