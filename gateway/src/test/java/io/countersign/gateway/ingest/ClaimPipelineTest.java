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
  private static final ClaimBatcher.Settings SETTINGS = new ClaimBatcher.Settings(64, 3, 10_000, Duration.ofSeconds(30));

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

  private static final ClaimBatcher.Settings SMALL = new ClaimBatcher.Settings(4, 2, 10, Duration.ofSeconds(30));

  @Test
  void aLoneClaimOnAnIdleBatcherIsItsOwnStatementAtOnce() {
    Statements db = new Statements();
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(SMALL, db::run);
    assertTrue(pipeline.offer(1));
    assertEquals(List.of(List.of(1)), db.started);
  }

  @Test
  void claimsArrivingDuringACommitGoTogetherInTheNextStatement() {
    Statements db = new Statements();
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(SMALL, db::run);
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
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(SMALL, db::run);
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
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(new ClaimBatcher.Settings(4, 1, 3, Duration.ofSeconds(30)),
        db::run);
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
    ClaimPipeline<Integer> pipeline = new ClaimPipeline<>(SMALL, db::run);
    pipeline.offer(1);
    pipeline.offer(2);
    db.pending.get(0).fail("connection lost");
    assertEquals(List.of(2), db.started.get(1));
  }
}
