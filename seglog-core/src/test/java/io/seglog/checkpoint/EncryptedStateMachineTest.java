package io.seglog.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.KeyProvider;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.StateMachine;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state machine's checkpoints are written outside the frame coder: on an encrypted log they would
 * hold the state, built from encrypted payloads, in plaintext. Until checkpoints are coded, the
 * combination is refused at open, before anything is written.
 */
class EncryptedStateMachineTest {
  @TempDir Path dir;

  private static LogConfig encrypted() {
    byte[] key = new byte[32];
    new SplittableRandom(11).nextBytes(key);
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.ALWAYS)
        .encryption(KeyProvider.of(1, Map.of(1, key)))
        .build();
  }

  /** Counts records; its checkpoint is the count. */
  private static final class Counter implements StateMachine {
    long count;

    @Override
    public void apply(io.seglog.Record record) {
      count++;
    }

    @Override
    public void checkpoint(OutputStream out) throws java.io.IOException {
      out.write(Long.toString(count).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void restore(InputStream in) throws java.io.IOException {
      count =
          Long.parseLong(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  @Test
  void aNewEncryptedStateMachineLogIsRefusedAndNothingIsCreated() {
    Path log = dir.resolve("new");
    assertThatThrownBy(() -> Log.open(log, encrypted(), new Counter()))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining(log.toString())
        .hasMessageContaining("plaintext");
    assertThat(Files.exists(log)).as("nothing written").isFalse();
  }

  @Test
  void anExistingStateMachineLogReopenedWithEncryptionIsRefusedAndKeepsItsRecords()
      throws Exception {
    LogConfig plain = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    try (StateMachineLog l = Log.open(dir, plain, new Counter())) {
      for (int i = 0; i < 5; i++) {
        l.append(new byte[] {(byte) i});
      }
    }
    assertThatThrownBy(() -> Log.open(dir, encrypted(), new Counter()))
        .isInstanceOf(UnsupportedOperationException.class);
    Counter c = new Counter();
    try (StateMachineLog l = Log.open(dir, plain, c)) {
      assertThat(l.lastIndex() - l.firstIndex() + 1).isEqualTo(5);
      assertThat(c.count).isEqualTo(5);
    }
  }
}
