package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only log beside a writer that removes a prefix (truncateBefore, retention): reads and
 * tailers below the writer's new first index get RecordsGoneException, never a missing-file error.
 */
class ReadOnlyPrefixRemovalTest {
  @TempDir Path dir;

  private static final LogConfig WRITER = LogConfig.builder().segmentMaxRecords(10).build();
  // One open sealed segment at a time: the removed segments' files are closed, not kept open.
  private static final LogConfig READER = LogConfig.builder().maxOpenSegmentFiles(1).build();

  private static byte[] payload(long i) {
    return ByteBuffer.allocate(8).putLong(i).array();
  }

  @Test
  void aReadBelowTheWritersNewFirstIndexIsGone() {
    try (Log writer = Log.open(dir, WRITER)) {
      for (long i = 1; i <= 100; i++) {
        writer.append(payload(i));
      }
      try (Log reader = Log.openReadOnly(dir, READER)) {
        assertThat(reader.read(95).payload().getLong(0))
            .isEqualTo(95); // segment 1's file is not open (cap 1)
        writer.truncateBefore(50);
        assertThatThrownBy(() -> reader.read(5))
            .isInstanceOf(RecordsGoneException.class)
            .satisfies(e -> assertThat(((RecordsGoneException) e).firstIndex()).isEqualTo(50));
        assertThat(reader.firstIndex()).isEqualTo(50);
        assertThat(reader.read(50).payload().getLong(0)).isEqualTo(50);
      }
    }
  }

  @Test
  void aReadOnlyTailerBelowTheWritersNewFirstIndexGetsRecordsGone() throws Exception {
    try (Log writer = Log.open(dir, WRITER)) {
      for (long i = 1; i <= 100; i++) {
        writer.append(payload(i));
      }
      try (Log reader = Log.openReadOnly(dir, READER);
          Tailer t = reader.tailer(1)) {
        assertThat(t.poll(Duration.ZERO).payload().getLong(0)).isEqualTo(1);
        assertThat(reader.read(85).payload().getLong(0)).isEqualTo(85); // evicts segment 1's file
        writer.truncateBefore(50);
        assertThatThrownBy(() -> t.poll(Duration.ZERO))
            .isInstanceOf(RecordsGoneException.class)
            .satisfies(e -> assertThat(((RecordsGoneException) e).index()).isEqualTo(2));
      }
    }
  }

  @Test
  void aReadOnlyReaderBelowTheWritersNewFirstIndexGetsRecordsGone() {
    try (Log writer = Log.open(dir, WRITER)) {
      for (long i = 1; i <= 100; i++) {
        writer.append(payload(i));
      }
      try (Log reader = Log.openReadOnly(dir, READER);
          LogReader r = reader.reader(1, 101)) {
        assertThat(r.next().payload().getLong(0)).isEqualTo(1);
        assertThat(reader.read(85).payload().getLong(0)).isEqualTo(85); // evicts segment 1's file
        writer.truncateBefore(50);
        assertThatThrownBy(r::next)
            .isInstanceOf(RecordsGoneException.class)
            .satisfies(e -> assertThat(((RecordsGoneException) e).index()).isEqualTo(2));
      }
    }
  }

  @Test
  void aReadOnlyStreamBelowTheWritersNewFirstIndexIsGone() {
    try (Log writer = Log.open(dir, WRITER)) {
      for (long i = 1; i <= 100; i++) {
        writer.append(payload(i));
      }
      try (Log reader = Log.openReadOnly(dir, READER)) {
        assertThat(reader.read(95).payload().getLong(0)).isEqualTo(95); // segment 1 not open
        writer.truncateBefore(50);
        assertThatThrownBy(() -> reader.readStream(5))
            .isInstanceOf(RecordsGoneException.class)
            .satisfies(e -> assertThat(((RecordsGoneException) e).firstIndex()).isEqualTo(50));
      }
    }
  }
}
