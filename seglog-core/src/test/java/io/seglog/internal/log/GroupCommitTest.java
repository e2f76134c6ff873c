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
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import java.io.IOException;
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
import java.util.concurrent.atomic.AtomicBoolean;
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

  /**
   * Closes {@code io}'s gate and starts an append on {@code pool}: its fsync, the leader's, is held
   * at the gate when this returns.
   */
  private static Future<Long> leaderHeldInItsFsync(
      GatedFileIO io, SegmentedLog log, ExecutorService pool) throws InterruptedException {
    CountDownLatch leaderInFsync = io.close();
    Future<Long> leader = pool.submit(() -> log.append(bytes("leader")));
    assertThat(leaderInFsync.await(60, TimeUnit.SECONDS))
        .as("the leader's fsync reached the gate")
        .isTrue();
    return leader;
  }

  @Test
  void appendersWaitingDuringAnFsyncShareTheNextOne() throws Exception {
    GatedFileIO io = new GatedFileIO();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      int forcesAtStart = io.forces();
      Future<Long> leader = leaderHeldInItsFsync(io, log, pool);
      List<Future<Long>> followers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String payload = "follower-" + i;
        followers.add(pool.submit(() -> log.append(bytes(payload))));
      }
      awaitLastIndex(log, 5); // all four followers wrote; none is durable yet
      assertThat(log.durableIndex()).isEqualTo(0);
      io.open();

      assertThat(leader.get(60, TimeUnit.SECONDS)).isEqualTo(1);
      List<Long> indices = new ArrayList<>();
      for (Future<Long> f : followers) {
        indices.add(f.get(60, TimeUnit.SECONDS));
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
        // acknowledged without fsync 3, which stays at the gate
        assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
      }
      stop.set(true);
      io.open();
      leader.get(60, TimeUnit.SECONDS);
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
      assertThat(log.metrics().fsyncWaits()).as("a lone writer never waits").isZero();
    }
  }

  /**
   * Under ALWAYS the active segment is buffered ({@link SegmentedLog#ALWAYS_WRITE_BUFFER_BYTES}):
   * appenders that write while an fsync runs leave their frames in the buffer, and the next leader
   * writes all of them in one system call before its fsync, instead of one write each under the
   * append lock. What reaches the file and the disk before each acknowledgement is unchanged.
   */
  @Test
  void appendersWaitingForAnFsyncAreWrittenByTheNextLeaderInOneSystemCall() throws Exception {
    GatedFileIO io = new GatedFileIO();
    int followers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(followers + 1);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      try {
        Future<Long> leader = leaderHeldInItsFsync(io, log, pool);
        int writesBefore = io.segmentWrites();
        int forcesBefore = io.forces();
        List<Future<Long>> waiting = new ArrayList<>();
        for (int i = 0; i < followers; i++) {
          String payload = "follower-" + i;
          waiting.add(pool.submit(() -> log.append(bytes(payload))));
        }
        awaitLastIndex(log, 1 + followers);
        assertThat(io.segmentWrites())
            .as("the followers' frames wait in the buffer while the fsync runs")
            .isEqualTo(writesBefore);
        io.open();

        assertThat(leader.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        for (Future<Long> f : waiting) {
          assertThat(f.get(60, TimeUnit.SECONDS)).isBetween(2L, 1L + followers);
        }
        assertThat(io.segmentWrites() - writesBefore)
            .as("the next leader wrote every follower's frame in one system call")
            .isEqualTo(1);
        assertThat(io.forces() - forcesBefore)
            .as("the leader's fsync, then one shared")
            .isEqualTo(2);
        assertThat(log.durableIndex()).isEqualTo(1 + followers);
        try (SegmentedLog follower = SegmentedLog.openReadOnly(dir, ALWAYS, NioFileIO.INSTANCE)) {
          assertThat(follower.lastIndex())
              .as("every acknowledged record is in the file")
              .isEqualTo(1 + followers);
        }
      } finally {
        io.open(); // a failed assertion must not leave close's fsync at the gate
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLoneWriterPaysOneWriteAndOneFsyncPerAppend() {
    GatedFileIO io = new GatedFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      int writes = io.segmentWrites();
      int forces = io.forces();
      for (int i = 1; i <= 10; i++) {
        assertThat(log.append(bytes("r" + i))).isEqualTo(i);
      }
      assertThat(io.segmentWrites() - writes).isEqualTo(10);
      assertThat(io.forces() - forces).isEqualTo(10);
    }
  }

  /**
   * Gathering (see {@link SyncCoordinator}'s design note) needs observed concurrency: a lone writer
   * never waits for company, and pays one fsync per append.
   */
  @Test
  void aLoneWriterNeverGathers() {
    GatedFileIO io = new GatedFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      SyncCoordinator sync = log.syncCoordinatorForTest();
      int forces = io.forces();
      for (int i = 1; i <= 20; i++) {
        assertThat(log.append(bytes("r" + i))).isEqualTo(i);
        assertThat(log.durableIndex()).isEqualTo(i);
      }
      assertThat(io.forces() - forces).isEqualTo(20);
      assertThat(sync.gatherWaits()).as("no wait for company").isZero();
    }
  }

  /**
   * An ALWAYS append from inside {@code underAppendLock} (as a state machine's callback may make)
   * never gathers: nobody can append while it holds the lock, so it would only wait out the whole
   * bound. (It no longer leads an fsync of the coordinator at all: it fsyncs under the lock, since
   * a leader takes that lock to snapshot; see SyncUnderAppendLockTest.)
   */
  @Test
  void aLeaderHoldingTheAppendLockDoesNotGather() throws Exception {
    GatedFileIO io = new GatedFileIO();
    ExecutorService pool = Executors.newFixedThreadPool(GATHER_COVERED + 2);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      try {
        SyncCoordinator sync = log.syncCoordinatorForTest();
        List<Future<Long>> done = fsyncCoveringSeveralWaiters(log, io, pool, 40);
        io.open(); // fsync 2 ends having woken GATHER_COVERED - 1 covered waiters: observed
        awaitAcknowledged(done);
        // The next leader is this append, under the lock: it must fsync at once.
        Future<Long> locked =
            pool.submit(() -> log.underAppendLock(() -> log.append(bytes("under the lock"))));
        assertThat(locked.get(20, TimeUnit.SECONDS)).isEqualTo(2L + GATHER_COVERED);
        assertThat(sync.gatherWaits()).as("no wait with the append lock held").isZero();
      } finally {
        io.open();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static final int GATHER_COVERED = 8;

  /**
   * With the gate closed: the first append's fsync 1 held while {@link #GATHER_COVERED} writers
   * append, then fsync 2 (covering them all) held at the gate. Returns the futures of the first
   * append and the covered ones, for {@link #awaitAcknowledged}. With {@code boundSeconds >= 0},
   * sets the gathering bound first.
   */
  private static List<Future<Long>> fsyncCoveringSeveralWaiters(
      SegmentedLog log, GatedFileIO io, ExecutorService pool, long boundSeconds) throws Exception {
    if (boundSeconds >= 0) {
      log.syncCoordinatorForTest().gatherBoundForTest(TimeUnit.SECONDS.toNanos(boundSeconds));
    }
    io.close();
    io.forgetArrivals(); // those of open
    List<Future<Long>> futures = new ArrayList<>();
    futures.add(pool.submit(() -> log.append(bytes("first"))));
    io.awaitArrival(); // fsync 1 at the gate
    for (int i = 0; i < GATHER_COVERED; i++) {
      String payload = "covered-" + i;
      futures.add(pool.submit(() -> log.append(bytes(payload))));
    }
    awaitLastIndex(log, 1 + GATHER_COVERED);
    io.step(); // fsync 1 covers the first record; the oldest waiter leads fsync 2
    io.awaitArrival(); // fsync 2 at the gate, covering every covered-i
    return futures;
  }

  /** The first append got index 1, the covered ones 2 .. 1 + {@link #GATHER_COVERED}. */
  private static void awaitAcknowledged(List<Future<Long>> futures) throws Exception {
    assertThat(futures.get(0).get(60, TimeUnit.SECONDS)).isEqualTo(1);
    for (Future<Long> f : futures.subList(1, futures.size())) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isBetween(2L, 1L + GATHER_COVERED);
    }
  }

  /**
   * Brings the log to a leader that gathers for up to {@code bound}: fsync 2 covers {@link
   * #GATHER_COVERED} waiters (concurrency observed), and the oldest of {@link #GATHER_COVERED}
   * writers that wrote during it leads next, gathering for appends that never come (the covered
   * writers are done). Returns the futures of those writers; the gate is closed (stepping).
   */
  private static List<Future<Long>> leaderGathering(
      SegmentedLog log, GatedFileIO io, ExecutorService pool, long bound) throws Exception {
    SyncCoordinator sync = log.syncCoordinatorForTest();
    sync.gatherBoundForTest(bound);
    List<Future<Long>> done = fsyncCoveringSeveralWaiters(log, io, pool, -1);
    List<Future<Long>> gathered = new ArrayList<>();
    for (int i = 0; i < GATHER_COVERED; i++) {
      String payload = "gathered-" + i;
      gathered.add(pool.submit(() -> log.append(bytes(payload))));
    }
    awaitLastIndex(log, 1 + 2 * GATHER_COVERED);
    io.step(); // fsync 2 ends: it woke GATHER_COVERED - 1 covered waiters and a next leader
    awaitAcknowledged(done);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (sync.gatherWaits() == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no leader gathered within a minute");
      }
      Thread.onSpinWait();
    }
    return gathered;
  }

  /**
   * Regression guard for gathering: an fsync (here a seal's) fails while the next leader gathers.
   * The leader stops gathering at once, every writer of its round fails with the fence, none hangs,
   * and the durable index stays at what was fsynced before.
   */
  @Test
  void anFsyncFailureDuringGatheringFailsEveryWaiterAndNoneHangs() throws Exception {
    GatedFileIO io = new GatedFileIO();
    ExecutorService pool = Executors.newFixedThreadPool(2 * GATHER_COVERED + 2);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      try {
        // Longer than the waits below: only noticing the fence ends the gathering in time.
        List<Future<Long>> gathered = leaderGathering(log, io, pool, TimeUnit.SECONDS.toNanos(40));
        io.failForces();
        io.open();
        Future<?> roll = pool.submit(log::roll); // seals, so fsyncs: fails and fences the log
        assertThatThrownBy(() -> roll.get(20, TimeUnit.SECONDS))
            .hasCauseInstanceOf(LogFencedException.class);
        for (Future<Long> f : gathered) {
          assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class)
              .hasCauseInstanceOf(LogFencedException.class);
        }
        assertThat(log.durableIndex()).isEqualTo(1 + GATHER_COVERED);
      } finally {
        io.open(); // a failed assertion must not leave close's fsync at the gate
      }
    } catch (LogFencedException expected) {
      // close reports the fence
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Close while the next leader gathers: close's exclusive step stops the gathering at once instead
   * of waiting out its bound; the gathering leader's round is fsynced, by it or by close.
   */
  @Test
  void closeDuringGatheringDoesNotWaitForIt() throws Exception {
    GatedFileIO io = new GatedFileIO();
    ExecutorService pool = Executors.newFixedThreadPool(2 * GATHER_COVERED + 2);
    long last = 1 + 2 * GATHER_COVERED;
    try {
      try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
        try {
          List<Future<Long>> gathered =
              leaderGathering(log, io, pool, TimeUnit.SECONDS.toNanos(40));
          io.open();
          Future<?> close = pool.submit(log::close);
          close.get(20, TimeUnit.SECONDS); // not the 40 s of the gathering bound
          for (Future<Long> f : gathered) {
            try {
              assertThat(f.get(20, TimeUnit.SECONDS)).isBetween(2L + GATHER_COVERED, last);
            } catch (ExecutionException e) {
              assertThat(e).hasCauseInstanceOf(LogClosedException.class);
            }
          }
        } finally {
          io.open();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, new GatedFileIO())) {
      assertThat(reopened.lastIndex()).as("close fsynced every record").isEqualTo(last);
    }
  }

  /**
   * A suffix cut while the next leader gathers: the cut's exclusive step stops the gathering at
   * once instead of waiting out its bound; the gathered writers are acknowledged by the leader's
   * fsync or told their record is gone, and the log goes on from the cut.
   */
  @Test
  void aCutDuringGatheringDoesNotWaitForIt() throws Exception {
    GatedFileIO io = new GatedFileIO();
    ExecutorService pool = Executors.newFixedThreadPool(2 * GATHER_COVERED + 2);
    long keep = 1 + GATHER_COVERED + GATHER_COVERED / 2;
    long last = 1 + 2 * GATHER_COVERED;
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      try {
        List<Future<Long>> gathered = leaderGathering(log, io, pool, TimeUnit.SECONDS.toNanos(40));
        io.open();
        Future<?> cut = pool.submit(() -> log.truncateAfter(keep));
        cut.get(20, TimeUnit.SECONDS); // not the 40 s of the gathering bound
        for (Future<Long> f : gathered) {
          try {
            // acknowledged by the gathering leader's fsync (before the cut), or kept by the cut
            assertThat(f.get(20, TimeUnit.SECONDS)).isBetween(2L + GATHER_COVERED, last);
          } catch (ExecutionException e) {
            assertThat(e).hasCauseInstanceOf(io.seglog.RecordsGoneException.class);
          }
        }
        assertThat(log.lastIndex()).isEqualTo(keep);
        assertThat(log.durableIndex()).isEqualTo(keep);
        assertThat(log.append(bytes("after"))).isEqualTo(keep + 1);
        assertThat(log.durableIndex()).isEqualTo(keep + 1);
      } finally {
        io.open();
      }
    } finally {
      pool.shutdownNow();
    }
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, new GatedFileIO())) {
      assertThat(reopened.lastIndex()).isEqualTo(keep + 1);
    }
  }

  /**
   * A streamed record under ALWAYS while other writers' frames wait in the write buffer for an
   * fsync in progress: the stream writes them to the file first, is not acknowledged before an
   * fsync covers it, and every acknowledged record, the stream's too, is in the file in order.
   */
  @Test
  void aStreamedRecordBesideBufferedWaitersIsAcknowledgedOnlyAfterItsFsync() throws Exception {
    GatedFileIO io = new GatedFileIO();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      try {
        Future<Long> leader = leaderHeldInItsFsync(io, log, pool);
        List<Future<Long>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          String payload = "buffered-" + i;
          waiting.add(pool.submit(() -> log.append(bytes(payload))));
        }
        awaitLastIndex(log, 4);
        byte[] big = new byte[200_000];
        new java.util.Random(7).nextBytes(big);
        Future<Long> stream =
            pool.submit(() -> log.appendStream(new java.io.ByteArrayInputStream(big), big.length));
        awaitLastIndex(log, 5);
        assertThat(stream.isDone()).as("the fsync that covers it is held at the gate").isFalse();
        for (Future<Long> f : waiting) {
          assertThat(f.isDone()).isFalse();
        }
        io.open();
        assertThat(leader.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        for (Future<Long> f : waiting) {
          assertThat(f.get(60, TimeUnit.SECONDS)).isBetween(2L, 4L);
        }
        assertThat(stream.get(60, TimeUnit.SECONDS)).isEqualTo(5);
        assertThat(log.durableIndex()).isEqualTo(5);
        assertThat(log.append(bytes("after"))).isEqualTo(6);
        try (SegmentedLog follower = SegmentedLog.openReadOnly(dir, ALWAYS, NioFileIO.INSTANCE)) {
          assertThat(follower.lastIndex()).isEqualTo(6);
          try (java.io.InputStream in = follower.readStream(5)) {
            assertThat(in.readAllBytes()).isEqualTo(big);
          }
          assertThat(follower.read(1).payloadBytes()).isEqualTo(bytes("leader"));
          assertThat(follower.read(6).payloadBytes()).isEqualTo(bytes("after"));
        }
      } finally {
        io.open();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Many writers wait, their frames buffered, while the leader's fsync runs; it fails. Every one of
   * them fails with the fence, none is acknowledged or left waiting, and nothing they wrote is
   * reported durable.
   */
  @Test
  void aFailedFsyncMidRoundFailsEveryBufferedWaiterAndNoneHangs() throws Exception {
    GatedFileIO io = new GatedFileIO();
    int writers = 32;
    long acknowledged = 1;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      try {
        assertThat(log.append(bytes("durable"))).isEqualTo(acknowledged);
        Future<Long> leader = leaderHeldInItsFsync(io, log, pool);
        List<Future<Long>> waiting = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
          String payload = "doomed-" + i;
          waiting.add(pool.submit(() -> log.append(bytes(payload))));
        }
        awaitLastIndex(log, acknowledged + 1 + writers);
        io.failForces();
        io.open();

        assertThatThrownBy(() -> leader.get(60, TimeUnit.SECONDS))
            .hasCauseInstanceOf(LogFencedException.class);
        for (Future<Long> f : waiting) {
          assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class)
              .hasCauseInstanceOf(LogFencedException.class);
        }
        assertThat(log.durableIndex()).isEqualTo(acknowledged);
        assertThatThrownBy(() -> log.append(bytes("after"))).isInstanceOf(LogFencedException.class);
      } finally {
        io.open(); // a failed assertion must not leave close's fsync at the gate
      }
    } catch (LogFencedException expected) {
      // close reports the fence
    } finally {
      pool.shutdownNow();
    }
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, new GatedFileIO())) {
      assertThat(reopened.read(acknowledged).payloadBytes()).isEqualTo(bytes("durable"));
    }
  }

  /**
   * The frames of a round of waiters are buffered; the next leader's write of them fails (a full
   * disk). The log is fenced, every waiter of the round fails, none hangs, and the durable index
   * stays at the records that were fsynced.
   */
  @Test
  void aFailedWriteOfABufferedRoundFencesTheLogAndFailsEveryWaiter() throws Exception {
    GatedFileIO io = new GatedFileIO();
    int writers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      try {
        Future<Long> leader = leaderHeldInItsFsync(io, log, pool);
        List<Future<Long>> waiting = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
          String payload = "unwritten-" + i;
          waiting.add(pool.submit(() -> log.append(bytes(payload))));
        }
        awaitLastIndex(log, 1 + writers);
        io.failSegmentWrites();
        io.open();

        assertThat(leader.get(60, TimeUnit.SECONDS)).isEqualTo(1); // written and fsynced before
        for (Future<Long> f : waiting) {
          assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class)
              .hasCauseInstanceOf(LogFencedException.class);
        }
        assertThat(log.durableIndex()).isEqualTo(1);
      } finally {
        io.open(); // a failed assertion must not leave close's fsync at the gate
      }
    } catch (LogFencedException expected) {
      // close reports the fence
    } finally {
      pool.shutdownNow();
    }
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, new GatedFileIO())) {
      assertThat(reopened.lastIndex()).isEqualTo(1);
      assertThat(reopened.read(1).payloadBytes()).isEqualTo(bytes("leader"));
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
      assertThat(workerInFsync.await(60, TimeUnit.SECONDS))
          .as("the flush worker's fsync reached the gate")
          .isTrue();
      assertThat(futures).noneMatch(CompletableFuture::isDone);
      io.open();
      for (int i = 0; i < 100; i++) {
        assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i + 1L);
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
      assertThat(workerInFsync.await(60, TimeUnit.SECONDS))
          .as("the flush worker's fsync reached the gate")
          .isTrue();
      io.failForces();
      io.open();
      for (CompletableFuture<Long> f : futures) {
        assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS))
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

  /**
   * The real file system, except that one fsync can be held: the first one after {@link #holdNext}
   * waits until {@link #release}, then fails (EIO) or goes through; one can throw an unchecked
   * exception ({@link #throwUnchecked}), and one write can fail ({@link #failNextWrite}). Every
   * other operation goes through. Thread-safe.
   */
  private static final class FsyncFaultIO extends ForwardingFileIO {
    private final AtomicBoolean holdNext = new AtomicBoolean();
    private volatile boolean failHeld;
    private final AtomicBoolean uncheckedNext = new AtomicBoolean();
    private final AtomicBoolean failWrite = new AtomicBoolean();
    private final CountDownLatch atGate = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    FsyncFaultIO() {
      super(NioFileIO.INSTANCE);
    }

    /** The next fsync waits for {@link #release}, then fails if {@code fail}, else goes through. */
    void holdNext(boolean fail) {
      failHeld = fail;
      holdNext.set(true);
    }

    void failNextWrite() {
      failWrite.set(true);
    }

    void awaitHeld() throws InterruptedException {
      assertThat(atGate.await(60, TimeUnit.SECONDS)).as("the fsync reached the gate").isTrue();
    }

    void release() {
      released.countDown();
    }

    /** The next fsync throws an unchecked exception (a FileIO bug, say) instead of an I/O one. */
    void throwUnchecked() {
      uncheckedNext.set(true);
    }

    @Override
    protected FileHandle wrap(Path file, FileHandle handle) {
      return new ForwardingHandle(handle) {
        @Override
        public int write(java.nio.ByteBuffer src, long position) throws IOException {
          if (failWrite.compareAndSet(true, false)) {
            throw new IOException("injected write failure (EIO)");
          }
          return super.write(src, position);
        }

        @Override
        public void force() throws IOException {
          if (uncheckedNext.compareAndSet(true, false)) {
            throw new IllegalStateException("injected unchecked failure inside fsync");
          }
          if (holdNext.compareAndSet(true, false)) {
            atGate.countDown();
            try {
              if (!released.await(60, TimeUnit.SECONDS)) {
                throw new IOException("the test never released the held fsync");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            if (failHeld) {
              throw new IOException("injected fsync failure (EIO)");
            }
          }
          super.force();
        }
      };
    }
  }

  /**
   * Regression: the fsync of a seal (under the append lock) ran beside a leader's fsync that was to
   * fail, succeeded, and advanced the durable index before the leader fenced the log; Linux reports
   * a write-back error to one fsync only, so that success proved nothing, and records were reported
   * durable that a failed fsync may have dropped. Data fsyncs and the handling of their result are
   * now serialized (the seal waits for the failing fsync, then finds the log fenced), and once the
   * log is fenced the durable index never advances.
   */
  @Test
  void anFsyncBesideOrAfterAFailedFsyncDoesNotAdvanceTheDurableIndex() throws Exception {
    LogConfig none = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    FsyncFaultIO io = new FsyncFaultIO();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (SegmentedLog log = SegmentedLog.open(dir, none, io)) {
      log.append(bytes("one"));
      assertThat(log.sync()).isEqualTo(1);
      log.append(bytes("two"));
      log.append(bytes("three"));
      io.holdNext(true);
      Future<Long> failingSync = pool.submit(log::sync); // leads an fsync that will fail
      io.awaitHeld();
      CompletableFuture<Void> rolled = new CompletableFuture<>();
      Thread roller =
          new Thread(
              () -> {
                try {
                  log.roll(); // seals, and so fsyncs, the segment the failing fsync covers
                  rolled.complete(null);
                } catch (Throwable t) {
                  rolled.completeExceptionally(t);
                }
              },
              "roller");
      roller.start();
      // The seal either ran its fsync beside the held one (the bug) or waits for it to end.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!rolled.isDone() && roller.getState() != Thread.State.WAITING) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the roll neither ended nor waited within a minute");
        }
        Thread.sleep(1);
      }
      io.release();
      assertThatThrownBy(() -> failingSync.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(LogFencedException.class);
      try {
        rolled.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException expected) {
        // asserted below
      }
      assertThat(log.durableIndex())
          .as("nothing past the last good fsync is reported durable")
          .isEqualTo(1);
      assertThatThrownBy(() -> rolled.get(60, TimeUnit.SECONDS))
          .as("the seal waited for the failed fsync and found the log fenced")
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(LogFencedException.class);
      assertThatThrownBy(log::sync).isInstanceOf(LogFencedException.class);
      assertThat(log.durableIndex()).isEqualTo(1);
      roller.join(TimeUnit.SECONDS.toMillis(60));
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Once the log is fenced (here by a failed write) the durable index stays, even when an fsync
   * that was already running when the fence came then succeeds: its caller gets the fence.
   */
  @Test
  void anFsyncThatSucceedsAfterTheLogWasFencedDoesNotAdvanceTheDurableIndex() throws Exception {
    LogConfig none = LogConfig.builder().syncPolicy(SyncPolicy.NONE).writeBufferBytes(0).build();
    FsyncFaultIO io = new FsyncFaultIO();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (SegmentedLog log = SegmentedLog.open(dir, none, io)) {
      log.append(bytes("one"));
      assertThat(log.sync()).isEqualTo(1);
      log.append(bytes("two"));
      io.holdNext(false);
      Future<Long> heldSync = pool.submit(log::sync);
      io.awaitHeld();
      io.failNextWrite();
      assertThatThrownBy(() -> log.append(bytes("three"))).isInstanceOf(LogFencedException.class);
      io.release(); // the held fsync succeeds, after the fence
      assertThatThrownBy(() -> heldSync.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(LogFencedException.class);
      assertThat(log.durableIndex()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Regression: an unchecked exception thrown inside an fsync escaped the flush worker, which died
   * without completing its futures (they hung), and did not fence the log, so the next fsync was a
   * retry. It now fences the log like any failed fsync.
   */
  @Test
  void anUncheckedExceptionInsideAnFsyncFencesTheLogAndFailsTheFutures() throws Exception {
    FsyncFaultIO io = new FsyncFaultIO();
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      long acknowledged = log.append(bytes("durable"));
      io.throwUnchecked();
      assertThat(log.appendAsync(bytes("doomed")))
          .failsWithin(60, TimeUnit.SECONDS)
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(LogFencedException.class);
      assertThatThrownBy(() -> log.append(bytes("after")))
          .as("fenced: the fsync is not retried")
          .isInstanceOf(LogFencedException.class);
      assertThat(log.appendAsync(bytes("after async")))
          .failsWithin(60, TimeUnit.SECONDS)
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(LogFencedException.class);
      assertThat(log.durableIndex()).isEqualTo(acknowledged);
    }
  }

  /**
   * Regression: close called from an asynchronous append's callback, which runs on the flush worker
   * that completes it, waited for the flush worker to stop, that is for itself: it hung.
   */
  @Test
  void closeFromAnAsyncAppendsCallbackDoesNotWaitForItself() throws Exception {
    GatedFileIO io = new GatedFileIO();
    SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io);
    CountDownLatch workerInFsync = io.close();
    CompletableFuture<Long> first = log.appendAsync(bytes("first"));
    assertThat(workerInFsync.await(60, TimeUnit.SECONDS)).isTrue();
    // Attached while the fsync is held, so the flush worker runs it when it completes the future.
    CompletableFuture<Void> closedInCallback = first.thenRun(log::close);
    io.open();
    closedInCallback.get(60, TimeUnit.SECONDS);
    assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(log.isClosed()).isTrue();
    assertThatThrownBy(() -> log.append(bytes("late"))).isInstanceOf(LogClosedException.class);
    try (SegmentedLog reopened = SegmentedLog.open(dir, ALWAYS, new GatedFileIO())) {
      assertThat(reopened.lastIndex()).isEqualTo(1);
      assertThat(reopened.recoveryReport().bytesScanned()).as("closed cleanly").isZero();
    }
  }

  /**
   * Regression: a future's callback that interrupted its thread, which is the flush worker, stopped
   * the worker for good (its queue.take() threw), so every later asynchronous append hung.
   */
  @Test
  void aCallbackInterruptingTheFlushWorkerDoesNotStopIt() throws Exception {
    GatedFileIO io = new GatedFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      CountDownLatch workerInFsync = io.close();
      CompletableFuture<Long> first = log.appendAsync(bytes("first"));
      assertThat(workerInFsync.await(60, TimeUnit.SECONDS)).isTrue();
      // Attached while the fsync is held, so the flush worker runs it when it completes the future.
      CompletableFuture<Void> interrupted = first.thenRun(() -> Thread.currentThread().interrupt());
      io.open();
      interrupted.get(60, TimeUnit.SECONDS);
      for (int i = 2; i <= 4; i++) {
        assertThat(log.appendAsync(bytes("after " + i)).get(60, TimeUnit.SECONDS)).isEqualTo(i);
      }
      assertThat(log.durableIndex()).isEqualTo(4);
    }
  }

  /**
   * Regression (LogModelTest hung on it): truncateBefore called under the append lock, as a
   * StateMachineLog calls it, waited in group commit for an fsync whose leader, the interval
   * syncer, was waiting for that lock to take its snapshot. Under the lock it now fsyncs itself.
   */
  @Test
  void truncateBeforeUnderTheAppendLockDoesNotWaitForALeaderWaitingForTheLock() throws Exception {
    LogConfig interval =
        LogConfig.builder().syncPolicy(SyncPolicy.interval(java.time.Duration.ofMillis(1))).build();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    SegmentedLog log = SegmentedLog.open(dir, interval, new GatedFileIO());
    boolean deadlocked = true; // then close would wait for the append lock forever: skip it
    try {
      log.append(bytes("one"));
      log.append(bytes("two"));
      Future<Long> truncated =
          pool.submit(
              () ->
                  log.underAppendLock(
                      () -> {
                        log.append(bytes("three")); // neither is durable yet
                        long last = log.append(bytes("four"));
                        awaitSyncerWaitingForItsSnapshot();
                        log.truncateBefore(last); // makes three durable first
                        return log.firstIndex();
                      }));
      long first = truncated.get(60, TimeUnit.SECONDS);
      deadlocked = false;
      assertThat(first).isEqualTo(4);
      assertThat(log.read(4).payloadBytes()).isEqualTo(bytes("four"));
    } finally {
      pool.shutdownNow();
      if (!deadlocked) {
        log.close();
      }
    }
  }

  /** Waits until the interval syncer leads an fsync and waits for the append lock in written(). */
  private static void awaitSyncerWaitingForItsSnapshot() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      for (java.util.Map.Entry<Thread, StackTraceElement[]> e :
          Thread.getAllStackTraces().entrySet()) {
        if (e.getKey().getName().startsWith("seglog-sync")
            && e.getKey().getState() == Thread.State.WAITING
            && java.util.Arrays.stream(e.getValue())
                .anyMatch(f -> f.getMethodName().equals("written"))) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the interval syncer did not lead an fsync within a minute");
      }
      Thread.onSpinWait();
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
    assertThat(workerInFsync.await(60, TimeUnit.SECONDS))
        .as("the flush worker's fsync reached the gate")
        .isTrue();
    ExecutorService closer = Executors.newSingleThreadExecutor();
    try {
      Future<?> closing = closer.submit(log::close);
      io.open();
      closing.get(60, TimeUnit.SECONDS);
    } finally {
      closer.shutdownNow();
    }
    for (int i = 0; i < 20; i++) {
      assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i + 1L);
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
