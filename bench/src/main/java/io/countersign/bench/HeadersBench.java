package io.countersign.bench;

import io.countersign.signature.WebhookSecret;
import io.countersign.signature.WebhookSigner;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The complete outgoing header set of a dual-signed 1 KiB delivery (content-type, user-agent, webhook-id,
 * webhook-timestamp, webhook-signature): Countersign's way (header names built once, pooled signer, Vert.x
 * MultiMap) against the common way (a map of strings, a fresh Mac per secret, String.format); and the whole
 * preparation of one attempt from the body's network buffer, as the Sender does it now ({@code attempt}) and did
 * before ({@code attemptBefore}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeadersBench {
  private static final CharSequence CONTENT_TYPE_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence USER_AGENT = HttpHeaders.createOptimized("Countersign/0.1");
  private static final CharSequence H_ID = HttpHeaders.createOptimized("webhook-id");
  private static final CharSequence H_TIMESTAMP = HttpHeaders.createOptimized("webhook-timestamp");
  private static final CharSequence H_SIGNATURE = HttpHeaders.createOptimized("webhook-signature");

  byte[] body;
  /** The body as the gateway holds it: a direct network buffer, as read from the sender's request. */
  io.netty.buffer.ByteBuf direct;
  byte[] msgId;
  byte[][] keys;
  Mac[] pooled;
  WebhookSigner signer;

  @Setup
  public void setup() {
    body = Payloads.json(1024);
    msgId = SigningBench.MSG_ID.getBytes(StandardCharsets.US_ASCII);
    keys = new byte[][] {WebhookSecret.generate().key(), WebhookSecret.generate().key()};
    pooled = new Mac[] {WebhookSigner.newMac(keys[0]), WebhookSigner.newMac(keys[1])};
    signer = new WebhookSigner();
    direct = io.netty.buffer.Unpooled.directBuffer(body.length).writeBytes(body);
  }

  /**
   * Preparing one attempt as {@code Sender} does now: sign the body where it lies (no copy) and put the five headers
   * straight into the request's header map.
   */
  @Benchmark
  public MultiMap attempt() {
    long ts = SigningBench.TIMESTAMP;
    String signature = signer.sign(pooled, 2, msgId, ts, direct.nioBuffer());
    MultiMap requestHeaders = HttpHeaders.headers();
    requestHeaders.set(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_JSON)
        .set(HttpHeaders.USER_AGENT, USER_AGENT)
        .set(H_ID, SigningBench.MSG_ID)
        .set(H_TIMESTAMP, Long.toString(ts))
        .set(H_SIGNATURE, signature);
    return requestHeaders;
  }

  /**
   * The same as Sender did before #13: the body copied out of the buffer to sign it, a header MultiMap built per
   * attempt for the request options, then copied into the request's own header map.
   */
  @Benchmark
  public MultiMap attemptBefore() {
    long ts = SigningBench.TIMESTAMP;
    byte[] copy = new byte[direct.readableBytes()];
    direct.getBytes(direct.readerIndex(), copy);
    MultiMap options = MultiMap.caseInsensitiveMultiMap()
        .add(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_JSON)
        .add(HttpHeaders.USER_AGENT, USER_AGENT)
        .add(H_ID, SigningBench.MSG_ID)
        .add(H_TIMESTAMP, Long.toString(ts))
        .add(H_SIGNATURE, signer.sign(pooled, 2, msgId, ts, copy));
    return HttpHeaders.headers().setAll(options);
  }

  @Benchmark
  public MultiMap ours() {
    long ts = SigningBench.TIMESTAMP;
    return MultiMap.caseInsensitiveMultiMap()
        .add(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_JSON)
        .add(HttpHeaders.USER_AGENT, USER_AGENT)
        .add(H_ID, SigningBench.MSG_ID)
        .add(H_TIMESTAMP, Long.toString(ts))
        .add(H_SIGNATURE, signer.sign(pooled, 2, msgId, ts, body));
  }

  @Benchmark
  public Map<String, String> naive() throws Exception {
    long ts = SigningBench.TIMESTAMP;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "Countersign/0.1");
    headers.put("webhook-id", SigningBench.MSG_ID);
    headers.put("webhook-timestamp", String.valueOf(ts));
    StringBuilder sig = new StringBuilder();
    for (byte[] key : keys) {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      String content = String.format("%s.%d.%s", SigningBench.MSG_ID, ts, new String(body, StandardCharsets.UTF_8));
      if (sig.length() > 0) {
        sig.append(' ');
      }
      sig.append(String.format("v1,%s", Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)))));
    }
    headers.put("webhook-signature", sig.toString());
    return headers;
  }
}
