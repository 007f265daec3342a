package io.countersign.gateway.support;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Whether a batch statement (the claim, the success write, a release) may carry several tenants' rows. On one
 * PostgreSQL it may: one statement and one commit serve every tenant. Under Citus each statement must name one
 * tenant, so that it runs on that tenant's shard ({@code database.batchPerTenant}, docs/scaling.md): the batch is
 * then split into one statement per tenant present, each keeping its rows' order.
 *
 * <pre>{@code
 * tenantBatches.runEach(batch, Claim::tenantId, this::runStatement);   // one statement, or one per tenant
 * }</pre>
 */
public record TenantBatches(boolean perTenant) {
  public static final TenantBatches MIXED = new TenantBatches(false);

  /**
   * The statements to run for {@code items}: the list itself when tenants may mix or only one is present, else one
   * list per tenant, in the order each tenant first appears.
   */
  public <T> List<List<T>> split(List<T> items, Function<? super T, String> tenantOf) {
    if (!perTenant || oneTenant(items, tenantOf)) {
      return List.of(items);
    }
    Map<String, List<T>> byTenant = new LinkedHashMap<>();
    for (T item : items) {
      byTenant.computeIfAbsent(tenantOf.apply(item), t -> new ArrayList<>()).add(item);
    }
    return List.copyOf(byTenant.values());
  }

  /**
   * Runs {@code statement} for each list {@link #split} gives, side by side: completes when all have, failed if any
   * failed.
   */
  public <T> Future<Void> runEach(List<T> items, Function<? super T, String> tenantOf,
      Function<List<T>, Future<Void>> statement) {
    List<List<T>> statements = split(items, tenantOf);
    if (statements.size() == 1) {
      return statement.apply(statements.get(0));
    }
    List<Future<Void>> all = new ArrayList<>(statements.size());
    statements.forEach(each -> all.add(statement.apply(each)));
    return Future.join(all).mapEmpty();
  }

  private static <T> boolean oneTenant(List<T> items, Function<? super T, String> tenantOf) {
    if (items.isEmpty()) {
      return true;
    }
    String first = tenantOf.apply(items.get(0));
    for (int i = 1; i < items.size(); i++) {
      if (!first.equals(tenantOf.apply(items.get(i)))) {
        return false;
      }
    }
    return true;
  }
}
