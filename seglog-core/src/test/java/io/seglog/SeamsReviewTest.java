package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.TestClock;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review of the seams between truncation, the handle pool, tailers and the read-only follower, the
 * write buffer, coded frames and streamed records: one test per finding.
 */
class SeamsReviewTest {
  @TempDir Path tmp;

  static final byte[] KEY = new byte[32];

  static {
    new SplittableRandom(7).nextBytes(KEY);
  }

  static final KeyProvider KEYS = KeyProvider.of(1, Map.of(1, KEY));

  final TestClock clock = new TestClock(1_700_000_000_000L);

  static byte[] text(String tag, int i) {
    return (tag + "-" + i + " the quick brown fox jumps over the lazy dog, again and again. ")
        .repeat(3)
        .getBytes(StandardCharsets.UTF_8);
  }

  LogConfig.Builder base() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).clock(clock);
  }

  // ---- truncateAfter inside a coded batch frame

  /**
   * truncateAfter keeping part of a compressed or encrypted batch frame: the kept records must read
   * back, the cut ones be gone, and (encrypted) no plaintext reach the disk.
   */
  @ParameterizedTest
  @ValueSource(strings = {"zstd", "lz4", "encrypted"})
  void truncateAfterInsideACodedBatchFrameKeepsTheHeadOfTheBatch(String coding) throws Exception {
    LogConfig.Builder b = base().compressionMinBytes(0);
    if (coding.equals("encrypted")) {
      b.encryption(KEYS);
    } else {
      b.compression(coding.equals("zstd") ? Compression.ZSTD : Compression.LZ4);
    }
    LogConfig config = b.build();
    Path dir = tmp.resolve("log");
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(text("SECRET", 0));
      List<Entry> batch = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        batch.add(Entry.of(text("SECRET", i)));
      }
      log.appendBatch(batch); // indexes 2..6 in one coded frame
      log.truncateAfter(4); // keeps 2..4 of the batch
      assertThat(log.lastIndex()).isEqualTo(4);
      for (int i = 1; i <= 4; i++) {
        assertThat(log.read(i).payloadBytes()).isEqualTo(text("SECRET", i - 1));
      }
      log.append(text("SECRET", 99));
      assertThat(log.read(5).payloadBytes()).isEqualTo(text("SECRET", 99));
    }
    if (coding.equals("encrypted")) {
      for (Path p : Files.list(dir).toList()) {
        if (Files.isRegularFile(p)) {
          String s = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
          assertThat(s).as("plaintext on disk in %s", p.getFileName()).doesNotContain("SECRET");
        }
      }
    }
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.lastIndex()).isEqualTo(5);
      for (int i = 1; i <= 4; i++) {
        assertThat(log.read(i).payloadBytes()).isEqualTo(text("SECRET", i - 1));
      }
      assertThat(log.read(5).payloadBytes()).isEqualTo(text("SECRET", 99));
    }
  }

  /**
   * reset, clear and truncateAfter(firstIndex - 1) start a new segment: on a log that codes its
   * frames it must be a version 2 segment, or the next append fails.
   */
  @ParameterizedTest
  @ValueSource(strings = {"clear", "reset", "truncateAfter"})
  void aCodingLogAppendsAfterEveryRecordWasCut(String op) throws Exception {
    LogConfig config = base().encryption(KEYS).build();
    Path dir = tmp.resolve("log");
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(text("SECRET", 1));
      log.append(text("SECRET", 2));
      switch (op) {
        case "clear" -> log.clear();
        case "reset" -> log.reset(100);
        default -> log.truncateAfter(log.firstIndex() - 1);
      }
      long i = log.append(text("SECRET", 3));
      assertThat(log.read(i).payloadBytes()).isEqualTo(text("SECRET", 3));
    }
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.read(log.lastIndex()).payloadBytes()).isEqualTo(text("SECRET", 3));
    }
  }

  // ---- truncateBefore past records still in the write buffer

  static void copyDirectory(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path p : files.toList()) {
        if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".lock")) {
          Files.copy(p, to.resolve(p.getFileName()));
        }
      }
    }
  }

  /**
   * truncateBefore past the newest records, which sit in the write buffer: the metadata's first
   * index is then beyond what the file holds. A read-only open beside the writer must not call that
   * corruption.
   */
  @Test
  void readOnlyOpenBesideAWriterThatTruncatedBeforeBufferedRecords() throws Exception {
    LogConfig config = base().writeBufferBytes(1 << 16).build();
    Path dir = tmp.resolve("log");
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 1; i <= 10; i++) {
        log.append(text("r", i));
      }
      log.truncateBefore(9);
      try (Log reader = SegmentedLog.openReadOnly(dir, config, NioFileIO.INSTANCE)) {
        assertThat(reader.firstIndex()).isEqualTo(9);
      }
    }
  }

  /**
   * The same, then the process dies (the files as they are, the buffer lost): records in the buffer
   * were never reported durable and may be lost, but the log must open.
   */
  @Test
  void logOpensAfterAProcessCrashFollowingTruncateBeforeOverBufferedRecords() throws Exception {
    LogConfig config = base().writeBufferBytes(1 << 16).build();
    Path dir = tmp.resolve("log");
    Path crashed = tmp.resolve("crashed");
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 1; i <= 10; i++) {
        log.append(text("r", i));
      }
      log.truncateBefore(9);
      copyDirectory(dir, crashed); // what a killed process leaves: the buffer never written
    }
    try (Log log = SegmentedLog.open(crashed, config, NioFileIO.INSTANCE)) {
      assertThat(log.firstIndex()).isGreaterThanOrEqualTo(9);
      long i = log.append(text("after", 1));
      assertThat(log.read(i).payloadBytes()).isEqualTo(text("after", 1));
    }
  }

  // ---- readStream of a coded frame larger than RecordInputStream.VERIFIED_UP_TO

  @Test
  void readStreamOfALargeCompressedRecordReturnsItsPayload() throws Exception {
    LogConfig config = base().compression(Compression.LZ4).compressionMinBytes(0).build();
    // 3 MiB that LZ4 shrinks a little (so the coded frame is still over 1 MiB).
    byte[] payload = new byte[3 << 20];
    SplittableRandom rnd = new SplittableRandom(1);
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : 'a');
    }
    try (Log log = SegmentedLog.open(tmp.resolve("log"), config, NioFileIO.INSTANCE)) {
      long index = log.append(payload);
      assertThat(log.read(index).payloadBytes()).isEqualTo(payload);
      try (InputStream in = log.readStream(index)) {
        assertThat(in.readAllBytes()).isEqualTo(payload);
      }
    }
  }

  @Test
  void readStreamOfALargeEncryptedRecordReturnsItsPayload() throws Exception {
    LogConfig config = base().encryption(KEYS).build();
    byte[] payload = new byte[3 << 20];
    new SplittableRandom(2).nextBytes(payload);
    try (Log log = SegmentedLog.open(tmp.resolve("log"), config, NioFileIO.INSTANCE)) {
      long index = log.append(payload);
      try (InputStream in = log.readStream(index)) {
        assertThat(in.readAllBytes()).isEqualTo(payload);
      }
    }
  }

  // ---- the read-only follower after the writer truncated and appended again

  /**
   * A read-only tailer that returned records the writer then cut must not go on as if nothing
   * happened: the writer's truncateAfter + appends past the old end must be noticed (records gone),
   * never a silent mix of old and new records.
   */
  @Test
  void readOnlyTailerNoticesATruncationRefilledPastTheOldEnd() throws Exception {
    LogConfig config = base().build();
    Path dir = tmp.resolve("log");
    try (Log writer = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 1; i <= 10; i++) {
        writer.append(text("old", i));
      }
      try (Log reader = SegmentedLog.openReadOnly(dir, config, NioFileIO.INSTANCE);
          Tailer tailer = reader.tailer(1, Visibility.WRITTEN)) {
        for (int i = 1; i <= 10; i++) {
          assertThat(tailer.poll(Duration.ofSeconds(5)).payloadBytes()).isEqualTo(text("old", i));
        }
        writer.truncateAfter(5);
        for (int i = 6; i <= 15; i++) {
          writer.append(text("new", i)); // same lengths: frames land where the old ones were
        }
        assertThatThrownBy(() -> tailer.poll(Duration.ofSeconds(1)))
            .isInstanceOf(RecordsGoneException.class);
      }
    }
  }

  /** Same, with different record lengths: the follower must not stop seeing new records. */
  @Test
  void readOnlyLogSeesRecordsAppendedAfterATruncationRefilledPastTheOldEnd() throws Exception {
    LogConfig config = base().build();
    Path dir = tmp.resolve("log");
    try (Log writer = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 1; i <= 10; i++) {
        writer.append(text("old", i));
      }
      try (Log reader = SegmentedLog.openReadOnly(dir, config, NioFileIO.INSTANCE);
          Tailer tailer = reader.tailer(1, Visibility.WRITTEN)) {
        for (int i = 1; i <= 10; i++) {
          assertThat(tailer.poll(Duration.ofSeconds(5)).payloadBytes()).isEqualTo(text("old", i));
        }
        writer.truncateAfter(5);
        for (int i = 6; i <= 15; i++) {
          writer.append(("longer new record " + i).repeat(9).getBytes(StandardCharsets.UTF_8));
        }
        // Either the tailer learns its records 6..10 are gone, or it reads 11.. of the new ones
        // and a read of 6 gives the new record 6; never stuck at 10 for good.
        Record r;
        try {
          r = tailer.poll(Duration.ofSeconds(2));
        } catch (RecordsGoneException expected) {
          return;
        }
        assertThat(r).as("the follower never sees records past the old end").isNotNull();
      }
    }
  }

  // ---- group commit racing a roll whose retention retires the segment the fsync snapshot named

  /**
   * A group-commit leader snapshots the active segment, then fsyncs it; a roll by another appender
   * in between seals that segment (which fsyncs it) and retention may retire it at once. The
   * leader's fsync must not then fence the log. Probabilistic: several appenders under ALWAYS with
   * a segment per record and retention removing every sealed segment at each roll.
   */
  @Test
  void groupCommitLeaderDoesNotFenceTheLogWhenRetentionRetiredItsSegment() throws Exception {
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.ALWAYS)
            .segmentMaxRecords(1)
            .retentionBytes(1)
            .build();
    try (Log log = Log.open(tmp.resolve("log"), config, Storage.inMemory())) {
      int threads = 4;
      int perThread = 3000;
      List<Thread> ts = new ArrayList<>();
      java.util.concurrent.atomic.AtomicReference<Throwable> failure =
          new java.util.concurrent.atomic.AtomicReference<>();
      for (int t = 0; t < threads; t++) {
        Thread th =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < perThread && failure.get() == null; i++) {
                      log.append(new byte[] {1, 2, 3});
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                });
        ts.add(th);
        th.start();
      }
      for (Thread th : ts) {
        th.join(TimeUnit.SECONDS.toMillis(120));
        assertThat(th.isAlive()).as("appender %s finished", th.getName()).isFalse();
      }
      assertThat(failure.get()).isNull();
      assertThat(log.lastIndex()).isEqualTo((long) threads * perThread);
    }
  }

  // ---- a tailer whose read races a truncation

  /** Blocks reads on the thread named {@code blockedThread} once armed, until released. */
  static final class BlockingReadIO extends io.seglog.internal.io.ForwardingFileIO {
    final String blockedThread;
    volatile boolean armed;
    final java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    BlockingReadIO(String blockedThread) {
      super(NioFileIO.INSTANCE);
      this.blockedThread = blockedThread;
    }

    @Override
    protected io.seglog.internal.io.FileHandle wrap(
        Path file, io.seglog.internal.io.FileHandle handle) {
      return new ForwardingHandle(handle) {
        @Override
        public int read(java.nio.ByteBuffer dst, long position) throws java.io.IOException {
          if (armed && Thread.currentThread().getName().equals(blockedThread)) {
            armed = false;
            arrived.countDown();
            try {
              if (!release.await(60, TimeUnit.SECONDS)) {
                throw new java.io.IOException("the test never released the blocked read");
              }
            } catch (InterruptedException e) {
              throw new java.io.InterruptedIOException();
            }
          }
          return super.read(dst, position);
        }
      };
    }
  }

  /**
   * A tailer loading record 6 while truncateAfter(5) cuts it: the tailer never returned 6, so it
   * waits for the new record 6; a read failure caused by the cut is not the consumer's error.
   */
  @Test
  void tailerReadRacingATruncationWaitsInsteadOfFailing() throws Exception {
    LogConfig config = base().build();
    BlockingReadIO io = new BlockingReadIO("tailer-under-test");
    try (Log log = SegmentedLog.open(tmp.resolve("log"), config, io);
        Tailer tailer = log.tailer(1, Visibility.WRITTEN)) {
      for (int i = 1; i <= 5; i++) {
        log.append(text("r", i));
      }
      for (int i = 1; i <= 5; i++) {
        assertThat(tailer.poll(Duration.ofSeconds(5)).payloadBytes()).isEqualTo(text("r", i));
      }
      for (int i = 6; i <= 10; i++) {
        log.append(text("r", i));
      }
      java.util.concurrent.atomic.AtomicReference<Object> outcome =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  Record r = tailer.poll(Duration.ofMillis(300));
                  outcome.set(r == null ? "timeout" : r);
                } catch (Throwable e) {
                  outcome.set(e);
                }
              },
              "tailer-under-test");
      io.armed = true;
      t.start();
      assertThat(io.arrived.await(60, TimeUnit.SECONDS)).as("the tailer's read began").isTrue();
      log.truncateAfter(5); // the tailer's read of record 6 is in flight
      io.release.countDown();
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(t.isAlive()).as("the tailer's poll returned").isFalse();
      assertThat(outcome.get()).isEqualTo("timeout");
      long i = log.append(text("new", 6));
      assertThat(tailer.poll(Duration.ofSeconds(5)).payloadBytes()).isEqualTo(text("new", 6));
      assertThat(i).isEqualTo(6);
    }
  }

  // ---- a record stream whose record a truncation cuts

  /**
   * A stream of a large record that truncateAfter cuts (and an append replaces) while it is read:
   * the reader learns the record is gone, not that the log is corrupt.
   */
  @Test
  void recordStreamCutByATruncationReportsTheRecordGoneNotCorruption() throws Exception {
    LogConfig config = base().maxRecordBytes(8 << 20).build();
    byte[] first = new byte[3 << 20];
    byte[] second = new byte[3 << 20];
    new SplittableRandom(3).nextBytes(first);
    new SplittableRandom(4).nextBytes(second);
    try (Log log = SegmentedLog.open(tmp.resolve("log"), config, NioFileIO.INSTANCE)) {
      log.append(text("r", 1));
      long index = log.appendStream(new java.io.ByteArrayInputStream(first), first.length);
      InputStream in = log.readStream(index);
      assertThat(in.readNBytes(1000)).isEqualTo(java.util.Arrays.copyOf(first, 1000));
      log.truncateAfter(index - 1);
      log.appendStream(new java.io.ByteArrayInputStream(second), second.length);
      assertThatThrownBy(in::readAllBytes).isInstanceOf(RecordsGoneException.class);
      in.close();
    }
  }

  // ---- a read through the write buffer's view while the segment is sealed and its handle evicted

  /**
   * A read of the active segment goes through its write buffer's view of the file. If the segment
   * is sealed meanwhile and the handle pool closes its file, the read must still complete.
   */
  @Test
  void readThroughTheWriteBufferSurvivesSealAndHandleEviction() throws Exception {
    LogConfig config = base().writeBufferBytes(4096).maxOpenSegmentFiles(1).build();
    BlockingReadIO io = new BlockingReadIO("reader-under-test");
    try (Log log = SegmentedLog.open(tmp.resolve("log"), config, io)) {
      for (int i = 1; i <= 5; i++) {
        log.append(text("r", i));
      }
      log.sync(); // the buffer goes to the file: the read below reads the file
      java.util.concurrent.atomic.AtomicReference<Object> outcome =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  outcome.set(log.read(1));
                } catch (Throwable e) {
                  outcome.set(e);
                }
              },
              "reader-under-test");
      io.armed = true;
      t.start();
      assertThat(io.arrived.await(60, TimeUnit.SECONDS)).as("the read began").isTrue();
      log.roll(); // seals segment 1 and hands its handle to the pool
      log.append(text("r", 6));
      log.roll(); // seals segment 2: the pool (capacity 1) closes segment 1's file
      io.release.countDown();
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(t.isAlive()).as("the read returned").isFalse();
      assertThat(outcome.get()).isInstanceOf(Record.class);
      assertThat(((Record) outcome.get()).payloadBytes()).isEqualTo(text("r", 1));
    }
  }

  // ---- the zero-copy/reverse offsets cache vs a cut in place

  /**
   * A backward step inside a batch frame uses record offsets cached for (file, position). A cut in
   * place keeps the segment's path and a new batch may land at the same position: the cached
   * offsets of the old frame must not be used for it.
   */
  @Test
  void backwardReadInABatchFrameAppendedWhereACutFrameWas() throws Exception {
    LogConfig config = base().build();
    try (Log log = SegmentedLog.open(tmp.resolve("log"), config, NioFileIO.INSTANCE)) {
      log.append(text("a", 1));
      List<Entry> old = new ArrayList<>();
      for (int i = 2; i <= 6; i++) {
        old.add(Entry.of(("short" + i).getBytes(StandardCharsets.UTF_8)));
      }
      log.appendBatch(old);
      assertThat(log.read(6).payloadBytes()).isEqualTo("short6".getBytes(StandardCharsets.UTF_8));
      assertThat(log.read(3).payloadBytes()).isEqualTo("short3".getBytes(StandardCharsets.UTF_8));
      log.truncateAfter(1); // cuts at the batch frame's start: the next frame goes there
      List<Entry> fresh = new ArrayList<>();
      for (int i = 2; i <= 6; i++) {
        fresh.add(Entry.of(text("new", i)));
      }
      log.appendBatch(fresh);
      assertThat(log.read(6).payloadBytes()).isEqualTo(text("new", 6));
      assertThat(log.read(3).payloadBytes()).isEqualTo(text("new", 3));
    }
  }
}
