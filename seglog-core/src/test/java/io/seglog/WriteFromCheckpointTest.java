package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Regression: a {@link StateMachine#checkpoint} runs under the append lock while its chunks are
 * written at the end of the active segment, the offset of its first chunk taken before it runs. A
 * write from it (an append, a roll, another checkpoint) went there too: the checkpoint no longer
 * started where the log said ({@link StateMachineLog#checkpoints()} named the nested record's
 * frame, so a purge to it failed its verification and fenced the log), or its chunks went to
 * another segment than the one named. Such a write is now refused with {@link
 * IllegalStateException} before anything is written, as from an {@link Log#appendStream} source
 * ({@link WriteFromStreamSourceTest}); a {@code sync()} there stays allowed ({@link
 * SyncUnderAppendLockTest}).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only: nothing here waits
class WriteFromCheckpointTest {
  @TempDir Path dir;

  static List<Arguments> writes() {
    List<Arguments> all = new ArrayList<>();
    for (SyncPolicy policy : List.of(SyncPolicy.NONE, SyncPolicy.ALWAYS)) {
      all.add(Arguments.of(policy, "append", (Consumer<StateMachineLog>) l -> l.append(b("n"))));
      all.add(
          Arguments.of(
              policy,
              "appendBatch",
              (Consumer<StateMachineLog>) l -> l.appendBatch(List.of(Entry.of(b("n"))))));
      all.add(
          Arguments.of(
              policy, "appendAsync", (Consumer<StateMachineLog>) l -> l.appendAsync(b("n"))));
      all.add(Arguments.of(policy, "roll", (Consumer<StateMachineLog>) Log::roll));
      all.add(
          Arguments.of(
              policy, "checkpoint", (Consumer<StateMachineLog>) StateMachineLog::checkpoint));
    }
    return all;
  }

  @ParameterizedTest(name = "{1} under {0}")
  @MethodSource("writes")
  void aWriteFromACheckpointIsRefusedAndTheCheckpointIsWhole(
      SyncPolicy policy, String what, Consumer<StateMachineLog> write) throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(policy).build();
    Counter sm = new Counter();
    CheckpointInfo made;
    long lastBefore;
    int segmentsBefore;
    long lastAfter;
    int segmentsAfter;
    try (StateMachineLog log = StateMachineLog.open(dir, config, sm)) {
      log.append(b("a"));
      log.roll(); // the checkpoint under test goes to the second segment, which a purge keeps
      log.append(b("b"));
      lastBefore = log.lastIndex();
      segmentsBefore = log.segments().size();
      sm.onCheckpoint(() -> write.accept(log));
      made = log.checkpoint();
      lastAfter = log.lastIndex();
      segmentsAfter = log.segments().size();

      assertThat(log.checkpoints())
          .as("where the log says its checkpoints are, against the files")
          .containsExactlyInAnyOrderElementsOf(StateMachineLog.scanCheckpoints(log));
      assertThat(log.purgeTo(made.index()))
          .as("a purge to it verifies it and keeps its segment")
          .isEqualTo(made.index());
      long after = log.append(b("after"));
      assertThat(sm.count).as("every record applied once").isEqualTo(after);
    }
    Counter reopened = new Counter();
    try (StateMachineLog log = StateMachineLog.open(dir, config, reopened)) {
      assertThat(log.replayReport().checkpoint()).isEqualTo(made);
      assertThat(reopened.count).as("every record applied once").isEqualTo(log.lastIndex());
    }
    assertThat(sm.refused)
        .as(what + " from a checkpoint")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("checkpoint");
    assertThat(lastAfter).as("nothing was written").isEqualTo(lastBefore);
    assertThat(segmentsAfter).as("nothing was rolled").isEqualTo(segmentsBefore);
    assertThat(made.index()).isEqualTo(lastBefore);
  }

  /**
   * A state machine's apply may not write to the log either: the next open replays it (a write from
   * it would be made again) and a roll inside it would checkpoint a state whose apply is half done.
   * Such a write is refused before anything is written; the record being applied is applied once,
   * and the log goes on.
   */
  @ParameterizedTest(name = "{1} under {0}")
  @MethodSource("writes")
  void aWriteFromApplyIsRefusedAndNothingIsWritten(
      SyncPolicy policy, String what, Consumer<StateMachineLog> write) throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(policy).build();
    Counter sm = new Counter();
    long last;
    try (StateMachineLog log = StateMachineLog.open(dir, config, sm)) {
      log.append(b("a"));
      int segments = log.segments().size();
      int checkpoints = log.checkpoints().size();
      sm.onApply(() -> write.accept(log));
      assertThat(log.append(b("b"))).isEqualTo(2);
      assertThat(log.lastIndex()).as("nothing was written").isEqualTo(2);
      assertThat(log.segments()).as("nothing was rolled").hasSize(segments);
      assertThat(log.checkpoints()).as("no checkpoint was taken").hasSize(checkpoints);
      assertThat(sm.count).as("every record applied once").isEqualTo(2);
      last = log.append(b("after"));
      assertThat(sm.count).isEqualTo(last);
    }
    Counter reopened = new Counter();
    try (StateMachineLog log = StateMachineLog.open(dir, config, reopened)) {
      assertThat(log.lastIndex()).isEqualTo(last);
      assertThat(reopened.count).as("every record applied once").isEqualTo(last);
    }
    assertThat(sm.refused)
        .as(what + " from apply")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apply must not write to the log");
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Counts the records applied; its checkpoint runs a write once, when armed, then the count. */
  private static final class Counter implements StateMachine {
    long count; // under the append lock
    private Runnable onCheckpoint;
    private Runnable onApply;
    Throwable refused;

    void onCheckpoint(Runnable r) {
      onCheckpoint = r;
    }

    void onApply(Runnable r) {
      onApply = r;
    }

    @Override
    public void apply(Record record) {
      count++;
      Runnable r = onApply;
      onApply = null;
      if (r != null) {
        try {
          r.run();
        } catch (Throwable t) {
          refused = t;
        }
      }
    }

    @Override
    public void checkpoint(OutputStream out) throws IOException {
      Runnable r = onCheckpoint;
      onCheckpoint = null;
      if (r != null) {
        try {
          r.run();
        } catch (Throwable t) {
          refused = t;
        }
      }
      new DataOutputStream(out).writeLong(count);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      count = new DataInputStream(in).readLong();
    }
  }
}
