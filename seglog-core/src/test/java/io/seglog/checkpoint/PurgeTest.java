package io.seglog.checkpoint;

import static io.seglog.checkpoint.CheckpointReplayTest.appendCommands;
import static io.seglog.checkpoint.CheckpointReplayTest.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.CheckpointInfo;
import io.seglog.CorruptLogException;
import io.seglog.LogConfig;
import io.seglog.SeglogException;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.internal.checkpoint.CheckpointedLog;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.KvStateMachine;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Purging deletes the whole segments a later checkpoint covers, and the state stays recoverable.
 */
class PurgeTest {
  @TempDir Path tmp;

  static LogConfig config() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build();
  }

  static long segmentFiles(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".seg")).count();
    }
  }

  @Test
  void purgeToDeletesWholeSegmentsBeforeTheNewestCheckpointAtOrBelowTheIndex() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine())) {
      appendCommands(log, new Random(11), 800, payloads);
      List<CheckpointInfo> cps = log.checkpoints();
      assertThat(cps.size()).isGreaterThan(8);
      CheckpointInfo target = null;
      for (CheckpointInfo c : cps) {
        if (c.index() <= 400) {
          target = c;
        }
      }
      long segmentsBefore = segmentFiles(dir);
      long first = log.purgeTo(400);
      assertThat(first).isEqualTo(target.index() + 1).isLessThanOrEqualTo(401);
      assertThat(log.firstIndex()).isEqualTo(first);
      assertThat(log.segments().get(0).file()).isEqualTo(target.segment());
      assertThat(segmentFiles(dir)).isLessThan(segmentsBefore);
      assertThat(log.checkpoints()).allMatch(c -> c.index() >= first - 1);
      // nothing above 400 is gone
      for (long i = first; i <= 800; i++) {
        assertThat(log.read(i).payloadBytes()).isEqualTo(payloads.get((int) (i - 1)));
      }
      // purging below the first index changes nothing
      assertThat(log.purgeTo(first - 5)).isEqualTo(first);
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.firstIndex()).isLessThanOrEqualTo(401);
      assertThat(sm.map()).isEqualTo(model(payloads, 800));
    }
  }

  @Test
  void purgeWhileStopsAtTheFirstCheckpointThePredicateRefuses() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine())) {
      appendCommands(log, new Random(12), 600, payloads);
      assertThat(log.purgeWhile(c -> false)).isEqualTo(1);
      List<CheckpointInfo> cps = log.checkpoints();
      CheckpointInfo third = cps.get(3);
      long first = log.purgeWhile(c -> !c.equals(cps.get(4)));
      assertThat(first).isEqualTo(third.index() + 1);
      // everything: up to the active segment's leading checkpoint
      first = log.purgeWhile(c -> true);
      assertThat(log.segments()).hasSize(1);
      assertThat(first).isEqualTo(log.segments().get(0).baseIndex());
      appendCommands(log, new Random(13), 50, payloads);
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.lastIndex()).isEqualTo(650);
      assertThat(sm.map()).isEqualTo(model(payloads, 650));
    }
  }

  @Test
  void truncateBeforeMidSegmentKeepsTheStateRecoverable() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine())) {
      appendCommands(log, new Random(14), 300, payloads);
      long inside = log.segments().get(log.segments().size() - 1).baseIndex() + 1;
      log.truncateBefore(inside);
      assertThat(log.firstIndex()).isEqualTo(inside);
      assertThatThrownBy(() -> log.truncateAfter(290))
          .isInstanceOf(UnsupportedOperationException.class);
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.replayReport().checkpoint().index()).isEqualTo(300);
      assertThat(sm.map()).isEqualTo(model(payloads, 300));
    }
  }

  /**
   * A log written without a state machine whose last roll left an empty version 1 active segment
   * (version 1 holds no checkpoint): opened with one, its truncateBefore and checkpoint work at
   * once.
   */
  @Test
  void truncateBeforeOnAnUpgradedLogWithAnEmptyVersion1ActiveSegment() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    Random rnd = new Random(19);
    try (io.seglog.Log log = io.seglog.Log.open(dir, config())) {
      for (int i = 0; i < 100; i++) {
        byte[] p = ("put k" + rnd.nextInt(40) + " v" + i).getBytes(StandardCharsets.UTF_8);
        log.append(p);
        payloads.add(p);
      }
      log.roll(); // the new active segment is empty, version 1
    }
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine())) {
      log.truncateBefore(50);
      assertThat(log.firstIndex()).isEqualTo(50);
      assertThat(log.checkpoint().index()).isEqualTo(100);
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.firstIndex()).isEqualTo(50);
      assertThat(sm.map()).isEqualTo(model(payloads, 100));
    }
  }

  @Test
  void truncateBeforeEverythingKeepsTheStateForTheNextRecords() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine())) {
      appendCommands(log, new Random(17), 200, payloads);
      log.truncateBefore(201);
      assertThat(log.firstIndex()).isEqualTo(201);
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.firstIndex()).isEqualTo(201);
      assertThat(sm.map()).isEqualTo(model(payloads, 200));
      log.roll();
      appendCommands(log, new Random(18), 1, payloads);
    }
    sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.lastIndex()).isEqualTo(201);
      assertThat(sm.map()).isEqualTo(model(payloads, 201));
    }
  }

  /**
   * A suffix truncation made without the state machine (a plain Log, as `seglog truncate` does)
   * removes the checkpoints after the cut with the records; replay then starts from an older one.
   */
  @Test
  void aSuffixTruncationWithoutTheStateMachineIsReplayedFromAnOlderCheckpoint() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine())) {
      appendCommands(log, new Random(19), 500, payloads);
      log.checkpoint();
      appendCommands(log, new Random(20), 5, payloads);
    }
    for (long keep : new long[] {503, 450, 300}) {
      try (io.seglog.Log plain = io.seglog.Log.open(dir, config())) {
        plain.truncateAfter(keep);
      }
      KvStateMachine sm = new KvStateMachine();
      try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
        assertThat(log.lastIndex()).isEqualTo(keep);
        assertThat(log.replayReport().checkpoint().index()).isLessThanOrEqualTo(keep);
        assertThat(sm.map())
            .as("after truncateAfter(" + keep + ")")
            .isEqualTo(model(payloads, keep));
      }
    }
  }

  @Test
  void aDamagedCheckpointWithNothingOlderToFallBackOnFailsTheOpenNamingIt() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    CheckpointInfo only;
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine())) {
      appendCommands(log, new Random(15), 300, payloads);
      log.purgeWhile(c -> true); // only the active segment and its leading checkpoint are left
      only = log.checkpoints().get(0);
      assertThat(log.checkpoints()).hasSize(1);
    }
    CheckpointDamageTest.flipByte(only.segment(), only.offset() + 52);
    assertThatThrownBy(() -> StateMachineLog.open(dir, config(), new KvStateMachine()))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining(only.segment().getFileName().toString())
        .hasMessageContaining("offset " + only.offset())
        .hasMessageContaining("damaged checkpoint");
  }

  /**
   * Regression (it once hung LogModelTest): truncateBefore on a state-machine log runs under the
   * append lock, and waited in the sync coordinator for records past the durable index; when
   * another thread was leading an fsync at that moment, the leader waited for the append lock to
   * snapshot what was written, and neither ever went on.
   */
  @Test
  void truncatingBeforeWhileAnotherThreadSyncsDoesNotDeadlock() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    CheckpointedLog log =
        CheckpointedLog.open(dir, config(), NioFileIO.INSTANCE, new KvStateMachine(), null);
    boolean leaveOpen = false;
    try {
      appendCommands(log, new Random(23), 300, payloads);
      long inside = log.segments().get(log.segments().size() - 1).baseIndex() + 1;
      whileAnotherThreadSyncs(log, log.segmentedLog(), () -> log.truncateBefore(inside));
      assertThat(log.firstIndex()).isEqualTo(inside);
    } catch (Deadlock e) {
      leaveOpen = true; // close would wait for the append lock forever
      throw e;
    } finally {
      if (!leaveOpen) {
        log.close();
      }
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog again = StateMachineLog.open(dir, config(), sm)) {
      assertThat(again.firstIndex()).isEqualTo(again.segments().get(0).baseIndex() + 1);
      assertThat(sm.map()).isEqualTo(model(payloads, 300));
    }
  }

  /** The same with a purge to a checkpoint of the active segment, which it fsyncs first. */
  @Test
  void purgingWhileAnotherThreadSyncsDoesNotDeadlock() throws Exception {
    Path dir = tmp.resolve("log");
    List<byte[]> payloads = new ArrayList<>();
    CheckpointedLog log =
        CheckpointedLog.open(dir, config(), NioFileIO.INSTANCE, new KvStateMachine(), null);
    boolean leaveOpen = false;
    try {
      appendCommands(log, new Random(24), 300, payloads);
      long activeBase = log.segments().get(log.segments().size() - 1).baseIndex();
      whileAnotherThreadSyncs(
          log,
          log.segmentedLog(),
          () -> {
            log.checkpoint();
            log.purgeTo(Long.MAX_VALUE - 1);
          });
      assertThat(log.firstIndex()).isEqualTo(activeBase);
    } catch (Deadlock e) {
      leaveOpen = true;
      throw e;
    } finally {
      if (!leaveOpen) {
        log.close();
      }
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog again = StateMachineLog.open(dir, config(), sm)) {
      assertThat(again.lastIndex()).isEqualTo(300);
      assertThat(sm.map()).isEqualTo(model(payloads, 300));
    }
  }

  /**
   * The log underneath: {@link io.seglog.Log#truncateBefore} called holding the append lock (as the
   * state-machine log does) must not wait on the sync coordinator either.
   */
  @Test
  void aPlainTruncateBeforeUnderTheAppendLockWhileAnotherThreadSyncsDoesNotDeadlock() {
    Path dir = tmp.resolve("plain");
    SegmentedLog log = SegmentedLog.open(dir, config(), NioFileIO.INSTANCE);
    boolean leaveOpen = false;
    try {
      for (int i = 0; i < 300; i++) {
        log.append(("record " + i).getBytes(StandardCharsets.UTF_8));
      }
      whileAnotherThreadSyncs(log, log, () -> log.truncateBefore(291));
      assertThat(log.firstIndex()).isEqualTo(291);
    } catch (Deadlock e) {
      leaveOpen = true;
      throw e;
    } finally {
      if (!leaveOpen) {
        log.close();
      }
    }
    try (io.seglog.Log again = io.seglog.Log.open(dir, config())) {
      assertThat(again.firstIndex()).isEqualTo(291);
      assertThat(again.read(300).payloadBytes())
          .isEqualTo("record 299".getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A thread that never came back: the test fails, leaving the log open. */
  private static final class Deadlock extends AssertionError {
    private static final long serialVersionUID = 1L;

    Deadlock(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Runs {@code truncation} holding {@code under}'s append lock (as a purging thread does) while
   * another thread leads an fsync: that thread is started under the lock, so it is certainly
   * waiting for the lock to snapshot what was written when the truncation runs. Then both must
   * finish, and everything written be durable. Every wait is bounded.
   *
   * @throws Deadlock if either did not finish within 30 seconds
   */
  private static void whileAnotherThreadSyncs(
      io.seglog.Log log, SegmentedLog under, Runnable truncation) {
    long last = log.lastIndex();
    assertThat(log.durableIndex()).as("NONE: the newest records await an fsync").isLessThan(last);
    FutureTask<Long> syncing = new FutureTask<>(log::sync);
    ExecutorService pool = Executors.newSingleThreadExecutor(daemon("truncating"));
    try {
      Future<?> truncating =
          pool.submit(
              () ->
                  under.underAppendLock(
                      () -> {
                        Thread syncer = new Thread(syncing, "syncer");
                        syncer.setDaemon(true); // a hung thread must not keep the JVM alive
                        syncer.start();
                        awaitParked(syncer); // leading an fsync, waiting for the lock
                        truncation.run();
                        return null;
                      }));
      try {
        truncating.get(30, TimeUnit.SECONDS);
        assertThat(syncing.get(30, TimeUnit.SECONDS)).isEqualTo(last);
      } catch (TimeoutException e) {
        throw new Deadlock("the truncation and sync() wait for each other", e);
      } catch (InterruptedException | ExecutionException e) {
        throw new AssertionError(e);
      }
      assertThat(log.durableIndex()).isEqualTo(last);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Waits, at most 30 seconds, until {@code t} parks (here: on the append lock). */
  private static void awaitParked(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.getState() != Thread.State.WAITING) {
      assertThat(t.getState())
          .as("the syncer ended before it waited")
          .isNotEqualTo(Thread.State.TERMINATED);
      assertThat(System.nanoTime() - deadline).as("the syncer never waited").isNegative();
      LockSupport.parkNanos(1_000_000);
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true); // a hung thread must not keep the test JVM alive
      return t;
    };
  }

  /** A crash at every step of a purge: the log opens with the old or the new first index. */
  @Test
  void aCrashAtAnyStepOfAPurgeLeavesARecoverableState() throws Exception {
    for (int step = 1; ; step++) {
      Path dir = tmp.resolve("crash-" + step);
      List<byte[]> payloads = new ArrayList<>();
      try (StateMachineLog log =
          CheckpointedLog.open(dir, config(), NioFileIO.INSTANCE, new KvStateMachine(), null)) {
        appendCommands(log, new Random(16), 400, payloads);
      }
      FaultInjectingFileIO io = new FaultInjectingFileIO();
      StateMachineLog log = CheckpointedLog.open(dir, config(), io, new KvStateMachine(), null);
      long oldFirst = log.firstIndex();
      // the newest checkpoint begins the active segment: everything before it goes
      long target = log.segments().get(log.segments().size() - 1).baseIndex();
      assertThat(log.checkpoints().get(log.checkpoints().size() - 1).index()).isEqualTo(target - 1);
      io.crashAtOperation(io.totalOperations() + step);
      boolean crashed = false;
      try {
        log.purgeTo(Long.MAX_VALUE - 1);
      } catch (SeglogException | UncheckedIOException e) {
        crashed = true;
      }
      io.crash();
      try {
        log.close();
      } catch (SeglogException e) {
        // crashed
      }
      KvStateMachine sm = new KvStateMachine();
      try (StateMachineLog again = StateMachineLog.open(dir, config(), sm)) {
        assertThat(again.firstIndex()).as("step " + step).isIn(oldFirst, target);
        assertThat(sm.map()).as("step " + step).isEqualTo(model(payloads, 400));
      }
      if (!crashed) {
        assertThat(step).as("the purge took a few operations").isGreaterThan(3);
        return;
      }
    }
  }
}
