package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a writable log's sequential readers and tailers promise while their read-ahead window holds
 * the next frames ({@code FrameView.loadNextInWindow} takes them without a handle reference): a
 * prefix removal, retention, a cut (truncateAfter, reset, clear), a cut rewritten in place by
 * appends of the same sizes (so the stale window's frames still check out at the same offsets),
 * close, durable visibility, a reader's end and handle-pool eviction. Every case first reads a few
 * small frames so that the window holds many more of them; pread and mapped reads, with and without
 * a write buffer.
 */
class SequentialWindowSemanticsTest {
  private static final int PAYLOAD = 100; // one frame of 148 bytes per record

  @TempDir Path dir;

  static Stream<Arguments> modes() {
    return Stream.of(
        Arguments.of(false, 0),
        Arguments.of(true, 0),
        Arguments.of(false, 64 << 10),
        Arguments.of(true, 64 << 10));
  }

  private static LogConfig.Builder config(boolean mapped, int writeBuffer) {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .mappedReads(mapped)
        .writeBufferBytes(writeBuffer)
        .maxOpenSegmentFiles(1)
        .initialIndex(0);
  }

  private static byte[] payload(String generation, long index) {
    byte[] p = new byte[PAYLOAD];
    byte[] tag = (generation + index).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(tag, 0, p, 0, tag.length);
    return p;
  }

  private static String tag(Record r) {
    ByteBuffer b = r.payload();
    byte[] p = new byte[b.remaining()];
    b.get(p);
    return new String(p, StandardCharsets.US_ASCII).trim();
  }

  private static void append(Log log, String generation, long from, long toInclusive) {
    for (long i = from; i <= toInclusive; i++) {
      assertThat(log.append(payload(generation, i))).isEqualTo(i);
    }
  }

  private static Record poll(Tailer t) throws InterruptedException {
    return t.poll(Duration.ZERO);
  }

  @ParameterizedTest
  @MethodSource("modes")
  void aPrefixRemovalUnderTheWindowIsGoneForReadersAndTailers(boolean mapped, int writeBuffer)
      throws Exception {
    try (Log log = Log.open(dir, config(mapped, writeBuffer).segmentMaxRecords(400).build())) {
      append(log, "a", 0, 1999);
      log.sync(); // sealed segments are pooled (and mapped) from here
      try (LogReader r = log.reader(0, 2000);
          Tailer t = log.tailer(0)) {
        for (long i = 0; i < 10; i++) {
          assertThat(tag(r.next())).isEqualTo("a" + i);
          assertThat(tag(poll(t))).isEqualTo("a" + i);
        }
        log.truncateBefore(800); // segments 0 and 1 deleted; the windows hold segment 0's frames
        assertThatThrownBy(r::next)
            .isInstanceOf(RecordsGoneException.class)
            .satisfies(e -> assertThat(((RecordsGoneException) e).index()).isEqualTo(10));
        assertThatThrownBy(() -> poll(t))
            .isInstanceOf(RecordsGoneException.class)
            .satisfies(e -> assertThat(((RecordsGoneException) e).index()).isEqualTo(10));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void retentionUnderTheWindowIsGone(boolean mapped, int writeBuffer) throws Exception {
    LogConfig c = config(mapped, writeBuffer).segmentMaxRecords(400).retentionRecords(1000).build();
    try (Log log = Log.open(dir, c)) {
      append(log, "a", 0, 799);
      try (LogReader r = log.reader(0, 2000);
          Tailer t = log.tailer(0)) {
        for (long i = 0; i < 10; i++) {
          assertThat(tag(r.next())).isEqualTo("a" + i);
          assertThat(tag(poll(t))).isEqualTo("a" + i);
        }
        append(log, "a", 800, 1999); // the rolls apply retention
        assertThat(log.firstIndex()).isGreaterThan(10);
        assertThatThrownBy(r::next).isInstanceOf(RecordsGoneException.class);
        assertThatThrownBy(() -> poll(t)).isInstanceOf(RecordsGoneException.class);
      }
    }
  }

  /**
   * truncateAfter, then appends of records of the same sizes: the new frames sit at the very
   * offsets of the cut ones, with the same first indexes and lengths, so the windows filled before
   * the cut still hold frames that pass every check. Kept records read as before; a reader's cut
   * records are gone; a tailer that had not reached the cut reads the new records.
   */
  @ParameterizedTest
  @MethodSource("modes")
  void aCutRewrittenInPlaceAtTheSameOffsetsNeverServesTheStaleWindow(
      boolean mapped, int writeBuffer) throws Exception {
    try (Log log = Log.open(dir, config(mapped, writeBuffer).build())) {
      append(log, "a", 0, 199);
      try (LogReader r = log.reader(0, 200);
          Tailer behind = log.tailer(0);
          Tailer ahead = log.tailer(0)) {
        for (long i = 0; i < 10; i++) {
          assertThat(tag(r.next())).isEqualTo("a" + i);
          assertThat(tag(poll(behind))).isEqualTo("a" + i);
        }
        for (long i = 0; i < 60; i++) {
          assertThat(tag(poll(ahead))).isEqualTo("a" + i);
        }
        log.truncateAfter(49);
        append(log, "b", 50, 199);
        for (long i = 10; i < 50; i++) {
          assertThat(tag(r.next())).isEqualTo("a" + i);
          assertThat(tag(poll(behind))).isEqualTo("a" + i);
        }
        assertThatThrownBy(r::next).isInstanceOf(RecordsGoneException.class);
        for (long i = 50; i < 200; i++) {
          assertThat(tag(poll(behind))).isEqualTo("b" + i);
        }
        assertThat(poll(behind)).isNull();
        assertThatThrownBy(() -> poll(ahead)).isInstanceOf(RecordsGoneException.class);
      }
    }
  }

  /** The same across a sealed segment cut in place (mapped: its mapping revoked). */
  @ParameterizedTest
  @MethodSource("modes")
  void aCutIntoASealedSegmentUnderTheWindowIsSeen(boolean mapped, int writeBuffer)
      throws Exception {
    try (Log log = Log.open(dir, config(mapped, writeBuffer).segmentMaxRecords(400).build())) {
      append(log, "a", 0, 999);
      log.sync();
      try (LogReader r = log.reader(0, 1000);
          Tailer t = log.tailer(0)) {
        for (long i = 0; i < 10; i++) {
          assertThat(tag(r.next())).isEqualTo("a" + i);
          assertThat(tag(poll(t))).isEqualTo("a" + i);
        }
        log.truncateAfter(99);
        append(log, "b", 100, 999);
        for (long i = 10; i < 100; i++) {
          assertThat(tag(r.next())).isEqualTo("a" + i);
          assertThat(tag(poll(t))).isEqualTo("a" + i);
        }
        assertThatThrownBy(r::next).isInstanceOf(RecordsGoneException.class);
        for (long i = 100; i < 1000; i++) {
          assertThat(tag(poll(t))).isEqualTo("b" + i);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void resetAndClearUnderTheWindowAreGone(boolean mapped, int writeBuffer) throws Exception {
    for (boolean reset : new boolean[] {false, true}) {
      Path d = dir.resolve(reset ? "reset" : "clear");
      try (Log log = Log.open(d, config(mapped, writeBuffer).build())) {
        append(log, "a", 0, 199);
        try (LogReader r = log.reader(0, 200);
            Tailer t = log.tailer(0)) {
          for (long i = 0; i < 10; i++) {
            assertThat(tag(r.next())).isEqualTo("a" + i);
            assertThat(tag(poll(t))).isEqualTo("a" + i);
          }
          if (reset) {
            log.reset(0); // the new segment has the old one's name, and records 0.. again
          } else {
            log.clear();
          }
          append(log, "b", log.lastIndex() + 1, log.lastIndex() + 200);
          assertThatThrownBy(r::next).isInstanceOf(RecordsGoneException.class);
          assertThatThrownBy(() -> poll(t)).isInstanceOf(RecordsGoneException.class);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void closeUnderTheWindowIsLogClosed(boolean mapped, int writeBuffer) throws Exception {
    Log log = Log.open(dir, config(mapped, writeBuffer).segmentMaxRecords(400).build());
    append(log, "a", 0, 999);
    LogReader r = log.reader(0, 1000);
    Tailer t = log.tailer(0);
    for (long i = 0; i < 10; i++) {
      assertThat(tag(r.next())).isEqualTo("a" + i);
      assertThat(tag(poll(t))).isEqualTo("a" + i);
    }
    log.close();
    assertThatThrownBy(r::next).isInstanceOf(LogClosedException.class);
    assertThatThrownBy(() -> poll(t)).isInstanceOf(LogClosedException.class);
  }

  @ParameterizedTest
  @MethodSource("modes")
  void aDurableTailerAndABoundedReaderStopWhereTheyMustThoughTheWindowHoldsMore(
      boolean mapped, int writeBuffer) throws Exception {
    try (Log log = Log.open(dir, config(mapped, writeBuffer).build())) {
      append(log, "a", 0, 99);
      log.sync();
      append(log, "a", 100, 199); // written, not durable
      try (Tailer t = log.tailer(0, Visibility.DURABLE);
          LogReader r = log.reader(0, 50);
          LogReader durable = log.reader(0, 1000, Visibility.DURABLE)) {
        for (long i = 0; i < 100; i++) {
          assertThat(tag(poll(t))).isEqualTo("a" + i);
        }
        assertThat(poll(t)).isNull();
        for (long i = 0; i < 50; i++) {
          assertThat(tag(r.next())).isEqualTo("a" + i);
        }
        assertThat(r.hasNext()).isFalse();
        assertThatThrownBy(r::next).isInstanceOf(NoSuchElementException.class);
        long n = 0;
        while (durable.hasNext()) {
          assertThat(tag(durable.next())).isEqualTo("a" + n++);
        }
        assertThat(n).isEqualTo(100);
        log.sync();
        assertThat(tag(poll(t))).isEqualTo("a100");
      }
    }
  }

  /** Two readers in different segments with one open file allowed: each read evicts the other's. */
  @ParameterizedTest
  @MethodSource("modes")
  void readersWhoseSegmentsAreEvictedReadEveryRecord(boolean mapped, int writeBuffer) {
    try (Log log = Log.open(dir, config(mapped, writeBuffer).segmentMaxRecords(300).build())) {
      append(log, "a", 0, 2999);
      log.sync();
      try (LogReader a = log.reader(0, 3000);
          LogReader b = log.reader(1500, 3000)) {
        for (long i = 0; i < 1500; i++) {
          assertThat(tag(a.next())).isEqualTo("a" + i);
          assertThat(tag(b.next())).isEqualTo("a" + (1500 + i));
          if (i == 700) {
            log.truncateBefore(600);
          }
        }
        assertThat(tag(a.next())).isEqualTo("a1500");
      }
    }
  }

  /**
   * A plain (version 1) log reopened encrypted, then as a state machine's log whose new segments
   * hold checkpoint frames between records frames: readers and tailers walk from the window-read
   * version 1 frames into coded frames and across checkpoint frames, record for record.
   */
  @ParameterizedTest
  @MethodSource("modes")
  void readersWalkFromPlainSegmentsIntoCodedAndCheckpointedOnes(boolean mapped, int writeBuffer)
      throws Exception {
    LogConfig plain = config(mapped, writeBuffer).segmentMaxRecords(300).build();
    try (Log log = Log.open(dir, plain)) {
      append(log, "a", 0, 599);
    }
    // Compressed, not encrypted: a state machine log cannot be encrypted (its checkpoints are not
    // coded). Every frame is coded all the same (no minimum size).
    LogConfig coded = plain.toBuilder().compression(Compression.LZ4).compressionMinBytes(0).build();
    try (Log log = Log.open(dir, coded)) {
      append(log, "a", 600, 1199);
    }
    StateMachine ignore =
        new StateMachine() {
          @Override
          public void apply(Record record) {}

          @Override
          public void checkpoint(java.io.OutputStream out) throws java.io.IOException {
            out.write(new byte[300]);
          }

          @Override
          public void restore(java.io.InputStream in) {}
        };
    try (StateMachineLog log = Log.open(dir, coded, ignore)) {
      for (long i = 1200; i < 1800; i++) {
        log.append(payload("a", i));
        if (i % 97 == 0) {
          log.checkpoint();
        }
      }
      try (LogReader r = log.reader(0, 1800);
          Tailer t = log.tailer(0)) {
        for (long i = 0; i < 1800; i++) {
          assertThat(tag(r.next())).isEqualTo("a" + i);
          assertThat(tag(poll(t))).isEqualTo("a" + i);
        }
        assertThat(r.hasNext()).isFalse();
        assertThat(poll(t)).isNull();
      }
    }
  }
}
