package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.testing.Futures;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Concurrent writers, range readers (forwards and backwards) and tailers (written and durable,
 * copying and zero-copy) on one log, seeded. Every tailer must see every record exactly once, in
 * index order, each record whole: its payload carries its writer, that writer's sequence number and
 * a CRC of the rest, so a torn, stale or misplaced record fails the check, and each writer's
 * records must appear in its own order with no gap. Interleavings vary; the assertions hold for
 * every one. The seed (in the test name) fixes sizes, batches, policies and the readers' ranges.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // a hang guard only
class ConcurrentTailersTest {
  static final int SCALE = Integer.getInteger("seglog.test.scale", 1);
  static final int WRITERS = 3;
  static final int PER_WRITER = 1500 * SCALE;

  @TempDir Path dir;

  static byte[] payload(int writer, int seq, Random random) {
    int len = 9 + random.nextInt(random.nextInt(8) == 0 ? 3000 : 120);
    ByteBuffer b = ByteBuffer.allocate(len);
    b.put((byte) writer).putInt(seq);
    while (b.remaining() > 4) {
      b.put((byte) (seq * 31 + writer + b.position()));
    }
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, len - 4);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** Checks one record's payload; returns {@code writer << 32 | seq}. */
  static long check(long index, ByteBuffer p) {
    ByteBuffer b = p.duplicate();
    int len = b.remaining();
    assertThat(len).as("record %d size", index).isGreaterThanOrEqualTo(9);
    byte[] bytes = new byte[len];
    b.get(bytes);
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, len - 4);
    assertThat(ByteBuffer.wrap(bytes, len - 4, 4).getInt())
        .as("record %d is whole (its CRC matches)", index)
        .isEqualTo((int) crc.getValue());
    int writer = bytes[0];
    int seq = ByteBuffer.wrap(bytes, 1, 4).getInt();
    return ((long) writer << 32) | seq;
  }

  /** Follows the order of each writer's records: each must be the next of its writer. */
  static final class Order {
    final int[] nextSeq = new int[WRITERS];

    void accept(long index, long writerAndSeq) {
      int writer = (int) (writerAndSeq >>> 32);
      int seq = (int) writerAndSeq;
      assertThat(seq)
          .as("record %d: writer %d's next record", index, writer)
          .isEqualTo(nextSeq[writer]);
      nextSeq[writer]++;
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 23, 1789})
  void everyTailerSeesEveryRecordOnceInOrderAndWhole(long seed) throws Exception {
    Random setup = new Random(seed);
    SyncPolicy[] policies = {
      SyncPolicy.ALWAYS, SyncPolicy.NONE, SyncPolicy.interval(Duration.ofMillis(2))
    };
    SyncPolicy policy = policies[setup.nextInt(policies.length)];
    LogConfig config =
        LogConfig.builder().syncPolicy(policy).segmentBytes(16L << (10 + setup.nextInt(3))).build();
    long total = (long) WRITERS * PER_WRITER;
    try (Log log = Log.open(dir, config)) {
      AtomicBoolean writing = new AtomicBoolean(true);
      List<CompletableFuture<?>> tasks = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        long writerSeed = setup.nextLong();
        tasks.add(
            CompletableFuture.runAsync(
                () -> {
                  Random random = new Random(writerSeed);
                  int seq = 0;
                  while (seq < PER_WRITER) {
                    int n =
                        Math.min(
                            PER_WRITER - seq, random.nextInt(4) == 0 ? 1 + random.nextInt(8) : 1);
                    List<Entry> batch = new ArrayList<>();
                    for (int k = 0; k < n; k++) {
                      batch.add(Entry.of(payload(writer, seq + k, random)));
                    }
                    if (random.nextBoolean()) {
                      log.appendBatch(batch);
                    } else {
                      Futures.await(log.appendBatchAsync(batch));
                    }
                    seq += n;
                  }
                }));
      }
      List<CompletableFuture<Long>> tailers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Visibility visibility = t % 2 == 0 ? Visibility.WRITTEN : Visibility.DURABLE;
        boolean views = t >= 2;
        Tailer tailer = log.tailer(1, visibility);
        tailers.add(
            CompletableFuture.supplyAsync(
                () -> {
                  Order order = new Order();
                  long seen = 0;
                  try (tailer) {
                    while (seen < total) {
                      long expectedIndex = seen + 1;
                      long index;
                      long ws;
                      if (views) {
                        RecordView v = tailer.pollView(Duration.ofMinutes(2));
                        assertThat(v).as("record %d in time", expectedIndex).isNotNull();
                        index = v.index();
                        ws = check(index, v.payload());
                      } else {
                        Record r = tailer.poll(Duration.ofMinutes(2));
                        assertThat(r).as("record %d in time", expectedIndex).isNotNull();
                        index = r.index();
                        ws = check(index, r.payload());
                      }
                      assertThat(index).isEqualTo(expectedIndex);
                      if (visibility == Visibility.DURABLE) {
                        assertThat(log.durableIndex()).isGreaterThanOrEqualTo(index);
                      }
                      order.accept(index, ws);
                      seen++;
                    }
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                  return seen;
                }));
      }
      // Range readers, forwards and backwards, over what is visible at the moment.
      long readerSeed = setup.nextLong();
      CompletableFuture<Long> ranges =
          CompletableFuture.supplyAsync(
              () -> {
                Random random = new Random(readerSeed);
                long records = 0;
                while (writing.get()) {
                  long last = log.lastIndex();
                  if (last < 1) {
                    continue;
                  }
                  long from = 1 + (long) (random.nextDouble() * last);
                  long to = Math.min(last + 1, from + random.nextInt(300));
                  boolean reverse = random.nextBoolean();
                  try (LogReader r =
                      reverse
                          ? log.reverseReader(from, to, Visibility.WRITTEN)
                          : log.reader(from, to, Visibility.WRITTEN)) {
                    long expected = reverse ? to - 1 : from;
                    while (r.hasNext()) {
                      RecordView v = r.nextView();
                      assertThat(v.index()).isEqualTo(expected);
                      check(v.index(), v.payload());
                      expected += reverse ? -1 : 1;
                      records++;
                    }
                    assertThat(expected).isEqualTo(reverse ? from - 1 : to);
                  }
                }
                return records;
              });
      CompletableFuture<Void> syncer =
          CompletableFuture.runAsync(
              () -> {
                while (writing.get()) {
                  log.sync(); // durable tailers under NONE advance only on sync
                  try {
                    Thread.sleep(1);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      for (CompletableFuture<?> w : tasks) {
        w.get(3, TimeUnit.MINUTES);
      }
      log.sync();
      for (CompletableFuture<Long> t : tailers) {
        assertThat(t.get(3, TimeUnit.MINUTES)).isEqualTo(total);
      }
      writing.set(false);
      ranges.get(1, TimeUnit.MINUTES);
      syncer.get(1, TimeUnit.MINUTES);
      assertThat(log.lastIndex()).isEqualTo(total);
    }
  }
}
