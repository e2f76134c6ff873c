package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.internal.segment.Segment;
import io.seglog.testing.SegmentScan;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writable log reads its sealed segments through mappings: the records are those a pread log
 * reads, across rolls and handle-pool evictions, and damage is still found and reported with its
 * file and offset.
 */
class MappedReadsTest {
  @TempDir Path dir;

  /** A file system whose handles do not map: the log reads every file by pread. */
  private static final ForwardingFileIO PREAD =
      new ForwardingFileIO(NioFileIO.INSTANCE) {
        @Override
        protected FileHandle wrap(Path file, FileHandle handle) {
          return new ForwardingHandle(handle);
        }
      };

  private static LogConfig config(int maxOpenFiles) {
    return LogConfig.builder()
        .mappedReads(true)
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(16 << 10)
        .maxOpenSegmentFiles(maxOpenFiles)
        .build();
  }

  /** Appends seeded records in batches of 1 to 5; returns their payloads, index - 1 each. */
  private static List<byte[]> fill(Log log, long seed, int records) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<byte[]> payloads = new ArrayList<>();
    while (payloads.size() < records) {
      List<Entry> batch = new ArrayList<>();
      for (int n = 1 + rnd.nextInt(5); n > 0; n--) {
        byte[] p = new byte[rnd.nextInt(400)];
        rnd.nextBytes(p);
        payloads.add(p);
        batch.add(Entry.of(p));
      }
      log.appendBatch(batch);
    }
    return payloads;
  }

  private static void assertPayload(Record r, long index, List<byte[]> payloads) {
    assertThat(r.index()).isEqualTo(index);
    byte[] got = new byte[r.payload().remaining()];
    r.payload().duplicate().get(got);
    assertThat(got).as("payload of %d", index).isEqualTo(payloads.get((int) (index - 1)));
  }

  private static long mappedSegments(SegmentedLog log) {
    long n = 0;
    for (Segment s : log.segmentArray()) {
      if (s.isMapped()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void aLogMapsNothingUnlessAskedTo() throws Exception {
    LogConfig byDefault = config(64).toBuilder().mappedReads(false).build();
    assertThat(LogConfig.defaults().mappedReads()).isFalse();
    try (SegmentedLog log = SegmentedLog.open(dir.resolve("log"), byDefault, NioFileIO.INSTANCE)) {
      List<byte[]> payloads = fill(log, 4, 3000);
      assertThat(log.segmentArray().length).isGreaterThan(10);
      for (long index = payloads.size(); index >= 1; index -= 3) {
        assertPayload(log.read(index), index, payloads);
      }
      assertThat(mappedSegments(log)).as("pread only").isZero();
    }
  }

  @Test
  void mappedReadsEqualPreadReadsAcrossRolls() throws Exception {
    Path d = dir.resolve("log");
    List<byte[]> payloads;
    try (SegmentedLog log = SegmentedLog.open(d, config(64), NioFileIO.INSTANCE)) {
      payloads = fill(log, 1, 3000);
      assertThat(log.segmentArray().length).isGreaterThan(10);
      SplittableRandom rnd = new SplittableRandom(2);
      for (int i = 0; i < 6000; i++) {
        long index = 1 + rnd.nextInt(payloads.size());
        assertPayload(log.read(index), index, payloads);
      }
      Segment[] s = log.segmentArray();
      assertThat(mappedSegments(log)).isEqualTo(s.length - 1); // every sealed one, never the active
      assertThat(log.activeSegment().isMapped()).isFalse();
      try (LogReader reader =
          log.reader(1, payloads.size() + 1)) { // sequential: frame after frame, through mappings
        for (long index = 1; index <= payloads.size(); index++) {
          assertPayload(reader.next(), index, payloads);
        }
      }
      try (SegmentedLog follower = SegmentedLog.openReadOnly(d, config(64), NioFileIO.INSTANCE)) {
        for (long index = payloads.size(); index >= 1; index -= 7) {
          assertPayload(follower.read(index), index, payloads);
        }
        assertThat(mappedSegments(follower)).as("a read-only log keeps pread").isZero();
      }
      fill(log, 3, 500); // rolls more: the new sealed segments map too
    }
    try (SegmentedLog log = SegmentedLog.open(d, config(64), PREAD)) {
      SplittableRandom rnd = new SplittableRandom(2);
      for (int i = 0; i < 6000; i++) {
        long index = 1 + rnd.nextInt(payloads.size());
        assertPayload(log.read(index), index, payloads);
      }
      assertThat(mappedSegments(log)).isZero();
    }
    try (SegmentedLog log = SegmentedLog.open(d, config(64), NioFileIO.INSTANCE)) {
      for (long index = payloads.size(); index >= 1; index--) {
        assertPayload(log.read(index), index, payloads);
      }
      assertThat(mappedSegments(log)).isGreaterThan(10);
    }
  }

  @Test
  void thePoolBoundsMappingsAndEvictionKeepsReadsRight() throws Exception {
    try (SegmentedLog log = SegmentedLog.open(dir.resolve("log"), config(2), NioFileIO.INSTANCE)) {
      List<byte[]> payloads = fill(log, 4, 3000);
      assertThat(log.segmentArray().length).isGreaterThan(10);
      SplittableRandom rnd = new SplittableRandom(5);
      for (int i = 0; i < 3000; i++) {
        long index = 1 + rnd.nextInt(payloads.size());
        assertPayload(log.read(index), index, payloads);
        assertThat(mappedSegments(log)).isLessThanOrEqualTo(2);
        assertThat(log.openSegmentFilesHeld()).isLessThanOrEqualTo(2);
      }
      assertThat(mappedSegments(log)).isPositive();
      // Two readers at once, evicting each other's segments; bounded by read counts.
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          SplittableRandom r = new SplittableRandom(50 + t);
          readers.add(
              CompletableFuture.runAsync(
                  () -> {
                    for (int i = 0; i < 20_000; i++) {
                      long index = 1 + r.nextInt(payloads.size());
                      assertPayload(log.read(index), index, payloads);
                    }
                  },
                  pool));
        }
        CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new))
            .get(120, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
      assertThat(mappedSegments(log)).isLessThanOrEqualTo(2);
      assertThat(log.openSegmentFilesHeld()).isLessThanOrEqualTo(2);
    }
  }

  @Test
  void damageInAMappedSealedSegmentIsReportedWithFileAndOffset() throws Exception {
    Path d = dir.resolve("log");
    try (SegmentedLog log = SegmentedLog.open(d, config(64), NioFileIO.INSTANCE)) {
      List<byte[]> payloads = fill(log, 6, 1500);
      Segment target = log.segmentArray()[1];
      Path file = target.path();
      List<SegmentScan.Frame> frames = SegmentScan.recordFrames(file);
      SegmentScan.Frame damaged = frames.get(frames.size() / 2);
      long victim = damaged.firstIndex();
      assertPayload(log.read(victim), victim, payloads); // maps the segment
      assertThat(target.isMapped()).isTrue();
      log.read(1); // this thread's view now holds another frame
      // A bit flips on disk under the open log; the mapping shares the page cache, so it sees it.
      long at = damaged.offset() + SegmentFormat.FRAME_HEADER_BYTES + 5;
      try (FileChannel ch =
          FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, at);
        b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
        ch.write(b, at);
      }
      String name = file.getFileName().toString();
      CorruptLogException e = assertThrows(CorruptLogException.class, () -> log.read(victim));
      assertThat(target.isMapped()).as("read through the mapping").isTrue();
      assertThat(e.file().getFileName().toString()).isEqualTo(name);
      assertThat(e.offset()).isEqualTo(damaged.offset());
      assertThat(e.getMessage()).contains(name).contains("offset " + damaged.offset());
      // The frames around it still read.
      long before = frames.get(frames.size() / 2 - 1).firstIndex();
      assertPayload(log.read(before), before, payloads);
      long after = damaged.nextIndex();
      assertPayload(log.read(after), after, payloads);
      try (LogReader reader = log.reader(damaged.firstIndex(), damaged.nextIndex() + 1)) {
        CorruptLogException r = assertThrows(CorruptLogException.class, reader::next);
        assertThat(r.offset()).isEqualTo(damaged.offset());
        assertThat(r.file().getFileName().toString()).isEqualTo(name);
      }
    }
  }
}
