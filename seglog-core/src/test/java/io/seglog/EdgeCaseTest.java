package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import io.seglog.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corners of the contract the random and table tests reach only by chance. */
class EdgeCaseTest {
  @TempDir Path dir;

  static LogConfig none() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
  }

  @Test
  void rollingAnEmptySegmentAgainAndAgainKeepsTheLogWhole() {
    List<ExpectedRecord> expected = new ArrayList<>();
    try (Log log = SegmentedLog.open(dir, none(), NioFileIO.INSTANCE)) {
      log.roll();
      log.roll();
      byte[] p = {1};
      expected.add(new ExpectedRecord(log.append(Entry.of(p, 1, 10)), 10, 1, p));
      log.roll();
      log.roll();
    }
    try (Log log = SegmentedLog.open(dir, none(), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, expected);
      log.roll();
      byte[] p = {2};
      expected.add(new ExpectedRecord(log.append(Entry.of(p, 2, 20)), 20, 2, p));
    }
    try (Log log = SegmentedLog.open(dir, none(), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, expected);
      assertThat(LogVerifier.verify(dir).findings()).isEmpty();
    }
  }

  @Test
  void aSegmentOlderThanRollAgeIsSealedAtTheNextAppend() {
    TestClock clock = new TestClock(1_000_000);
    LogConfig config = none().toBuilder().rollAge(Duration.ofSeconds(10)).clock(clock).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(new byte[] {1});
      clock.advance(9_999);
      log.append(new byte[] {2});
      assertThat(SegmentScan.segments(dir)).hasSize(1);
      clock.advance(2);
      assertThat(log.append(new byte[] {3})).isEqualTo(3);
      assertThat(dir.resolve(FileNames.segment(3))).as("a new segment at index 3").exists();
      assertThat(log.read(2).payloadBytes()).containsExactly(2);
    }
  }

  @Test
  void recordsWrittenUnderALargerLimitStayReadableUnderASmallerOne() {
    LogConfig big = none().toBuilder().maxRecordBytes(8192).build();
    byte[] large = new byte[8000];
    large[7999] = 9;
    try (Log log = SegmentedLog.open(dir, big, NioFileIO.INSTANCE)) {
      log.append(Entry.of(large, 1, 5));
    }
    LogConfig small = none().toBuilder().maxRecordBytes(100).maxBatchBytes(100).build();
    for (int i = 0; i < 2; i++) {
      try (Log log = SegmentedLog.open(dir, small, NioFileIO.INSTANCE)) {
        LogChecks.assertExactly(log, 1, List.of(new ExpectedRecord(1, 5, 1, large)));
        assertThatThrownBy(() -> log.append(new byte[101]))
            .isInstanceOf(RecordTooLargeException.class);
      }
    }
    try (Log log = SegmentedLog.openReadOnly(dir, small, NioFileIO.INSTANCE)) {
      assertThat(log.read(1).payloadBytes()).isEqualTo(large);
    }
  }

  @Test
  void damagedOrMissingMetadataIsRefusedAndNothingIsTouched() throws Exception {
    try (Log log = SegmentedLog.open(dir, none(), NioFileIO.INSTANCE)) {
      log.append(new byte[] {1});
      log.roll();
      log.append(new byte[] {2});
    }
    Path meta = dir.resolve(FileNames.METADATA);
    byte[] good = Files.readAllBytes(meta);
    byte[] bad = good.clone();
    bad[35] ^= 1; // first index
    Files.write(meta, bad);
    DirectorySnapshot before = DirectorySnapshot.of(dir);
    for (RecoveryMode mode : RecoveryMode.values()) {
      LogConfig config = none().toBuilder().recoveryMode(mode).build();
      assertThatThrownBy(() -> Log.open(dir, config))
          .isInstanceOfSatisfying(
              CorruptLogException.class,
              e -> assertThat(e.file().getFileName().toString()).isEqualTo(FileNames.METADATA));
      assertThatThrownBy(() -> Log.openReadOnly(dir, config))
          .isInstanceOf(CorruptLogException.class);
    }
    assertThat(before.differences(DirectorySnapshot.of(dir))).isEmpty();
    Files.delete(meta);
    DirectorySnapshot withoutMeta = DirectorySnapshot.of(dir);
    assertThatThrownBy(() -> Log.open(dir, none())).isInstanceOf(CorruptLogException.class);
    assertThat(withoutMeta.differences(DirectorySnapshot.of(dir)))
        .as("a missing metadata file must not start a new log over the segments")
        .isEmpty();
    Files.write(meta, good);
    try (Log log = Log.open(dir, none())) {
      assertThat(log.lastIndex()).isEqualTo(2);
    }
  }

  /** A failed read is an I/O error, not damage, and does not fence appends. */
  @Test
  void aFailedReadThrowsAnIoErrorAndTheLogCarriesOn() {
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    try (Log log = SegmentedLog.open(dir, none(), io)) {
      for (int i = 0; i < 5; i++) {
        log.append(new byte[] {(byte) i});
      }
      log.roll(); // sealed: reads go to the file
      log.append(new byte[] {5});
      io.failNth(Op.READ, io.count(Op.READ) + 1, true);
      assertThatThrownBy(() -> log.read(2))
          .isInstanceOf(SeglogException.class)
          .isNotInstanceOf(CorruptLogException.class);
      io.failNth(Op.READ, Long.MAX_VALUE, false); // reads pass again
      assertThat(log.read(2).payloadBytes()).containsExactly(1);
      assertThat(log.append(new byte[] {6})).isEqualTo(7);
    }
  }

  @Test
  void aHugeInitialIndexNamesSegmentsWithTwentyDigits() {
    long first = Long.MAX_VALUE / 2;
    LogConfig config = none().toBuilder().initialIndex(first).segmentMaxRecords(2).build();
    List<ExpectedRecord> expected = new ArrayList<>();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 0; i < 5; i++) {
        byte[] p = {(byte) i};
        expected.add(new ExpectedRecord(log.append(Entry.of(p, 0, i)), i, 0, p));
      }
    }
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, first, expected);
    }
    assertThat(dir.resolve(FileNames.segment(first + 4))).exists();
  }
}
