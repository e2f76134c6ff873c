package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.CorruptLogException;
import io.seglog.Entry;
import io.seglog.LogConfig;
import io.seglog.RecoveryMode;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.segment.Segment;
import io.seglog.internal.segment.SegmentRetiredException;
import io.seglog.testing.OpenFilesCountingFileIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded resources: open sealed-segment files are capped by {@link
 * LogConfig#maxOpenSegmentFiles()} (reopened on demand, checked to be the same file, never reopened
 * once retired), and loaded indexes by {@link LogConfig#indexCacheBytes()} and {@link
 * LogConfig#maxCachedIndexes()}, at open as well as while reading.
 */
class BoundedResourcesTest {
  /** Segments of the big log: 20,000 in the default build, 100,000 under the long profile. */
  static final int BIG_LOG_SEGMENTS =
      Integer.getInteger("seglog.test.scale", 1) > 1 ? 100_000 : 20_000;

  @TempDir Path dir;

  private static byte[] record(long i) {
    return ("record " + i).getBytes();
  }

  private static LogConfig.Builder small() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE);
  }

  /** Writes {@code records} records, {@code perSegment} per segment, without fsyncs. */
  private static void write(Path dir, long records, long perSegment, UUID logId) {
    OpenFilesCountingFileIO io = new OpenFilesCountingFileIO(NioFileIO.INSTANCE, true);
    try (SegmentedLog log =
        SegmentedLog.open(dir, small().segmentMaxRecords(perSegment).build(), io, logId)) {
      for (long i = 1; i <= records; i++) {
        log.append(record(i));
      }
    }
  }

  @Test
  void aLogOfManySegmentsOpensAndReadsRandomlyWithinBothCaps() {
    int segments = BIG_LOG_SEGMENTS;
    write(dir, segments, 1, UUID.randomUUID()); // one record per segment: the last is active
    int fileCap = 16;
    long indexBytesCap = 4096;
    int indexCountCap = 8;
    OpenFilesCountingFileIO io = new OpenFilesCountingFileIO(NioFileIO.INSTANCE, false);
    LogConfig capped =
        small()
            .segmentMaxRecords(1)
            .maxOpenSegmentFiles(fileCap)
            .indexCacheBytes(indexBytesCap)
            .maxCachedIndexes(indexCountCap)
            .build();
    try (SegmentedLog log = SegmentedLog.open(dir, capped, io)) {
      assertThat(log.stats().segmentCount()).isGreaterThanOrEqualTo(segments);
      assertThat(log.lastIndex()).isEqualTo(segments);
      // While opening: at most the pooled files, plus the segment being validated, plus the
      // active one; index files are opened one at a time. No sealed index was loaded to open.
      assertThat(io.maxOpenSegments()).isLessThanOrEqualTo(fileCap + 2);
      assertThat(io.maxOpen()).isLessThanOrEqualTo(fileCap + 3);
      assertThat(log.indexCacheSegmentsHeld()).isZero();
      io.resetMaxima();
      SplittableRandom random = new SplittableRandom(segments);
      for (int n = 0; n < 5_000; n++) {
        long i = 1 + random.nextLong(segments);
        assertThat(log.read(i).payloadBytes()).isEqualTo(record(i));
        assertThat(log.openSegmentFilesHeld()).isLessThanOrEqualTo(fileCap);
        assertThat(log.indexCacheBytesHeld()).isLessThanOrEqualTo(indexBytesCap);
        assertThat(log.indexCacheSegmentsHeld()).isLessThanOrEqualTo(indexCountCap);
      }
      // Reading reopened files on demand, never more than the cap and the active segment.
      assertThat(io.maxOpenSegments()).isLessThanOrEqualTo(fileCap + 1);
      assertThat(io.openSegments()).isLessThanOrEqualTo(fileCap + 1);
      assertThat(log.openSegmentFilesHeld()).isEqualTo(fileCap);
      assertThat(io.usesAfterClose()).isZero();
    }
    assertThat(io.open()).isZero();
  }

  @Test
  void strictOpenScansEverySegmentWithinBothCaps() {
    write(dir, 3_000, 3, UUID.randomUUID());
    int fileCap = 4;
    long indexBytesCap = 1024;
    OpenFilesCountingFileIO io = new OpenFilesCountingFileIO(NioFileIO.INSTANCE, false);
    LogConfig strict =
        small()
            .segmentMaxRecords(3)
            .recoveryMode(RecoveryMode.STRICT)
            .maxOpenSegmentFiles(fileCap)
            .indexCacheBytes(indexBytesCap)
            .build();
    try (SegmentedLog log = SegmentedLog.open(dir, strict, io)) {
      assertThat(log.recoveryReport().segmentsScanned()).isGreaterThanOrEqualTo(1_000);
      assertThat(log.recoveryReport().indexFilesRebuilt()).isEmpty();
      assertThat(io.maxOpenSegments()).isLessThanOrEqualTo(fileCap + 2);
      assertThat(log.indexCacheBytesHeld()).isLessThanOrEqualTo(indexBytesCap);
      SplittableRandom random = new SplittableRandom(11);
      for (int n = 0; n < 2_000; n++) {
        long i = 1 + random.nextLong(3_000);
        assertThat(log.read(i).payloadBytes()).isEqualTo(record(i));
      }
      assertThat(io.maxOpenSegments()).isLessThanOrEqualTo(fileCap + 2);
    }
  }

  @Test
  void concurrentReadersNeverReadAFileClosedUnderThemByEviction() throws Exception {
    write(dir, 2_000, 10, UUID.randomUUID());
    int fileCap = 2; // every few reads evict a handle another thread may be reading
    OpenFilesCountingFileIO io = new OpenFilesCountingFileIO(NioFileIO.INSTANCE, true);
    LogConfig capped =
        small().segmentMaxRecords(10).maxOpenSegmentFiles(fileCap).maxCachedIndexes(4).build();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try (SegmentedLog log = SegmentedLog.open(dir, capped, io)) {
      List<Future<?>> tasks = new ArrayList<>();
      tasks.add(
          pool.submit(
              () -> {
                // The writer rolls every 10 records, handing sealed segments to the pool.
                for (long i = 2_001; i <= 3_000; i++) {
                  assertThat(log.append(Entry.of(record(i)))).isEqualTo(i);
                }
              }));
      for (int t = 0; t < 4; t++) {
        long seed = t;
        tasks.add(
            pool.submit(
                () -> {
                  SplittableRandom random = new SplittableRandom(seed);
                  for (int n = 0; n < 20_000; n++) {
                    long i = 1 + random.nextLong(log.lastIndex());
                    assertThat(log.read(i).payloadBytes()).isEqualTo(record(i));
                  }
                }));
      }
      for (Future<?> f : tasks) {
        f.get(120, TimeUnit.SECONDS); // rethrows any wrong record or read on a closed handle
      }
      assertThat(io.usesAfterClose()).isZero();
      assertThat(log.openSegmentFilesHeld()).isLessThanOrEqualTo(fileCap);
      assertThat(io.openSegments()).isLessThanOrEqualTo(fileCap + 1); // no read is in flight
    } finally {
      pool.shutdownNow();
    }
    assertThat(io.open()).isZero();
  }

  @Test
  void aReopenRefusesAnotherFileUnderTheSameName() throws Exception {
    UUID logId = UUID.randomUUID();
    write(dir, 100, 10, logId);
    Path other = dir.resolveSibling(dir.getFileName() + "-other");
    write(other, 100, 10, UUID.randomUUID()); // same names, same bases, another log
    LogConfig capped = small().segmentMaxRecords(10).maxOpenSegmentFiles(1).build();
    try (SegmentedLog log = SegmentedLog.open(dir, capped, NioFileIO.INSTANCE)) {
      assertThat(log.read(15).payloadBytes()).isEqualTo(record(15)); // 11.seg open
      assertThat(log.read(25).payloadBytes()).isEqualTo(record(25)); // 11.seg closed by the cap
      Path name = log.segmentFor(15).path();
      Files.copy(other.resolve(name.getFileName()), name, StandardCopyOption.REPLACE_EXISTING);
      assertThatThrownBy(() -> log.read(15))
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining(name.getFileName().toString())
          .hasMessageContaining("replaced")
          .hasMessageContaining(logId.toString());
      assertThat(log.read(25).payloadBytes()).isEqualTo(record(25)); // others are unaffected
    }
  }

  @Test
  void aRetiredSegmentNeverReopensEvenIfItsFileIsThere() throws Exception {
    write(dir, 100, 10, UUID.randomUUID());
    LogConfig capped = small().segmentMaxRecords(10).maxOpenSegmentFiles(1).build();
    try (SegmentedLog log = SegmentedLog.open(dir, capped, NioFileIO.INSTANCE)) {
      Segment open = log.segmentFor(15);
      Segment evicted = log.segmentFor(5);
      assertThat(log.read(5).payloadBytes()).isEqualTo(record(5));
      assertThat(log.read(15).payloadBytes()).isEqualTo(record(15));
      assertThat(evicted.isHandleOpen()).isFalse();
      assertThat(open.isHandleOpen()).isTrue();
      open.close();
      evicted.close();
      assertThat(open.isHandleOpen()).isFalse();
      assertThat(Files.exists(open.path())).isTrue();
      assertThatThrownBy(open::acquire).isInstanceOf(SegmentRetiredException.class);
      assertThatThrownBy(evicted::acquire).isInstanceOf(SegmentRetiredException.class);
      assertThat(log.openSegmentFilesHeld()).isZero();
      assertThat(log.read(25).payloadBytes()).isEqualTo(record(25));
    }
  }

  @Test
  void theCapsAreValidated() {
    assertThatThrownBy(() -> LogConfig.builder().maxOpenSegmentFiles(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxOpenSegmentFiles 0");
    assertThatThrownBy(() -> LogConfig.builder().maxCachedIndexes(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxCachedIndexes 0");
    LogConfig d = LogConfig.defaults();
    assertThat(d.maxOpenSegmentFiles()).isEqualTo(256);
    assertThat(d.maxCachedIndexes()).isEqualTo(1024);
    assertThat(d.toBuilder().build().maxOpenSegmentFiles()).isEqualTo(256);
  }
}
