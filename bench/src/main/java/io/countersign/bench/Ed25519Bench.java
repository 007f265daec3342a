package io.countersign.bench;

import io.countersign.signature.AsymmetricKey;
import io.countersign.signature.WebhookSecret;
import io.countersign.signature.WebhookSigner;
import io.countersign.signature.WebhookSigningKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
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
 * Asymmetric ({@code v1a}) signing against its floor and against HMAC:
 * <ul>
 *   <li>{@code floor}: one pre-initialised BouncyCastle {@code Ed25519Signer} over the pre-assembled signed content
 *       (the implementation the {@code signature} module uses);</li>
 *   <li>{@code jdk}: the same with the JDK's own EdDSA (SunEC), one pre-initialised {@link Signature};</li>
 *   <li>{@code ours}: the full {@code v1a,...} header value from {@link WebhookSigner}, content fed in pieces;</li>
 *   <li>{@code dual}: {@code v1,... v1a,...}, as during a change from HMAC to Ed25519;</li>
 *   <li>{@code hmac}: {@code v1,...} alone, for the ratio.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Ed25519Bench {
  @Param({"1024"})
  int payloadBytes;

  byte[] body;
  ByteBuffer bodyBuffer;
  byte[] msgId;
  byte[] signedContent;
  Signature jdk;
  AsymmetricKey[] keys;
  Mac[] macs;
  WebhookSigner signer;
  org.bouncycastle.crypto.signers.Ed25519Signer floor;

  @Setup
  public void setup() throws Exception {
    body = Payloads.json(payloadBytes);
    bodyBuffer = ByteBuffer.wrap(body);
    msgId = SigningBench.MSG_ID.getBytes(StandardCharsets.US_ASCII);
    byte[] prefix = (SigningBench.MSG_ID + "." + SigningBench.TIMESTAMP + ".").getBytes(StandardCharsets.US_ASCII);
    signedContent = ByteBuffer.allocate(prefix.length + body.length).put(prefix).put(body).array();
    WebhookSigningKey key = WebhookSigningKey.generate();
    jdk = Signature.getInstance("Ed25519");
    jdk.initSign(java.security.KeyFactory.getInstance("Ed25519").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(
        pkcs8(key))));
    keys = new AsymmetricKey[] {key.newSigner()};
    macs = new Mac[] {WebhookSigner.newMac(WebhookSecret.generate().key())};
    signer = new WebhookSigner();
    floor = new org.bouncycastle.crypto.signers.Ed25519Signer();
    floor.init(true, new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(key.bytes(), 0));
  }

  /** PKCS#8 for Ed25519 around the key's 32-byte seed, for the JDK's KeyFactory. */
  private static byte[] pkcs8(WebhookSigningKey key) {
    byte[] prefix = java.util.HexFormat.of().parseHex("302e020100300506032b657004220420");
    byte[] out = java.util.Arrays.copyOf(prefix, prefix.length + 32);
    System.arraycopy(key.bytes(), 0, out, prefix.length, 32);
    return out;
  }

  @Benchmark
  public byte[] jdk() throws Exception {
    jdk.update(signedContent);
    return jdk.sign();
  }

  @Benchmark
  public byte[] floor() {
    floor.update(signedContent, 0, signedContent.length);
    return floor.generateSignature();
  }

  @Benchmark
  public String ours() {
    return signer.sign(macs, 0, keys, 1, msgId, SigningBench.TIMESTAMP, bodyBuffer);
  }

  @Benchmark
  public String dual() {
    return signer.sign(macs, 1, keys, 1, msgId, SigningBench.TIMESTAMP, bodyBuffer);
  }

  @Benchmark
  public String hmac() {
    return signer.sign(macs, 1, keys, 0, msgId, SigningBench.TIMESTAMP, bodyBuffer);
  }
}
