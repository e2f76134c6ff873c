package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tailers and readers meet a suffix cut that appends refilled before they looked again. */
class TailerTruncationTest {
  @TempDir Path dir;

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Record r) {
    return StandardCharsets.UTF_8.decode(r.payload()).toString();
  }

  private static LogConfig config() {
    return LogConfig.builder().segmentMaxRecords(7).build();
  }

  @Test
  void aTailerWhoseReturnedRecordsWereCutAndRefilledGetsRecordsGone() throws Exception {
    try (Log log = Log.open(dir, config())) {
      for (int i = 1; i <= 30; i++) {
        log.append(text("old " + i));
      }
      try (Tailer t = log.tailer(1)) {
        for (int i = 1; i <= 20; i++) {
          assertThat(text(t.poll(Duration.ZERO))).isEqualTo("old " + i);
        }
        log.truncateAfter(15); // removes 16..20, which the tailer returned
        for (int i = 16; i <= 40; i++) {
          log.append(text("new " + i)); // refilled past where the tailer stands
        }
        assertThatThrownBy(() -> t.poll(Duration.ZERO)).isInstanceOf(RecordsGoneException.class);
        assertThatThrownBy(() -> t.poll(Duration.ZERO))
            .as("gone stays gone")
            .isInstanceOf(RecordsGoneException.class);
      }
    }
  }

  @Test
  void aTailerBehindTheCutReadsTheNewRecordsNeverTheOldOnes() throws Exception {
    try (Log log = Log.open(dir, config())) {
      for (int i = 1; i <= 30; i++) {
        log.append(text("old " + i));
      }
      try (Tailer t = log.tailer(1)) {
        for (int i = 1; i <= 10; i++) {
          assertThat(text(t.poll(Duration.ZERO))).isEqualTo("old " + i);
        }
        log.truncateAfter(12); // the tailer returned only up to 10: nothing it returned is gone
        for (int i = 13; i <= 30; i++) {
          log.append(text("new " + i));
        }
        assertThat(text(t.poll(Duration.ZERO))).isEqualTo("old 11");
        assertThat(text(t.poll(Duration.ZERO))).isEqualTo("old 12");
        for (int i = 13; i <= 30; i++) {
          assertThat(text(t.poll(Duration.ZERO))).isEqualTo("new " + i);
        }
        assertThat(t.poll(Duration.ZERO)).isNull();
      }
    }
  }

  @Test
  void aForwardReaderCreatedBeforeACutNeverReturnsTheRefill() {
    try (Log log = Log.open(dir, config())) {
      for (int i = 1; i <= 30; i++) {
        log.append(text("old " + i));
      }
      try (LogReader r = log.reader(1, 31)) {
        for (int i = 1; i <= 10; i++) {
          assertThat(text(r.next())).isEqualTo("old " + i);
        }
        log.truncateAfter(12);
        for (int i = 13; i <= 30; i++) {
          log.append(text("new " + i));
        }
        assertThat(text(r.next())).isEqualTo("old 11");
        assertThat(text(r.next())).isEqualTo("old 12");
        assertThatThrownBy(r::next).isInstanceOf(RecordsGoneException.class);
      }
    }
  }

  @Test
  void aReverseReaderMeetsACutToo() {
    try (Log log = Log.open(dir, config())) {
      for (int i = 1; i <= 30; i++) {
        log.append(text("old " + i));
      }
      try (LogReader r = log.reverseReader(1, 31, Visibility.WRITTEN)) {
        assertThat(text(r.next())).isEqualTo("old 30");
        log.truncateAfter(20);
        for (int i = 21; i <= 30; i++) {
          log.append(text("new " + i));
        }
        assertThatThrownBy(r::next).isInstanceOf(RecordsGoneException.class);
      }
    }
  }
}
