package io.countersign.bench;

import io.countersign.signature.WebhookSecret;
import io.countersign.signature.WebhookSigner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The {@code webhook-signature} value for one delivery, by five implementations side by side:
 * <ul>
 *   <li>{@code floor}: one pre-initialised Mac over the pre-assembled signed content; the physical limit;</li>
 *   <li>{@code naive}: {@code Mac.getInstance} + {@code init} per call, the signed content built as a String,
 *       {@code String.format} for the header, as most SDKs sign;</li>
 *   <li>{@code svix} and {@code standardWebhooks}: the peers' {@code Webhook.sign}, one call per secret, joined;</li>
 *   <li>{@code ours}: Countersign's pooled signer producing the full header value.</li>
 * </ul>
 * The peers take the payload as a String; it is converted once in setup, which favours them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SigningBench {
  @Param({"256", "1024", "16384"})
  int payloadBytes;

  @Param({"1", "2"})
  int secrets;

  static final String MSG_ID = "msg_01M8B13WMRG58T55G9MKN5KANV";
  static final long TIMESTAMP = 1_764_130_000L;

  byte[] body;
  String bodyString;
  byte[] msgId;
  byte[] signedContent;
  WebhookSecret[] secretValues;
  byte[][] keys;
  Mac floorMac;
  Mac[] pooled;
  WebhookSigner ours;
  com.svix.Webhook[] svix;
  com.standardwebhooks.Webhook[] standard;

  @Setup
  public void setup() throws Exception {
    body = Payloads.json(payloadBytes);
    bodyString = new String(body, StandardCharsets.UTF_8);
    msgId = MSG_ID.getBytes(StandardCharsets.US_ASCII);
    byte[] prefix = (MSG_ID + "." + TIMESTAMP + ".").getBytes(StandardCharsets.US_ASCII);
    signedContent = ByteBuffer.allocate(prefix.length + body.length).put(prefix).put(body).array();
    secretValues = new WebhookSecret[secrets];
    keys = new byte[secrets][];
    pooled = new Mac[secrets];
    svix = new com.svix.Webhook[secrets];
    standard = new com.standardwebhooks.Webhook[secrets];
    for (int i = 0; i < secrets; i++) {
      secretValues[i] = WebhookSecret.generate();
      keys[i] = secretValues[i].key();
      pooled[i] = WebhookSigner.newMac(keys[i]);
      svix[i] = new com.svix.Webhook(secretValues[i].reveal());
      standard[i] = new com.standardwebhooks.Webhook(secretValues[i].reveal());
    }
    floorMac = WebhookSigner.newMac(keys[0]);
    ours = new WebhookSigner();
  }

  @Benchmark
  public byte[] floor() {
    floorMac.update(signedContent);
    return floorMac.doFinal();
  }

  @Benchmark
  public String naive() throws Exception {
    StringJoiner header = new StringJoiner(" ");
    for (int i = 0; i < secrets; i++) {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(keys[i], "HmacSHA256"));
      String content = MSG_ID + "." + TIMESTAMP + "." + new String(body, StandardCharsets.UTF_8);
      byte[] digest = mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
      header.add(String.format("v1,%s", Base64.getEncoder().encodeToString(digest)));
    }
    return header.toString();
  }

  @Benchmark
  public String svix() throws Exception {
    if (secrets == 1) {
      return svix[0].sign(MSG_ID, TIMESTAMP, bodyString);
    }
    StringJoiner header = new StringJoiner(" ");
    for (com.svix.Webhook w : svix) {
      header.add(w.sign(MSG_ID, TIMESTAMP, bodyString));
    }
    return header.toString();
  }

  @Benchmark
  public String standardWebhooks() throws Exception {
    if (secrets == 1) {
      return standard[0].sign(MSG_ID, TIMESTAMP, bodyString);
    }
    StringJoiner header = new StringJoiner(" ");
    for (com.standardwebhooks.Webhook w : standard) {
      header.add(w.sign(MSG_ID, TIMESTAMP, bodyString));
    }
    return header.toString();
  }

  @Benchmark
  public String ours() {
    return ours.sign(pooled, secrets, msgId, TIMESTAMP, body);
  }
}
