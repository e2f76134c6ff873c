package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.testing.KvStateMachine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log opened read-only follows a {@link StateMachineLog} that another opener writes: the writer's
 * checkpoint frames (written on demand, and at the start of every segment after a roll) take no
 * index, and its tailer must pass over them to the records that follow. It stopped at the first
 * one, for good: a frame it did not know was taken as "not written yet".
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only
class ReadOnlyCheckpointTailTest {
  @TempDir Path dir;

  private static byte[] put(int i) {
    return ("put k" + i + " v" + i).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aReadOnlyTailerPassesACheckpointInTheActiveSegment() throws Exception {
    tailAcross(StateMachineLog::checkpoint, "the checkpoint");
  }

  @Test
  void aReadOnlyTailerFollowsARollThatStartsWithACheckpoint() throws Exception {
    tailAcross(StateMachineLog::roll, "the roll");
  }

  /**
   * A read-only tailer takes records 1..3, the writer runs {@code step} (which writes a checkpoint
   * frame) and appends 4..6: the tailer must get them.
   */
  private void tailAcross(java.util.function.Consumer<StateMachineLog> step, String what)
      throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    try (StateMachineLog log = StateMachineLog.open(dir, config, new KvStateMachine())) {
      for (int i = 1; i <= 3; i++) {
        log.append(put(i));
      }
      try (Log follower = Log.openReadOnly(dir, config);
          Tailer t = follower.tailer(1)) {
        for (long i = 1; i <= 3; i++) {
          assertThat(t.poll(Duration.ofSeconds(10))).isNotNull();
        }
        step.accept(log);
        for (int i = 4; i <= 6; i++) {
          log.append(put(i));
        }
        for (long i = 4; i <= 6; i++) {
          Record r = t.poll(Duration.ofSeconds(10));
          assertThat(r).as("record %d after %s", i, what).isNotNull();
          assertThat(r.index()).isEqualTo(i);
        }
      }
    }
  }
}
