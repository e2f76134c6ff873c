package io.seglog.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.CheckpointInfo;
import io.seglog.LogConfig;
import io.seglog.LogVerifier;
import io.seglog.RecoveryMode;
import io.seglog.ReplayReport;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.testing.KvStateMachine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replay after a clean close: the state comes back from the newest checkpoint and what follows. */
class CheckpointReplayTest {
  @TempDir Path dir;

  static LogConfig config() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(8192).build();
  }

  /** Appends {@code n} random commands, remembering them in {@code payloads} (index - 1). */
  static void appendCommands(StateMachineLog log, Random rnd, int n, List<byte[]> payloads) {
    for (int i = 0; i < n; i++) {
      String key = "k" + rnd.nextInt(40);
      String cmd =
          rnd.nextInt(5) == 0 ? "del " + key : "put " + key + " v" + rnd.nextInt(1_000_000);
      byte[] p = cmd.getBytes(StandardCharsets.UTF_8);
      long index = log.append(p);
      assertThat(index).isEqualTo(payloads.size() + 1);
      payloads.add(p);
    }
  }

  static Map<String, String> model(List<byte[]> payloads, long lastIndex) {
    Map<String, String> m = new TreeMap<>();
    for (int i = 0; i < lastIndex; i++) {
      KvStateMachine.applyTo(m, payloads.get(i));
    }
    return m;
  }

  @Test
  void replayAfterCleanCloseRestoresTheNewestCheckpointAndReplaysTheRest() {
    Random rnd = new Random(1);
    List<byte[]> payloads = new ArrayList<>();
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.replayReport().checkpoint()).isNull();
      appendCommands(log, rnd, 1000, payloads);
      assertThat(log.segments().size()).isGreaterThan(5);
      assertThat(sm.map()).isEqualTo(model(payloads, 1000));
    }
    KvStateMachine again = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), again)) {
      ReplayReport r = log.replayReport();
      long lastBase = log.segments().get(log.segments().size() - 1).baseIndex();
      assertThat(r.checkpoint()).isNotNull();
      assertThat(r.checkpoint().index()).isEqualTo(lastBase - 1);
      assertThat(r.recordsReplayed()).isEqualTo(1000 - (lastBase - 1));
      assertThat(r.skipped()).isEmpty();
      assertThat(again.restores()).isEqualTo(1);
      assertThat(again.applied()).isEqualTo(r.recordsReplayed());
      assertThat(again.map()).isEqualTo(model(payloads, 1000));
      // checkpoint frames take no index: every record reads back at its index
      for (long i = 1; i <= 1000; i++) {
        assertThat(log.read(i).payloadBytes()).isEqualTo(payloads.get((int) (i - 1)));
      }
      appendCommands(log, rnd, 10, payloads);
      CheckpointInfo c = log.checkpoint();
      assertThat(c.index()).isEqualTo(1010);
    }
    assertThat(LogVerifier.verify(dir).findings()).isEmpty();
    KvStateMachine third = new KvStateMachine();
    LogConfig strict = config().toBuilder().recoveryMode(RecoveryMode.STRICT).build();
    try (StateMachineLog log = StateMachineLog.open(dir, strict, third)) {
      assertThat(log.replayReport().checkpoint().index()).isEqualTo(1010);
      assertThat(log.replayReport().recordsReplayed()).isZero();
      assertThat(third.map()).isEqualTo(model(payloads, 1010));
    }
  }
}
