package io.countersign.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Everything the run counts. Latencies are recorded in microseconds from each event's intended send time, so a
 * stalled gateway shows up as latency instead of silently lowering the offered rate (no coordinated omission).
 */
final class Stats {
  private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

  final Recorder acceptRecorder = new Recorder(MAX_MICROS, 3);
  final Recorder e2eRecorder = new Recorder(MAX_MICROS, 3);
  final Histogram acceptTotal = new Histogram(MAX_MICROS, 3);
  final Histogram e2eTotal = new Histogram(MAX_MICROS, 3);
  final AtomicLong sent = new AtomicLong();
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong replayed = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  final AtomicLong delivered = new AtomicLong();
  final AtomicLong uniqueDelivered = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong signatureFailures = new AtomicLong();
  final AtomicLong receiverInjectedFailures = new AtomicLong();
  final AtomicLong rotations = new AtomicLong();
  /** 202 answers whose event id had already been given to another send (must be 0). */
  final AtomicLong ackConflicts = new AtomicLong();
  /** One entry per second of the run. */
  final List<Second> timeline = new ArrayList<>();

  /** The timeline so far, copied under its lock (the progress task appends to it while a run goes on). */
  List<Second> seconds() {
    synchronized (timeline) {
      return List.copyOf(timeline);
    }
  }

  /**
   * One second of a run: elapsed seconds; events offered, accepted and deliveries received in that second; the
   * backlog (deliveries owed for accepted events) at its end; that second's latency percentiles in ms (end to end,
   * or accept with --ingest-only); the machine's idle share in that second (null where {@code /proc} cannot be
   * read); and the work owed at its end, from the sender's side: the backlog plus the deliveries of every event the
   * schedule has made due and the gateway has not yet answered (waiting to be sent, or sent and unanswered).
   */
  record Second(double t, long offered, long accepted, long delivered, long backlog, double p50, double p90,
      double p99, double max, Double idleShare, long owed) {}

  void recordAccept(long micros) {
    acceptRecorder.recordValue(Math.min(micros, MAX_MICROS));
  }

  void recordDelivery(long micros) {
    e2eRecorder.recordValue(Math.min(micros, MAX_MICROS));
  }
}
