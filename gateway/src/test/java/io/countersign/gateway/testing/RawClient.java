package io.countersign.gateway.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A client that sends exactly the bytes a test gives it, for hostile input an HTTP library would tidy up (no Host,
 * bad escapes, broken chunks, slow headers), and reads answers as they come, or notices the server closing.
 *
 * <pre>{@code
 * try (RawClient c = RawClient.connect(port)) {
 *   c.send("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n");
 *   RawClient.Answer a = c.read(5_000);   // null if the server closed the connection instead
 * }
 * }</pre>
 */
public final class RawClient implements AutoCloseable {
  /** One HTTP/1.1 answer. */
  public record Answer(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The body as JSON; fails the test if it is not. */
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  public static RawClient connect(int port) throws IOException {
    return new RawClient(new Socket("127.0.0.1", port));
  }

  public RawClient send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  public RawClient send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** The next answer within {@code timeoutMillis}; null when the server closed the connection first. */
  public Answer read(long timeoutMillis) throws IOException {
    socket.setSoTimeout((int) timeoutMillis);
    String head = readHead();
    if (head == null) {
      return null;
    }
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  /** Milliseconds until the server closed the connection; fails if it is still open after {@code timeoutMillis}. */
  public long awaitClosed(long timeoutMillis) throws IOException {
    long start = System.nanoTime();
    socket.setSoTimeout((int) timeoutMillis);
    try {
      while (in.read() >= 0) {
        // an answer before the close (a 408, say) is fine
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection was still open after " + timeoutMillis + " ms");
    } catch (IOException reset) {
      // a reset is a close too
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** True if the server closes the connection within {@code waitMillis} (and sends nothing before). */
  public boolean closedWithin(long waitMillis) throws IOException {
    socket.setSoTimeout((int) Math.max(1, waitMillis));
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b;
      try {
        b = in.read();
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer and no close within the timeout (a hung connection)");
      } catch (IOException reset) {
        return null;
      }
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : 0;
    }
    return head.toString(StandardCharsets.ISO_8859_1).trim();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
