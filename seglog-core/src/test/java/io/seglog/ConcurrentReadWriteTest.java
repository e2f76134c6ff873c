package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One writer appends (singles and batches, across many segment rolls) while reader threads read
 * random visible indices and walk ranges. Every payload is a function of its index, so a reader can
 * check any record it sees without coordination: a torn, stale or misplaced record fails the test.
 */
class ConcurrentReadWriteTest {
  private static final int RECORDS = 20_000 * Integer.getInteger("seglog.test.scale", 1);

  static byte[] payloadFor(long index) {
    int size = (int) (index % 97) * 3;
    ByteBuffer b = ByteBuffer.allocate(8 + size);
    b.putLong(index);
    for (int i = 0; i < size; i++) {
      b.put((byte) (index * 31 + i));
    }
    return b.array();
  }

  @ParameterizedTest(name = "on {0}")
  @ValueSource(strings = {"disk", "memory"})
  void readersSeeOnlyCompleteCorrectRecordsWhileTheWriterAppends(String where, @TempDir Path dir)
      throws Exception {
    readersSeeOnlyCompleteCorrectRecords(
        dir,
        LogConfig.builder().segmentBytes(64 << 10).syncPolicy(SyncPolicy.NONE).build(),
        where.equals("memory") ? Storage.inMemory() : Storage.fileSystem());
  }

  /**
   * With a small write buffer, reused after every flush while readers copy from it: a reader that
   * raced with a reuse must retry from the file, never return overwritten bytes.
   */
  @Test
  void readersOfBufferedRecordsSeeOnlyCompleteCorrectRecordsWhileTheBufferIsReused(
      @TempDir Path dir) throws Exception {
    readersSeeOnlyCompleteCorrectRecords(
        dir,
        LogConfig.builder()
            .segmentBytes(64 << 10)
            .syncPolicy(SyncPolicy.NONE)
            .writeBufferBytes(LogConfig.MIN_WRITE_BUFFER_BYTES)
            .build(),
        Storage.fileSystem());
  }

  private static void readersSeeOnlyCompleteCorrectRecords(
      Path dir, LogConfig config, Storage storage) throws Exception {
    try (Log log = Log.open(dir, config, storage)) {
      AtomicBoolean done = new AtomicBoolean();
      CountDownLatch started = new CountDownLatch(3);
      ExecutorService pool = Executors.newFixedThreadPool(3);
      List<Future<Long>> readers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        long seed = 1000 + t;
        readers.add(
            pool.submit(
                () -> {
                  Random random = new Random(seed);
                  long checked = 0;
                  started.countDown();
                  while (!done.get() || checked == 0) {
                    long last = log.lastIndex();
                    if (last < log.firstIndex()) {
                      continue;
                    }
                    long index = log.firstIndex() + (long) (random.nextDouble() * (last - 1));
                    Record r = log.read(index);
                    assertThat(r.index()).isEqualTo(index);
                    assertThat(r.payloadBytes()).isEqualTo(payloadFor(index));
                    checked++;
                  }
                  return checked;
                }));
      }
      readers.add(
          pool.submit(
              () -> {
                long checked = 0;
                started.countDown();
                while (!done.get() || checked == 0) {
                  long from = log.firstIndex();
                  try (LogReader reader = log.reader(from, Long.MAX_VALUE)) {
                    long expected = from;
                    while (reader.hasNext()) {
                      Record r = reader.next();
                      assertThat(r.index()).isEqualTo(expected++);
                      assertThat(r.payloadBytes()).isEqualTo(payloadFor(r.index()));
                      checked++;
                    }
                  }
                }
                return checked;
              }));
      assertThat(started.await(60, TimeUnit.SECONDS)).as("the readers started").isTrue();
      Random random = new Random(42);
      long next = log.firstIndex();
      while (next < log.firstIndex() + RECORDS) {
        if (random.nextInt(4) == 0) {
          int n = 1 + random.nextInt(20);
          List<Entry> batch = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            batch.add(Entry.of(payloadFor(next + i)));
          }
          assertThat(log.appendBatch(batch)).isEqualTo(next);
          next += n;
        } else {
          assertThat(log.append(payloadFor(next))).isEqualTo(next);
          next++;
        }
      }
      done.set(true);
      pool.shutdown();
      for (Future<Long> reader : readers) {
        assertThat(reader.get(120, TimeUnit.SECONDS)).isPositive();
      }
      assertThat(log.stats().segmentCount()).isGreaterThan(10);
    }
  }
}
