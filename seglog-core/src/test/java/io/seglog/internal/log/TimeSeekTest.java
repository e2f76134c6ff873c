package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogClosedException;
import io.seglog.LogConfig;
import io.seglog.RecoveryMode;
import io.seglog.SyncPolicy;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Log#indexAtOrAfter}: the first record in index order whose timestamp is at or after t, or
 * lastIndex + 1; checked against a brute-force model over monotonic, equal and non-monotonic
 * timestamps, across sealed segments (with and without their time index files), the active segment,
 * reopens and all recovery modes; and shown to read a bounded number of bytes.
 */
class TimeSeekTest {
  @TempDir Path dir;

  /** Reference model: the timestamps of records firstIndex.. in order. */
  private final List<Long> model = new ArrayList<>();

  private static LogConfig config(RecoveryMode mode) {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(64 << 10)
        .recoveryMode(mode)
        .build();
  }

  private long expected(long t) {
    for (int i = 0; i < model.size(); i++) {
      if (model.get(i) >= t) {
        return i + 1;
      }
    }
    return model.size() + 1;
  }

  private void append(Log log, long timestamp, SplittableRandom random) {
    byte[] payload = new byte[random.nextInt(200)];
    log.append(Entry.of(payload, 0, timestamp));
    model.add(timestamp);
  }

  private void checkSeeks(Log log, SplittableRandom random, long maxTs) {
    for (long t : new long[] {0, 1, maxTs, maxTs + 1, Long.MAX_VALUE}) {
      assertThat(log.indexAtOrAfter(t)).as("t=%d", t).isEqualTo(expected(t));
    }
    for (long ts : model.subList(0, Math.min(model.size(), 50))) {
      assertThat(log.indexAtOrAfter(ts)).as("t=%d", ts).isEqualTo(expected(ts));
    }
    for (int n = 0; n < 300; n++) {
      long t = random.nextLong(maxTs + 2);
      assertThat(log.indexAtOrAfter(t)).as("t=%d", t).isEqualTo(expected(t));
    }
  }

  /** Timestamps: 0 monotonic, 1 runs of equal ones, 2 non-monotonic (random jitter and jumps). */
  private long nextTimestamp(int kind, long i, SplittableRandom random) {
    switch (kind) {
      case 0:
        return 1_000 + i * 3;
      case 1:
        return 1_000 + (i / 500) * 10;
      default:
        long base = 1_000 + i * 2;
        int r = random.nextInt(100);
        if (r < 3) {
          return random.nextLong(20_000); // far back or far ahead
        }
        return Math.max(0, base + random.nextInt(400) - 200);
    }
  }

