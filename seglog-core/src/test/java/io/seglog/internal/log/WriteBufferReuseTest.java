package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.Record;
import io.seglog.Storage;
import io.seglog.SyncPolicy;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The log's write buffer is allocated once and reused by every segment's {@link
 * io.seglog.internal.segment.TailBuffer}: across rolls, streamed records and cuts there is one
 * direct allocation per log, not one per roll; and readers of the newest records, which race with
 * the hand-over of the buffer to the next segment, only ever see the records published.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WriteBufferReuseTest {
  private static final int ROLLS = 300;

  @TempDir Path dir;

  /** A payload that names its index, of a length that varies with it. */
  static byte[] payloadFor(long index) {
    int size = 8 + (int) (index % 7) * 150;
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putLong(index);
    for (int i = 8; i < size; i++) {
      b.put((byte) (index * 31 + i));
    }
    return b.array();
  }

  private static LogConfig config(String policy, int writeBufferBytes) {
    return LogConfig.builder()
        .segmentBytes(LogConfig.MIN_SEGMENT_BYTES)
        .syncPolicy(policy.equals("ALWAYS") ? SyncPolicy.ALWAYS : SyncPolicy.NONE)
        .writeBufferBytes(writeBufferBytes)
        .build();
  }

  private static SegmentedLog open(Path dir, LogConfig config, String storage) {
    return (SegmentedLog)
        Log.open(dir, config, storage.equals("memory") ? Storage.inMemory() : Storage.fileSystem());
  }

  @ParameterizedTest(name = "{0}, writeBufferBytes {1}, on {2}")
  @CsvSource({
    "ALWAYS, 0, memory", // ALWAYS buffers ALWAYS_WRITE_BUFFER_BYTES
    "ALWAYS, 1048576, memory",
    "NONE, 1048576, disk",
  })
  void oneDirectBufferPerLogAcrossRollsStreamsAndCuts(String policy, int buffer, String storage)
      throws Exception {
    try (SegmentedLog log = open(dir, config(policy, buffer), storage)) {
      long next = log.lastIndex() + 1;
      int streams = 0;
      int cuts = 0;
      for (int i = 0; log.stats().segmentCount() <= ROLLS; i++) {
        assertThat(i).as("appends to roll %d times", ROLLS).isLessThan(100 * ROLLS);
        if (i % 50 == 49) {
          assertThat(log.append(payloadFor(next))).isEqualTo(next++);
          log.truncateAfter(next - 2); // the cut stops buffering and starts it again
          next--;
          cuts++;
        } else if (i % 10 == 9) {
          byte[] p = payloadFor(next);
          assertThat(log.appendStream(new ByteArrayInputStream(p), p.length)).isEqualTo(next++);
          streams++;
        } else {
          assertThat(log.append(payloadFor(next))).isEqualTo(next++);
        }
      }
      assertThat(streams).isGreaterThan(ROLLS / 2);
      assertThat(cuts).isPositive();
      assertThat(log.writeBufferAllocations()).isEqualTo(1);
      for (long i = log.firstIndex(); i <= log.lastIndex(); i++) {
        assertThat(log.read(i).payloadBytes()).isEqualTo(payloadFor(i));
      }
    }
  }

  /**
   * Readers read the newest records in a loop while the writer rolls every few records, so that
   * some are copying an old segment's buffered frames when the same memory starts to take the next
   * segment's: every record read must be the one published at its index.
   */
  @ParameterizedTest(name = "{0}, writeBufferBytes {1}")
  @CsvSource({"NONE, 512", "NONE, 1048576", "ALWAYS, 1048576"})
  void readersOfTheNewestRecordsNeverSeeTheNextSegmentsBytes(String policy, int buffer)
      throws Exception {
    try (SegmentedLog log = open(dir, config(policy, buffer), "memory")) {
      AtomicBoolean done = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<Long>> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          int back = 1 + t * 3; // one reader on the last record, one on the last four
          readers.add(
              pool.submit(
                  () -> {
                    long checked = 0;
                    while (!done.get()) {
                      long last = log.lastIndex();
                      for (long i = Math.max(log.firstIndex(), last - back + 1); i <= last; i++) {
                        Record r = log.read(i);
                        assertThat(r.index()).isEqualTo(i);
                        assertThat(r.payloadBytes()).isEqualTo(payloadFor(i));
                        checked++;
                      }
                    }
                    return checked;
                  }));
        }
        SplittableRandom rnd = new SplittableRandom(7);
        long next = log.lastIndex() + 1;
        for (int i = 0; log.stats().segmentCount() <= 4 * ROLLS; i++) {
          assertThat(i).as("appends to roll %d times", 4 * ROLLS).isLessThan(400 * ROLLS);
          if (rnd.nextInt(20) == 0) {
            byte[] p = payloadFor(next);
            assertThat(log.appendStream(new ByteArrayInputStream(p), p.length)).isEqualTo(next++);
          } else if (rnd.nextInt(4) == 0) {
            List<Entry> batch = List.of(Entry.of(payloadFor(next)), Entry.of(payloadFor(next + 1)));
            assertThat(log.appendBatch(batch)).isEqualTo(next);
            next += 2;
          } else {
            assertThat(log.append(payloadFor(next))).isEqualTo(next++);
          }
        }
        done.set(true);
        for (Future<Long> reader : readers) {
          assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
        }
        assertThat(log.writeBufferAllocations()).isEqualTo(1);
      } finally {
        done.set(true);
        pool.shutdownNow();
      }
    }
  }
}
