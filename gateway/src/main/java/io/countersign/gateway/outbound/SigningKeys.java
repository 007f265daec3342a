package io.countersign.gateway.outbound;

import io.countersign.signature.SignatureScheme;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;

/**
 * An endpoint's encrypted keys as read with a delivery: the current one, and the previous one while its overlap
 * lasts, each HMAC or Ed25519. Decryption happens only when a signer for that key id is not cached yet.
 */
public record SigningKeys(String currentId, String currentKeyId, byte[] currentSealed, SignatureScheme currentScheme,
    String previousId, String previousKeyId, byte[] previousSealed, SignatureScheme previousScheme,
    OffsetDateTime previousExpiresAt, String headersKeyId, byte[] sealedHeaders) {

  /** Reads the {@code current_*}, {@code previous_*} and custom header columns every delivery query selects. */
  public static SigningKeys from(Row row) {
    Buffer previous = row.getBuffer("previous_secret");
    Buffer headers = row.getBuffer("custom_headers");
    return new SigningKeys(
        row.getString("current_secret_id"), row.getString("current_key_id"), row.getBuffer("current_secret").getBytes(),
        SignatureScheme.fromWireName(row.getString("current_scheme")),
        row.getString("previous_secret_id"), row.getString("previous_key_id"),
        previous == null ? null : previous.getBytes(), SignatureScheme.fromWireName(row.getString("previous_scheme")),
        row.getOffsetDateTime("previous_expires_at"),
        row.getString("custom_headers_key_id"), headers == null ? null : headers.getBytes());
  }

  /** The same endpoint signing with its current key only (a probe), custom headers kept. */
  public SigningKeys currentOnly() {
    return new SigningKeys(currentId, currentKeyId, currentSealed, currentScheme, null, null, null, null, null,
        headersKeyId, sealedHeaders);
  }

  @Override
  public String toString() {
    return "SigningKeys[current=" + currentId + ", previous=" + previousId + "]";
  }
}
