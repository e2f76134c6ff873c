package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * truncateAfter cutting a sealed segment that readers read through its mapping, while they read:
 * the cut shrinks the file by many pages, and a copy out of the mapping past the file's new end
 * would fault (SIGBUS, an {@link InternalError} in the reader). Readers must only ever see a record
 * that the log held at that index, or {@link IndexOutOfRangeException} (its subclass {@link
 * RecordsGoneException} included). Seeded; bounded by cut counts, with deadlines on every wait.
 */
class MappedSegmentCutTest {
  private static final int SEGMENT_BYTES = 64 << 10;

  @TempDir Path dir;

  @ParameterizedTest(name = "seed={0}")
  @ValueSource(longs = {1, 2, 3})
  void cuttingAMappedSealedSegmentUnderReaders(long seed) throws Exception {
    LogConfig config =
        LogConfig.builder()
            .mappedReads(true)
            .syncPolicy(SyncPolicy.NONE)
            .segmentBytes(SEGMENT_BYTES)
            .maxOpenSegmentFiles(4)
            .build();
    AtomicLong generation = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicLong recordsRead = new AtomicLong();
    AtomicLong gone = new AtomicLong();
    int mappedCuts = 0;
    try (SegmentedLog log =
        SegmentedLog.open(dir.resolve("log-" + seed), config, NioFileIO.INSTANCE)) {
      SplittableRandom rnd = new SplittableRandom(seed);
      appendUntilSealed(log, rnd, generation, 3);
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        SplittableRandom r = new SplittableRandom(seed * 100 + t);
        Thread reader =
            new Thread(
                () -> {
                  while (!done.get()) {
                    try {
                      readOnce(log, r, generation, recordsRead, gone);
                    } catch (Throwable e) {
                      failures.add(e);
                      return;
                    }
                  }
                },
                "mapped-cut-reader-" + t);
        reader.start();
        readers.add(reader);
      }
      try {
        for (int cut = 0; cut < 100 && failures.isEmpty(); cut++) {
          Segment[] s = log.segmentArray();
          // A sealed segment, cut in its first quarter: most of its pages go.
          Segment victim = s[s.length - 2 - rnd.nextInt(Math.min(2, s.length - 1))];
          long span = victim.nextIndex() - victim.baseIndex();
          long keepThrough = victim.baseIndex() + rnd.nextLong(Math.max(1, span / 4));
          log.read(victim.nextIndex() - 1); // maps it, if the pool closed it
          if (victim.isMapped()) {
            mappedCuts++;
          }
          generation.incrementAndGet(); // before the cut: records appended after carry the new one
          log.truncateAfter(keepThrough);
          appendUntilSealed(log, rnd, generation, 3);
        }
      } finally {
        done.set(true);
        for (Thread reader : readers) {
          reader.join(TimeUnit.SECONDS.toMillis(60));
          assertThat(reader.isAlive()).as(reader.getName() + " stopped").isFalse();
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(mappedCuts).as("cuts of a mapped segment").isGreaterThan(50);
    assertThat(recordsRead.get()).isPositive();
  }

  /**
   * Deterministic: at the moment the cut shrinks the file (its truncate call, on the writer thread)
   * the segment being cut has no mapping left (revoked: every copy out of it has finished).
   */
  @ParameterizedTest(name = "seed={0}")
  @ValueSource(longs = {1, 2})
  void theMappingIsRevokedBeforeTheFileShrinks(long seed) throws Exception {
    AtomicReference<Segment> victim = new AtomicReference<>();
    List<String> seen = new ArrayList<>();
    ForwardingFileIO io =
        new ForwardingFileIO(NioFileIO.INSTANCE) {
          @Override
          protected FileHandle wrap(Path file, FileHandle handle) {
            return new ForwardingHandle(handle) {
              @Override
              public MappedByteBuffer mapReadOnly(long size) throws IOException {
                return handle.mapReadOnly(size); // this wrapper lets the log map
              }

              @Override
              public void truncate(long size) throws IOException {
                Segment v = victim.get();
                if (v != null && file.equals(v.path())) {
                  seen.add("mapped=" + v.isMapped()); // (a read here would wait for the cut)
                }
                super.truncate(size);
              }
            };
          }
        };
    LogConfig config =
        LogConfig.builder()
            .mappedReads(true)
            .syncPolicy(SyncPolicy.NONE)
            .segmentBytes(SEGMENT_BYTES)
            .build();
    try (SegmentedLog log = SegmentedLog.open(dir.resolve("log-" + seed), config, io)) {
      SplittableRandom rnd = new SplittableRandom(seed);
      AtomicLong generation = new AtomicLong();
      for (int cut = 0; cut < 5; cut++) {
        appendUntilSealed(log, rnd, generation, 3);
        Segment[] s = log.segmentArray();
        Segment v = s[s.length - 2];
        log.read(v.nextIndex() - 1);
        assertThat(v.isMapped()).isTrue();
        victim.set(v);
        seen.clear();
        generation.incrementAndGet();
        log.truncateAfter(v.baseIndex() + rnd.nextLong(v.nextIndex() - v.baseIndex() - 1));
        assertThat(seen).containsExactly("mapped=false");
        assertThat(log.read(v.baseIndex()).index()).isEqualTo(v.baseIndex());
        victim.set(null);
      }
    }
  }

  /** Appends until at least {@code sealed} segments are sealed behind the active one. */
  private static void appendUntilSealed(
      SegmentedLog log, SplittableRandom rnd, AtomicLong generation, int sealed) {
    for (int i = 0; i < 100_000 && log.segmentArray().length < sealed + 1; i++) {
      long last = log.lastIndex();
      List<Entry> batch = new ArrayList<>();
      int n = 1 + rnd.nextInt(4);
      for (int k = 0; k < n; k++) {
        batch.add(Entry.of(payload(last + 1 + k, generation.get(), 50 + rnd.nextInt(300))));
      }
      log.appendBatch(batch);
    }
    assertThat(log.segmentArray().length).isGreaterThan(sealed);
  }

  /** Reads a random record of the sealed segments; checks it is one the log held there. */
  private static void readOnce(
      Log log, SplittableRandom rnd, AtomicLong generation, AtomicLong read, AtomicLong gone) {
    long first = log.firstIndex();
    long last = log.lastIndex();
    if (last < first) {
      return;
    }
    long index = first + rnd.nextLong(last - first + 1);
    try {
      if (rnd.nextBoolean()) {
        check(log.read(index), index, generation.get());
        read.incrementAndGet();
      } else {
        // A reader reads ahead (up to 256 KiB, the whole segment): the pages a cut removes too.
        try (LogReader reader = log.reader(index, Math.min(last + 1, index + 40))) {
          for (long i = index; reader.hasNext(); i++) {
            Record r = reader.next();
            check(r, i, generation.get());
            read.incrementAndGet();
          }
        }
      }
    } catch (IndexOutOfRangeException e) {
      gone.incrementAndGet(); // cut away (RecordsGoneException), or past a lowered last index
    }
  }

  private static void check(Record r, long index, long genAfter) {
    assertThat(r.index()).isEqualTo(index);
    ByteBuffer p = r.payload();
    assertThat(p.getLong(0)).as("index in the payload").isEqualTo(index);
    long gen = p.getLong(8);
    assertThat(gen).as("generation of record %d", index).isLessThanOrEqualTo(genAfter);
    for (int i = 16; i < p.limit(); i++) {
      if (p.get(i) != fillByte(index, gen, i)) {
        throw new AssertionError("byte " + i + " of record " + index + " is wrong");
      }
    }
  }

  private static byte[] payload(long index, long generation, int length) {
    ByteBuffer b = ByteBuffer.allocate(length);
    b.putLong(0, index).putLong(8, generation);
    for (int i = 16; i < length; i++) {
      b.put(i, fillByte(index, generation, i));
    }
    return b.array();
  }

  private static byte fillByte(long index, long generation, int i) {
    return (byte) (index * 31 + generation * 17 + i);
  }
}
