package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention by age (record timestamps in the past, in the future, equal to the clock and at the
 * exact boundary), by bytes and by record count; on roll and on demand; whole sealed segments only,
 * never the active one; and the retention floor.
 */
class RetentionTest {
  @TempDir Path dir;

  static final long T0 = 1_700_000_000_000L;
  static final long HOUR = 3_600_000L;
  final TestClock clock = new TestClock(T0);

  LogConfig.Builder base() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).clock(clock);
  }

  /** Appends one record with {@code timestamp} and seals its segment: one segment per call. */
  static void segmentWith(Log log, long timestamp) {
    log.append(Entry.of(new byte[] {1}, 0, timestamp));
    log.roll();
  }

  @Test
  void byAgePastTimestampsExpireAndTheActiveSegmentNeverGoes() {
    LogConfig config = base().retentionAge(Duration.ofHours(1)).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      segmentWith(log, T0 - 3 * HOUR); // index 1: long past
      segmentWith(log, T0 - 2 * HOUR); // index 2
      segmentWith(log, T0); // index 3: now
      log.append(Entry.of(new byte[] {1}, 0, T0 - 5 * HOUR)); // active, old, never removed
      // The rolls already applied retention: 1 and 2 were past the age when the next roll came.
      assertThat(log.firstIndex()).isEqualTo(3);
      RetentionResult none = log.applyRetention();
      assertThat(none.isEmpty()).isTrue();
      clock.advance(HOUR); // index 3 is now exactly one hour old: the boundary removes it
      RetentionResult r = log.applyRetention();
      assertThat(r.segmentsRemoved()).isEqualTo(1);
      assertThat(r.recordsRemoved()).isEqualTo(1);
      assertThat(r.bytesRemoved()).isPositive();
      assertThat(r.firstIndex()).isEqualTo(4);
      assertThat(log.segments()).hasSize(1); // the active segment, with an ancient record
      assertThat(log.read(4).timestamp()).isEqualTo(T0 - 5 * HOUR);
    }
  }

  @Test
  void byAgeATimestampEqualToTheClockIsKeptUntilTheAgeHasPassed() {
    LogConfig config = base().retentionAge(Duration.ofHours(1)).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(Entry.of(new byte[] {1}, 0, T0));
      log.append(Entry.of(new byte[] {2}, 0, T0));
      log.roll();
      log.append(new byte[] {3});
      clock.advance(HOUR - 1);
      assertThat(log.applyRetention().isEmpty()).as("one millisecond short").isTrue();
      clock.advance(1);
      assertThat(log.applyRetention().recordsRemoved()).isEqualTo(2);
    }
  }

  @Test
  void byAgeAFutureTimestampFallsBackToTheSealTimeAndDoesNotBlockForever() {
    LogConfig config = base().retentionAge(Duration.ofHours(1)).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(Entry.of(new byte[] {1}, 0, T0 + 1000 * HOUR)); // a clock far ahead wrote it
      clock.advance(10);
      log.roll(); // sealed at T0 + 10 (the next segment's creation time)
      log.append(new byte[] {2});
      clock.advance(HOUR - 1);
      assertThat(log.applyRetention().isEmpty()).as("sealed less than an hour ago").isTrue();
      clock.advance(1);
      RetentionResult r = log.applyRetention();
      assertThat(r.segmentsRemoved())
          .as("an hour after its seal time, although its timestamp is still in the future")
          .isEqualTo(1);
      assertThat(log.firstIndex()).isEqualTo(2);
    }
  }

  @Test
  void byAgeTheOldestSegmentThatIsNotExpiredStopsThePass() {
    LogConfig config = base().retentionAge(Duration.ofHours(1)).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      segmentWith(log, T0); // not expired
      segmentWith(log, T0 - 10 * HOUR); // expired, but behind a kept segment
      log.append(new byte[] {3});
      assertThat(log.applyRetention().isEmpty()).isTrue();
      assertThat(log.firstIndex()).isEqualTo(1);
    }
  }

  @Test
  void byBytesOnRollKeepsTheLogWithinTheLimitOrItsActiveSegment() {
    LogConfig config =
        base().segmentBytes(4096).retentionBytes(3 * 4096).maxRecordBytes(1000).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 0; i < 200; i++) {
        log.append(new byte[500]);
        long bytes = log.stats().totalBytes();
        // Retention runs at each roll, before the append that follows it lands.
        assertThat(bytes).as("bytes after append " + i).isLessThanOrEqualTo(3 * 4096 + 4096);
      }
      assertThat(log.firstIndex()).as("old segments were removed on roll").isGreaterThan(100);
      assertThat(log.lastIndex()).isEqualTo(200);
      RetentionResult r = log.applyRetention();
      assertThat(log.stats().totalBytes() <= 3 * 4096 || log.segments().size() == 1)
          .as("on demand: within the limit, or only the active segment (" + r + ")")
          .isTrue();
    }
  }

  @Test
  void byRecordsAndTheRetentionFloor() {
    LogConfig config = base().segmentMaxRecords(10).retentionRecords(25).build();
    try (SegmentedLog log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.retentionFloor(() -> 15); // a reader still needs index 15
      for (int i = 0; i < 60; i++) {
        log.append(new byte[] {(byte) i});
      }
      assertThat(log.firstIndex()).as("the segment holding 15 is kept").isEqualTo(11);
      log.retentionFloor(() -> Long.MAX_VALUE);
      RetentionResult r = log.applyRetention();
      assertThat(r.firstIndex()).isEqualTo(41);
      assertThat(log.lastIndex() - log.firstIndex() + 1).isEqualTo(20);
      assertThat(r.recordsRemoved()).isEqualTo(30);
    }
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.firstIndex()).as("after reopen").isEqualTo(41);
    }
  }

  @Test
  void noPolicyRemovesNothing() {
    try (Log log = SegmentedLog.open(dir, base().build(), NioFileIO.INSTANCE)) {
      segmentWith(log, 0);
      List<SegmentInfo> before = log.segments();
      assertThat(log.applyRetention()).isEqualTo(new RetentionResult(0, 0, 0, 1));
      assertThat(log.segments()).hasSameSizeAs(before);
    }
  }
}
