package io.countersign.gateway.outbound;

import io.countersign.signature.SignatureScheme;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * An endpoint's encrypted keys as read with a delivery: the current one, and the previous one while its overlap
 * lasts, each HMAC or Ed25519. Decryption happens only when a signer for that key id is not cached yet.
 */
public record SigningKeys(String currentId, String currentKeyId, byte[] currentSealed, SignatureScheme currentScheme,
    String previousId, String previousKeyId, byte[] previousSealed, SignatureScheme previousScheme,
    OffsetDateTime previousExpiresAt, String headersKeyId, byte[] sealedHeaders) {

  /**
   * Where a result's signing columns are, found once per result: {@code Row.getString(name)} scans the column names
   * on every read, which was a tenth of an ingest's CPU when done per delivery.
   */
  public record Columns(int currentId, int currentKeyId, int currentSealed, int currentScheme, int previousId,
      int previousKeyId, int previousSealed, int previousScheme, int previousExpiresAt, int headersKeyId,
      int sealedHeaders) {
    /** The {@code current_*}, {@code previous_*} and custom header columns every delivery query selects. */
    public static Columns of(List<String> names) {
      return new Columns(names.indexOf("current_secret_id"), names.indexOf("current_key_id"),
          names.indexOf("current_secret"), names.indexOf("current_scheme"), names.indexOf("previous_secret_id"),
          names.indexOf("previous_key_id"), names.indexOf("previous_secret"), names.indexOf("previous_scheme"),
          names.indexOf("previous_expires_at"), names.indexOf("custom_headers_key_id"),
          names.indexOf("custom_headers"));
    }
  }

  /** Reads the keys of a single row (a hot path reads many rows with {@link #from(Row, Columns)}). */
  public static SigningKeys from(Row row) {
    List<String> names = new ArrayList<>(row.size());
    for (int i = 0; i < row.size(); i++) {
      names.add(row.getColumnName(i));
    }
    return from(row, Columns.of(names));
  }

  /** Reads one row's keys at {@code at}, found by {@link Columns#of} for its result. */
  public static SigningKeys from(Row row, Columns at) {
    Buffer previous = row.getBuffer(at.previousSealed);
    Buffer headers = row.getBuffer(at.sealedHeaders);
    return new SigningKeys(
        row.getString(at.currentId), row.getString(at.currentKeyId), row.getBuffer(at.currentSealed).getBytes(),
        SignatureScheme.fromWireName(row.getString(at.currentScheme)),
        row.getString(at.previousId), row.getString(at.previousKeyId),
        previous == null ? null : previous.getBytes(), SignatureScheme.fromWireName(row.getString(at.previousScheme)),
        row.getOffsetDateTime(at.previousExpiresAt),
        row.getString(at.headersKeyId), headers == null ? null : headers.getBytes());
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
