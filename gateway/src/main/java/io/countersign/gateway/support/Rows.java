package io.countersign.gateway.support;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;

/** A query's rows as a list, for services that hand a page of rows to the edge that renders it. */
public final class Rows {
  private Rows() {}

  public static List<Row> list(RowSet<Row> rows) {
    List<Row> all = new ArrayList<>(rows.size());
    rows.forEach(all::add);
    return all;
  }
}
