package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.NioFileIO;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed fsync of the interval syncer fences the log, and close reports it only if no caller has
 * been told (BackgroundAndCloseTest#closeReportsABackgroundFsyncFailureNobodyHasSeen). A caller
 * whose operation was under way when the syncer's fsync failed is told too, by the coordinator's
 * check rather than the log's: close must not report the fence a second time. Every wait bounded.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only
class FenceReportedOnceTest {
  private static final LogConfig INTERVAL =
      LogConfig.builder().syncPolicy(SyncPolicy.interval(Duration.ofMillis(1))).build();

  @TempDir Path dir;

  /**
   * Regression: truncateBefore past unsynced records waited for the syncer's fsync in the
   * coordinator; that fsync failed, truncateBefore threw the fence, and close threw it again.
   */
  @Test
  void aTruncateBeforeWaitingForTheFailedBackgroundFsyncIsTheOneTold() throws Exception {
    toldOnceThen(
        log -> log.truncateBefore(2), // syncs index 1 first, behind the syncer's fsync
        thread -> LockSupport.getBlocker(thread) instanceof SyncCoordinator);
  }

  /**
   * Regression: a roll waited for the syncer's fsync to seal the active segment (one data fsync at
   * a time); that fsync failed, the roll threw the fence, and close threw it again.
   */
  @Test
  void aRollWaitingForTheFailedBackgroundFsyncIsTheOneTold() throws Exception {
    toldOnceThen(
        SegmentedLog::roll, // holds the append lock, waits for the fsync lock
        thread -> thread.getState() == Thread.State.WAITING);
  }

  private interface Operation {
    void run(SegmentedLog log);
  }

  /**
   * With the interval syncer's fsync held at the gate: runs {@code operation} on a thread of its
   * own until {@code waiting} shows it waits for that fsync, fails the fsync, and checks that the
   * operation throws the fence and close does not throw it again.
   */
  private void toldOnceThen(Operation operation, Predicate<Thread> waiting) throws Exception {
    GatedFileIO io = new GatedFileIO();
    SegmentedLog log = SegmentedLog.open(dir, INTERVAL, io);
    CountDownLatch syncerInFsync = io.close();
    log.append(new byte[] {1}); // only the interval syncer fsyncs it
    assertThat(syncerInFsync.await(30, TimeUnit.SECONDS)).as("the syncer's fsync began").isTrue();
    io.failForces();

    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                operation.run(log);
                done.complete(null);
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
            },
            "operation");
    thread.setDaemon(true);
    thread.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!waiting.test(thread)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the operation did not wait for the syncer's fsync in 30 s");
      }
      Thread.sleep(1);
    }
    io.open(); // the syncer's fsync fails: the log is fenced

    assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(LogFencedException.class);
    log.close(); // the operation's caller was told: close does not report the fence again
    try (SegmentedLog reopened = SegmentedLog.open(dir, INTERVAL, NioFileIO.INSTANCE)) {
      assertThat(reopened.lastIndex()).isEqualTo(1);
    }
  }
}
