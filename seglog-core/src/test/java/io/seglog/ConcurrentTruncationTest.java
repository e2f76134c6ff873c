package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Readers racing truncateAfter, truncateBefore, reset and retention. Every payload carries its
 * index and the writer's generation, which grows before every cut. A reader's range was fixed when
 * it was created, so any record it returns was appended before its creation: a generation above the
 * one read just after the reader was created means it returned a record appended after a cut in
 * place of the one it was promised (stale or wrong data). Readers may only stop with {@link
 * RecordsGoneException}; single reads likewise. Bounded by operation counts, not time.
 */
class ConcurrentTruncationTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "seed={0}")
  @ValueSource(longs = {1, 2, 3})
  void readersNeverReturnRecordsFromAfterACut(long seed) throws Exception {
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .segmentBytes(4096)
            .retentionRecords(400)
            .build();
    AtomicLong generation = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicLong recordsRead = new AtomicLong();
    AtomicLong gone = new AtomicLong();
    try (Log log = SegmentedLog.open(dir.resolve("log-" + seed), config, NioFileIO.INSTANCE)) {
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        SplittableRandom rnd = new SplittableRandom(seed * 100 + t);
        Thread reader =
            new Thread(
                () -> {
                  while (!done.get()) {
                    try {
                      readOnce(log, rnd, generation, recordsRead, gone);
                    } catch (Throwable e) {
                      failures.add(e);
                      return;
                    }
                  }
                });
        reader.start();
        readers.add(reader);
      }
      SplittableRandom rnd = new SplittableRandom(seed);
      try {
        for (int op = 0; op < 1000; op++) {
          int dice = rnd.nextInt(100);
          long first = log.firstIndex();
          long last = log.lastIndex();
          if (dice < 80 || last < first) {
            List<Entry> batch = new ArrayList<>();
            int n = 1 + rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
              batch.add(Entry.of(payload(last + 1 + i, generation.get(), rnd.nextInt(100))));
            }
            log.appendBatch(batch);
          } else if (dice < 93) {
            generation.incrementAndGet();
            log.truncateAfter(first - 1 + rnd.nextLong(last - first + 2));
          } else if (dice < 98) {
            log.truncateBefore(first + rnd.nextLong(last - first + 2));
          } else {
            generation.incrementAndGet();
            log.reset(Math.max(0, last - 50 + rnd.nextInt(100)));
          }
        }
      } finally {
        done.set(true);
        for (Thread r : readers) {
          r.join(TimeUnit.SECONDS.toMillis(60));
        }
      }
      for (Thread r : readers) {
        assertThat(r.isAlive()).as("reader %s stopped", r.getName()).isFalse();
      }
    }
    if (!failures.isEmpty()) { // the first with its whole stack, which assertj would cut
      AssertionError e = new AssertionError(failures.size() + " reader failures: " + failures);
      e.initCause(failures.iterator().next());
      throw e;
    }
    assertThat(recordsRead.get()).as("the readers read").isPositive();
  }

  static byte[] payload(long index, long generation, int extra) {
    return ByteBuffer.allocate(16 + extra).putLong(index).putLong(generation).array();
  }

  static void readOnce(
      Log log, SplittableRandom rnd, AtomicLong generation, AtomicLong read, AtomicLong gone) {
    long first = log.firstIndex();
    long last = log.lastIndex();
    if (last < first) {
      return;
    }
    long from = first + rnd.nextLong(last - first + 1);
    if (rnd.nextInt(3) == 0) {
      try {
        check(log.read(from), from, Long.MAX_VALUE);
        read.incrementAndGet();
      } catch (IndexOutOfRangeException e) { // RecordsGoneException included
        gone.incrementAndGet(); // truncated or retained away since the extent was read
      }
      return;
    }
    LogReader reader;
    try {
      reader = log.reader(from, from + 200);
    } catch (IndexOutOfRangeException e) {
      return; // the log moved between reading its extent and creating the reader
    }
    long createdAt = generation.get();
    try (reader) {
      long expected = from;
      while (reader.hasNext()) {
        Record r;
        try {
          r = reader.next();
        } catch (RecordsGoneException e) {
          assertThat(e.index()).isEqualTo(expected);
          gone.incrementAndGet();
          return;
        }
        check(r, expected, createdAt);
        read.incrementAndGet();
        expected++;
      }
    }
  }

  static void check(Record r, long index, long maxGeneration) {
    assertThat(r.index()).isEqualTo(index);
    ByteBuffer p = r.payload();
    assertThat(p.getLong(0)).as("payload of record " + index).isEqualTo(index);
    assertThat(p.getLong(8))
        .as("generation of record " + index + ": appended after a cut, after the reader was made")
        .isLessThanOrEqualTo(maxGeneration);
  }
}
