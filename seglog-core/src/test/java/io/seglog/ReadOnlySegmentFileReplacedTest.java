package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only log follows its unsealed last segment through the file handle it opened. When the
 * writer deletes that file and creates another under the same name, the handle still shows the
 * deleted file, unchanged: the follower must tell by the file's identity, not by its name, size or
 * last frame.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only
class ReadOnlySegmentFileReplacedTest {
  @TempDir Path dir;

  private static byte[] payload(long index) {
    return ("record " + index).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The writer cuts into the segment before the reader's last one (deleting that one), appends the
   * same number of records again, and rolls at the same index: a new file at the old name.
   */
  @Test
  void aLastSegmentDeletedAndCreatedAgainUnderItsNameIsReportedAsTruncation() throws Exception {
    LogConfig config =
        LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).segmentMaxRecords(5).build();
    try (Log writer = Log.open(dir, config)) {
      for (long i = 1; i <= 8; i++) {
        assertThat(writer.append(payload(i))).isEqualTo(i); // segments [1..5] and [6..8]
      }
      try (Log reader = Log.openReadOnly(dir, config);
          Tailer tailer = reader.tailer(1, Visibility.WRITTEN)) {
        for (long i = 1; i <= 8; i++) {
          assertThat(tailer.poll(Duration.ofSeconds(10)).payloadBytes()).isEqualTo(payload(i));
        }
        writer.truncateAfter(3); // deletes the file of [6..8]
        for (long i = 4; i <= 9; i++) {
          writer.append(payload(i + 100)); // [4..5] refill the first; 6 rolls: a new file there
        }
        assertThatThrownBy(() -> tailer.poll(Duration.ofSeconds(10)))
            .as("records 4..8 the tailer returned were cut")
            .isInstanceOf(RecordsGoneException.class)
            // not "truncated after 8": where the writer cut is not known to this log
            .hasMessage(
                "record 9 is gone for this read-only log of "
                    + dir
                    + ": the writer truncated the log (or removed its files) after it was opened"
                    + " here; open it again to read on");
        // Record 7 is still in the deleted file the reader has open: never returned, stale.
        assertThatThrownBy(() -> reader.read(7)).isInstanceOf(RecordsGoneException.class);
        try (LogReader r = reader.reader(6, 9)) {
          assertThatThrownBy(r::next).isInstanceOf(RecordsGoneException.class);
        }
      }
    }
  }

  /**
   * A writer that opens a log with encryption on replaces an empty version 1 last segment by an
   * empty version 2 one with the same name: nothing was taken from it, so a reader follows the new
   * file and reads the records appended to it.
   */
  @Test
  void anEmptyLastSegmentReplacedUnderItsNameIsFollowed() throws Exception {
    LogConfig plain = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    try (Log writer = Log.open(dir, plain)) {
      for (long i = 1; i <= 3; i++) {
        writer.append(payload(i));
      }
      writer.roll(); // seals [1..3]; the next segment, empty, is version 1
    }
    byte[] key = new byte[32];
    new java.util.SplittableRandom(7).nextBytes(key);
    LogConfig encrypted =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.ALWAYS)
            .encryption(KeyProvider.of(1, Map.of(1, key)))
            .build();
    try (Log reader = Log.openReadOnly(dir, encrypted);
        Tailer tailer = reader.tailer(1, Visibility.WRITTEN)) {
      for (long i = 1; i <= 3; i++) {
        assertThat(tailer.poll(Duration.ofSeconds(10)).payloadBytes()).isEqualTo(payload(i));
      }
      assertThat(tailer.poll(Duration.ZERO)).isNull();
      try (Log writer = Log.open(dir, encrypted)) { // replaces the empty version 1 segment
        writer.append(payload(4));
        Record r = tailer.poll(Duration.ofSeconds(10));
        assertThat(r).as("record 4, in the replaced segment's new file").isNotNull();
        assertThat(r.index()).isEqualTo(4);
        assertThat(r.payloadBytes()).isEqualTo(payload(4));
        assertThat(reader.read(4).payloadBytes()).isEqualTo(payload(4));
      }
    }
  }
}
