package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.SyncPolicy;
import io.seglog.Tailer;
import io.seglog.Visibility;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single appends packed into one frame while a write buffer holds them (NONE and INTERVAL with
 * {@link LogConfig#writeBufferBytes()}): fewer frames, and every record an append returned is
 * readable at once, by any read path, and reaches every tailer, sync and close.
 */
class PackedAppendsTest {
  @TempDir Path dir;

  private static LogConfig.Builder buffered(SyncPolicy policy) {
    return LogConfig.builder().syncPolicy(policy).writeBufferBytes(64 * 1024);
  }

  private static byte[] payload(long index, int size) {
    byte[] b = new byte[size];
    ByteBuffer.wrap(b).putLong(0, index);
    for (int i = 8; i < size; i++) {
      b[i] = (byte) (index * 31 + i);
    }
    return b;
  }

  private static void assertRecord(Record r, long index, int size) {
    assertThat(r.index()).isEqualTo(index);
    ByteBuffer p = r.payload();
    byte[] got = new byte[p.remaining()];
    p.duplicate().get(got);
    assertThat(got).isEqualTo(payload(index, size));
  }

  private static long frames(Log log) {
    long n = 0;
    for (io.seglog.internal.segment.Segment s : ((SegmentedLog) log).segmentArray()) {
      n += s.frameCount();
    }
    return n;
  }

  @Test
  void singleAppendsShareFramesOnlyWithAWriteBuffer() {
    try (Log log = Log.open(dir.resolve("packed"), buffered(SyncPolicy.NONE).build())) {
      for (int i = 0; i < 160; i++) {
        log.append(payload(i + 1, 100));
      }
      log.sync();
      int perFrame =
          Math.min(
              SegmentedLog.PACK_MAX_RECORDS,
              (SegmentedLog.PACK_MAX_FRAME_BYTES - 32) / (16 + 100)); // headers: frame, record
      assertThat(perFrame).isGreaterThan(1);
      assertThat(frames(log)).isEqualTo((160 + perFrame - 1) / perFrame);
    }
    try (Log log = Log.open(dir.resolve("plain"), LogConfig.builder().build())) {
      for (int i = 0; i < 160; i++) {
        log.append(payload(i + 1, 100));
      }
      assertThat(frames(log)).isEqualTo(160);
    }
    try (Log log = Log.open(dir.resolve("always"), buffered(SyncPolicy.ALWAYS).build())) {
      for (int i = 0; i < 20; i++) {
        log.append(payload(i + 1, 100));
      }
      assertThat(frames(log)).isEqualTo(20); // each acknowledged by its own fsync: nothing to pack
    }
  }

  @Test
  void everyReadPathSeesARecordRightAfterItsAppend() throws IOException {
    try (Log log = Log.open(dir, buffered(SyncPolicy.NONE).build())) {
      for (int i = 1; i <= 40; i++) {
        long index = log.append(payload(i, 50 + i));
        assertThat(index).isEqualTo(i);
        assertThat(log.lastIndex()).isEqualTo(i);
        assertRecord(log.read(i), i, 50 + i);
        try (LogReader r = log.reader(1, Long.MAX_VALUE)) {
          long n = 0;
          while (r.hasNext()) {
            n++;
            assertRecord(r.next(), n, 50 + (int) n);
          }
          assertThat(n).isEqualTo(i);
        }
        assertThat(log.stats().lastIndex()).isEqualTo(i);
        assertThat(log.segments().get(0).records()).isEqualTo(i);
        assertThat(log.readStream(i).readAllBytes()).isEqualTo(payload(i, 50 + i));
      }
      long ts = log.read(40).timestamp();
      assertThat(log.indexAtOrAfter(ts)).isBetween(1L, 40L);
      assertThat(log.indexAtOrAfter(ts + 1)).isEqualTo(41);
      log.append(Entry.of(payload(41, 60), 7, ts + 5));
      assertThat(log.indexAtOrAfter(ts + 1)).isEqualTo(41);
      assertThat(log.read(41).type()).isEqualTo(7);
    }
  }

  @Test
  void aTailerGetsEveryPackedRecordWithoutMoreAppends() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Log log = Log.open(dir, buffered(SyncPolicy.NONE).build());
        Tailer tailer = log.tailer(1, Visibility.WRITTEN)) {
      for (int i = 1; i <= 50; i++) {
        long index = i;
        // Odd records: the tailer waits first, then the append comes. Even ones: the append comes
        // first, with no tailer waiting, and stays in the open frame until the tailer asks.
        if (i % 2 == 1) {
          Future<Record> got = pool.submit(() -> tailer.poll(Duration.ofSeconds(30)));
          awaitWaiting(log);
          log.append(payload(index, 20));
          Record r = got.get(30, TimeUnit.SECONDS);
          assertThat(r).isNotNull();
          assertRecord(r, index, 20);
        } else {
          log.append(payload(index, 20));
          Future<Record> got = pool.submit(() -> tailer.poll(Duration.ofSeconds(30)));
          Record r = got.get(30, TimeUnit.SECONDS);
          assertThat(r).isNotNull();
          assertRecord(r, index, 20);
        }
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** Waits (bounded) until a tailer waits on the log's written signal. */
  static void awaitWaiting(Log log) throws InterruptedException {
    SegmentedLog l = (SegmentedLog) log;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (l.writtenWaitersForTest() == 0) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  @Test
  void intervalSyncMakesAnOpenFrameDurableWithNoOtherCall() throws InterruptedException {
    LogConfig config = buffered(SyncPolicy.interval(Duration.ofMillis(5))).build();
    try (Log log = Log.open(dir, config)) {
      long index = log.append(payload(1, 30)); // one record: the frame stays open
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (log.durableIndex() < index) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(1);
      }
    }
  }

  @Test
  void syncAndCloseWriteTheOpenFrame() {
    try (Log log = Log.open(dir, buffered(SyncPolicy.NONE).build())) {
      log.append(payload(1, 10));
      long index = log.append(payload(2, 10));
      assertThat(log.sync()).isEqualTo(index);
      assertThat(log.durableIndex()).isEqualTo(index);
      log.append(payload(3, 10)); // open at close
    }
    try (Log log = Log.open(dir, buffered(SyncPolicy.NONE).build())) {
      assertThat(log.recoveryReport().bytesCut()).isZero();
      assertThat(log.lastIndex()).isEqualTo(3);
      for (int i = 1; i <= 3; i++) {
        assertRecord(log.read(i), i, 10);
      }
    }
  }

  /**
   * Seeded: single appends of mixed sizes (some larger than a packed frame, some larger than the
   * buffer) mixed with batches, streams, rolls, syncs and cuts, in small segments; every record
   * reads back as written, before and after a reopen (which cuts nothing).
   */
  @Test
  void mixedWritesInSmallSegmentsReadBackAsWritten() throws IOException {
    for (long seed = 1; seed <= 12; seed++) {
      Random random = new Random(seed);
      Path d = dir.resolve("seed" + seed);
      LogConfig config =
          LogConfig.builder()
              .syncPolicy(SyncPolicy.NONE)
              .segmentBytes(8192)
              .segmentMaxRecords(seed % 3 == 0 ? 37 : 0)
              .maxRecordBytes(6000)
              .writeBufferBytes(seed % 2 == 0 ? 4096 : 1024)
              .build();
      List<byte[]> model = new ArrayList<>();
      try (Log log = Log.open(d, config)) {
        for (int op = 0; op < 600; op++) {
          int kind = random.nextInt(100);
          if (kind < 70) {
            byte[] p = randomPayload(random);
            assertThat(log.append(p)).isEqualTo(model.size() + 1);
            model.add(p);
          } else if (kind < 78) {
            List<Entry> batch = new ArrayList<>();
            for (int k = 0, n = 1 + random.nextInt(4); k < n; k++) {
              byte[] p = randomPayload(random);
              batch.add(Entry.of(p));
              model.add(p);
            }
            log.appendBatch(batch);
          } else if (kind < 82) {
            byte[] p = randomPayload(random);
            log.appendStream(new ByteArrayInputStream(p), 6000);
            model.add(p);
          } else if (kind < 85) {
            log.roll();
          } else if (kind < 90) {
            log.sync();
          } else if (kind < 93 && model.size() > 2) {
            int keep = model.size() - 1 - random.nextInt(Math.min(5, model.size() - 1));
            log.truncateAfter(keep);
            model.subList(keep, model.size()).clear();
          } else {
            if (!model.isEmpty()) {
              int i = 1 + random.nextInt(model.size());
              assertThat(bytes(log.read(i)))
                  .as("seed %d read %d", seed, i)
                  .isEqualTo(model.get(i - 1));
            }
          }
          assertThat(log.lastIndex()).isEqualTo(model.size());
        }
        checkAll(log, model, seed);
      }
      try (Log log = Log.open(d, config)) {
        assertThat(log.recoveryReport().bytesCut()).isZero();
        checkAll(log, model, seed);
      }
    }
  }

  private static byte[] randomPayload(Random random) {
    int size;
    int pick = random.nextInt(10);
    if (pick < 6) {
      size = random.nextInt(120);
    } else if (pick < 9) {
      size = 120 + random.nextInt(2000);
    } else {
      size = 2000 + random.nextInt(4000);
    }
    byte[] b = new byte[size];
    random.nextBytes(b);
    return b;
  }

  private static byte[] bytes(Record r) {
    ByteBuffer p = r.payload();
    byte[] b = new byte[p.remaining()];
    p.duplicate().get(b);
    return b;
  }

  private static void checkAll(Log log, List<byte[]> model, long seed) {
    assertThat(log.lastIndex()).isEqualTo(model.size());
    try (LogReader r = log.reader(1, Long.MAX_VALUE)) {
      int i = 0;
      while (r.hasNext()) {
        Record rec = r.next();
        assertThat(bytes(rec)).as("seed %d index %d", seed, i + 1).isEqualTo(model.get(i));
        i++;
      }
      assertThat(i).isEqualTo(model.size());
    }
  }

  static String text(Record r) {
    return StandardCharsets.UTF_8.decode(r.payload()).toString();
  }
}
