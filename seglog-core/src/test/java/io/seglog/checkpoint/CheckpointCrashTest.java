package io.seglog.checkpoint;

import static io.seglog.checkpoint.CheckpointReplayTest.model;
import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.LogConfig;
import io.seglog.SeglogException;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.internal.checkpoint.CheckpointedLog;
import io.seglog.internal.io.NioFileIO;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.KvStateMachine;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay after simulated crashes and power losses (fault-injecting I/O) gives the state of an
 * in-memory model of the records that survived, and every acknowledged record survived.
 */
class CheckpointCrashTest {
  @TempDir Path tmp;

  private static final int SCALE = Integer.getInteger("seglog.test.scale", 1);

  static LogConfig config() {
    return LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).segmentBytes(4096).build();
  }

  /** A seeded workload of commands, checkpoints and rolls; returns the last acknowledged index. */
  private static long workload(
      StateMachineLog log, Random rnd, List<byte[]> payloads, long[] acked) {
    for (int i = 0; i < 300; i++) {
      int op = rnd.nextInt(40);
      if (op == 0) {
        log.checkpoint();
      } else if (op == 1) {
        log.roll();
      } else {
        String key = "k" + rnd.nextInt(30);
        String cmd = op < 8 ? "del " + key : "put " + key + " " + "v".repeat(rnd.nextInt(100));
        byte[] p = cmd.getBytes(StandardCharsets.UTF_8);
        while (payloads.size() > log.lastIndex()) {
          payloads.remove(payloads.size() - 1); // a failed append that did not happen
        }
        payloads.add(p);
        acked[0] = log.append(p); // ALWAYS: durable when append returns
      }
    }
    return acked[0];
  }

  private void crashRun(long seed, boolean powerLoss) throws Exception {
    Path dir = tmp.resolve("log-" + seed + (powerLoss ? "-power" : ""));
    Files.createDirectories(dir);
    List<byte[]> payloads = new ArrayList<>();
    // a first session, closed cleanly, so that crashes also hit a log with sealed segments
    try (StateMachineLog log =
        CheckpointedLog.open(
            dir,
            config().toBuilder().syncPolicy(SyncPolicy.NONE).build(),
            NioFileIO.INSTANCE,
            new KvStateMachine(),
            null)) {
      workload(log, new Random(seed), payloads, new long[1]);
    }
    Random rnd = new Random(seed * 31 + 7);
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    if (powerLoss) {
      io.trackDurability(dir);
    }
    io.crashAtOperation(1 + rnd.nextInt(300));
    long[] acked = {payloads.size()};
    try {
      StateMachineLog log = CheckpointedLog.open(dir, config(), io, new KvStateMachine(), null);
      try {
        for (int round = 0; round < 20; round++) {
          workload(log, rnd, payloads, acked);
        }
      } finally {
        try {
          log.close();
        } catch (SeglogException e) {
          // crashed
        }
      }
    } catch (SeglogException | UncheckedIOException e) {
      // the crash
    }
    if (powerLoss) {
      io.powerLoss();
    } else {
      io.crash();
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      long last = log.lastIndex();
      assertThat(last)
          .as("seed " + seed + ": acknowledged records survive")
          .isGreaterThanOrEqualTo(acked[0]);
      assertThat(sm.map()).as("seed " + seed).isEqualTo(model(payloads, last));
      assertThat(sm.lastApplied()).isEqualTo(last);
    }
  }

  @Test
  void replayAfterProcessCrashesMatchesTheModel() throws Exception {
    for (long seed = 1; seed <= 8L * SCALE; seed++) {
      crashRun(seed, false);
    }
  }

  @Test
  void replayAfterPowerLossesMatchesTheModel() throws Exception {
    for (long seed = 100; seed < 100 + 8L * SCALE; seed++) {
      crashRun(seed, true);
    }
  }

  /**
   * Regression: truncateBefore inside the active segment writes a checkpoint of the state and
   * fsyncs it before moving the first index past the segment's leading checkpoint; with a write
   * buffer that fsync did not flush it, and with every record already durable nothing else did, so
   * a power loss left only the leading checkpoint, which no longer covers the first index.
   */
  @Test
  void aTruncateBeforeWithABufferedCheckpointSurvivesAPowerLoss() throws Exception {
    Path dir = tmp.resolve("truncated");
    LogConfig buffered = buffered().build();
    List<byte[]> payloads = new ArrayList<>();
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir);
    StateMachineLog log = reopenedOver(io, dir, buffered, 2, new Random(23), payloads);
    long last = log.sync(); // every record durable: the truncation has none to fsync
    long inside = log.segments().get(log.segments().size() - 1).baseIndex() + 10;
    log.truncateBefore(inside); // its checkpoint goes to the write buffer
    io.powerLoss();
    assertRecoversAfterThePowerLoss(log, dir, buffered, inside, last, payloads);
  }

  /**
   * Regression: with a write buffer, a roll's leading checkpoint was still in the buffer when the
   * roll fsynced the new segment, and retention right after the roll deleted every older segment: a
   * power loss then left no checkpoint to rebuild the state from.
   */
  @Test
  void retentionAfterARollWithABufferedCheckpointSurvivesAPowerLoss() throws Exception {
    Path dir = tmp.resolve("retained");
    LogConfig buffered =
        buffered().retentionRecords(10).build(); // every roll removes every sealed segment
    List<byte[]> payloads = new ArrayList<>();
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir);
    StateMachineLog log = reopenedOver(io, dir, buffered, 1, new Random(22), payloads);
    log.roll(); // seals; the leading checkpoint of the new segment goes to its write buffer
    long last = log.lastIndex();
    assertThat(log.firstIndex()).as("retention removed the sealed segments").isEqualTo(last + 1);
    io.powerLoss();
    assertRecoversAfterThePowerLoss(log, dir, buffered, last + 1, last, payloads);
  }

  /**
   * Regression: with a write buffer, the checkpoints a roll and a purge relied on could still sit
   * in the buffer when the active segment was fsynced (the fsync did not flush it), so a power loss
   * right after the purge left no checkpoint covering the records it deleted: "no checkpoint covers
   * index N" at the next open.
   */
  @Test
  void aPurgeWithABufferedCheckpointSurvivesAPowerLoss() throws Exception {
    Path dir = tmp.resolve("buffered");
    LogConfig buffered = buffered().build();
    Random rnd = new Random(21);
    List<byte[]> payloads = new ArrayList<>();
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir);
    StateMachineLog log = reopenedOver(io, dir, buffered, 2, rnd, payloads);
    log.roll(); // the new segment's leading checkpoint goes to its write buffer
    CheckpointReplayTest.appendCommands(log, rnd, 50, payloads);
    log.checkpoint(); // so does this one
    long last = log.lastIndex();
    long activeBase = log.segments().get(log.segments().size() - 1).baseIndex();
    assertThat(log.purgeTo(last)).isEqualTo(activeBase); // every sealed segment goes
    io.powerLoss(); // before anything else flushes the buffer
    assertRecoversAfterThePowerLoss(log, dir, buffered, activeBase, last, payloads);
  }

  /** Without a sync policy, rolling only when asked, with a write buffer that holds every frame. */
  private static LogConfig.Builder buffered() {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(1 << 20) // rolls only when asked
        .writeBufferBytes(64 << 10); // holds every frame a test writes before its power loss
  }

  /**
   * Writes {@code segments} segments of 100 commands each to a new state-machine log in {@code dir}
   * and closes it; reopens it over {@code io} and appends 50 more commands.
   */
  private static StateMachineLog reopenedOver(
      FaultInjectingFileIO io,
      Path dir,
      LogConfig config,
      int segments,
      Random rnd,
      List<byte[]> payloads)
      throws Exception {
    try (StateMachineLog log =
        CheckpointedLog.open(dir, config, NioFileIO.INSTANCE, new KvStateMachine(), null)) {
      for (int s = 0; s < segments; s++) {
        if (s > 0) {
          log.roll();
        }
        CheckpointReplayTest.appendCommands(log, rnd, 100, payloads);
      }
    }
    StateMachineLog log = CheckpointedLog.open(dir, config, io, new KvStateMachine(), null);
    CheckpointReplayTest.appendCommands(log, rnd, 50, payloads);
    return log;
  }

  /**
   * After the power loss under {@code log}: closes what is left of it, reopens the directory and
   * checks it holds exactly {@code [first, last]} with the state of every command up to {@code
   * last} rebuilt.
   */
  private static void assertRecoversAfterThePowerLoss(
      StateMachineLog log, Path dir, LogConfig config, long first, long last, List<byte[]> payloads)
      throws Exception {
    try {
      log.close();
    } catch (SeglogException e) {
      // its files are gone with the power
    }
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog again = StateMachineLog.open(dir, config, sm)) {
      assertThat(again.firstIndex()).as("first index").isEqualTo(first);
      assertThat(again.lastIndex()).as("every record made durable survives").isEqualTo(last);
      assertThat(sm.map()).isEqualTo(model(payloads, last));
    }
  }
}
