package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.IndexOutOfRangeException;
import io.seglog.LogClosedException;
import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.LogMetrics;
import io.seglog.LogReader;
import io.seglog.SyncPolicy;
import io.seglog.Visibility;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit and asynchronous appends under {@link SyncPolicy#ALWAYS}, made deterministic by
 * holding fsyncs at a gate: what shares an fsync is asserted exactly, never timed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCommitTest {
  private static final LogConfig ALWAYS = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();

  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void awaitLastIndex(SegmentedLog log, long index) {
    // A spin ignores @Timeout's interrupt, so the wait carries its own deadline.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (log.lastIndex() < index) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("last index did not reach " + index + " within a minute");
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void appendersWaitingDuringAnFsyncShareTheNextOne() throws Exception {
    GatedFileIO io = new GatedFileIO();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      int forcesAtStart = io.forces();
      CountDownLatch leaderInFsync = io.close();
      Future<Long> leader = pool.submit(() -> log.append(bytes("leader")));
      leaderInFsync.await();
      List<Future<Long>> followers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String payload = "follower-" + i;
        followers.add(pool.submit(() -> log.append(bytes(payload))));
      }
      awaitLastIndex(log, 5); // all four followers wrote; none is durable yet
      assertThat(log.durableIndex()).isEqualTo(0);
      io.open();

      assertThat(leader.get()).isEqualTo(1);
      List<Long> indices = new ArrayList<>();
      for (Future<Long> f : followers) {
        indices.add(f.get());
      }
      assertThat(indices).containsExactlyInAnyOrder(2L, 3L, 4L, 5L);
      assertThat(io.forces() - forcesAtStart)
          .as("one fsync for the leader, one shared by the four followers")
          .isEqualTo(2);
      LogMetrics m = log.metrics();
      assertThat(m.fsyncs()).isEqualTo(2);
      assertThat(m.recordsSynced()).isEqualTo(5);
      assertThat(log.durableIndex()).isEqualTo(5);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Regression: with the fsync lock held for the whole fsync and non-fair, a writer that had just
   * finished barged back in ahead of the queued ones, which could only learn their record was
   * durable by taking the lock: 64 writers got about 2 records per fsync (found by the group-commit
   * scenario benchmark). Waiters now sleep while an fsync is in progress; when it ends the ones it
   * covered are woken and the oldest of the rest leads the next fsync, so they are acknowledged by
   * the next fsync even while another writer keeps appending.
   */
  @Test
  void waitingWritersAreAcknowledgedByTheNextFsyncWhileAnotherWriterHoldsTheOneAfter()
      throws Exception {
    GatedFileIO io = new GatedFileIO();
    int writers = 32;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      io.close();
      java.util.concurrent.atomic.AtomicBoolean stop =
          new java.util.concurrent.atomic.AtomicBoolean();
      Future<?> leader =
          pool.submit(
              () -> {
                while (!stop.get()) { // back to back, the pattern that starved followers
                  log.append(bytes("leader"));
                }
                return null;
              });
      io.awaitArrival(); // fsync 1 (the leader's first record) is at the gate
      List<Future<Long>> followers = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        String payload = "follower-" + i;
        followers.add(pool.submit(() -> log.append(bytes(payload))));
      }
      awaitLastIndex(log, 1 + writers); // every follower wrote and waits
      io.step(); // fsync 1 completes
      io.awaitArrival(); // fsync 2 starts: it covers every follower (they all wrote before it)
      io.step(); // fsync 2 completes
      io.awaitArrival(); // fsync 3 (the leader again) reaches the gate and stays there
      for (Future<Long> f : followers) {
        assertThat(f.get()).isPositive(); // acknowledged without fsync 3 (the @Timeout guards)
      }
      stop.set(true);
      io.open();
      leader.get();
      assertThat(log.durableIndex()).isEqualTo(log.lastIndex());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLoneWriterPaysExactlyOneFsyncPerAppend() {
    GatedFileIO io = new GatedFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      int before = io.forces();
      for (int i = 1; i <= 10; i++) {
        assertThat(log.append(bytes("r" + i))).isEqualTo(i);
        assertThat(log.durableIndex()).isEqualTo(i);
      }
      assertThat(io.forces() - before).isEqualTo(10);
    }
  }

  @Test
  void asyncAppendsCompleteOnlyOnceDurableAndShareFsyncs() throws Exception {
    GatedFileIO io = new GatedFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      int before = io.forces();
      CountDownLatch workerInFsync = io.close();
      List<CompletableFuture<Long>> futures = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        futures.add(log.appendAsync(bytes("async-" + i)));
      }
      workerInFsync.await();
      assertThat(futures).noneMatch(CompletableFuture::isDone);
      io.open();
      for (int i = 0; i < 100; i++) {
        assertThat(futures.get(i).get()).isEqualTo(i + 1L);
      }
      assertThat(io.forces() - before).isBetween(1, 2);
      assertThat(log.durableIndex()).isEqualTo(100);
      assertThat(new String(log.read(42).payloadBytes(), StandardCharsets.UTF_8))
          .isEqualTo("async-41");
    }
  }

  @Test
  void aFailedFsyncFailsEveryPendingFutureAndFencesTheLog() throws Exception {
    GatedFileIO io = new GatedFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      long acknowledged = log.append(bytes("durable"));
      CountDownLatch workerInFsync = io.close();
      List<CompletableFuture<Long>> futures = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        futures.add(log.appendAsync(bytes("doomed-" + i)));
      }
      workerInFsync.await();
      io.failForces();
      io.open();
      for (CompletableFuture<Long> f : futures) {
        assertThatThrownBy(f::get)
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(LogFencedException.class);
      }
      assertThatThrownBy(() -> log.append(bytes("after"))).isInstanceOf(LogFencedException.class);
      assertThat(log.appendAsync(bytes("after async")))
          .failsWithin(10, TimeUnit.SECONDS)
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(LogFencedException.class);
      assertThat(log.durableIndex()).isEqualTo(acknowledged);
    }
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, new GatedFileIO())) {
      assertThat(new String(reopened.read(1).payloadBytes(), StandardCharsets.UTF_8))
          .isEqualTo("durable");
      assertThat(reopened.append(bytes("works again"))).isEqualTo(reopened.lastIndex());
    }
  }

  @Test
  void closeCompletesEveryPendingFutureThenRefusesNewOnes() throws Exception {
    GatedFileIO io = new GatedFileIO();
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io);
    CountDownLatch workerInFsync = io.close();
    List<CompletableFuture<Long>> futures = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      futures.add(log.appendAsync(bytes("pending-" + i)));
    }
    workerInFsync.await();
    ExecutorService closer = Executors.newSingleThreadExecutor();
    try {
      Future<?> closing = closer.submit(log::close);
      io.open();
      closing.get();
    } finally {
      closer.shutdownNow();
    }
    for (int i = 0; i < 20; i++) {
      assertThat(futures.get(i).get()).isEqualTo(i + 1L);
    }
    assertThat(log.appendAsync(bytes("late")))
        .failsWithin(10, TimeUnit.SECONDS)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(LogClosedException.class);
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, new GatedFileIO())) {
      assertThat(reopened.lastIndex()).isEqualTo(20);
      assertThat(reopened.recoveryReport().bytesScanned()).isZero();
    }
  }

  @Test
  void durableReadersSeeOnlyWhatIsFsynced() throws Exception {
    LogConfig none = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (SegmentedLog log = SegmentedLog.open(dir, none, new GatedFileIO())) {
      log.append(bytes("one"));
      log.append(bytes("two"));
      log.sync();
      log.append(bytes("three")); // written, not durable
      assertThat(log.read(3).payloadBytes()).isEqualTo(bytes("three"));
      assertThatThrownBy(() -> log.read(3, Visibility.DURABLE))
          .isInstanceOf(IndexOutOfRangeException.class)
          .hasMessageContaining("above lastIndex 2");
      List<Long> seen = new ArrayList<>();
      try (LogReader r = log.reader(1, Long.MAX_VALUE, Visibility.DURABLE)) {
        r.forEachRemaining(rec -> seen.add(rec.index()));
      }
      assertThat(seen).containsExactly(1L, 2L);
      log.sync();
      assertThat(log.read(3, Visibility.DURABLE).payloadBytes()).isEqualTo(bytes("three"));
    }
  }

  @Test
  void asyncAppendsUnderNoneCompleteAtWrite() throws Exception {
    LogConfig none = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    GatedFileIO io = new GatedFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, none, io)) {
      io.close(); // an fsync would block: none may happen
      CompletableFuture<Long> f = log.appendAsync(bytes("page cache"));
      assertThat(f).isCompletedWithValue(1L);
      assertThat(log.durableIndex()).isEqualTo(0);
      io.open();
      assertThat(log.sync()).isEqualTo(1);
    }
  }
}
