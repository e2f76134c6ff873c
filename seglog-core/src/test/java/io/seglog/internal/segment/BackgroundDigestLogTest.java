package io.seglog.internal.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.SegmentInfo;
import io.seglog.SyncPolicy;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.LogChecks;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The background digest in a whole log: every sealed segment's trailer digest equals the SHA-256 of
 * its bytes before the trailer, after seeded random appends (batches, single records, streamed
 * records), cuts in place, rolls and reopens of the active segment, with and without a write
 * buffer; and a cut in place or a close (also of a fenced log) while the digester is blocked in a
 * read.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BackgroundDigestLogTest {
  private static final long SEGMENT = BackgroundDigester.MIN_SEGMENT_BYTES;

  @TempDir Path dir;
  private final DigesterProbeFileIO io = new DigesterProbeFileIO();

  @BeforeEach
  void needsADigester() {
    assumeTrue(
        BackgroundDigester.forLog("probe", SEGMENT) != null, "one CPU: no background digester");
  }

  @AfterEach
  void releaseTheDigester() {
    io.openGate();
  }

  private static LogConfig config(int buffer) {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(SEGMENT)
        .writeBufferBytes(buffer)
        .maxStreamedRecordBytes(1 << 20)
        .build();
  }

  private Log open(int buffer) {
    return SegmentedLog.open(dir, config(buffer), io);
  }

  @ParameterizedTest(name = "seed {0}, buffer {1}")
  @CsvSource({"1, 0", "2, 1048576", "3, 65536", "4, 1048576"})
  void everySealedDigestEqualsItsContent(long seed, int buffer) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    Log log = open(buffer);
    try {
      for (int op = 0; op < 1500; op++) {
        int dice = rnd.nextInt(1000);
        long last = log.lastIndex();
        if (dice < 900) {
          List<Entry> batch = new ArrayList<>();
          int n = 1 + rnd.nextInt(4);
          for (int i = 0; i < n; i++) {
            batch.add(
                Entry.of(payload(rnd, 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 200_000 : 9000))));
          }
          log.appendBatch(batch);
        } else if (dice < 915 && last >= log.firstIndex()) {
          // a cut in place, often inside a batch frame (rewritten shorter at the same offset)
          log.truncateAfter(Math.max(log.firstIndex() - 1, last - rnd.nextInt(12)));
        } else if (dice < 950) {
          byte[] p = payload(rnd, 1 + rnd.nextInt(300_000));
          log.appendStream(new ByteArrayInputStream(p), p.length);
        } else if (dice < 970) {
          log.roll();
        } else if (dice < 990) {
          log.close(); // the active segment, reopened: hashed again from offset 0
          log = open(buffer);
        } else {
          log.append(payload(rnd, 1 + rnd.nextInt(2_000_000)));
        }
      }
    } finally {
      log.close();
    }
    assertThat(io.digesterBytes()).as("the digester hashed part of the log").isPositive();
    assertDigestsMatchContent(4);
  }

  @Test
  void aCutInPlaceWhileTheDigesterIsBlockedLeavesCorrectDigests() throws Exception {
    SplittableRandom rnd = new SplittableRandom(7);
    try (Log log = open(0)) {
      appendBatches(log, rnd, 2_500_000);
      assertThat(io.awaitDigesterReadEnd(BackgroundDigester.WAKE_BYTES)).isTrue();
      CountDownLatch entered = io.closeGate();
      appendUntil(log, rnd, entered);
      // Inside a batch frame: the cut rewrites that frame, shorter, at the same offset.
      log.truncateAfter(log.lastIndex() - 2);
      io.openGate();
      appendBatches(log, rnd, 9_000_000); // rolls at least once
      log.roll();
    }
    assertDigestsMatchContent(2);
  }

  @Test
  void closeReturnsWhileTheDigesterIsBlockedAndTheLogReopens() throws Exception {
    SplittableRandom rnd = new SplittableRandom(8);
    Log log = open(1 << 20);
    appendBatches(log, rnd, 2_500_000);
    CountDownLatch entered = io.closeGate();
    appendUntil(log, rnd, entered);
    long last = log.lastIndex();
    CompletableFuture.runAsync(log::close).get(60, TimeUnit.SECONDS);
    io.openGate();
    try (Log again = open(1 << 20)) {
      assertThat(again.lastIndex()).isEqualTo(last);
      appendBatches(again, rnd, 5_000_000);
      again.roll();
    }
    assertDigestsMatchContent(1);
  }

  @Test
  void aFencedLogClosesWhileTheDigesterIsBlocked() throws Exception {
    SplittableRandom rnd = new SplittableRandom(9);
    Log log = open(0);
    CountDownLatch entered = io.closeGate();
    appendUntil(log, rnd, entered);
    io.failOtherWrites();
    assertThatThrownBy(() -> log.append(new byte[100])).isInstanceOf(LogFencedException.class);
    CompletableFuture.runAsync(log::close).get(60, TimeUnit.SECONDS);
  }

  /**
   * Appends until the digester reached the gate ({@code entered}), at most 32 MB, then waits for it
   * (bounded): where it stops depends on when its thread runs.
   */
  private static void appendUntil(Log log, SplittableRandom rnd, CountDownLatch entered)
      throws InterruptedException {
    for (int i = 0; i < 64 && entered.getCount() > 0; i++) {
      appendBatches(log, rnd, 500_000);
    }
    assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
  }

  private static void appendBatches(Log log, SplittableRandom rnd, long bytes) {
    long written = 0;
    while (written < bytes) {
      List<Entry> batch = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        byte[] p = payload(rnd, 1 + rnd.nextInt(4000));
        written += p.length;
        batch.add(Entry.of(p));
      }
      log.appendBatch(batch);
    }
  }

  private static byte[] payload(SplittableRandom rnd, int length) {
    byte[] p = new byte[length];
    rnd.nextBytes(p);
    return p;
  }

  /** Every sealed segment's digest is the SHA-256 of its bytes before its trailer. */
  private void assertDigestsMatchContent(int atLeast) throws Exception {
    List<SegmentInfo> sealed;
    try (Log log = SegmentedLog.open(dir, config(0), io)) {
      sealed = log.segments().stream().filter(SegmentInfo::sealed).toList();
    }
    assertThat(sealed).hasSizeGreaterThanOrEqualTo(atLeast);
    LogChecks.assertSealedDigestsMatchContent(sealed);
  }
}
