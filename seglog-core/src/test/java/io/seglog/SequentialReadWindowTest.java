package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.seglog.internal.format.Checksums;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.SegmentScan;
import io.seglog.testing.SegmentScan.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequential readers take each next frame out of their read-ahead window without I/O when the
 * window holds it whole ({@code FrameView.loadNextInWindow}), verified as a load from the file
 * verifies it. These tests walk frames of every size across window and segment boundaries, and
 * damage one frame in the middle of a window in each way the load refuses: the reader returns every
 * record before it exactly, then refuses that frame with its file and offset (pread, mapped and
 * read-only opens; a read-only open takes a handle reference per frame).
 */
class SequentialReadWindowTest {
  // Frame header fields (the layout in SegmentFormat's Javadoc), for damage that keeps the
  // checksum.
  private static final int CRC_AT = 0;
  private static final int BODY_LENGTH_AT = 4;
  private static final int TYPE_AT = 8;
  private static final int RECORD_COUNT_AT = 12;
  private static final int FIRST_INDEX_AT = 16;
  private static final int SYNCED_INDEX_AT = 24;
  private static final int RECORD_LENGTH_AT = SegmentFormat.FRAME_HEADER_BYTES + 8;

  @TempDir Path base;

  @TestFactory
  Stream<DynamicTest> readersMatchEveryRecordAcrossFramesWindowsAndSegments() {
    List<DynamicTest> tests = new ArrayList<>();
    for (long seed : new long[] {1, 2, 3}) {
      for (boolean mapped : new boolean[] {false, true}) {
        tests.add(
            DynamicTest.dynamicTest(
                "seed " + seed + (mapped ? ", mapped reads" : ", pread"),
                () -> walkFrames(seed, mapped)));
      }
    }
    return tests.stream();
  }

  private void walkFrames(long seed, boolean mapped) throws IOException {
    Path dir = base.resolve("walk-" + seed + "-" + mapped);
    Random random = new Random(seed);
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .segmentBytes(1 << 20)
            .mappedReads(mapped)
            .build();
    List<byte[]> payloads = new ArrayList<>();
    try (Log log = Log.open(dir, config)) {
      long first = log.firstIndex();
      while (payloads.size() < 6_000) {
        int kind = random.nextInt(200);
        if (kind < 1) {
          // larger than a read-ahead window: the window ends inside it
          payloads.add(append(log, random, 200_000 + random.nextInt(400_000)));
        } else if (kind < 20) {
          List<Entry> batch = new ArrayList<>();
          int n = 2 + random.nextInt(30);
          for (int i = 0; i < n; i++) {
            byte[] p = payload(random, random.nextInt(300));
            payloads.add(p);
            batch.add(Entry.of(p));
          }
          log.appendBatch(batch);
        } else {
          payloads.add(append(log, random, random.nextInt(250)));
        }
      }
      assertThat(log.segments()).hasSizeGreaterThan(2);
      checkReaders(log, first, payloads, random);
    }
    try (Log log = Log.open(dir, config)) { // sealed segments through their index files
      checkReaders(log, log.firstIndex(), payloads, random);
    }
  }

  private static byte[] append(Log log, Random random, int size) {
    byte[] p = payload(random, size);
    log.append(p);
    return p;
  }

  private static byte[] payload(Random random, int size) {
    byte[] p = new byte[size];
    random.nextBytes(p);
    return p;
  }

  private static void checkReaders(Log log, long first, List<byte[]> payloads, Random random) {
    long end = first + payloads.size();
    checkViews(log, first, end, first, payloads);
    try (LogReader reader = log.reader(first, end)) {
      for (int i = 0; i < payloads.size(); i++) {
        Record r = reader.next();
        assertThat(r.index()).isEqualTo(first + i);
        assertThat(r.payloadBytes()).as("index %d", first + i).isEqualTo(payloads.get(i));
      }
      assertThat(reader.hasNext()).isFalse();
    }
    for (int i = 0; i < 10; i++) {
      long from = first + random.nextInt(payloads.size());
      long to = from + 1 + random.nextInt((int) (end - from));
      checkViews(log, from, to, first, payloads);
    }
  }

  private static void checkViews(Log log, long from, long to, long first, List<byte[]> payloads) {
    try (LogReader reader = log.reader(from, to)) {
      for (long i = from; i < to; i++) {
        RecordView v = reader.nextView();
        assertThat(v.index()).isEqualTo(i);
        ByteBuffer p = v.payload();
        byte[] got = new byte[p.remaining()];
        p.get(got);
        assertThat(got).as("index %d", i).isEqualTo(payloads.get((int) (i - first)));
      }
      assertThat(reader.hasNext()).isFalse();
    }
  }

  /** One way to damage the frame at {@code at} of a segment file's bytes. */
  private record Damage(String name, boolean resealed, Consumer<ByteBuffer> apply) {}

