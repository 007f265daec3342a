package io.countersign.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Asymmetric Standard Webhooks signatures: {@code whsk_}/{@code whpk_} keys and {@code v1a} entries. */
class Ed25519SignatureTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  private static final byte[] BODY = "{\"order\":42}".getBytes(StandardCharsets.UTF_8);
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void theKeyFormIsRfc8032SeedThenPublicKey() throws Exception {
    // RFC 8032, 7.1, test 1: the empty message
    byte[] seed = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    byte[] pub = HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    byte[] both = new byte[64];
    System.arraycopy(seed, 0, both, 0, 32);
    System.arraycopy(pub, 0, both, 32, 32);
    WebhookSigningKey key = WebhookSigningKey.parse("whsk_" + Base64.getEncoder().encodeToString(both));
    assertEquals("whpk_" + Base64.getEncoder().encodeToString(pub), key.publicKey().toString());
    assertEquals("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
        + "6bd25bf5f0595bbe24655141438e7a100b", HEX.formatHex(key.newSigner().signer.generateSignature()));
  }

  @Test
  void theJdksOwnEdDsaVerifiesOurSignatures() throws Exception {
    // an independent implementation (SunEC), fed the raw public key through its X.509 encoding
    WebhookSigningKey key = WebhookSigningKey.generate();
    String header = WebhookSigner.of(new WebhookSecret[0], new WebhookSigningKey[] {key})
        .sign("msg_jdk", NOW.getEpochSecond(), BODY);
    byte[] spki = new byte[44];
    System.arraycopy(HEX.parseHex("302a300506032b6570032100"), 0, spki, 0, 12);
    System.arraycopy(key.publicKey().raw(), 0, spki, 12, 32);
    java.security.PublicKey jdkKey = java.security.KeyFactory.getInstance("Ed25519")
        .generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
    java.security.Signature jdk = java.security.Signature.getInstance("Ed25519");
    jdk.initVerify(jdkKey);
    jdk.update(("msg_jdk." + NOW.getEpochSecond() + ".").getBytes(StandardCharsets.US_ASCII));
    jdk.update(BODY);
    assertTrue(jdk.verify(Base64.getDecoder().decode(header.substring("v1a,".length()))));
  }

  @Test
  void aBodyInADirectBufferIsSignedInPlaceLikeAnArray() {
    WebhookSigningKey key = WebhookSigningKey.generate();
    WebhookSigner signer = new WebhookSigner();
    AsymmetricKey[] keys = {key.newSigner()};
    byte[] id = "msg_3".getBytes(StandardCharsets.US_ASCII);
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(BODY.length).put(BODY).flip();
    String fromDirect = signer.sign(new javax.crypto.Mac[0], 0, keys, 1, id, NOW.getEpochSecond(), direct);
    assertEquals(0, direct.position(), "the body's position is left alone");
    assertEquals(signer.sign(new javax.crypto.Mac[0], 0, keys, 1, id, NOW.getEpochSecond(),
        java.nio.ByteBuffer.wrap(BODY)), fromDirect, "Ed25519 signatures are deterministic");
  }

  @Test
  void aGeneratedKeyRoundTripsAndNeverPrintsItsSecretHalf() {
    WebhookSigningKey key = WebhookSigningKey.generate();
    String text = key.reveal();
    assertTrue(text.startsWith("whsk_"));
    assertEquals(key.publicKey(), WebhookSigningKey.parse(text).publicKey());
    assertEquals(key.publicKey(), WebhookPublicKey.parse(key.publicKey().toString()));
    assertFalse(key.toString().contains(text.substring(5, 20)), "toString hides the key");
  }

  @Test
  void halvesThatDoNotBelongTogetherAreRefusedWithoutEchoingTheKey() {
    byte[] a = WebhookSigningKey.generate().bytes();
    byte[] b = WebhookSigningKey.generate().bytes();
    System.arraycopy(b, 32, a, 32, 32);
    String mixed = "whsk_" + Base64.getEncoder().encodeToString(a);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebhookSigningKey.parse(mixed));
    assertFalse(e.getMessage().contains(mixed.substring(5, 15)));
    assertThrows(IllegalArgumentException.class, () -> WebhookSigningKey.parse("whsk_not*base64"));
    assertThrows(IllegalArgumentException.class, () -> WebhookPublicKey.parse("whpk_AAAA"));
  }

  @Test
  void aV1aSignatureVerifiesWithThePublicKeyAndReportsItsLabel() throws Exception {
    WebhookSigningKey key = WebhookSigningKey.generate();
    String header = WebhookSigner.of(new WebhookSecret[0], new WebhookSigningKey[] {key})
        .sign("msg_1", NOW.getEpochSecond(), BODY);
    assertTrue(header.matches("v1a,[A-Za-z0-9+/]{86}=="), header);
    WebhookVerifier verifier = WebhookVerifier.builder().publicKey("2026", key.publicKey().toString())
        .clock(CLOCK).build();
    assertEquals("2026", verifier.verify("msg_1", Long.toString(NOW.getEpochSecond()), header, BODY).secretLabel());

    byte[] tampered = "{\"order\":43}".getBytes(StandardCharsets.UTF_8);
    assertThrows(WebhookVerificationException.class,
        () -> verifier.verify("msg_1", Long.toString(NOW.getEpochSecond()), header, tampered));
    WebhookVerifier other = WebhookVerifier.builder().publicKey("other", WebhookSigningKey.generate().publicKey())
        .clock(CLOCK).build();
    assertThrows(WebhookVerificationException.class,
        () -> other.verify("msg_1", Long.toString(NOW.getEpochSecond()), header, BODY));
  }

  @Test
  void duringASchemeChangeBothSignaturesAreSentAndEitherReceiverVerifies() throws Exception {
    WebhookSecret hmac = WebhookSecret.generate();
    WebhookSigningKey key = WebhookSigningKey.generate();
    String header = WebhookSigner.of(new WebhookSecret[] {hmac}, new WebhookSigningKey[] {key})
        .sign("msg_2", NOW.getEpochSecond(), BODY);
    String[] parts = header.split(" ");
    assertEquals(2, parts.length);
    assertTrue(parts[0].startsWith("v1,") && parts[1].startsWith("v1a,"), header);
    String ts = Long.toString(NOW.getEpochSecond());
    assertEquals("secret", WebhookVerifier.builder().secret("secret", hmac).clock(CLOCK).build()
        .verify("msg_2", ts, header, BODY).secretLabel());
    assertEquals("key", WebhookVerifier.builder().publicKey("key", key.publicKey()).clock(CLOCK).build()
        .verify("msg_2", ts, header, BODY).secretLabel());
  }
}
