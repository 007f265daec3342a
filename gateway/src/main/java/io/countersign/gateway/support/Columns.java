package io.countersign.gateway.support;

import io.vertx.core.buffer.Buffer;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Function;

/**
 * One column of a batch as the array a statement unnests ({@code unnest($1::text[], ...)}): the one way batch
 * statements bind their rows. Each call walks the batch once; batches are at most a few thousand items.
 *
 * <pre>{@code
 * String[] tenants = Columns.strings(batch, Claim::tenantId);
 * }</pre>
 */
public final class Columns {
  private Columns() {}

  public static <T> String[] strings(List<T> items, Function<T, String> column) {
    String[] out = new String[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = column.apply(items.get(i));
    }
    return out;
  }

  public static <T> Integer[] integers(List<T> items, Function<T, Integer> column) {
    Integer[] out = new Integer[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = column.apply(items.get(i));
    }
    return out;
  }

  public static <T> Boolean[] booleans(List<T> items, Function<T, Boolean> column) {
    Boolean[] out = new Boolean[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = column.apply(items.get(i));
    }
    return out;
  }

  public static <T> Buffer[] buffers(List<T> items, Function<T, Buffer> column) {
    Buffer[] out = new Buffer[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = column.apply(items.get(i));
    }
    return out;
  }

  public static <T> OffsetDateTime[] times(List<T> items, Function<T, OffsetDateTime> column) {
    OffsetDateTime[] out = new OffsetDateTime[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = column.apply(items.get(i));
    }
    return out;
  }
}
