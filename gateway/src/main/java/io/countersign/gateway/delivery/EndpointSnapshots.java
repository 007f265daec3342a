package io.countersign.gateway.delivery;

import io.countersign.gateway.outbound.SigningKeys;
import io.countersign.gateway.support.Columns;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What sending to each endpoint needs ({@link DeliveryTask#COLUMNS}), as this event loop last read it, by endpoint
 * and send_version (V23). A claim answers each fresh delivery with the endpoint's send_version only; the columns are
 * read again only when the version held here differs, so the claim's answer no longer carries (and this process no
 * longer decodes) the URL, sealed keys and headers of every delivery: about 5 us of CPU per event fanned out to
 * four endpoints (docs/performance.md).
 *
 * <p>A trigger bumps send_version on every change of those columns, so a version held here is exactly what the
 * claim's statement saw. After a miss, the columns are read as they are now (a version at least as new as the
 * claim's), which is what a poller's lease would read too. The sealed keys held here are the same ciphertext the
 * database holds; decrypted signers are cached elsewhere ({@code outbound.SignerCache}), by key id.
 *
 * <p>One per event loop, used from it only.
 */
final class EndpointSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointSnapshots.class);

  /** How many endpoints are held; past it, the least recently used is dropped (read again when next met). */
  static final int CAPACITY = 10_000;

  private record Snapshot(long version, String url, SigningKeys keys, Integer rateLimitPerSecond,
      boolean forwardTraceparent) {}

  private final Pool pool;
  private final Map<String, Snapshot> byLane = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Snapshot> eldest) {
      return size() > CAPACITY;
    }
  };

  EndpointSnapshots(Pool pool) {
    this.pool = pool;
  }

  /**
   * The tasks that send these fresh deliveries (leased to this process, in their fan-out): at once when every
   * endpoint's version is held here, else after one statement reads the others. If that statement fails, those
   * deliveries are not sent from here: their lease lapses and any process's poller takes them.
   */
  Future<List<DeliveryTask>> tasks(List<ClaimedDelivery> fresh) {
    List<DeliveryTask> tasks = new ArrayList<>(fresh.size());
    List<ClaimedDelivery> missing = null;
    for (ClaimedDelivery f : fresh) {
      String lane = DeliveryTask.laneKey(f.tenantId(), f.endpointId());
      Snapshot held = byLane.get(lane);
      if (held != null && held.version() == f.sendVersion()) {
        tasks.add(task(f, lane, held));
      } else {
        if (missing == null) {
          missing = new ArrayList<>();
        }
        missing.add(f);
      }
    }
    if (missing == null) {
      return Future.succeededFuture(tasks);
    }
    List<ClaimedDelivery> toRead = missing;
    return read(toRead).map(read -> {
      for (ClaimedDelivery f : toRead) {
        String lane = DeliveryTask.laneKey(f.tenantId(), f.endpointId());
        // from what was read, not from the map, which may already have dropped it again (past CAPACITY)
        Snapshot now = read.get(lane);
        // absent only if the endpoint's row is gone: nothing to send it with
        if (now != null) {
          tasks.add(task(f, lane, now));
        }
      }
      return tasks;
    }).recover(failure -> {
      LOG.warn("could not read {} endpoints' settings; {} fresh deliveries wait for their lease to lapse: {}",
          toRead.stream().map(f -> DeliveryTask.laneKey(f.tenantId(), f.endpointId())).distinct().count(),
          toRead.size(), failure.toString());
      return Future.succeededFuture(tasks);
    });
  }

  private static DeliveryTask task(ClaimedDelivery f, String lane, Snapshot s) {
    return new DeliveryTask(f.tenantId(), f.eventId(), f.endpointId(), 0, 0, s.url(), f.payload(), s.keys(),
        f.eventCreatedAt(), s.rateLimitPerSecond(), true, f.traceContext(), s.forwardTraceparent(), lane);
  }

  /** Reads the endpoints of {@code missing} as they are now, holds them, and returns them by lane. */
  private Future<Map<String, Snapshot>> read(List<ClaimedDelivery> missing) {
    Set<String> seen = new HashSet<>();
    List<ClaimedDelivery> endpoints = missing.stream()
        .filter(f -> seen.add(DeliveryTask.laneKey(f.tenantId(), f.endpointId()))).toList();
    return pool.preparedQuery(DeliverySql.SNAPSHOTS)
        .execute(new DeliverySql.SnapshotKeys(Columns.of(endpoints, ClaimedDelivery::tenantId, String[]::new),
            Columns.of(endpoints, ClaimedDelivery::endpointId, String[]::new)).tuple())
        .map(this::hold);
  }

  private Map<String, Snapshot> hold(RowSet<Row> rows) {
    DeliveryTask.Reader at = DeliveryTask.Reader.of(rows);
    int tenantAt = rows.columnsNames().indexOf("tenant_id");
    int versionAt = rows.columnsNames().indexOf("send_version");
    Map<String, Snapshot> read = new HashMap<>();
    for (Row row : rows) {
      Snapshot snapshot = new Snapshot(row.getLong(versionAt), row.getString(at.url()),
          SigningKeys.from(row, at.keys()), row.getInteger(at.rateLimitPerSecond()),
          row.getBoolean(at.forwardTraceparent()));
      String lane = DeliveryTask.laneKey(row.getString(tenantAt), at.endpointId(row));
      read.put(lane, snapshot);
      byLane.put(lane, snapshot);
    }
    return read;
  }
}
