package io.seglog.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The power-cut emulation itself, without seglog: a child ({@link RawFsyncWriter}) appends 64-byte
 * records to a plain file with an {@code fdatasync} after each and prints each one after its fsync
 * returned; the file system is shut down with {@code xfs_io -x -c shutdown} as in {@link
 * RealFsPowerLossIT}, and the file is read back after a remount.
 *
 * <p>Asserted: every record acknowledged before the shutdown was requested is there (the harness
 * and the file system keep fsynced data). Measured and printed, not asserted: how many records
 * acknowledged while the shutdown ioctl was under way (between the request and the child's death)
 * are lost. Those losses are the file system's, not seglog's: they are why {@link
 * RealFsPowerLossIT} requires only the promises read before the request.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES) // a hang guard, not a performance bound
class RawFsyncShutdownRaceIT {
  static final int CUTS = 8;
  static final int MAX_RECORDS = 3000;

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} seed {1}")
  @CsvSource({"ext4, 86001", "xfs, 86002"})
  void fsyncedDataSurvivesTheShutdownAndTheRaceWindowIsMeasured(String type, long defaultSeed)
      throws Exception {
    String why = LoopFs.unavailable(type, true);
    assumeTrue(why == null, () -> "real-file-system power-cut test skipped: " + why);
    long seed = Scale.seed(defaultSeed);
    SplittableRandom rnd = new SplittableRandom(seed);
    int cuts = Scale.of(CUTS);
    long ackedBefore = 0;
    long ackedInWindow = 0;
    long lostInWindow = 0;
    int cutsLosing = 0;
    long size = type.equals("xfs") ? 320L << 20 : 256L << 20;
    try (LoopFs fs = LoopFs.create(tmp, type, size)) {
      for (int cut = 0; cut < cuts; cut++) {
        String where = type + " seed " + seed + " cut " + cut;
        Path file = fs.mountPoint().resolve("raw-" + cut);
        Path stderr = tmp.resolve("stderr");
        List<String> command =
            new ArrayList<>(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    RawFsyncWriter.class.getName(),
                    file.toString(),
                    Integer.toString(MAX_RECORDS)));
        Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        long before = 0;
        long all = 0;
        try {
          AckStream out = new AckStream(child.getInputStream());
          if (!"OPEN".equals(out.nextLine())) {
            fail(where + ": child did not start: " + Files.readString(stderr));
          }
          long target = rnd.nextInt(1, 301);
          String line;
          while (before < target && (line = out.nextLine()) != null && line.startsWith("A ")) {
            before = Long.parseLong(line.substring(2));
          }
          all = before;
          fs.powerCut();
          child.toHandle().destroyForcibly();
          assertThat(child.waitFor(60, TimeUnit.SECONDS))
              .as("%s: the killed child exited", where)
              .isTrue();
          while ((line = out.nextLine()) != null) {
            if (line.startsWith("A ")) {
              all = Long.parseLong(line.substring(2));
            }
          }
        } finally {
          child.destroyForcibly();
          child.waitFor(60, TimeUnit.SECONDS); // bounded; no assertion, not to hide one in flight
        }
        fs.remount();
        long intact = intactRecords(file);
        assertThat(intact)
            .as("%s: records fsynced before the shutdown was requested", where)
            .isGreaterThanOrEqualTo(before);
        ackedBefore += before;
        ackedInWindow += all - before;
        if (intact < all) {
          lostInWindow += all - intact;
          cutsLosing++;
        }
      }
    }
    System.out.printf(
        "RawFsyncShutdownRaceIT %s seed %d: %d cuts; %d records fsynced before the shutdown was"
            + " requested, all present; %d acknowledged while it was under way, %d of them lost"
            + " in %d cuts%n",
        type, seed, cuts, ackedBefore, ackedInWindow, lostInWindow, cutsLosing);
  }

  /** How many records from the start of the file are intact. */
  private static long intactRecords(Path file) throws java.io.IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    byte[] all = Files.readAllBytes(file);
    long n = 0;
    while ((n + 1) * RawFsyncWriter.RECORD_BYTES <= all.length) {
      int from = (int) (n * RawFsyncWriter.RECORD_BYTES);
      byte[] rec = Arrays.copyOfRange(all, from, from + RawFsyncWriter.RECORD_BYTES);
      if (!Arrays.equals(rec, RawFsyncWriter.record(n + 1))) {
        break;
      }
      n++;
    }
    return n;
  }
}
