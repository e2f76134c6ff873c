package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tailers racing a writer that packs single appends into open frames (a write buffer under NONE),
 * rolls small segments (read through mappings when sealed), removes a prefix by retention and cuts
 * suffixes with truncateAfter. Every payload carries its index and the writer's generation, bumped
 * before each cut. A tailer must return a contiguous run of indices; it may not return a record a
 * cut had removed before the poll began, nor go on after a record it returned was cut with one
 * appended after the cut: it throws {@link RecordsGoneException} instead (and is then reopened).
 * Bounded by operation counts; waits have deadlines.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a hang guard only
class TailerRacingCutsTest {
  @org.junit.jupiter.api.io.TempDir Path dir;

  /** A completed cut: its generation, and the last index it kept. */
  record Cut(long generation, long keptThrough) {}

  @ParameterizedTest(name = "seed={0}, views={1}")
  @CsvSource({"1,false", "2,true", "3,true"})
  void tailersNeverReturnCutRecordsNorSkipOrRepeat(long seed, boolean views) throws Exception {
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .writeBufferBytes(64 << 10)
            .segmentBytes(4096)
            .retentionRecords(600)
            .mappedReads(true)
            .build();
    AtomicLong generation = new AtomicLong();
    List<Cut> cuts = new CopyOnWriteArrayList<>();
    AtomicBoolean writerDone = new AtomicBoolean();
    AtomicLong returned = new AtomicLong();
    AtomicLong gone = new AtomicLong();
    try (Log log = Log.open(dir.resolve("log-" + seed), config)) {
      CompletableFuture<?> tailing =
          CompletableFuture.runAsync(
              () -> tail(log, views, seed, generation, cuts, writerDone, returned, gone));
      SplittableRandom rnd = new SplittableRandom(seed);
      try {
        for (int op = 0; op < 12_000 && !tailing.isDone(); op++) {
          int dice = rnd.nextInt(1000);
          long last = log.lastIndex();
          if (dice < 4 && last >= log.firstIndex()) {
            long keep = Math.max(log.firstIndex(), last - rnd.nextInt(40));
            long g = generation.incrementAndGet();
            log.truncateAfter(keep);
            cuts.add(new Cut(g, keep));
          } else if (dice < 6) {
            log.roll();
          } else {
            long index = log.lastIndex() + 1;
            log.append(payload(index, generation.get(), rnd.nextInt(60)));
          }
        }
      } finally {
        writerDone.set(true);
      }
      tailing.get(2, TimeUnit.MINUTES);
      assertThat(returned.get()).as("the tailers returned records").isPositive();
    }
  }

  private static byte[] payload(long index, long generation, int extra) {
    return ByteBuffer.allocate(16 + extra).putLong(index).putLong(generation).array();
  }

  private static void tail(
      Log log,
      boolean views,
      long seed,
      AtomicLong generation,
      List<Cut> cuts,
      AtomicBoolean writerDone,
      AtomicLong returned,
      AtomicLong gone) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    SplittableRandom rnd = new SplittableRandom(seed * 31);
    try {
      while (true) {
        assertThat(System.nanoTime()).as("tailing deadline").isLessThan(deadline);
        long start = log.firstIndex() + rnd.nextInt(20);
        Tailer tailer;
        try {
          tailer = log.tailer(Math.min(start, log.lastIndex() + 1));
        } catch (IndexOutOfRangeException e) {
          continue; // the log moved between reading its extent and opening the tailer
        }
        try (tailer) {
          long prevIndex = -1;
          long prevGen = -1;
          while (true) {
            assertThat(System.nanoTime()).as("tailing deadline").isLessThan(deadline);
            int cutsBefore = cuts.size(); // cuts completed before this poll began
            boolean finished = writerDone.get();
            long index;
            long gen;
            try {
              if (views) {
                RecordView v = tailer.pollView(Duration.ofMillis(20));
                if (v == null) {
                  if (finished) {
                    return;
                  }
                  continue;
                }
                index = v.index();
                ByteBuffer p = v.payload(); // positioned at the payload, not a slice
                assertThat(p.getLong(p.position())).isEqualTo(index);
                gen = p.getLong(p.position() + 8);
              } else {
                Record r = tailer.poll(Duration.ofMillis(20));
                if (r == null) {
                  if (finished) {
                    return;
                  }
                  continue;
                }
                index = r.index();
                assertThat(r.payload().getLong(0)).isEqualTo(index);
                gen = r.payload().getLong(8);
              }
            } catch (RecordsGoneException e) {
              gone.incrementAndGet();
              break; // reopen
            }
            returned.incrementAndGet();
            if (prevIndex >= 0) {
              assertThat(index).as("contiguous").isEqualTo(prevIndex + 1);
            }
            for (int k = 0; k < cutsBefore; k++) {
              Cut c = cuts.get(k);
              assertThat(c.generation() > gen && c.keptThrough() < index)
                  .as("record %d of generation %d, cut by %s before the poll", index, gen, c)
                  .isFalse();
            }
            if (prevIndex >= 0 && gen > prevGen) {
              for (Cut c : cuts) {
                assertThat(
                        c.generation() > prevGen
                            && c.generation() <= gen
                            && c.keptThrough() < prevIndex)
                    .as(
                        "record %d (generation %d) after record %d (generation %d), which %s cut",
                        index, gen, prevIndex, prevGen, c)
                    .isFalse();
              }
            }
            prevIndex = index;
            prevGen = gen;
          }
        }
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
