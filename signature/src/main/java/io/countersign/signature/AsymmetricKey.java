package io.countersign.signature;

import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 signing key ready to sign ({@link WebhookSigningKey#newSigner()}), kept and reused by one thread: what
 * a {@link WebhookSigner} takes for its {@code v1a} entries, as it takes initialised {@code Mac}s for {@code v1}.
 */
public final class AsymmetricKey {
  final Ed25519Signer signer;

  AsymmetricKey(Ed25519Signer signer) {
    this.signer = signer;
  }
}
