package io.countersign.gateway.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TenantBatchesTest {
  private record Row(String tenant, int n) {}

  private static final List<Row> MIXED_ROWS = List.of(new Row("b", 1), new Row("a", 2), new Row("b", 3),
      new Row("c", 4), new Row("a", 5));

  @Test
  void onOnePostgresqlTenantsShareOneStatement() {
    List<List<Row>> statements = TenantBatches.MIXED.split(MIXED_ROWS, Row::tenant);
    assertEquals(1, statements.size());
    assertSame(MIXED_ROWS, statements.get(0), "the batch itself, not a copy");
  }

  @Test
  void perTenantEachTenantGetsItsOwnStatementInFirstSeenOrderKeepingRowOrder() {
    List<List<Row>> statements = new TenantBatches(true).split(MIXED_ROWS, Row::tenant);
    assertEquals(List.of(
        List.of(new Row("b", 1), new Row("b", 3)),
        List.of(new Row("a", 2), new Row("a", 5)),
        List.of(new Row("c", 4))), statements);
  }

  @Test
  void perTenantABatchOfOneTenantStaysOneStatementUncopied() {
    List<Row> one = List.of(new Row("a", 1), new Row("a", 2));
    assertSame(one, new TenantBatches(true).split(one, Row::tenant).get(0));
    assertEquals(List.of(List.of()), new TenantBatches(true).split(List.<Row>of(), Row::tenant));
  }

  @Test
  void runEachRunsEveryStatementAndFailsIfAnyFails() {
    List<List<Row>> ran = new ArrayList<>();
    Future<Void> all = new TenantBatches(true).runEach(MIXED_ROWS, Row::tenant, rows -> {
      ran.add(rows);
      return rows.get(0).tenant().equals("a") ? Future.failedFuture("a failed") : Future.succeededFuture();
    });
    assertEquals(3, ran.size(), "the failure of one tenant's statement does not stop the others");
    assertTrue(all.failed());
    assertTrue(TenantBatches.MIXED.runEach(MIXED_ROWS, Row::tenant, rows -> Future.succeededFuture()).succeeded());
  }
}
