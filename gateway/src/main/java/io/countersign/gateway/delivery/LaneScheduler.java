package io.countersign.gateway.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Admission and fairness for one dispatcher, as bookkeeping only (no I/O, no Vert.x; {@code LaneSchedulerTest}).
 * Work is bounded globally ({@code maxInFlight}) and per endpoint lane ({@code maxPerLane}), each lane with a short
 * queue ({@code laneQueueLimit}), so one slow receiver fills only its own lane. Freed places go to waiting lanes
 * round-robin, one task per lane per pass, so no endpoint starves another. What fits nowhere is refused: the caller
 * gives it back to PostgreSQL instead of growing memory.
 *
 * @param <T> a unit of work (a leased delivery)
 */
final class LaneScheduler<T> {
  enum Admission {
    /** Send it now: it is counted in flight until {@link #done}. */
    SEND,
    /** It waits in its lane for a place. */
    WAIT,
    /** No room: give it back. */
    REFUSE
  }

  private static final String[] NONE = new String[0];

  private static final class Lane<T> {
    final String endpointId;
    int inFlight;
    final ArrayDeque<T> waiting = new ArrayDeque<>();

    Lane(String endpointId) {
      this.endpointId = endpointId;
    }
  }

  private final int maxInFlight;
  private final int maxPerLane;
  private final int laneQueueLimit;
  private final Map<String, Lane<T>> lanes = new HashMap<>();
  /** Lanes with waiting work, in the order they started waiting. */
  private final ArrayDeque<Lane<T>> ready = new ArrayDeque<>();
  /** Endpoint ids whose lane is full, in flight and queued. */
  private final Map<String, Lane<T>> saturated = new HashMap<>();
  private int inFlight;
  private int waitingTotal;

  LaneScheduler(int maxInFlight, int maxPerLane, int laneQueueLimit) {
    this.maxInFlight = maxInFlight;
    this.maxPerLane = maxPerLane;
    this.laneQueueLimit = laneQueueLimit;
  }

  /**
   * Sends, queues or refuses {@code task}. With {@code pastLaneQueue}, it may wait past the queue limits, up to
   * twice each (its lane's and {@code maxInFlight} waiting in all): work leased against free places (fresh
   * fan-outs, which cost a row each when given back) that a claim and a poll running side by side both counted.
   * What waits past the limits only makes {@link #capacity} negative, so nothing more is leased until it is sent.
   */
  Admission admit(String laneKey, String endpointId, T task, boolean pastLaneQueue) {
    Lane<T> lane = lanes.get(laneKey);
    if (lane == null) {
      // not computeIfAbsent: its lambda would capture endpointId, an allocation per delivery for a rare miss
      lane = new Lane<>(endpointId);
      lanes.put(laneKey, lane);
    }
    int queueFactor = pastLaneQueue ? 2 : 1;
    Admission admission;
    if (inFlight < maxInFlight && lane.inFlight < maxPerLane) {
      inFlight++;
      lane.inFlight++;
      admission = Admission.SEND;
    } else if (waitingTotal < queueFactor * maxInFlight && lane.waiting.size() < queueFactor * laneQueueLimit) {
      if (lane.waiting.isEmpty()) {
        ready.add(lane);
      }
      lane.waiting.add(task);
      waitingTotal++;
      admission = Admission.WAIT;
    } else {
      admission = Admission.REFUSE;
    }
    updateSaturation(lane);
    return admission;
  }

  /** A send of this lane has finished (or was deferred): its place is free. */
  void done(String laneKey) {
    Lane<T> lane = lanes.get(laneKey);
    inFlight--;
    lane.inFlight--;
    updateSaturation(lane);
  }

  /**
   * Hands freed places to waiting lanes, one task per lane per pass: each returned task is counted in flight and must
   * be sent (and later {@link #done}).
   */
  List<T> next() {
    List<T> start = List.of();
    int lanesToVisit = ready.size();
    while (inFlight < maxInFlight && lanesToVisit-- > 0) {
      Lane<T> lane = ready.poll();
      if (lane.inFlight < maxPerLane) {
        if (start.isEmpty()) {
          start = new ArrayList<>();
        }
        start.add(lane.waiting.poll());
        waitingTotal--;
        inFlight++;
        lane.inFlight++;
        updateSaturation(lane);
      }
      if (!lane.waiting.isEmpty()) {
        ready.add(lane);
      }
    }
    return start;
  }

  /** Empties one lane's queue (its circuit opened): the caller gives the tasks back. */
  List<T> dropWaiting(String laneKey) {
    Lane<T> lane = lanes.get(laneKey);
    if (lane == null || lane.waiting.isEmpty()) {
      return List.of();
    }
    List<T> dropped = new ArrayList<>(lane.waiting);
    lane.waiting.clear();
    waitingTotal -= dropped.size();
    ready.remove(lane);
    updateSaturation(lane);
    return dropped;
  }

  /** Forgets every queued task (shutdown: their leases are given back together). */
  void clearWaiting() {
    lanes.values().forEach(l -> {
      l.waiting.clear();
      updateSaturation(l);
    });
    ready.clear();
    waitingTotal = 0;
  }

  /** Free places, counting queued work. */
  int capacity() {
    return maxInFlight - inFlight - waitingTotal;
  }

  int inFlight() {
    return inFlight;
  }

  /**
   * Endpoints whose lane here is full: leasing more for them would only mean giving it back (one write per delivery)
   * while a stalled receiver holds the lane; left unleased, it waits in PostgreSQL for a poller with room.
   */
  String[] saturatedEndpoints() {
    return saturated.isEmpty() ? NONE : saturated.keySet().toArray(NONE);
  }

  private void updateSaturation(Lane<T> lane) {
    if (lane.inFlight >= maxPerLane && lane.waiting.size() >= laneQueueLimit) {
      saturated.put(lane.endpointId, lane);
    } else {
      saturated.remove(lane.endpointId);
    }
  }
}
