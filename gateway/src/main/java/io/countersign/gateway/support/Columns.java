package io.countersign.gateway.support;

import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * One column of a batch as the array a statement unnests ({@code unnest($1::text[], ...)}): the one way batch
 * statements bind their rows. Each call walks the batch once; batches are at most a few thousand items.
 *
 * <pre>{@code
 * String[] tenants = Columns.of(batch, Claim::tenantId, String[]::new);
 * }</pre>
 */
public final class Columns {
  private Columns() {}

  public static <T, R> R[] of(List<T> items, Function<T, R> column, IntFunction<R[]> array) {
    R[] out = array.apply(items.size());
    for (int i = 0; i < out.length; i++) {
      out[i] = column.apply(items.get(i));
    }
    return out;
  }
}
