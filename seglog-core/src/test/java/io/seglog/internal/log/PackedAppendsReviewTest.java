package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.SyncPolicy;
import io.seglog.Tailer;
import io.seglog.Visibility;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.segment.Segment;
import io.seglog.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Review of packed single appends (branch pack): what the class notes promise, checked. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PackedAppendsReviewTest {
  @TempDir Path dir;

  private static LogConfig.Builder packing() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).writeBufferBytes(64 * 1024);
  }

  private static long frames(SegmentedLog log) {
    long n = 0;
    for (Segment s : log.segmentArray()) {
      n += s.frameCount();
    }
    return n;
  }

  /**
   * LogConfig.rollAge: "A segment older than this is sealed at the next append". A single append
   * that joins the open frame skips activeForAppend's age check, so it lands in the aged segment
   * (up to 15 appends do, for as long as they come).
   */
  @Test
  void aSegmentOlderThanRollAgeIsSealedAtTheNextPackedAppend() {
    TestClock clock = new TestClock(1_000_000);
    LogConfig config = packing().rollAge(Duration.ofSeconds(10)).clock(clock).build();
    try (SegmentedLog log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.append(new byte[] {1})).isEqualTo(1); // opens a frame
      clock.advance(10_001);
      assertThat(log.append(new byte[] {2})).isEqualTo(2);
      log.sync();
      assertThat(log.segments()).hasSize(2);
      assertThat(log.segments().get(1).baseIndex()).as("a new segment at index 2").isEqualTo(2);
      assertThat(log.read(2).payloadBytes()).containsExactly(2);
    }
  }

  /**
   * The class note: the open frame is sealed "when a reader needs one of its records". A read of a
   * record published long ago needs none of them, yet read() goes through visibleLastIndex(), which
   * seals the open frame under the append lock: a reader beside a writer shrinks every packed frame
   * to the records appended between two reads (here one) and puts the append lock on every read.
   * The same for a LogReader (SegmentedLogReader.load calls lastIndex() per record) and a tailer
   * reading records already published (SegmentedTailer.check calls lastIndex()).
   */
  @Test
  void aReadOfAPublishedRecordLeavesTheOpenFrameOpen() {
    int n = SegmentedLog.PACK_MAX_RECORDS;
    try (SegmentedLog log = SegmentedLog.open(dir, packing().build(), io())) {
      fill(log, n); // records 1..16: one full frame, sealed
      for (int i = 1; i <= n; i++) {
        log.append(new byte[] {(byte) i}); // 17..32: one open frame, unless a read seals it
        assertThat(log.read(i).index()).isEqualTo(i);
      }
      log.sync();
      assertThat(frames(log)).as("frames after reads of published records").isEqualTo(2);
    }
  }

  /** As {@link #aReadOfAPublishedRecordLeavesTheOpenFrameOpen}, for a LogReader. */
  @Test
  void aReaderOfPublishedRecordsLeavesTheOpenFrameOpen() {
    int n = SegmentedLog.PACK_MAX_RECORDS;
    try (SegmentedLog log = SegmentedLog.open(dir, packing().build(), io())) {
      fill(log, n);
      try (LogReader r = log.reader(1, n + 1)) {
        for (int i = 1; i <= n; i++) {
          log.append(new byte[] {(byte) i});
          assertThat(r.next().index()).isEqualTo(i);
        }
      }
      log.sync();
      assertThat(frames(log)).as("frames after a reader of published records").isEqualTo(2);
    }
  }

  /**
   * As {@link #aReadOfAPublishedRecordLeavesTheOpenFrameOpen}, for a tailer behind the writer
   * (catching up): every record it polls is published, so it needs no seal.
   */
  @Test
  void aTailerBehindTheWriterLeavesTheOpenFrameOpen() throws InterruptedException {
    int n = SegmentedLog.PACK_MAX_RECORDS;
    try (SegmentedLog log = SegmentedLog.open(dir, packing().build(), io());
        Tailer t = log.tailer(1, Visibility.WRITTEN)) {
      fill(log, n);
      for (int i = 1; i <= n; i++) {
        log.append(new byte[] {(byte) i});
        Record r = t.poll(Duration.ofSeconds(10)); // record i is published: no wait
        assertThat(r).isNotNull();
        assertThat(r.index()).isEqualTo(i);
      }
      log.sync();
      assertThat(frames(log)).as("frames after a tailer of published records").isEqualTo(2);
    }
  }

  private static NioFileIO io() {
    return NioFileIO.INSTANCE;
  }

  private static void fill(SegmentedLog log, int n) {
    for (int i = 1; i <= n; i++) {
      log.append(new byte[] {(byte) i});
    }
    assertThat(log.hasPendingRecords()).as("a full frame is sealed").isFalse();
    assertThat(log.publishedLastIndex()).isEqualTo(n);
  }
}
