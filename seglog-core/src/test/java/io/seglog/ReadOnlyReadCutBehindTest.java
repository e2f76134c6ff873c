package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read of a log opened read-only, of a record the writer cut and appended over since the log last
 * looked: the frame it finds where its index says the record was is another one. The read fails,
 * refreshes, and the refresh finds the writer's truncation: that is {@link RecordsGoneException}
 * (Log#read: "if truncation ... removed it"), never the {@link CorruptLogException} of the
 * rewritten bytes. Random reads and readers alike (the tailer's case is {@link
 * ReadOnlyTailerCutBehindTest}).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only
class ReadOnlyReadCutBehindTest {
  private static final int OLD_SIZE = 100 << 10;
  private static final int NEW_SIZE = 150 << 10;

  @TempDir Path dir;

  private static byte[] payload(long index, int size, byte fill) {
    byte[] b = new byte[size];
    Arrays.fill(b, fill);
    b[0] = (byte) index;
    return b;
  }

  /**
   * Writes 1..10, opens read-only, has the writer cut after 4 and append 5..12 anew, then reads.
   */
  private void readAfterTheWriterCut(Consumer<Log> read) {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (Log writer = Log.open(dir, config)) {
      for (long i = 1; i <= 10; i++) {
        writer.append(payload(i, OLD_SIZE, (byte) 'o'));
      }
      try (Log reader = Log.openReadOnly(dir, config)) {
        assertThat(reader.lastIndex()).isEqualTo(10);
        writer.truncateAfter(4);
        for (long i = 5; i <= 12; i++) {
          writer.append(payload(i, NEW_SIZE, (byte) 'n'));
        }
        read.accept(reader);
      }
    }
  }

  @Test
  void aRandomReadOfARecordTheWriterCutIsRecordsGoneNotCorruption() {
    readAfterTheWriterCut(
        reader ->
            assertThatThrownBy(() -> reader.read(7))
                .isInstanceOf(RecordsGoneException.class)
                .hasMessageContaining("7"));
  }

  @Test
  void aReaderOverRecordsTheWriterCutEndsWithRecordsGoneNotCorruption() {
    readAfterTheWriterCut(
        reader -> {
          try (LogReader r = reader.reader(7, 11)) {
            assertThatThrownBy(r::next).isInstanceOf(RecordsGoneException.class);
          }
        });
  }
}
