package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A copy still in flight out of a mapping that the handle pool released (the pool closed the
 * segment's handle while the copy ran), after a later read mapped the segment again: a cut in place
 * of that segment must wait for that copy as well as for the copies out of the current mapping
 * before it shrinks the file, or the copy reads past the file's new end (SIGBUS).
 *
 * <p>Deterministic: the reader is held inside the mapping's gate by the log's own {@link
 * KeyProvider}, which the decoder calls inside the gate the first time it meets a frame of a new
 * writer session. The segment holds frames of two sessions: the one read first (which maps the
 * segment and caches its key) and the one the held reader reads.
 */
class MappedSegmentEvictionCutTest {
  private static final byte[] KEY = new byte[32];

  @TempDir Path dir;

  @Test
  void aCutWaitsForCopiesOutOfAMappingThePoolReleased() throws Exception {
    Arrays.fill(KEY, (byte) 7);
    AtomicReference<Thread> heldThread = new AtomicReference<>();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    AtomicBoolean holding = new AtomicBoolean();
    KeyProvider keys =
        new KeyProvider() {
          @Override
          public int currentKeyId() {
            return 0;
          }

          @Override
          public byte[] key(int keyId) {
            if (Thread.currentThread() == heldThread.get()) {
              holding.set(true);
              entered.countDown();
              try {
                letGo.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              holding.set(false);
            }
            return KEY.clone();
          }
        };
    AtomicReference<Path> victimPath = new AtomicReference<>();
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
                if (file.equals(victimPath.get())) {
                  synchronized (seen) {
                    seen.add("copy in flight=" + holding.get());
                  }
                }
                super.truncate(size);
              }
            };
          }
        };
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .segmentBytes(16 << 10)
            .maxOpenSegmentFiles(1)
            .encryption(keys)
            .build();
    Path logDir = dir.resolve("log");
    SplittableRandom rnd = new SplittableRandom(42);
    long firstSessionLast;
    // Session 1 writes the first frames of segment 0; session 2 (another salt) the rest, and rolls.
    try (SegmentedLog log = SegmentedLog.open(logDir, config, io)) {
      append(log, rnd, 10);
      firstSessionLast = log.lastIndex();
      assertThat(log.segmentArray()).hasSize(1);
    }
    try (SegmentedLog log = SegmentedLog.open(logDir, config, io)) {
      for (int i = 0; i < 10_000 && log.segmentArray().length < 4; i++) {
        append(log, rnd, 1);
      }
      assertThat(log.segmentArray().length).isGreaterThanOrEqualTo(4);
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (SegmentedLog log = SegmentedLog.open(logDir, config, io)) {
      Segment[] s = log.segmentArray();
      Segment victim = s[0];
      Segment other = s[1];
      assertThat(victim.nextIndex() - 1).isGreaterThan(firstSessionLast);
      log.read(victim.baseIndex()); // a session 1 frame: maps the segment, caches that key
      assertThat(victim.isMapped()).isTrue();

      // Held inside the mapping's gate (decoding a session 2 frame: the key provider is asked).
      Future<?> held =
          pool.submit(
              () -> {
                heldThread.set(Thread.currentThread());
                try {
                  return log.read(victim.nextIndex() - 1);
                } catch (IndexOutOfRangeException e) {
                  return null; // cut away meanwhile: fine
                }
              });
      assertThat(entered.await(30, TimeUnit.SECONDS)).as("reader held in the gate").isTrue();

      log.read(other.baseIndex()); // the pool (capacity 1) closes the victim's handle
      assertThat(victim.isMapped()).isFalse();
      log.read(victim.baseIndex()); // reopened and mapped again
      assertThat(victim.isMapped()).isTrue();

      victimPath.set(victim.path());
      AtomicReference<Thread> cutter = new AtomicReference<>();
      Future<?> cut =
          pool.submit(
              () -> {
                cutter.set(Thread.currentThread());
                log.truncateAfter(victim.baseIndex() + 2);
                return null;
              });
      // Either the cut finished (it did not wait for the held copy) or it waits for it.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!cut.isDone() && !waitsForACopy(cutter.get()) && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      letGo.countDown();
      cut.get(30, TimeUnit.SECONDS);
      held.get(30, TimeUnit.SECONDS);
      synchronized (seen) {
        assertThat(seen).containsExactly("copy in flight=false");
      }
      assertThat(log.read(victim.baseIndex()).index()).isEqualTo(victim.baseIndex());
    } finally {
      letGo.countDown();
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static boolean waitsForACopy(Thread t) {
    if (t == null) {
      return false;
    }
    for (StackTraceElement e : t.getStackTrace()) {
      if (e.getClassName().endsWith(".MappedSegment") && e.getMethodName().equals("revoke")) {
        return true;
      }
    }
    return false;
  }

  private static void append(Log log, SplittableRandom rnd, int batches) {
    for (int b = 0; b < batches; b++) {
      List<Entry> batch = new ArrayList<>();
      for (int n = 1 + rnd.nextInt(3); n > 0; n--) {
        byte[] p = new byte[100 + rnd.nextInt(300)];
        rnd.nextBytes(p);
        batch.add(Entry.of(p));
      }
      log.appendBatch(batch);
    }
  }
}
