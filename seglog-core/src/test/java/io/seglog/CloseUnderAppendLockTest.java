package io.seglog;

import static io.seglog.testing.DaemonTask.await;
import static io.seglog.testing.DaemonTask.awaitQuietly;
import static io.seglog.testing.DaemonTask.awaitState;
import static io.seglog.testing.DaemonTask.closeWithin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.seglog.testing.DaemonTask;
import io.seglog.testing.Futures;
import io.seglog.testing.HeldFlushWorker;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a first {@link Log#close()} from code the log runs under its append lock (a {@link
 * StateMachine}'s {@code apply} or {@code checkpoint}, a {@link StateMachineLog#purgeWhile}
 * predicate, an {@link Log#appendStream} source) deadlocked whenever something close waits for
 * needed that lock: the flush worker leading the fsync of a queued asynchronous append (close joins
 * it), or another thread's fsync leader, which snapshots what was written under the lock (close
 * waits for its fsync to end before its own). Such a close is now refused at once with {@link
 * IllegalStateException}; the log stays open, every pending future completes, nothing is lost.
 *
 * <p>Public API only. The close under test runs on a daemon thread and is waited for within a
 * bound; a log whose close deadlocked is left behind, never closed again (a second close would wait
 * for the first).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a hang guard only: every wait below is bounded
class CloseUnderAppendLockTest {
  private static final long WAIT_SECONDS = 30;
  private static final LogConfig ALWAYS = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
  private static final LogConfig NONE = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();

  @TempDir Path dir;

  /**
   * An asynchronous append under ALWAYS is queued to the flush worker while a state machine's apply
   * (holding the append lock) closes the log: close joined the worker, whose fsync waited for the
   * lock.
   */
  @Test
  void aCloseFromApplyWithAnAsynchronousAppendQueuedIsRefusedNotDeadlocked() throws Exception {
    ClosingStateMachine sm = new ClosingStateMachine("close");
    StateMachineLog log = StateMachineLog.open(dir, ALWAYS, sm);
    sm.log = log;
    List<CompletableFuture<Long>> acknowledged = new ArrayList<>();
    CountDownLatch releaseWorker = HeldFlushWorker.hold(log, acknowledged).release();
    CompletableFuture<Long> queued = log.appendAsync(payload("queued")); // behind the held worker
    acknowledged.add(queued);
    DaemonTask<Long> closer =
        new DaemonTask<>("append closing from apply", () -> log.append(payload("close")));
    await(sm.inCallback, "apply of the closing record began");
    // The closer holds the append lock until its close returns: the worker, released, takes the
    // queued append and leads its fsync, which snapshots what was written under that lock.
    releaseWorker.countDown();

    assertRefused(closeOutcome(sm, "StateMachine.apply, with an appendAsync queued"));
    long closeIndex = closer.get();
    assertOpenAndWhole(log, acknowledged, closeIndex);
    closeWithin(log);
    try (StateMachineLog reopened = StateMachineLog.open(dir, ALWAYS, new ClosingStateMachine())) {
      assertThat(reopened.lastIndex()).isEqualTo(closeIndex + 1);
    }
  }

  /**
   * Under NONE, another thread's {@link Log#sync()} leads an fsync and waits for the append lock
   * (held by apply) to snapshot what was written: close waited for that fsync to end.
   */
  @Test
  void aCloseFromApplyWhileAnotherThreadsSyncWaitsForTheLockIsRefusedNotDeadlocked()
      throws Exception {
    ClosingStateMachine sm = new ClosingStateMachine("close");
    StateMachineLog log = StateMachineLog.open(dir, NONE, sm);
    sm.log = log;
    sm.proceed = new CountDownLatch(1);
    DaemonTask<Long> closer =
        new DaemonTask<>("append closing from apply", () -> log.append(payload("close")));
    await(sm.inCallback, "apply of the closing record began");
    DaemonTask<Long> sync = new DaemonTask<>("sync", log::sync);
    awaitState(sync.thread, Thread.State.WAITING); // its snapshot waits for the append lock
    sm.proceed.countDown();

    assertRefused(closeOutcome(sm, "StateMachine.apply, with a sync() waiting for the lock"));
    long closeIndex = closer.get();
    assertThat(sync.get()).isEqualTo(closeIndex);
    assertOpenAndWhole(log, List.of(), closeIndex);
    closeWithin(log);
  }

  /**
   * A plain log: an {@link Log#appendStream} source (read under the append lock) closes the log
   * while an asynchronous append is queued under ALWAYS.
   */
  @Test
  void aCloseFromAnAppendStreamSourceWithAnAsynchronousAppendQueuedIsRefusedNotDeadlocked()
      throws Exception {
    Log log = Log.open(dir, ALWAYS);
    List<CompletableFuture<Long>> acknowledged = new ArrayList<>();
    CountDownLatch releaseWorker = HeldFlushWorker.hold(log, acknowledged).release();
    acknowledged.add(log.appendAsync(payload("queued")));
    CountDownLatch inSource = new CountDownLatch(1);
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    InputStream closingSource =
        new InputStream() {
          @Override
          public int read() {
            inSource.countDown();
            tryClose(log, outcome);
            return -1; // an empty record
          }
        };
    DaemonTask<Long> streamer =
        new DaemonTask<>("appendStream", () -> log.appendStream(closingSource, 16));
    await(inSource, "the stream's source was read");
    releaseWorker.countDown();

    assertRefused(outcomeWithin(outcome, "an appendStream source, with an appendAsync queued"));
    long streamed = streamer.get();
    assertOpenAndWhole(log, acknowledged, streamed);
    closeWithin(log);
    try (Log reopened = Log.open(dir, ALWAYS)) {
      assertThat(reopened.lastIndex()).isEqualTo(streamed + 1);
    }
  }

