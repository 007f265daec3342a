package io.countersign.signature;

import java.nio.ByteBuffer;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Ed25519 (RFC 8032) on BouncyCastle's lightweight API: on JDK 17 it signs a 1 KiB delivery in about 38 us against
 * the JDK's EdDSA's 630 us (Ed25519Bench, docs/performance.md). Pure Ed25519 hashes the message twice, so the
 * signer buffers it: the body is copied into that buffer once per signature, unavoidably.
 */
final class Ed25519 {
  static final int KEY_BYTES = 32;
  private static final int CHUNK = 4096;

  private Ed25519() {}

  /** A reusable signer for one key; {@code generateSignature} resets it. Not thread-safe. */
  static Ed25519Signer signer(byte[] seed) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, new Ed25519PrivateKeyParameters(seed, 0));
    return signer;
  }

  static Ed25519Signer verifier(byte[] publicKey) {
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
    return verifier;
  }

  /** The public key of a seed. */
  static byte[] publicKey(byte[] seed) {
    return new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
  }

  /** Feeds a buffer's remaining bytes without moving its position; a heap buffer goes in without a scratch copy. */
  static void update(Ed25519Signer signer, ByteBuffer body, byte[] scratch) {
    if (body.hasArray()) {
      signer.update(body.array(), body.arrayOffset() + body.position(), body.remaining());
      return;
    }
    ByteBuffer view = body.duplicate();
    while (view.hasRemaining()) {
      int n = Math.min(view.remaining(), scratch.length);
      view.get(scratch, 0, n);
      signer.update(scratch, 0, n);
    }
  }

  static byte[] scratch() {
    return new byte[CHUNK];
  }
}
