package io.countersign.load;

import io.netty.util.collection.LongObjectHashMap;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which events the gateway acknowledged and which (endpoint, event) pairs arrived, to count lost, duplicate and
 * unacknowledged deliveries. Events are known by the sequence number their body carries ({@link Payloads#seq}), so
 * a delivery is one bit, not an entry in a map of strings.
 *
 * <pre>{@code
 * Tracker tracker = new Tracker(stats, 4);
 * tracker.accepted(seq, eventId);             // the sender's 202
 * tracker.delivered(endpoint, body);          // the receiver's verified arrival
 * long lost = tracker.lost(stalledEndpoint);  // after the drain
 * }</pre>
 *
 * <p>The map of strings this replaced held a key per delivery for the whole window: at 1 500 events/s to 4 endpoints
 * some 400 MB live in this tool's heap, whose young collections then paused it for 80-330 ms every 18 s or so,
 * and every event due in a pause was measured as that much slower (docs/performance.md, 2026-12-02).
 */
final class Tracker {
  private final Stats stats;
  private final int endpoints;
  /** Bit {@code seq}: the gateway answered 202 for the event with that sequence number. */
  private final Bits accepted = new Bits();
  /** Bit {@code seq * endpoints + endpoint}: a verified delivery of that event arrived at that endpoint. */
  private final Bits arrived = new Bits();
  /**
   * 64-bit hashes of the acknowledged event ids, to notice one id given to two sends (written by the sender only):
   * Netty's open-addressing map, keys in a {@code long[]}, no entry objects.
   */
  private final LongObjectHashMap<Boolean> eventIds = new LongObjectHashMap<>(1 << 12);

  Tracker(Stats stats, int endpoints) {
    this.stats = stats;
    // 0 endpoints (ingest alone): nothing is expected to arrive, so nothing is lost
    this.endpoints = endpoints;
  }

  /**
   * The gateway's id for the event {@code seq}, acknowledged with 202. Each 202 is for a new key, so an id seen
   * twice means two different sends were answered with one event: false then (counted as an error by the caller).
   * Called from the sender's event loop only.
   */
  boolean accepted(long seq, String eventId) {
    accepted.set(seq);
    return eventIds.put(hash(eventId), Boolean.TRUE) == null;
  }

  /** How many events were acknowledged. */
  long acceptedCount() {
    return accepted.count();
  }

  void delivered(int endpoint, Buffer body) {
    stats.delivered.incrementAndGet();
    long seq = Payloads.seq(body);
    if (seq < 0 || endpoint >= endpoints) {
      // not one of this tool's events: counted as a delivery, nothing to match
      return;
    }
    if (!arrived.set(seq * endpoints + endpoint)) {
      stats.duplicates.incrementAndGet();
      return;
    }
    stats.uniqueDelivered.incrementAndGet();
    long intended = Payloads.intendedNanos(body);
    if (intended > 0) {
      stats.recordDelivery(Math.max(0, (System.nanoTime() - intended) / 1_000));
    }
  }

  /** Acknowledged (endpoint, event) pairs that never arrived, leaving out endpoint {@code skip} (-1: none). */
  long lost(int skip) {
    long[] lost = {0};
    accepted.forEach(seq -> {
      for (int i = 0; i < endpoints; i++) {
        if (i != skip && !arrived.get(seq * endpoints + i)) {
          lost[0]++;
        }
      }
    });
    return lost[0];
  }

  /** Events that arrived but were never acknowledged to the sender (should be none). */
  long unacknowledged() {
    if (endpoints == 0) {
      return 0;
    }
    long[] count = {0};
    long[] last = {-1};
    arrived.forEach(bit -> {
      long seq = bit / endpoints;
      if (seq != last[0]) {
        last[0] = seq;
        if (!accepted.get(seq)) {
          count[0]++;
        }
      }
    });
    return count[0];
  }

  boolean arrived(int endpoint, long seq) {
    return arrived.get(seq * endpoints + endpoint);
  }

  /** FNV-1a over the id's chars: ids differ in a handful of characters, and a 64-bit collision is ~1e-6 at 10^7. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** A growable set of non-negative bit positions, safe to set from several threads; chunks are made when touched. */
  static final class Bits {
    private static final int CHUNK_WORDS = 1024;
    private static final int CHUNK_BITS = CHUNK_WORDS * 64;
    /** 65 536 chunks of 65 536 bits: 2^32 positions, a billion events to 4 endpoints. */
    private final AtomicReferenceArray<AtomicLongArray> chunks = new AtomicReferenceArray<>(1 << 16);

    /** Sets the bit; false if it was already set. */
    boolean set(long bit) {
      AtomicLongArray chunk = chunks.get(chunkOf(bit));
      if (chunk == null) {
        chunks.compareAndSet(chunkOf(bit), null, new AtomicLongArray(CHUNK_WORDS));
        chunk = chunks.get(chunkOf(bit));
      }
      int word = (int) (bit % CHUNK_BITS) >>> 6;
      long mask = 1L << (bit & 63);
      long old;
      do {
        old = chunk.get(word);
        if ((old & mask) != 0) {
          return false;
        }
      } while (!chunk.compareAndSet(word, old, old | mask));
      return true;
    }

    boolean get(long bit) {
      AtomicLongArray chunk = chunks.get(chunkOf(bit));
      return chunk != null && (chunk.get((int) (bit % CHUNK_BITS) >>> 6) & (1L << (bit & 63))) != 0;
    }

    long count() {
      long n = 0;
      for (int c = 0; c < chunks.length(); c++) {
        AtomicLongArray chunk = chunks.get(c);
        for (int w = 0; chunk != null && w < CHUNK_WORDS; w++) {
          n += Long.bitCount(chunk.get(w));
        }
      }
      return n;
    }

    /** Each set bit, in increasing order. */
    void forEach(java.util.function.LongConsumer action) {
      for (int c = 0; c < chunks.length(); c++) {
        AtomicLongArray chunk = chunks.get(c);
        for (int w = 0; chunk != null && w < CHUNK_WORDS; w++) {
          long bits = chunk.get(w);
          while (bits != 0) {
            action.accept((long) c * CHUNK_BITS + w * 64L + Long.numberOfTrailingZeros(bits));
            bits &= bits - 1;
          }
        }
      }
    }

    private static int chunkOf(long bit) {
      if (bit < 0 || bit >= (long) CHUNK_BITS << 16) {
        throw new IllegalArgumentException("bit " + bit + " is outside 0.." + (((long) CHUNK_BITS << 16) - 1));
      }
      return (int) (bit / CHUNK_BITS);
    }
  }
}