  /**
   * The other callbacks under the append lock (a checkpoint, a purgeWhile predicate) are refused
   * too, and a refused close stops nothing: the durability listener still reports later fsyncs.
   */
  @Test
  void aCloseFromACheckpointOrAPurgePredicateIsRefusedAndStopsNothing() throws Exception {
    ClosingStateMachine sm = new ClosingStateMachine();
    List<DurableRange> ranges = Collections.synchronizedList(new ArrayList<>());
    StateMachineLog log = StateMachineLog.open(dir, NONE, sm, ranges::add);
    sm.log = log;
    log.append(payload("a"));
    sm.closeInCheckpoint = true;
    Throwable checkpointFailure = catchThrowable(log::checkpoint);
    assertRefused(closeOutcome(sm, "StateMachine.checkpoint"));
    assertThat(checkpointFailure).isNull();
    sm.closeInCheckpoint = false;

    CompletableFuture<Throwable> fromPredicate = new CompletableFuture<>();
    log.purgeWhile(
        c -> {
          tryClose(log, fromPredicate);
          return false;
        });
    assertRefused(outcomeWithin(fromPredicate, "a purgeWhile predicate"));

    long index = log.append(payload("b"));
    assertThat(log.sync()).isEqualTo(index);
    awaitReported(ranges, index);
    assertThat(sm.applied()).containsExactly(1L, 2L);
    closeWithin(log);
  }

  // ---- helpers

  private static byte[] payload(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Closes {@code log}, recording in {@code outcome} null if close returned, else its failure. */
  private static void tryClose(Log log, CompletableFuture<Throwable> outcome) {
    try {
      log.close();
      outcome.complete(null);
    } catch (Throwable t) {
      outcome.complete(t);
    }
  }

  private static Throwable closeOutcome(ClosingStateMachine sm, String where) throws Exception {
    return outcomeWithin(sm.outcome, where);
  }

  private static Throwable outcomeWithin(CompletableFuture<Throwable> outcome, String where)
      throws Exception {
    try {
      return outcome.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "close() from "
              + where
              + " did not return within "
              + WAIT_SECONDS
              + " s: deadlocked, waiting for a thread that waits for the append lock the closing"
              + " thread holds");
    }
  }

  private static void assertRefused(Throwable closeFailure) {
    assertThat(closeFailure)
        .as("close() under the append lock (null: it returned, closing the log under the caller)")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("append lock");
  }

  /**
   * The log is still open after the refused close: every acknowledged append completed, everything
   * up to {@code last} is readable, and one more append works.
   */
  private static void assertOpenAndWhole(
      Log log, List<CompletableFuture<Long>> acknowledged, long last) {
    for (int i = 0; i < acknowledged.size(); i++) {
      assertThat(Futures.await(acknowledged.get(i))).isEqualTo(i + 1L);
    }
    assertThat(log.lastIndex()).isEqualTo(last);
    for (long i = 1; i <= last; i++) {
      assertThat(log.read(i).index()).isEqualTo(i);
    }
    assertThat(log.append(payload("after"))).isEqualTo(last + 1);
  }

  private static void awaitReported(List<DurableRange> ranges, long index)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (true) {
      synchronized (ranges) {
        if (!ranges.isEmpty() && ranges.get(ranges.size() - 1).toIndex() >= index) {
          return;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the durability listener did not report index " + index);
      }
      Thread.sleep(1);
    }
  }

  /**
   * Keeps the indices it applied; closes the log from {@code apply} of the record {@code closeOn},
   * or from {@code checkpoint} while {@code closeInCheckpoint}, recording the close's outcome.
   */
  private static final class ClosingStateMachine implements StateMachine {
    private final String closeOn;
    private final List<Long> applied = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch inCallback = new CountDownLatch(1);
    final CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    volatile Log log;
    volatile CountDownLatch proceed = new CountDownLatch(0); // the callback waits for it first
    volatile boolean closeInCheckpoint;
    private long last;

    ClosingStateMachine() {
      this(null);
    }

    ClosingStateMachine(String closeOn) {
      this.closeOn = closeOn;
    }

    List<Long> applied() {
      return applied;
    }

    @Override
    public void apply(Record record) {
      applied.add(record.index());
      last = record.index();
      if (record.payloadBytes().length > 0
          && new String(record.payloadBytes(), StandardCharsets.UTF_8).equals(closeOn)) {
        closeFromCallback();
      }
    }

    @Override
    public void checkpoint(OutputStream out) throws IOException {
      if (closeInCheckpoint) {
        closeFromCallback();
      }
      new DataOutputStream(out).writeLong(last);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      last = new DataInputStream(in).readLong();
    }

    private void closeFromCallback() {
      inCallback.countDown();
      awaitQuietly(proceed);
      tryClose(log, outcome);
    }
  }
}
