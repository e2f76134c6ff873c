package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.RecoveryMode;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.NioFileIO;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory of sealed segments' indexes is bounded by LogConfig.indexCacheBytes. */
class IndexCacheTest {
  @TempDir Path dir;

  private static byte[] record(long i) {
    return ("record " + i).getBytes();
  }

  private static LogConfig config(long cacheBytes, RecoveryMode mode) {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(4096) // about 120 records per segment
        .indexCacheBytes(cacheBytes)
        .recoveryMode(mode)
        .build();
  }

  private void write(long records) {
    try (SegmentedLog log =
        SegmentedLog.open(dir, config(1 << 20, RecoveryMode.TAIL), NioFileIO.INSTANCE)) {
      for (long i = 1; i <= records; i++) {
        log.append(record(i));
      }
    }
  }

  @Test
  void randomReadsAcrossManySegmentsStayWithinTheCacheAndReadCorrectly() {
    write(8_000);
    long cap = 8 << 10; // room for ~8 small segment indexes
    long largestIndex = 64 + 8 * 200; // an index is never larger than this here
    try (SegmentedLog log =
        SegmentedLog.open(dir, config(cap, RecoveryMode.TAIL), NioFileIO.INSTANCE)) {
      assertThat(log.stats().segmentCount()).isGreaterThan(50);
      SplittableRandom random = new SplittableRandom(7);
      for (int n = 0; n < 20_000; n++) {
        long i = 1 + random.nextLong(8_000);
        assertThat(log.read(i).payloadBytes()).isEqualTo(record(i));
        assertThat(log.indexCacheBytesHeld()).isLessThanOrEqualTo(cap + largestIndex);
      }
    }
  }

  @Test
  void aFullScanOpenDoesNotKeepEveryIndex() {
    write(8_000);
    long cap = 8 << 10;
    for (RecoveryMode mode : List.of(RecoveryMode.STRICT, RecoveryMode.POINT_IN_TIME)) {
      try (SegmentedLog log = SegmentedLog.open(dir, config(cap, mode), NioFileIO.INSTANCE)) {
        assertThat(log.indexCacheBytesHeld()).as(mode.name()).isLessThanOrEqualTo(cap + 2000);
        try (LogReader reader = log.reader(1, 8_001)) {
          for (long i = 1; i <= 8_000; i++) {
            assertThat(reader.next().payloadBytes()).isEqualTo(record(i));
          }
        }
      }
    }
  }

  @Test
  void aLongRunningWriterDoesNotKeepTheIndexOfEverySegmentItSealed() {
    long cap = 8 << 10;
    try (SegmentedLog log =
        SegmentedLog.open(dir, config(cap, RecoveryMode.TAIL), NioFileIO.INSTANCE)) {
      for (long i = 1; i <= 8_000; i++) {
        log.append(record(i));
      }
      assertThat(log.stats().segmentCount()).isGreaterThan(50);
      assertThat(log.indexCacheBytesHeld()).isLessThanOrEqualTo(cap + 2000);
      assertThat(log.read(1).payloadBytes()).isEqualTo(record(1)); // reloads an evicted index
    }
  }

  @Test
  void concurrentReadersRacingEvictionsReadCorrectly() throws Exception {
    write(8_000);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (SegmentedLog log =
        SegmentedLog.open(dir, config(0, RecoveryMode.TAIL), NioFileIO.INSTANCE)) {
      List<Future<Long>> readers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long seed = t;
        readers.add(
            pool.submit(
                () -> {
                  SplittableRandom random = new SplittableRandom(seed);
                  for (int n = 0; n < 5_000; n++) {
                    long i = 1 + random.nextLong(8_000);
                    assertThat(log.read(i).payloadBytes()).isEqualTo(record(i));
                  }
                  return 5_000L;
                }));
      }
      for (Future<Long> r : readers) {
        assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(5_000L);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