  private static List<Damage> damages(int at, long firstIndex) {
    return List.of(
        new Damage(
            "a payload bit flipped", false, b -> b.put(at + 60, (byte) (b.get(at + 60) ^ 4))),
        new Damage("a stored checksum bit flipped", false, b -> b.putInt(at + CRC_AT, ~0)),
        new Damage(
            "another first index", true, b -> b.putLong(at + FIRST_INDEX_AT, firstIndex + 1)),
        new Damage(
            "a synced index past the first",
            true,
            b -> b.putLong(at + SYNCED_INDEX_AT, firstIndex)),
        new Damage("a record count of 2", true, b -> b.putInt(at + RECORD_COUNT_AT, 2)),
        new Damage("a record count of 0", true, b -> b.putInt(at + RECORD_COUNT_AT, 0)),
        new Damage("a checkpoint type", true, b -> b.put(at + TYPE_AT, (byte) 3)),
        new Damage("a trailer type", true, b -> b.put(at + TYPE_AT, (byte) 2)),
        new Damage(
            "frame flags in a version 1 segment",
            true,
            b -> b.put(at + SegmentFormat.FRAME_FLAGS_OFFSET, (byte) 1)),
        new Damage(
            "a record longer than its frame", true, b -> b.putInt(at + RECORD_LENGTH_AT, 101)),
        new Damage(
            "a record shorter than its frame", true, b -> b.putInt(at + RECORD_LENGTH_AT, 99)),
        new Damage("a negative record length", true, b -> b.putInt(at + RECORD_LENGTH_AT, -1)),
        new Damage(
            "a body one byte shorter",
            true,
            b -> b.putInt(at + BODY_LENGTH_AT, b.getInt(at + BODY_LENGTH_AT) - 1)),
        new Damage("a body past the maximum", true, b -> b.putInt(at + BODY_LENGTH_AT, 1 << 30)));
  }

  @TestFactory
  Stream<DynamicTest> aDamagedFrameInTheMiddleOfAWindowIsRefusedWithItsFileAndOffset()
      throws IOException {
    // One 100-byte record per frame, as the peer benchmark writes them: 148 bytes a frame, so the
    // damaged frame (the 700th) lies about 100 KiB into the first read-ahead window.
    Path original = base.resolve("original");
    LogConfig config =
        LogConfig.builder().syncPolicy(SyncPolicy.NONE).recoveryMode(RecoveryMode.TAIL).build();
    Random random = new Random(42);
    List<byte[]> payloads = new ArrayList<>();
    try (SegmentedLog log = SegmentedLog.open(original, config, NioFileIO.INSTANCE)) {
      for (int i = 0; i < 1500; i++) {
        payloads.add(append(log, random, 100));
      }
      log.roll(); // the damage goes into a sealed segment, which a TAIL open does not scan
      payloads.add(append(log, random, 100));
    }
    Path sealed = SegmentScan.segments(original).get(0);
    List<Frame> frames = SegmentScan.recordFrames(sealed);
    Frame damaged = frames.get(700);
    List<DynamicTest> tests = new ArrayList<>();
    for (Damage d : damages((int) damaged.offset(), damaged.firstIndex())) {
      for (String open : new String[] {"pread", "mapped", "read-only"}) {
        tests.add(
            DynamicTest.dynamicTest(
                d.name() + (d.resealed() ? ", checksum recomputed" : "") + ", " + open,
                () -> {
                  Path dir = base.resolve("case-" + tests.size() + "-" + d.name() + open);
                  copy(original, dir);
                  Path file = dir.resolve(sealed.getFileName());
                  ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
                  d.apply().accept(b);
                  if (d.resealed()) {
                    int at = (int) damaged.offset();
                    int length = SegmentFormat.FRAME_HEADER_BYTES + b.getInt(at + BODY_LENGTH_AT);
                    int end = Math.min(b.capacity(), at + Math.max(0, length));
                    b.putInt(at + CRC_AT, Checksums.crc32c(b, at + BODY_LENGTH_AT, end));
                  }
                  Files.write(file, b.array());
                  LogConfig c = config.toBuilder().mappedReads(open.equals("mapped")).build();
                  try (Log log =
                      open.equals("read-only") ? Log.openReadOnly(dir, c) : Log.open(dir, c)) {
                    assertRefusedAfterEveryRecordBefore(log, payloads, damaged, file);
                  }
                }));
      }
    }
    return tests.stream();
  }

  private static void assertRefusedAfterEveryRecordBefore(
      Log log, List<byte[]> payloads, Frame damaged, Path file) {
    long first = log.firstIndex();
    try (LogReader reader = log.reader(first, first + payloads.size())) {
      for (long i = first; i < damaged.firstIndex(); i++) {
        ByteBuffer p = reader.nextView().payload();
        byte[] got = new byte[p.remaining()];
        p.get(got);
        assertThat(got).as("index %d", i).isEqualTo(payloads.get((int) (i - first)));
      }
      CorruptLogException e = assertThrows(CorruptLogException.class, reader::nextView);
      assertThat(e.file().getFileName()).as(e.getMessage()).isEqualTo(file.getFileName());
      assertThat(e.offset()).as(e.getMessage()).isEqualTo(damaged.offset());
    }
    // A reader that starts a few records before it, in the same window, and one with next().
    try (LogReader reader = log.reader(damaged.firstIndex() - 3, first + payloads.size())) {
      for (int i = 0; i < 3; i++) {
        reader.next();
      }
      CorruptLogException e = assertThrows(CorruptLogException.class, reader::next);
      assertThat(e.offset()).as(e.getMessage()).isEqualTo(damaged.offset());
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }
}
