package io.countersign.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClaimPipelineTest {
  private static final ClaimBatcher.Settings SETTINGS = new ClaimBatcher.Settings(64, 3, 10_000, Duration.ofSeconds(30), Duration.ZERO);

  @Test
  void anIdlePipelineStartsALoneClaimAtOnce() {
    assertTrue(ClaimPipeline.startBatch(0, 1, SETTINGS));
  }

  @Test
  void nothingQueuedStartsNothing() {
    assertFalse(ClaimPipeline.startBatch(0, 0, SETTINGS));
  }

  @Test
  void aPartialBatchWaitsForTheStatementInFlight() {
    assertFalse(ClaimPipeline.startBatch(1, 63, SETTINGS));
  }

  @Test
  void aFullBatchStartsBesideTheOneInFlight() {
    assertTrue(ClaimPipeline.startBatch(1, 64, SETTINGS));
    assertTrue(ClaimPipeline.startBatch(2, 500, SETTINGS));
  }

  @Test
  void theCapHoldsHoweverLongTheQueue() {
    assertFalse(ClaimPipeline.startBatch(3, 10_000, SETTINGS));
  }

  /** No linger in these settings: a timer would never be asked for. */
  private static final ClaimPipeline.Timer NO_TIMER = (ms, task) -> {
    throw new AssertionError("no linger was configured");
  };

  /** Timers the test fires by hand. */
  private static final class Timers implements ClaimPipeline.Timer {
    final List<Long> delays = new ArrayList<>();
    final List<Runnable> tasks = new ArrayList<>();

    @Override
    public void after(long millis, Runnable task) {
      delays.add(millis);
      tasks.add(task);
    }

    void fire(int index) {
      tasks.get(index).run();
    }
  }

  private static final ClaimBatcher.Settings LINGERING =
      new ClaimBatcher.Settings(4, 2, 10, Duration.ofSeconds(30), Duration.ofMillis(1));

  @Test
  void lingerIsOnlyForAPartialFirstStatementWhileClaimsComeFasterThanCommits() {
    assertFalse(ClaimPipeline.linger(0, 1, 0, LINGERING), "a quiet gateway starts a lone claim at once");
    assertFalse(ClaimPipeline.linger(0, 1, 1, LINGERING), "the last statement carried one claim: still quiet");
    assertTrue(ClaimPipeline.linger(0, 1, 2, LINGERING), "the last batch grew while a commit ran");
    assertFalse(ClaimPipeline.linger(0, 4, 3, LINGERING), "a full batch never waits");
    assertFalse(ClaimPipeline.linger(1, 1, 3, LINGERING), "beside a statement in flight, startBatch decides");
    assertFalse(ClaimPipeline.linger(0, 1, 3, SMALL), "0 turns it off");
  }

  @Test
  void underLoadAPartialBatchWaitsOutTheLingerAndAFullOneDoesNot() {
    Statements db = new Statements();
    Timers timers = new Timers();
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(LINGERING, db::run, timers);
    pipeline.offer(1);
    pipeline.offer(2);
    pipeline.offer(3);
    db.commit(0);
    assertEquals(List.of(List.of(1), List.of(2, 3)), db.started, "the first claim went alone, at once");
    pipeline.offer(4);
    db.commit(1);
    assertEquals(2, db.started.size(), "after a batch of two, claim 4 waits for company");
    assertEquals(List.of(1L), timers.delays);
    pipeline.offer(5);
    timers.fire(0);
    assertEquals(List.of(4, 5), db.started.get(2), "the linger over, what came meanwhile goes together");

    db.commit(2);
    for (int i = 6; i <= 9; i++) {
      pipeline.offer(i);
    }
    assertEquals(List.of(6, 7, 8, 9), db.started.get(3), "a full batch starts without waiting for the timer");
    assertEquals(2, timers.delays.size());
    timers.fire(1);
    assertEquals(4, db.started.size(), "a timer that finds nothing waiting starts nothing");
    db.commit(3);
    assertEquals(0, pipeline.inFlight());
  }

  /** Batches the test completes by hand, in place of claim statements. */
  private static final class Statements {
    final List<List<Integer>> started = new ArrayList<>();
    final List<Promise<Void>> pending = new ArrayList<>();

    Future<Void> run(List<Integer> batch) {
      started.add(batch);
      Promise<Void> done = Promise.promise();
      pending.add(done);
      return done.future();
    }

    void commit(int index) {
      pending.get(index).complete();
    }
  }

  private static final ClaimBatcher.Settings SMALL = new ClaimBatcher.Settings(4, 2, 10, Duration.ofSeconds(30), Duration.ZERO);

  @Test
  void aLoneClaimOnAnIdleBatcherIsItsOwnStatementAtOnce() {
    Statements db = new Statements();
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(SMALL, db::run, NO_TIMER);
    assertTrue(pipeline.offer(1));
    assertEquals(List.of(List.of(1)), db.started);
  }

  @Test
  void claimsArrivingDuringACommitGoTogetherInTheNextStatement() {
    Statements db = new Statements();
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(SMALL, db::run, NO_TIMER);
    pipeline.offer(1);
    pipeline.offer(2);
    pipeline.offer(3);
    assertEquals(1, db.started.size(), "a partial batch waits for the statement in flight");
    db.commit(0);
    assertEquals(List.of(List.of(1), List.of(2, 3)), db.started);
    assertEquals(0, pipeline.queued());
  }

  @Test
  void aFullBatchStartsBesideTheRunningOneUpToTheCapAndTheRestWaits() {
    Statements db = new Statements();
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(SMALL, db::run, NO_TIMER);
    for (int i = 1; i <= 10; i++) {
      assertTrue(pipeline.offer(i));
    }
    // 1 alone, then 2..5 as a full batch beside it; the cap (2) holds 6..10 back
    assertEquals(List.of(List.of(1), List.of(2, 3, 4, 5)), db.started);
    assertEquals(2, pipeline.inFlight());
    assertEquals(5, pipeline.queued());
    db.commit(0);
    assertEquals(List.of(6, 7, 8, 9), db.started.get(2), "a commit frees a slot for the next full batch");
    db.commit(1);
    db.commit(2);
    assertEquals(List.of(10), db.started.get(3));
    db.commit(3);
    assertEquals(0, pipeline.inFlight());
    assertEquals(0, pipeline.queued());
  }

  @Test
  void aFullQueueRefusesWithoutQueueing() {
    Statements db = new Statements();
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(new ClaimBatcher.Settings(4, 1, 3, Duration.ofSeconds(30), Duration.ZERO),
        db::run, NO_TIMER);
    pipeline.offer(0); // in flight, not queued
    for (int i = 1; i <= 3; i++) {
      assertTrue(pipeline.offer(i));
    }
    assertFalse(pipeline.offer(4), "maxQueued claims wait: the next is refused (503 overloaded)");
    assertEquals(3, pipeline.queued());
    db.commit(0);
    assertEquals(List.of(1, 2, 3), db.started.get(1), "the refused claim is in no batch");
  }

  @Test
  void aFailedStatementFreesItsSlotLikeACommit() {
    Statements db = new Statements();
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(SMALL, db::run, NO_TIMER);
    pipeline.offer(1);
    pipeline.offer(2);
    db.pending.get(0).fail("connection lost");
    assertEquals(List.of(2), db.started.get(1));
  }
}
