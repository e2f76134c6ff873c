package io.seglog.internal.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.seglog.Compression;
import io.seglog.Entry;
import io.seglog.KeyProvider;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogVerifier;
import io.seglog.Record;
import io.seglog.SegmentInfo;
import io.seglog.StateMachine;
import io.seglog.SyncPolicy;
import io.seglog.internal.checkpoint.CheckpointedLog;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.LogChecks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Review of the background digest: paths BackgroundDigestLogTest does not drive. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BackgroundDigestReviewTest {
  private static final long SEGMENT = BackgroundDigester.MIN_SEGMENT_BYTES;

  @TempDir Path dir;
  private final DigesterProbeFileIO io = new DigesterProbeFileIO();

  @BeforeEach
  void needsADigester() {
    assumeTrue(BackgroundDigester.forLog("probe", SEGMENT) != null, "one CPU");
  }

  private static LogConfig.Builder base(int buffer) {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(SEGMENT)
        .writeBufferBytes(buffer)
        .maxStreamedRecordBytes(3 << 20);
  }

  /** A state machine whose checkpoint is 1.5 MB of seeded bytes: checkpoint frames galore. */
  static final class Big implements StateMachine {
    long applied;

    @Override
    public void apply(Record record) {
      applied++;
    }

    @Override
    public void checkpoint(OutputStream out) throws IOException {
      byte[] b = new byte[1_500_000];
      new SplittableRandom(applied).nextBytes(b);
      out.write(b);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      in.readAllBytes();
    }
  }

  @ParameterizedTest(name = "buffer {0}")
  @CsvSource({"0", "1048576", "65536"})
  void checkpointFramesOfAStateMachineLog(int buffer) throws Exception {
    SplittableRandom rnd = new SplittableRandom(buffer);
    LogConfig config = base(buffer).build();
    for (int round = 0; round < 3; round++) {
      try (var log = CheckpointedLog.open(dir, config, io, new Big(), null)) {
        for (int i = 0; i < 40; i++) {
          appendBatches(log, rnd, 300_000);
          if (i % 7 == 0) {
            log.checkpoint();
          }
        }
        log.roll();
      }
    }
    assertThat(io.digesterBytes()).isPositive();
    assertDigestsMatchContent(config, 3);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"NONE", "LZ4", "ZSTD"})
  void encryptedAndCompressed(Compression codec) throws Exception {
    byte[] k = new byte[32];
    new SplittableRandom(5).nextBytes(k);
    LogConfig config =
        base(1 << 20)
            .compression(codec)
            .compressionMinBytes(0)
            .encryption(KeyProvider.of(1, Map.of(1, k)))
            .build();
    SplittableRandom rnd = new SplittableRandom(6);
    for (int round = 0; round < 2; round++) {
      try (Log log = SegmentedLog.open(dir, config, io)) {
        appendBatches(log, rnd, 9_000_000);
        log.truncateAfter(log.lastIndex() - 3);
        appendBatches(log, rnd, 3_000_000);
      }
    }
    assertDigestsMatchContent(config, 2);
  }

  /** A source that yields {@code good} bytes, then throws (or yields more than the limit). */
  private static ReadableByteChannel failingSource(
      SplittableRandom rnd, long good, boolean throwIt) {
    return new ReadableByteChannel() {
      long given;

      @Override
      public int read(ByteBuffer dst) throws IOException {
        if (given >= good) {
          if (throwIt) {
            throw new IOException("source broke");
          }
        }
        int n = Math.min(dst.remaining(), 30_000);
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        dst.put(b);
        given += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
  }

  @ParameterizedTest(name = "buffer {0}")
  @CsvSource({"0", "1048576"})
  void failedStreamsCutBackWhileTheDigesterRuns(int buffer) throws Exception {
    LogConfig config = base(buffer).build();
    SplittableRandom rnd = new SplittableRandom(77 + buffer);
    try (Log log = SegmentedLog.open(dir, config, io)) {
      for (int i = 0; i < 12; i++) {
        appendBatches(log, rnd, 1_200_000);
        long at = log.lastIndex();
        // Written (payload first), then cut back: 2.5 MB, past several wake-ups.
        assertThatThrownBy(() -> log.appendStream(failingSource(rnd, 2_500_000, true), 3 << 20))
            .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> log.appendStream(failingSource(rnd, 0, false), 2 << 20))
            .isInstanceOf(RuntimeException.class);
        assertThat(log.lastIndex()).isEqualTo(at);
        byte[] p = new byte[1 + rnd.nextInt(2_000_000)];
        rnd.nextBytes(p);
        log.appendStream(new java.io.ByteArrayInputStream(p), p.length);
      }
    }
    assertThat(io.digesterBytes()).isPositive();
    assertDigestsMatchContent(config, 2);
  }

  @Test
  void intervalSyncAndManyAppendersWithABuffer() throws Exception {
    LogConfig config = base(1 << 18).syncPolicy(SyncPolicy.interval(Duration.ofMillis(1))).build();
    try (Log log = SegmentedLog.open(dir, config, io)) {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int seed = t;
        all.add(
            CompletableFuture.runAsync(
                () -> appendBatches(log, new SplittableRandom(seed), 8_000_000)));
      }
      for (CompletableFuture<Void> f : all) {
        f.get(120, TimeUnit.SECONDS);
      }
      log.roll();
    }
    assertDigestsMatchContent(config, 4);
  }

  @ParameterizedTest(name = "seed {0}, buffer {1}")
  @CsvSource({"1, 0", "2, 1048576", "3, 0", "4, 65536"})
  void cutsIntoSealedSegmentsThenRollsAndReopens(long seed, int buffer) throws Exception {
    LogConfig config = base(buffer).build();
    SplittableRandom rnd = new SplittableRandom(seed);
    Log log = SegmentedLog.open(dir, config, io);
    try {
      for (int op = 0; op < 60; op++) {
        appendBatches(log, rnd, 200_000 + rnd.nextInt(2_000_000));
        int dice = rnd.nextInt(10);
        long last = log.lastIndex();
        if (dice < 4 && last > log.firstIndex()) {
          // often into an earlier, sealed segment: it becomes the active one again
          log.truncateAfter(Math.max(log.firstIndex(), last - rnd.nextInt(1500)));
        } else if (dice < 6) {
          log.roll();
        } else if (dice < 7) {
          log.close();
          log = SegmentedLog.open(dir, config, io);
        }
      }
      log.roll();
    } finally {
      log.close();
    }
    assertDigestsMatchContent(config, 1);
  }

  @Test
  void theDigesterThreadEndsWithTheLog() throws Exception {
    LogConfig config = base(0).build();
    String name = "seglog-digest-" + dir.getFileName();
    try (Log log = SegmentedLog.open(dir, config, io)) {
      appendBatches(log, new SplittableRandom(1), 3_000_000);
      assertThat(alive(name)).isTrue();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (alive(name) && System.nanoTime() - deadline < 0) {
      Thread.sleep(1);
    }
    assertThat(alive(name)).isFalse();
  }

  private static boolean alive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  private static void appendBatches(Log log, SplittableRandom rnd, long bytes) {
    long written = 0;
    while (written < bytes) {
      List<Entry> batch = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        byte[] p = new byte[1 + rnd.nextInt(4000)];
        rnd.nextBytes(p);
        written += p.length;
        batch.add(Entry.of(p));
      }
      log.appendBatch(batch);
    }
  }

  private void assertDigestsMatchContent(LogConfig config, int atLeast) throws Exception {
    assertThat(LogVerifier.verify(dir).intact()).as(LogVerifier.verify(dir).toString()).isTrue();
    List<SegmentInfo> sealed;
    try (Log log = SegmentedLog.open(dir, config, io)) {
      sealed = log.segments().stream().filter(SegmentInfo::sealed).toList();
    }
    assertThat(sealed).hasSizeGreaterThanOrEqualTo(atLeast);
    LogChecks.assertSealedDigestsMatchContent(sealed);
  }
}
