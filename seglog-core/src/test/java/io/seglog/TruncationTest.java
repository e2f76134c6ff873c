package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.MetadataFormat;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** truncateAfter, truncateBefore, reset and clear: contract corners, files, and readers. */
class TruncationTest {
  @TempDir Path dir;

  static final LogConfig CONFIG =
      LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build();

  /** Appends {@code batches} batches of 5 records of 200 bytes: several 4 KiB segments. */
  static List<ExpectedRecord> fill(Log log, int batches, int generation) {
    List<ExpectedRecord> out = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      List<Entry> batch = new ArrayList<>();
      long first = log.lastIndex() + 1;
      for (int i = 0; i < 5; i++) {
        byte[] p = payload(first + i, generation);
        batch.add(Entry.of(p, generation, 10_000 + first + i));
        out.add(new ExpectedRecord(first + i, 10_000 + first + i, generation, p));
      }
      log.appendBatch(batch);
    }
    return out;
  }

  static byte[] payload(long index, int generation) {
    byte[] p = new byte[200];
    Arrays.fill(p, (byte) (index * 31 + generation));
    ByteBuffer.wrap(p).putLong(index).putInt(generation);
    return p;
  }

  static List<ExpectedRecord> upTo(List<ExpectedRecord> records, long last) {
    return records.stream().filter(r -> r.index() <= last).toList();
  }

  @Test
  void truncateAfterInsideASealedSegmentsBatchMakesItActiveAndAppendsContinue() {
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      List<ExpectedRecord> records = new ArrayList<>(fill(log, 20, 1));
      SegmentInfo second = log.segments().get(1);
      assertThat(second.sealed()).isTrue();
      long keep = second.baseIndex() + 2;
      if (keep % 5 == 0) {
        keep++; // inside a batch, not at its end
      }
      log.truncateAfter(keep);
      records = new ArrayList<>(upTo(records, keep));
      LogChecks.assertExactly(log, 1, records);
      assertThat(log.segments()).hasSize(2);
      assertThat(log.segments().get(1).sealed()).as("the cut segment is active again").isFalse();
      assertThat(log.durableIndex()).isEqualTo(keep);
      records.addAll(fill(log, 3, 2));
      LogChecks.assertExactly(log, 1, records);
    }
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      assertThat(log.recoveryReport().cuts()).isEmpty();
      assertThat(log.lastIndex()).isGreaterThan(log.segments().get(1).baseIndex());
      assertThat(LogVerifier.verify(dir).findings()).isEmpty();
    }
  }

  @Test
  void belowTheFirstIndexOfALogNeverTruncatedIsNotGoneButOutOfRange() {
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      fill(log, 1, 1);
      assertThatThrownBy(() -> log.read(0))
          .isExactlyInstanceOf(IndexOutOfRangeException.class)
          .hasMessage("index 0 is below firstIndex 1");
    }
  }

  @Test
  void truncateAfterRangeAndTheTwoEnds() {
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      List<ExpectedRecord> records = fill(log, 10, 1);
      assertThatThrownBy(() -> log.truncateAfter(51))
          .isInstanceOf(IndexOutOfRangeException.class)
          .hasMessageContaining("51");
      assertThatThrownBy(() -> log.truncateAfter(-1)).isInstanceOf(IndexOutOfRangeException.class);
      int segments = log.segments().size();
      log.truncateAfter(50); // the last index: nothing happens
      assertThat(log.segments()).hasSize(segments);
      LogChecks.assertExactly(log, 1, records);
      log.truncateAfter(0); // firstIndex - 1: empty, first index kept
      LogChecks.assertExactly(log, 1, List.of());
      assertThat(log.segments()).hasSize(1);
      assertThat(log.append(new byte[] {1})).isEqualTo(1);
    }
  }

  @Test
  void truncateBeforeMovesTheFirstIndexAtOnceAndAfterReopen() {
    List<ExpectedRecord> records;
    long to;
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      records = fill(log, 20, 1);
      to = log.segments().get(2).baseIndex() + 1;
      int before = SegmentScan.segments(dir).size();
      log.truncateBefore(to);
      assertThat(log.firstIndex()).isEqualTo(to);
      assertThat(SegmentScan.segments(dir)).as("two segments deleted").hasSize(before - 2);
      assertThat(dir.resolve(FileNames.index(1))).doesNotExist();
      long below = to - 1;
      assertThatThrownBy(() -> log.read(below))
          .isInstanceOf(RecordsGoneException.class)
          .hasMessageContaining("record " + below + " is gone")
          .hasMessageContaining("now starts at " + to);
      assertThatThrownBy(() -> log.reader(below, 100)).isInstanceOf(IndexOutOfRangeException.class);
      log.truncateBefore(to - 5); // below the first index: nothing happens
      assertThat(log.firstIndex()).isEqualTo(to);
      assertThatThrownBy(() -> log.truncateBefore(102))
          .isInstanceOf(IndexOutOfRangeException.class);
      LogChecks.assertExactly(log, to, records.subList((int) to - 1, records.size()));
    }
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, to, records.subList((int) to - 1, records.size()));
      long below = to - 1;
      assertThatThrownBy(() -> log.read(below))
          .as("after a reopen too")
          .isInstanceOf(RecordsGoneException.class);
      log.truncateBefore(101); // lastIndex + 1: empty, numbering continues
      assertThat(log.firstIndex()).isEqualTo(101);
      assertThat(log.lastIndex()).isEqualTo(100);
      assertThat(log.append(new byte[] {1})).isEqualTo(101);
    }
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      assertThat(log.firstIndex()).isEqualTo(101);
      assertThat(log.lastIndex()).isEqualTo(101);
      assertThat(LogVerifier.verify(dir).findings()).isEmpty();
    }
  }

  @Test
  void resetStartsTheLogAtAnyIndexAndClearKeepsNumbering() throws Exception {
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      fill(log, 10, 1);
      log.reset(1000);
      assertThat(log.firstIndex()).isEqualTo(1000);
      assertThat(log.lastIndex()).isEqualTo(999);
      assertThat(SegmentScan.segments(dir))
          .extracting(p -> p.getFileName().toString())
          .containsExactly(FileNames.segment(1000));
      assertThatThrownBy(() -> log.read(5)).isInstanceOf(RecordsGoneException.class);
      List<ExpectedRecord> records = fill(log, 2, 2);
      LogChecks.assertExactly(log, 1000, records);
      log.reset(3); // below every earlier index
      assertThat(log.append(new byte[] {9})).isEqualTo(3);
      log.clear();
      assertThat(log.firstIndex()).isEqualTo(4);
      assertThat(log.lastIndex()).isEqualTo(3);
      assertThatThrownBy(() -> log.reset(-1)).isInstanceOf(IllegalArgumentException.class);
    }
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      assertThat(log.firstIndex()).isEqualTo(4);
      assertThat(log.append(new byte[] {1})).isEqualTo(4);
    }
    assertThat(
            MetadataFormat.decodeFile(
                    ByteBuffer.wrap(Files.readAllBytes(dir.resolve(FileNames.METADATA))))
                .pending())
        .as("no truncation left pending")
        .isNull();
  }

  @Test
  void aReaderCreatedBeforeTruncateAfterNeverReturnsTheRecordsAppendedInTheirPlace() {
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      List<ExpectedRecord> old = fill(log, 20, 1);
      LogReader reader = log.reader(30, 101);
      for (long i = 30; i < 40; i++) {
        LogChecks.assertRecord(old.get((int) i - 1), reader.next());
      }
      Record cached = log.read(43); // the thread's read view now holds the frame [41..45]
      LogChecks.assertRecord(old.get(42), cached);
      log.truncateAfter(42);
      List<ExpectedRecord> fresh = fill(log, 4, 2); // 43.. with other content
      LogChecks.assertRecord(fresh.get(0), log.read(43)); // not the cached old frame
      for (long i = 40; i <= 42; i++) {
        LogChecks.assertRecord(old.get((int) i - 1), reader.next());
      }
      assertThat(reader.hasNext()).isTrue();
      assertThatThrownBy(reader::next)
          .isInstanceOf(RecordsGoneException.class)
          .hasMessageContaining("record 43 is gone")
          .satisfies(
              e -> {
                RecordsGoneException g = (RecordsGoneException) e;
                assertThat(g.index()).isEqualTo(43);
                assertThat(g.firstIndex()).isEqualTo(1);
              });
      assertThat(reader.position()).isEqualTo(43);
      reader.close();
    }
  }

  @Test
  void aReaderOnSegmentsThatTruncateBeforeDeletedGetsRecordsGone() {
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      List<ExpectedRecord> records = fill(log, 20, 1);
      try (LogReader reader = log.reader(1, 101)) {
        LogChecks.assertRecord(records.get(0), reader.next());
        long to = log.segments().get(2).baseIndex();
        log.truncateBefore(to);
        assertThatThrownBy(reader::next)
            .isInstanceOf(RecordsGoneException.class)
            .hasMessageContaining("record 2 is gone")
            .hasMessageContaining("now starts at " + to);
      }
      try (LogReader reader = log.reader(log.firstIndex(), 101)) {
        log.reset(7);
        assertThatThrownBy(reader::next).isInstanceOf(RecordsGoneException.class);
      }
    }
  }

  @Test
  void aPendingTruncationIsFinishedByAWritableOpenAndRefusedReadOnly() throws Exception {
    List<ExpectedRecord> records;
    long secondBase;
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      records = fill(log, 20, 1);
      secondBase = log.segments().get(1).baseIndex();
    }
    // As a crash right after the commit point leaves it: segments above secondBase - 1 must go.
    Path meta = dir.resolve(FileNames.METADATA);
    MetadataFormat.Metadata m = MetadataFormat.decode(ByteBuffer.wrap(Files.readAllBytes(meta)));
    ByteBuffer v2 =
        MetadataFormat.encode(m, new MetadataFormat.Pending(secondBase - 1, -1, 0, new byte[0]));
    Files.write(meta, Arrays.copyOf(v2.array(), v2.limit()));
    assertThatThrownBy(() -> Log.openReadOnly(dir, CONFIG))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("interrupted")
        .hasMessageContaining("writable");
    assertThat(LogVerifier.verify(dir).findings())
        .extracting(VerifyReport.Finding::kind)
        .contains("pending-truncation");
    try (Log log = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, upTo(records, secondBase - 1));
    }
    assertThat(Files.size(meta)).as("back to version 1").isEqualTo(MetadataFormat.BYTES);
  }
}
