package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.LogMetrics;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.NioFileIO;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogConfig#syncWaitSpin()}: a thread waiting for another's fsync yields in a loop before it
 * parks. Made deterministic by holding fsyncs at a gate and by test bounds far beyond the waits (60
 * s: spinning) or below any (1 ns: parking at once); what spun and what parked is counted by the
 * coordinator, never timed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SyncWaitSpinTest {
  private static final LogConfig ALWAYS = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
  private static final long SPIN_THROUGH = TimeUnit.SECONDS.toNanos(60);
  private static final int FOLLOWERS = 4;

  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Polls {@code condition} for up to a minute (the spinning waiters ignore interrupts). */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(what + " did not happen within a minute");
      }
      Thread.yield();
    }
  }

  /**
   * With the gate closed: a leader held in its fsync, and {@link #FOLLOWERS} appenders that wrote
   * and wait for it. Returns the leader's future first, then the followers'.
   */
  private static List<Future<Long>> followersWaitingForAHeldFsync(
      SegmentedLog log, GatedFileIO io, ExecutorService pool) throws Exception {
    SyncCoordinator sync = log.syncCoordinatorForTest();
    io.close();
    io.forgetArrivals(); // those of open
    List<Future<Long>> futures = new ArrayList<>();
    futures.add(pool.submit(() -> log.append(bytes("leader"))));
    io.awaitArrival();
    for (int i = 0; i < FOLLOWERS; i++) {
      String payload = "follower-" + i;
      futures.add(pool.submit(() -> log.append(bytes(payload))));
    }
    await("every follower waiting", () -> sync.waitingForTest() == FOLLOWERS);
    return futures;
  }

  /** What a test does with a log whose fsyncs it can hold at a gate, and a pool to append from. */
  private interface Gated {
    void run(SegmentedLog log, GatedFileIO io, ExecutorService pool, SyncCoordinator sync)
        throws Exception;
  }

  /** Runs {@code test} on a new gated log; the gate opens and the pool stops whatever happens. */
  private void withGatedLog(Gated test) throws Exception {
    GatedFileIO io = new GatedFileIO();
    ExecutorService pool = Executors.newFixedThreadPool(FOLLOWERS + 2);
    try (SegmentedLog log = SegmentedLog.open(dir, ALWAYS, io)) {
      try {
        test.run(log, io, pool, log.syncCoordinatorForTest());
      } finally {
        io.open(); // a failed assertion must not leave close's fsync at the gate
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** The leader got index 1 and the followers 2 to 5, and all five are durable. */
  private static void assertAllAcknowledged(SegmentedLog log, List<Future<Long>> futures)
      throws Exception {
    Set<Long> indices = new HashSet<>();
    for (Future<Long> f : futures) {
      indices.add(f.get(60, TimeUnit.SECONDS));
    }
    assertThat(indices).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    assertThat(log.durableIndex()).isEqualTo(5);
  }

  @Test
  void waitersWokenWhileSpinningAreAcknowledgedWithoutParking() throws Exception {
    withGatedLog(
        (log, io, pool, sync) -> {
          sync.spinBoundForTest(SPIN_THROUGH);
          int forces = io.forces();
          List<Future<Long>> futures = followersWaitingForAHeldFsync(log, io, pool);
          io.open();

          assertAllAcknowledged(log, futures);
          assertThat(io.forces() - forces)
              .as("the leader's fsync, then one shared by the followers: group commit unchanged")
              .isEqualTo(2);
          assertThat(sync.spinOutcomes())
              .as("every follower (the next leader included) was woken while it spun, none parked")
              .containsExactly(FOLLOWERS, 0);
          LogMetrics m = log.metrics();
          assertThat(m.fsyncWaits()).as("each follower waited once").isEqualTo(FOLLOWERS);
          assertThat(m.fsyncWaitsSpun()).isEqualTo(FOLLOWERS);
        });
  }

  @Test
  void aWaiterWhoseSpinRunsOutParksAndIsStillWoken() throws Exception {
    assertFollowersParkAndAreWoken(TimeUnit.MILLISECONDS.toNanos(1), 0);
  }

  /** A disk whose fsyncs take longer than the spin: waiters park at once, without spinning. */
  @Test
  void whileTheMeanFsyncIsLongerThanTheSpinWaitersParkWithoutSpinning() throws Exception {
    assertFollowersParkAndAreWoken(SPIN_THROUGH, 2 * SPIN_THROUGH);
  }

  /**
   * With the given spin and mean fsync (held while the leader's fsync is at the gate, since no
   * other fsync ends meanwhile), every follower parks, and is still woken and acknowledged.
   */
  private void assertFollowersParkAndAreWoken(long spinNanos, long meanFsyncNanos)
      throws Exception {
    withGatedLog(
        (log, io, pool, sync) -> {
          sync.spinBoundForTest(spinNanos);
          sync.fsyncMeanForTest(meanFsyncNanos);
          List<Future<Long>> futures = followersWaitingForAHeldFsync(log, io, pool);
          await("every follower parked", () -> sync.spinOutcomes()[1] == FOLLOWERS);
          io.open();

          assertAllAcknowledged(log, futures);
          assertThat(sync.spinOutcomes()).containsExactly(0, FOLLOWERS);
          LogMetrics m = log.metrics();
          assertThat(m.fsyncWaits()).isEqualTo(FOLLOWERS);
          assertThat(m.fsyncWaitsSpun()).as("every wait parked").isZero();
        });
  }

  /**
   * A seal fsyncs under the append lock while the followers spin (a roll, waiting for the leader's
   * fsync to release the fsync lock): whether the seal's {@code wakeDurable}, the next leader or
   * its hand-off wakes them, every follower is woken while it spins and acknowledged.
   */
  @Test
  void aSealUnderTheAppendLockWakesSpinningWaiters() throws Exception {
    withGatedLog(
        (log, io, pool, sync) -> {
          sync.spinBoundForTest(SPIN_THROUGH);
          List<Future<Long>> futures = followersWaitingForAHeldFsync(log, io, pool);
          Future<?> roll = pool.submit(log::roll); // seals: its fsync waits for the leader's
          io.open();

          roll.get(60, TimeUnit.SECONDS);
          assertAllAcknowledged(log, futures);
          assertThat(log.segments()).as("the roll sealed the first segment").hasSize(2);
          assertThat(sync.spinOutcomes()).containsExactly(FOLLOWERS, 0);
        });
  }

  @Test
  void aFailedFsyncFailsEverySpinningWaiterWithTheFence() throws Exception {
    withGatedLog(
        (log, io, pool, sync) -> {
          sync.spinBoundForTest(SPIN_THROUGH);
          List<Future<Long>> futures = followersWaitingForAHeldFsync(log, io, pool);
          io.failForces();
          io.open();

          for (Future<Long> f : futures) {
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(LogFencedException.class);
          }
          assertThat(log.durableIndex()).as("nothing after the failed fsync is durable").isZero();
          assertThat(sync.spinOutcomes())
              .as("the failure woke every follower while it spun")
              .containsExactly(FOLLOWERS, 0);
        });
  }

  /** The config reaches the coordinator: many writers, real files, every record durable. */
  @Test
  void manyWritersWithASpinAreEachAcknowledgedOnceAndDurable() throws Exception {
    int writers = 16;
    int perWriter = 100;
    LogConfig config = ALWAYS.toBuilder().syncWaitSpin(LogConfig.MAX_SYNC_WAIT_SPIN).build();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try (SegmentedLog log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      List<Future<List<Long>>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        futures.add(
            pool.submit(
                () -> {
                  List<Long> mine = new ArrayList<>();
                  for (int i = 0; i < perWriter; i++) {
                    long index = log.append(bytes(writer + ":" + i));
                    assertThat(log.durableIndex()).isGreaterThanOrEqualTo(index);
                    mine.add(index);
                  }
                  return mine;
                }));
      }
      Set<Long> all = new HashSet<>();
      for (Future<List<Long>> f : futures) {
        all.addAll(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(all).hasSize(writers * perWriter);
      assertThat(log.durableIndex()).isEqualTo(writers * perWriter);
      long[] outcomes = log.syncCoordinatorForTest().spinOutcomes();
      assertThat(outcomes[0] + outcomes[1])
          .as("waiters spun (each wait ends woken or parked)")
          .isPositive();
    } finally {
      pool.shutdownNow();
    }
    try (SegmentedLog reopened = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(reopened.lastIndex()).isEqualTo(writers * perWriter);
    }
  }

  @Test
  void theSpinIsZeroByDefaultAndBoundedByConfig() {
    assertThat(LogConfig.defaults().syncWaitSpin()).isZero();
    LogConfig max = LogConfig.builder().syncWaitSpin(LogConfig.MAX_SYNC_WAIT_SPIN).build();
    assertThat(max.toBuilder().build().syncWaitSpin()).isEqualTo(Duration.ofSeconds(1));
    assertThat(max.toString()).contains("syncWaitSpin=PT1S");
    assertThatThrownBy(() -> LogConfig.builder().syncWaitSpin(Duration.ofNanos(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("syncWaitSpin PT-0.000000001S is outside PT0S..PT1S");
    assertThatThrownBy(
            () -> LogConfig.builder().syncWaitSpin(Duration.ofSeconds(1).plusNanos(1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("syncWaitSpin PT1.000000001S is outside PT0S..PT1S");
    assertThatThrownBy(() -> LogConfig.builder().syncWaitSpin(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("syncWaitSpin");
  }

  @Test
  void withoutASpinAWaiterParksAtOnce() throws Exception {
    withGatedLog(
        (log, io, pool, sync) -> {
          List<Future<Long>> futures = followersWaitingForAHeldFsync(log, io, pool);
          io.open();

          assertAllAcknowledged(log, futures);
          assertThat(sync.spinOutcomes())
              .as("no spin: not counted either way")
              .containsExactly(0, 0);
          assertThat(log.metrics().fsyncWaits()).isEqualTo(FOLLOWERS);
          assertThat(log.metrics().fsyncWaitsSpun()).isZero();
        });
  }
}
