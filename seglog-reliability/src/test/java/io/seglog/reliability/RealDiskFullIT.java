package io.seglog.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.SeglogException;
import io.seglog.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real full disk (ENOSPC) on a small tmpfs and on a small loop-mounted ext4 (no reserved blocks,
 * so root gets ENOSPC too): the log appends under ALWAYS until the file system is full, next to a
 * ballast file. The failing append must throw a {@link SeglogException} caused by "No space left on
 * device", later appends {@link LogFencedException}. Then, still full: a read-only open must show
 * every acknowledged record, and a writable open either opens with all of them or refuses cleanly
 * (which one is printed; both are allowed by the contract). Then the ballast is deleted, and the
 * log must reopen with every acknowledged record and take appends. Needs root; skipped otherwise.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES) // a hang guard, not a performance bound
class RealDiskFullIT {
  static final long BALLAST_BYTES = 512 * 1024;

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}, {1} bytes, seed {2}")
  @CsvSource({"tmpfs, 4194304, 85001", "ext4, 8388608, 85002"})
  void aFullDiskFencesTheLogAndLosesNothingAcknowledged(String type, long bytes, long seed)
      throws Exception {
    String why = LoopFs.unavailable(type, false);
    assumeTrue(why == null, () -> "real disk-full test skipped: " + why);
    SplittableRandom rnd = new SplittableRandom(Scale.seed(seed));
    LogConfig config =
        LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).segmentBytes(256 * 1024).build();
    try (LoopFs fs = LoopFs.create(tmp, type, bytes, "-m", "0")) {
      Path ballast = fs.mountPoint().resolve("ballast");
      Files.write(ballast, new byte[(int) BALLAST_BYTES]);
      Path dir = fs.mountPoint().resolve("log");
      List<byte[]> sent = new ArrayList<>();
      long acked = 0;
      SeglogException failure = null;
      try (Log log = Log.open(dir, config)) {
        while (failure == null) {
          List<Entry> batch = new ArrayList<>();
          int n = rnd.nextInt(1, 17);
          for (int i = 0; i < n; i++) {
            byte[] p = Payloads.make(type, sent.size() + 1, rnd, 4000);
            sent.add(p);
            batch.add(Entry.of(p));
          }
          try {
            long first = log.appendBatch(batch);
            assertThat(first).isEqualTo(acked + 1);
            acked = first + n - 1;
          } catch (SeglogException e) {
            failure = e;
          }
        }
        assertThat(causes(failure)).as("%s", failure).contains("No space left on device");
        assertThatThrownBy(() -> log.append(new byte[] {1})).isInstanceOf(LogFencedException.class);
      } catch (SeglogException closing) {
        // closing a fenced log on a full disk may report it
      }
      long ackedBeforeFull = acked;
      assertThat(ackedBeforeFull).as("records acknowledged before the disk was full").isPositive();

      String whileFull;
      try (Log log = Log.openReadOnly(dir, config)) {
        assertThat(LogContentCheck.violations(log, 1, sent, acked)).isEmpty();
      }
      try (Log log = Log.open(dir, config)) {
        assertThat(LogContentCheck.violations(log, 1, sent, acked)).isEmpty();
        long last = log.lastIndex();
        sent.subList((int) last, sent.size()).clear();
        try {
          byte[] p = Payloads.make(type, last + 1, rnd, 4000);
          log.append(p);
          sent.add(p);
          acked = last + 1;
          whileFull = "opened with every acknowledged record; an append succeeded";
        } catch (SeglogException e) {
          whileFull = "opened with every acknowledged record; an append failed: " + e;
        }
      } catch (SeglogException e) {
        whileFull = "refused: " + e;
      }

      Files.delete(ballast);
      long last;
      try (Log log = Log.open(dir, config)) {
        assertThat(LogContentCheck.violations(log, 1, sent, acked)).isEmpty();
        last = log.lastIndex();
        sent.subList((int) last, sent.size()).clear();
        byte[] p = Payloads.make(type, last + 1, rnd, 100);
        assertThat(log.append(p)).isEqualTo(last + 1);
        sent.add(p);
      }
      try (Log log = Log.open(dir, config)) {
        assertThat(LogContentCheck.violations(log, 1, sent, last + 1)).isEmpty();
      }
      System.out.printf(
          "RealDiskFullIT %s: %d records acknowledged before ENOSPC (%s), all present; reopen"
              + " while full: %s; after freeing space: reopened, appended%n",
          type, ackedBeforeFull, failure, whileFull);
    }
  }

  private static String causes(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append(" / ");
    }
    return sb.toString();
  }
}
