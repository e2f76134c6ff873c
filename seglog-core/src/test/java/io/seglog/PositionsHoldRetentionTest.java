package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named positions hold retention back, unless the configuration lets retention pass them. */
class PositionsHoldRetentionTest {
  @TempDir Path dir;

  private static LogConfig config(boolean hold) {
    return LogConfig.builder()
        .segmentMaxRecords(10)
        .retentionRecords(50)
        .positionsHoldRetention(hold)
        .build();
  }

  private static byte[] payload(long i) {
    return ByteBuffer.allocate(8).putLong(i).array();
  }

  private static void appendUpTo(Log log, long last) {
    while (log.lastIndex() < last) {
      log.append(payload(log.lastIndex() + 1));
    }
  }

  private static long valueOf(Record r) {
    return r.payload().getLong(0);
  }

  @Test
  void aCommittedPositionKeepsItsRecordsAcrossRetentionAndRestarts() throws Exception {
    try (Log log = Log.open(dir, config(true))) {
      try (Tailer slow = log.tailer("slow", 1, Visibility.WRITTEN)) {
        slow.commit(); // holds everything from index 1 while the log grows
        appendUpTo(log, 119);
        assertThat(log.firstIndex()).isEqualTo(1);
        for (int i = 1; i < 120; i++) {
          assertThat(valueOf(slow.poll(Duration.ZERO))).isEqualTo(i);
        }
        slow.commit(); // the next record it reads is 120
      }
      appendUpTo(log, 400); // rolls apply retention too
      log.applyRetention();
      assertThat(log.firstIndex())
          .as("retention stops below the committed position")
          .isLessThanOrEqualTo(120);
      assertThat(log.committedPositions()).containsEntry("slow", 120L);
    }
    try (Log log = Log.open(dir, config(true))) {
      log.applyRetention();
      assertThat(log.firstIndex()).isLessThanOrEqualTo(120);
      try (Tailer slow = log.tailer("slow", 1, Visibility.WRITTEN)) {
        for (long i = 120; i <= 400; i++) {
          assertThat(valueOf(slow.poll(Duration.ZERO))).as("record %d", i).isEqualTo(i);
        }
        assertThat(slow.poll(Duration.ZERO)).isNull();
      }
      log.deletePosition("slow"); // releases the floor
      log.applyRetention();
      assertThat(log.firstIndex())
          .as("without a position, retention keeps about 50 records")
          .isGreaterThan(300);
    }
  }

  @Test
  void withPositionsNotHoldingRetentionALaggingNamedTailerGetsRecordsGone() throws Exception {
    try (Log log = Log.open(dir, config(false))) {
      appendUpTo(log, 119);
      try (Tailer slow = log.tailer("slow", 120, Visibility.WRITTEN)) {
        slow.commit(); // position 120: it has read everything before
      }
      appendUpTo(log, 400);
      log.applyRetention();
      assertThat(log.firstIndex()).isGreaterThan(120);
      try (Tailer slow = log.tailer("slow", 1, Visibility.WRITTEN)) {
        assertThat(slow.position()).isEqualTo(120);
        assertThatThrownBy(() -> slow.poll(Duration.ZERO))
            .isInstanceOf(RecordsGoneException.class)
            .satisfies(
                e -> {
                  RecordsGoneException g = (RecordsGoneException) e;
                  assertThat(g.index()).isEqualTo(120);
                  assertThat(g.firstIndex()).isEqualTo(log.firstIndex());
                });
      }
    }
  }

  /**
   * A damaged position file holds an unknown set of records: retention after a roll removes
   * nothing, and the append that rolled succeeds; an explicit applyRetention reports the damage.
   */
  @Test
  void aDamagedPositionFileStopsRetentionWithoutFailingTheAppendThatRolled() throws Exception {
    try (Log log = Log.open(dir, config(true))) {
      try (Tailer slow = log.tailer("slow", 1, Visibility.WRITTEN)) {
        slow.commit();
      }
    }
    Path file = dir.resolve("positions").resolve("slow.pos");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1; // its checksum no longer matches
    Files.write(file, bytes);
    try (Log log = Log.open(dir, config(true))) {
      for (long i = 1; i <= 200; i++) {
        assertThat(log.append(payload(i))).as("append %d", i).isEqualTo(i);
      }
      assertThat(log.firstIndex()).isEqualTo(1);
      assertThatThrownBy(log::applyRetention).isInstanceOf(CorruptLogException.class);
      assertThat(log.firstIndex()).isEqualTo(1);
    }
  }
}
