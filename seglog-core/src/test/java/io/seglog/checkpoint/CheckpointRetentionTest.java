package io.seglog.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.Record;
import io.seglog.StateMachine;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.testing.KvStateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a state-machine log never removes the segments the state is rebuilt from: with no
 * checkpoint in the active segment, the segment holding the newest checkpoint stays.
 */
class CheckpointRetentionTest {
  @TempDir Path tmp;

  private static LogConfig retention() {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(4096)
        .retentionRecords(10)
        .build();
  }

  private static void put(Log log, Map<String, String> model, int from, int to) {
    for (int i = from; i < to; i++) {
      byte[] p = ("put k" + (i % 7) + " v" + i).getBytes(StandardCharsets.UTF_8);
      log.append(p);
      KvStateMachine.applyTo(model, p);
    }
  }

  private static void assertReopensWith(Path dir, Map<String, String> model, long last) {
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, retention(), sm)) {
      assertThat(log.lastIndex()).isEqualTo(last);
      assertThat(sm.map()).isEqualTo(model);
    }
  }

  /**
   * A log written without a state machine has version 1 segments, which hold no checkpoint: until
   * the first roll writes one, retention has nothing to rebuild the state from after it.
   */
  @Test
  void retentionBeforeTheFirstCheckpointOfAnUpgradedLogKeepsEveryRecord() {
    Path dir = tmp.resolve("log");
    Map<String, String> model = new TreeMap<>();
    try (Log log =
        Log.open(dir, LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build())) {
      put(log, model, 0, 300);
      assertThat(log.segments()).hasSizeGreaterThan(2);
    }
    try (StateMachineLog log = StateMachineLog.open(dir, retention(), new KvStateMachine())) {
      long first = log.firstIndex();
      assertThat(log.applyRetention().segmentsRemoved()).isZero();
      assertThat(log.firstIndex()).isEqualTo(first);
    }
    assertReopensWith(dir, model, 300);
  }

  /** A state machine whose checkpoint fails once, when told to. */
  private static final class FailingOnce implements StateMachine {
    final KvStateMachine kv = new KvStateMachine();
    boolean failNext;

    @Override
    public void apply(Record r) {
      kv.apply(r);
    }

    @Override
    public void checkpoint(OutputStream out) throws IOException {
      if (failNext) {
        failNext = false;
        out.write(1);
        throw new IOException("injected checkpoint failure");
      }
      kv.checkpoint(out);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      kv.restore(in);
    }
  }

  /**
   * A roll whose checkpoint failed leaves the new active segment without one: the sealed segment
   * holding the newest checkpoint must survive retention.
   */
  @Test
  void retentionAfterARollWhoseCheckpointFailedKeepsTheNewestCheckpoint() {
    Path dir = tmp.resolve("log");
    Map<String, String> model = new TreeMap<>();
    FailingOnce sm = new FailingOnce();
    try (StateMachineLog log = StateMachineLog.open(dir, retention(), sm)) {
      put(log, model, 0, 100);
      sm.failNext = true;
      assertThatThrownBy(log::roll).isInstanceOf(UncheckedIOException.class);
      put(log, model, 100, 120);
      log.applyRetention();
      assertThat(log.segments()).hasSize(2);
    }
    assertReopensWith(dir, model, 120);
  }
}
