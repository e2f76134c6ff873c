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
}
