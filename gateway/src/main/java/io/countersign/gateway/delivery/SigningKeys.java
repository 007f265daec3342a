package io.countersign.gateway.delivery;

import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;

/**
 * An endpoint's encrypted secrets as read with a delivery: the current one, and the previous one while its overlap
 * lasts. Decryption happens only when a signer for that secret id is not cached yet.
 */
public record SigningKeys(String currentId, String currentKeyId, byte[] currentSealed,
    String previousId, String previousKeyId, byte[] previousSealed, OffsetDateTime previousExpiresAt) {

  /** Reads the {@code current_*} and {@code previous_*} columns every delivery query selects. */
  public static SigningKeys from(Row row) {
    Buffer previous = row.getBuffer("previous_secret");
    return new SigningKeys(
        row.getString("current_secret_id"), row.getString("current_key_id"), row.getBuffer("current_secret").getBytes(),
        row.getString("previous_secret_id"), row.getString("previous_key_id"),
        previous == null ? null : previous.getBytes(), row.getOffsetDateTime("previous_expires_at"));
  }

  @Override
  public String toString() {
    return "SigningKeys[current=" + currentId + ", previous=" + previousId + "]";
  }
}