  @ParameterizedTest(name = "timestamp kind {0}")
  @ValueSource(ints = {0, 1, 2})
  void seeksMatchTheModelAcrossSegmentsReopensAndModes(int kind) throws IOException {
    SplittableRandom random = new SplittableRandom(40 + kind);
    long maxTs = 0;
    try (Log log = SegmentedLog.open(dir, config(RecoveryMode.TAIL), NioFileIO.INSTANCE)) {
      assertThat(log.indexAtOrAfter(0)).isEqualTo(1); // empty: lastIndex + 1
      for (long i = 0; i < 4_000; i++) {
        long ts = nextTimestamp(kind, i, random);
        maxTs = Math.max(maxTs, ts);
        append(log, ts, random);
        if (i % 997 == 0) {
          checkSeeks(log, random, maxTs); // the active segment, with its samples in memory
        }
      }
      assertThat(log.stats().segmentCount()).isGreaterThan(5);
      checkSeeks(log, random, maxTs); // sealed segments, samples still in memory
    }
    assertThat(timeIndexFiles()).isEmpty(); // written only by a seek that needs one
    for (RecoveryMode mode : RecoveryMode.values()) {
      // Reopened: sealed segments from their time index files, the active one without samples.
      try (Log log = SegmentedLog.open(dir, config(mode), NioFileIO.INSTANCE)) {
        checkSeeks(log, random, maxTs);
      }
      assertThat(timeIndexFiles()).hasSizeGreaterThan(1); // TAIL loaded indexes without times
    }
    // Damaged, stale or missing time index files are derived data: rebuilt, same answers.
    // (A seek for t = 0 always needs the first segment's, a missing one is built like any.)
    List<Path> tix = timeIndexFiles();
    Files.copy(tix.get(0), tix.get(1), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.write(tix.get(0), new byte[] {1, 2, 3});
    try (Log log = Log.openReadOnly(dir, config(RecoveryMode.TAIL))) {
      checkSeeks(log, random, maxTs); // read-only: rebuilt in memory, nothing written
    }
    assertThat(Files.size(tix.get(0))).isEqualTo(3);
    try (Log log = SegmentedLog.open(dir, config(RecoveryMode.TAIL), NioFileIO.INSTANCE)) {
      checkSeeks(log, random, maxTs);
      for (long i = 4_000; i < 4_500; i++) { // appends after a reopen, to the active segment
        long ts = nextTimestamp(kind, i, random);
        maxTs = Math.max(maxTs, ts);
        append(log, ts, random);
      }
      checkSeeks(log, random, maxTs);
    }
    assertThat(Files.size(tix.get(0))).isGreaterThan(3);
  }

  @Test
  void aSeekReadsAFewFramesNotTheLog() {
    AtomicLong segmentBytesRead = new AtomicLong();
    ForwardingFileIO counting =
        new ForwardingFileIO(NioFileIO.INSTANCE) {
          @Override
          protected FileHandle wrap(Path file, FileHandle handle) {
            if (!file.getFileName().toString().endsWith(FileNames.SEGMENT_SUFFIX)) {
              return handle;
            }
            return new ForwardingHandle(handle) {
              @Override
              public int read(ByteBuffer dst, long position) throws IOException {
                int n = super.read(dst, position);
                segmentBytesRead.addAndGet(Math.max(n, 0));
                return n;
              }
            };
          }
        };
    SplittableRandom random = new SplittableRandom(5);
    long records = 30_000;
    try (Log log = SegmentedLog.open(dir, config(RecoveryMode.TAIL), counting)) {
      for (long i = 0; i < records; i++) {
        append(log, 10 + i, random);
      }
    }
    try (Log log = SegmentedLog.open(dir, config(RecoveryMode.TAIL), counting)) {
      long logBytes = log.stats().totalBytes();
      assertThat(log.stats().segmentCount()).isGreaterThan(40);
      log.indexAtOrAfter(10 + records / 2); // builds that segment's time index file: one scan
      for (int n = 0; n < 100; n++) {
        long t = 10 + random.nextLong(records);
        segmentBytesRead.set(0);
        assertThat(log.indexAtOrAfter(t)).isEqualTo(expected(t));
        // one segment's scan to build its time index at most, then a few 16 KiB frame reads
        assertThat(segmentBytesRead.get()).isLessThan((64 << 10) + (64 << 10));
      }
      segmentBytesRead.set(0);
      long t = 10 + records / 2;
      assertThat(log.indexAtOrAfter(t)).isEqualTo(expected(t));
      assertThat(segmentBytesRead.get()).isLessThanOrEqualTo(3 * (16 << 10)); // file built
      assertThat(segmentBytesRead.get()).isLessThan(logBytes / 40);
    }
  }

  @Test
  void seeksRacingAppendsAndRollsSeeEveryPublishedRecord() throws Exception {
    // Record i has timestamp 10 * i: the first record at or after 10 * k - 5 is k.
    LogConfig config = config(RecoveryMode.TAIL).toBuilder().segmentBytes(8 << 10).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        Future<?> writer =
            pool.submit(
                () -> {
                  for (long i = 1; i <= 20_000; i++) {
                    log.append(Entry.of(new byte[] {(byte) i}, 0, 10 * i));
                  }
                });
        List<Future<?>> seekers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          long seed = t;
          seekers.add(
              pool.submit(
                  () -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    while (!writer.isDone()) {
                      long last = log.lastIndex();
                      long k = 1 + random.nextLong(last + 1);
                      long found = log.indexAtOrAfter(10 * k - 5);
                      if (k <= last) {
                        assertThat(found).as("seek for record %d", k).isEqualTo(k);
                      } else {
                        assertThat(found).isGreaterThanOrEqualTo(k);
                      }
                    }
                  }));
        }
        writer.get(120, TimeUnit.SECONDS);
        for (Future<?> f : seekers) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(log.stats().segmentCount()).isGreaterThan(20);
      assertThat(log.indexAtOrAfter(10 * 20_000 + 1)).isEqualTo(20_001);
    }
  }

  @Test
  void aClosedLogRefusesToSeek() {
    Log log = SegmentedLog.open(dir, config(RecoveryMode.TAIL), NioFileIO.INSTANCE);
    log.close();
    assertThatThrownBy(() -> log.indexAtOrAfter(0)).isInstanceOf(LogClosedException.class);
  }

  private List<Path> timeIndexFiles() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(FileNames.TIME_INDEX_SUFFIX))
          .sorted()
          .toList();
    }
  }
}
