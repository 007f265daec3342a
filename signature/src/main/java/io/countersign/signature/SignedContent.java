package io.countersign.signature;

import javax.crypto.Mac;
import org.bouncycastle.crypto.Signer;

/**
 * The one definition of what Standard Webhooks signs, {@code id.timestamp.body}, fed into an HMAC or an Ed25519
 * signer without assembling it in memory: the signer and the verifier, for both schemes, feed it through here and
 * then the body, which each holds in its own form (a network buffer when signing, an array when verifying).
 */
final class SignedContent {
  private static final byte DOT = '.';

  private SignedContent() {}

  /** Feeds {@code id.timestamp.} into {@code mac}; the body follows. */
  static void prefix(Mac mac, byte[] id, byte[] timestamp, int tsOffset, int tsLength) {
    mac.update(id);
    mac.update(DOT);
    mac.update(timestamp, tsOffset, tsLength);
    mac.update(DOT);
  }

  /** Feeds {@code id.timestamp.} into an Ed25519 signer or verifier; the body follows. */
  static void prefix(Signer signer, byte[] id, byte[] timestamp, int tsOffset, int tsLength) {
    signer.update(id, 0, id.length);
    signer.update(DOT);
    signer.update(timestamp, tsOffset, tsLength);
    signer.update(DOT);
  }
}
