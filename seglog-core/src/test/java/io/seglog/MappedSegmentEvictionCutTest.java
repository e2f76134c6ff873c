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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A copy still in flight out of a mapping that its owner released without waiting (the handle pool
 * closed the segment's handle, or the log closed) must still keep the file from shrinking: a cut in
 * place after a later read mapped the segment again must wait for it too, and so must the log's
 * close (after which another open, in this process or another, may cut the file). Otherwise the
 * copy reads past the file's new end (SIGBUS).
 *
 * <p>Deterministic: the reader is held inside the mapping's gate by the log's own {@link
 * KeyProvider}, which the decoder calls inside the gate the first time it meets a frame of a new
 * writer session. The segment holds frames of two sessions: the one read first (which maps the
 * segment and caches its key) and the one the held reader reads. Every wait has a deadline.
 */
class MappedSegmentEvictionCutTest {
  @TempDir Path dir;

  private final AtomicReference<Thread> heldThread = new AtomicReference<>();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch letGo = new CountDownLatch(1);
  private final AtomicBoolean holding = new AtomicBoolean();
  private final AtomicReference<Path> victimPath = new AtomicReference<>();
  private final List<String> seen = new ArrayList<>(); // @GuardedBy("seen")
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private LogConfig config;
  private ForwardingFileIO io;
  private Path logDir;
  private long firstSessionLast;

  @BeforeEach
  void twoSessions() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
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
            return key.clone();
          }
        };
    io =
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
    config =
        LogConfig.builder()
            .mappedReads(true)
            .syncPolicy(SyncPolicy.NONE)
            .segmentBytes(16 << 10)
            .maxOpenSegmentFiles(1)
            .encryption(keys)
            .build();
    logDir = dir.resolve("log");
    SplittableRandom rnd = new SplittableRandom(42);
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
  }

  @AfterEach
  void stop() throws InterruptedException {
    letGo.countDown();
    pool.shutdownNow();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * Maps segment 0 and holds a reader inside its mapping's gate; returns that reader's read (a
   * record, or null if it was cut away meanwhile).
   */
  private Future<Record> holdAReaderInTheMapping(SegmentedLog log, Segment victim)
      throws InterruptedException {
    assertThat(victim.nextIndex() - 1).isGreaterThan(firstSessionLast);
    log.read(victim.baseIndex()); // a session 1 frame: maps the segment, caches that key
    assertThat(victim.isMapped()).isTrue();
    Future<Record> held =
        pool.submit(
            () -> {
              heldThread.set(Thread.currentThread());
              try {
                return log.read(victim.nextIndex() - 1); // a session 2 frame
              } catch (IndexOutOfRangeException | LogClosedException e) {
                return null;
              }
            });
    assertThat(entered.await(30, TimeUnit.SECONDS)).as("reader held in the gate").isTrue();
    return held;
  }

  /** Until {@code task} is done or its thread waits for a copy out of a mapping (deadline 30 s). */
  private static void untilDoneOrWaiting(Future<?> task, AtomicReference<Thread> thread)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!task.isDone() && !waitsForACopy(thread.get()) && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }

  @Test
  void aCutWaitsForCopiesOutOfAMappingThePoolReleased() throws Exception {
    try (SegmentedLog log = SegmentedLog.open(logDir, config, io)) {
      Segment[] s = log.segmentArray();
      Segment victim = s[0];
      Future<Record> held = holdAReaderInTheMapping(log, victim);

      log.read(s[1].baseIndex()); // the pool (capacity 1) closes the victim's handle
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
      untilDoneOrWaiting(cut, cutter);
      letGo.countDown();
      cut.get(30, TimeUnit.SECONDS);
      held.get(30, TimeUnit.SECONDS);
      synchronized (seen) {
        assertThat(seen).containsExactly("copy in flight=false");
      }
      assertThat(log.read(victim.baseIndex()).index()).isEqualTo(victim.baseIndex());
    }
  }

  @Test
  void closeWaitsForCopiesOutOfTheMappings() throws Exception {
    SegmentedLog log = SegmentedLog.open(logDir, config, io);
    try {
      Segment victim = log.segmentArray()[0];
      Future<Record> held = holdAReaderInTheMapping(log, victim);
      AtomicReference<Thread> closer = new AtomicReference<>();
      AtomicBoolean copyInFlightAfterClose = new AtomicBoolean();
      Future<?> close =
          pool.submit(
              () -> {
                closer.set(Thread.currentThread());
                log.close();
                copyInFlightAfterClose.set(holding.get());
                return null;
              });
      untilDoneOrWaiting(close, closer);
      letGo.countDown();
      close.get(30, TimeUnit.SECONDS);
      held.get(30, TimeUnit.SECONDS);
      assertThat(copyInFlightAfterClose.get())
          .as("a copy out of a mapping still ran when close returned")
          .isFalse();
    } finally {
      letGo.countDown();
      log.close();
    }
    // The next open may cut the file: the copy is over.
    try (SegmentedLog log2 = SegmentedLog.open(logDir, config, io)) {
      Segment victim = log2.segmentArray()[0];
      log2.truncateAfter(victim.baseIndex() + 2);
      assertThat(log2.lastIndex()).isEqualTo(victim.baseIndex() + 2);
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
