package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only tailer some records behind the writer when the writer truncates and appends again:
 * the frames it walks to no longer end where the index it discovered says the segment ends. That is
 * the writer's truncation, which the tailer reports as {@link RecordsGoneException}, never as
 * damage ({@link CorruptLogException}).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only
class ReadOnlyTailerCutBehindTest {
  @TempDir Path dir;

  private static byte[] payload(long index, int size, byte fill) {
    byte[] b = new byte[size];
    Arrays.fill(b, fill);
    b[0] = (byte) index;
    return b;
  }

  @Test
  void aTailerBehindAWriterThatTruncatesAndGrowsGetsRecordsGoneNotCorruption() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    int oldSize = 100 << 10; // frames larger than half the read-ahead window: each load reads
    int newSize = 150 << 10;
    try (Log writer = Log.open(dir, config)) {
      for (long i = 1; i <= 10; i++) {
        writer.append(payload(i, oldSize, (byte) 'o'));
      }
      try (Log reader = Log.openReadOnly(dir, config);
          Tailer tailer = reader.tailer(1, Visibility.WRITTEN)) {
        for (long i = 1; i <= 3; i++) {
          assertThat(tailer.poll(Duration.ofSeconds(10)).payloadBytes())
              .isEqualTo(payload(i, oldSize, (byte) 'o'));
        }
        writer.truncateAfter(4);
        for (long i = 5; i <= 12; i++) {
          writer.append(payload(i, newSize, (byte) 'n'));
        }
        // Record 4 was kept. After it, the tailer may return records as they are now (the writer's
        // new ones), never the removed ones, and must end with RecordsGoneException: its frames no
        // longer match what it had discovered.
        assertThat(tailer.poll(Duration.ofSeconds(10)).payloadBytes())
            .isEqualTo(payload(4, oldSize, (byte) 'o'));
        assertThatThrownBy(
                () -> {
                  for (long i = 5; i <= 12; i++) {
                    Record r = tailer.poll(Duration.ofSeconds(10));
                    assertThat(r).as("record %d", i).isNotNull();
                    assertThat(r.payloadBytes()).isEqualTo(payload(i, newSize, (byte) 'n'));
                  }
                })
            .isInstanceOf(RecordsGoneException.class);
      }
    }
  }
}
