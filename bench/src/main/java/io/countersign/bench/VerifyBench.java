package io.countersign.bench;

import io.countersign.signature.WebhookSecret;
import io.countersign.signature.WebhookSigner;
import io.countersign.signature.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A receiver verifying a dual-signed 1 KiB delivery during an overlap, holding only the previous secret (the
 * harder case: the matching signature is the second one). Countersign's {@code signature} module against the peers'
 * {@code verify}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VerifyBench {
  @Param({"1024"})
  int payloadBytes;

  byte[] body;
  String bodyString;
  String timestamp;
  String signature;
  Map<String, String> headers;
  Map<String, List<String>> listHeaders;
  WebhookVerifier ours;
  com.svix.Webhook svix;
  com.standardwebhooks.Webhook standard;

  @Setup(Level.Iteration)
  public void setup() throws Exception {
    body = Payloads.json(payloadBytes);
    bodyString = new String(body, StandardCharsets.UTF_8);
    WebhookSecret current = WebhookSecret.generate();
    WebhookSecret previous = WebhookSecret.generate();
    // refreshed every iteration so the timestamp stays inside every verifier's 5-minute tolerance
    long ts = Instant.now().getEpochSecond();
    timestamp = Long.toString(ts);
    signature = new WebhookSigner(current, previous).sign(SigningBench.MSG_ID, ts, body);
    headers = Map.of("webhook-id", SigningBench.MSG_ID, "webhook-timestamp", timestamp, "webhook-signature", signature);
    listHeaders = Map.of("webhook-id", List.of(SigningBench.MSG_ID), "webhook-timestamp", List.of(timestamp),
        "webhook-signature", List.of(signature));
    ours = WebhookVerifier.builder().secret("previous", previous).build();
    svix = new com.svix.Webhook(previous.reveal());
    standard = new com.standardwebhooks.Webhook(previous.reveal());
  }

  @Benchmark
  public String ours() throws Exception {
    return ours.verify(SigningBench.MSG_ID, timestamp, signature, body).secretLabel();
  }

  @Benchmark
  public Object svix() throws Exception {
    svix.verify(bodyString, listHeaders);
    return svix;
  }

  @Benchmark
  public Object standardWebhooks() throws Exception {
    standard.verify(bodyString, listHeaders);
    return standard;
  }
}
