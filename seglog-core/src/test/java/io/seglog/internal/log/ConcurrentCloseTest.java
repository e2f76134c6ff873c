package io.seglog.internal.log;

import static io.seglog.testing.DaemonTask.await;
import static io.seglog.testing.DaemonTask.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.LogClosedException;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import io.seglog.Tailer;
import io.seglog.Visibility;
import io.seglog.internal.io.NioFileIO;
import io.seglog.testing.DaemonTask;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing a log (or a tailer) from two threads at once: every close returns only once the first has
 * finished, so the directory (or the tailer's name) can be used again as soon as any close returns;
 * and a close from a thread the first close waits for returns at once instead of deadlocking. The
 * first close is held inside an fsync at a gate; every wait is bounded.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only: every wait below is bounded
class ConcurrentCloseTest {
  private static final LogConfig NONE = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
  private static final LogConfig ALWAYS = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();

  @TempDir Path dir;

  /**
   * Regression: a close that ran while another was in progress returned at once, before the first
   * had fsynced, closed the files and released the directory lock: reopening the directory right
   * after it failed with LogLockedException. Here the first close waits for the flush worker to
   * finish an asynchronous append whose fsync is held at the gate.
   */
  @Test
  void aSecondCloseWaitsForTheFirstWhileItWaitsForTheFlushWorker() throws Exception {
    GatedFileIO io = new GatedFileIO();
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io);
    CountDownLatch workerInFsync = io.close();
    CompletableFuture<Long> appended = log.appendAsync(new byte[] {1});
    await(workerInFsync, "the flush worker reached its fsync");
    secondCloseWaitsForTheFirst(log, io, ALWAYS);
    assertThat(appended.get(30, TimeUnit.SECONDS)).isEqualTo(1);
  }

  /** As above, the first close waiting for an fsync in progress (a sync()) before its own. */
  @Test
  void aSecondCloseWaitsForTheFirstWhileItWaitsForAnFsyncInProgress() throws Exception {
    GatedFileIO io = new GatedFileIO();
    SegmentedLog log = SegmentedLog.open(dir, NONE, io);
    log.append(new byte[] {1});
    CountDownLatch syncInFsync = io.close();
    DaemonTask<Long> sync = new DaemonTask<>("sync", log::sync);
    await(syncInFsync, "sync() reached its fsync");
    secondCloseWaitsForTheFirst(log, io, NONE);
    assertThat(sync.get()).isEqualTo(1);
  }

  /**
   * With an fsync held at the gate that the first close waits for: starts the first close, then a
   * second one that reopens the directory as soon as it returns, and checks that it does not return
   * before the gate opens, and then reopens the log whole.
   */
  private void secondCloseWaitsForTheFirst(SegmentedLog log, GatedFileIO io, LogConfig config)
      throws Exception {
    DaemonTask<Void> first =
        new DaemonTask<>(
            "first close",
            () -> {
              log.close();
              return null;
            });
    awaitClosing(log);

    DaemonTask<Long> second =
        new DaemonTask<>(
            "second close",
            () -> {
              log.close();
              // Right after close returned: the directory lock must be free.
              try (SegmentedLog reopened = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
                return reopened.lastIndex();
              }
            });
    assertThatThrownBy(() -> second.result.get(200, TimeUnit.MILLISECONDS))
        .as("the second close returned while the first was still held")
        .isInstanceOf(TimeoutException.class);

    io.open();
    first.get();
    assertThat(second.get()).isEqualTo(1);
    assertThatThrownBy(() -> log.append(new byte[] {2})).isInstanceOf(LogClosedException.class);
  }

  /**
   * The completion of an asynchronous append's future runs on the flush worker, which the first
   * close waits for (it lets the worker finish the queue): a close from that callback must not wait
   * for the first close in turn.
   */
  @Test
  void aCloseFromAFutureCallbackOnTheFlushWorkerDoesNotWaitForTheFirstClose() throws Exception {
    GatedFileIO io = new GatedFileIO();
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io);
    CountDownLatch workerInFsync = io.close();
    CompletableFuture<Void> callbackClosed = new CompletableFuture<>();
    log.appendAsync(new byte[] {1})
        .whenComplete((index, failure) -> closeInto(log, callbackClosed));
    await(workerInFsync, "the flush worker reached its fsync");

    DaemonTask<Void> first =
        new DaemonTask<>(
            "first close",
            () -> {
              log.close();
              return null;
            });
    awaitClosing(log); // the callback's close comes second
    io.open();

    callbackClosed.get(30, TimeUnit.SECONDS);
    first.get();
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, NioFileIO.INSTANCE)) {
      assertThat(reopened.lastIndex()).isEqualTo(1);
    }
  }

  /**
   * A close that the flush worker runs (from a future's callback) completes, on that same thread,
   * the futures still queued: a close from their callbacks is a close on the closing thread itself,
   * which must not wait for itself.
   */
  @Test
  void aCloseFromACallbackTheClosingThreadRunsDoesNotWaitForItself() throws Exception {
    GatedFileIO io = new GatedFileIO();
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io);
    CountDownLatch workerInFsync = io.close();
    CompletableFuture<Void> outerClosed = new CompletableFuture<>();
    CompletableFuture<Void> innerClosed = new CompletableFuture<>();
    log.appendAsync(new byte[] {1}).whenComplete((index, failure) -> closeInto(log, outerClosed));
    await(workerInFsync, "the flush worker reached its fsync");
    // Queued behind the fsync in progress: the outer close, on the worker, completes it itself.
    log.appendAsync(new byte[] {2}).whenComplete((index, failure) -> closeInto(log, innerClosed));
    io.open();

    innerClosed.get(30, TimeUnit.SECONDS);
    outerClosed.get(30, TimeUnit.SECONDS);
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, NioFileIO.INSTANCE)) {
      assertThat(reopened.lastIndex()).isEqualTo(2);
    }
  }

  /**
   * Regression: a tailer's close that ran while another close of it was releasing its name (waiting
   * for a position commit in progress) returned at once: opening a tailer with that name right
   * after it failed with "already open".
   */
  @Test
  void aSecondTailerCloseReturnsOnlyOnceTheNameIsReleased() throws Exception {
    GatedFileIO io = new GatedFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, NONE, io)) {
      log.append(new byte[] {1});
      Tailer tailer = log.tailer("a", 1, Visibility.WRITTEN);
      CountDownLatch commitInFsync = io.close();
      DaemonTask<Void> commit =
          new DaemonTask<>(
              "commit",
              () -> {
                tailer.commit(1); // holds the position store while it fsyncs
                return null;
              });
      await(commitInFsync, "the commit reached its fsync");
      DaemonTask<Void> first =
          new DaemonTask<>(
              "first tailer close",
              () -> {
                tailer.close();
                return null;
              });
      awaitState(first.thread, Thread.State.BLOCKED); // releasing the name, behind the commit

      DaemonTask<Long> second =
          new DaemonTask<>(
              "second tailer close",
              () -> {
                tailer.close();
                try (Tailer again = log.tailer("a", 1, Visibility.WRITTEN)) {
                  return again.position();
                }
              });
      assertThatThrownBy(() -> second.result.get(200, TimeUnit.MILLISECONDS))
          .as("the second close returned while the first was still releasing the name")
          .isInstanceOf(TimeoutException.class);

      io.open();
      commit.get();
      first.get();
      assertThat(second.get()).isEqualTo(1);
    }
  }

  private static void closeInto(SegmentedLog log, CompletableFuture<Void> done) {
    try {
      log.close();
      done.complete(null);
    } catch (Throwable t) {
      done.completeExceptionally(t);
    }
  }

  /** Waits until a close has begun (appends are refused). */
  private static void awaitClosing(SegmentedLog log) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        log.underAppendLock(() -> null);
      } catch (LogClosedException e) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("close did not begin within 30 s");
      }
      Thread.sleep(1);
    }
  }
}
