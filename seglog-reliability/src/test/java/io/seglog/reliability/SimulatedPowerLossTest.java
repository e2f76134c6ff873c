package io.seglog.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.RecoveryMode;
import io.seglog.RecoveryReport;
import io.seglog.SegmentInfo;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.FaultInjectingFileIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Power loss simulated in process, with seglog-core's durability model ({@link
 * FaultInjectingFileIO#trackDurability}: only fsynced bytes and directory-fsynced names survive):
 * seeded random workloads ({@link Workload}) crash at a random I/O operation or between two
 * operations, the directory is rewritten to what a power loss leaves, and the log is reopened and
 * checked with {@link LogContentCheck}.
 *
 * <p>The {@code PACKED_*} variants run the same cases with a write buffer, so that single appends
 * are packed into shared frames (see {@code SegmentedLog}'s class note): a power loss then finds
 * frames open in the buffer and half-flushed packed frames, and recovery must still keep every
 * promised record and cut nothing but the end of the last segment.
 *
 * <p>The healthy engine must show no violation in any case. The two negative controls run the same
 * cases with a {@link NoFsyncFileIO} between the engine and the model, so the engine acknowledges
 * what was never fsynced (data, or directory entries); the test fails unless the check catches lost
 * acknowledged records in them. The log is created healthy first, so a control is caught losing
 * records, not only failing to create a log.
 */
class SimulatedPowerLossTest {
  /** Cases per variant in the default build. */
  static final int CASES = 300;

  /** Operations per workload. */
  static final int OPERATIONS = 60;

  enum Variant {
    HEALTHY,
    /**
     * Healthy engine under NONE; a random prefix of the unsynced writes survives, the last torn.
     */
    HEALTHY_TORN_TAIL,
    /**
     * Healthy engine under NONE; a random subset of each file's unsynced writes survives, in any
     * order, one of them possibly torn (a disk reordering its write cache).
     */
    HEALTHY_REORDERED,
    /**
     * Packed single appends (a write buffer of 1 KiB or 64 KiB, chosen by the seed, under NONE): a
     * random prefix of the unsynced writes survives, the last torn, so a packed frame is often cut
     * in the middle.
     */
    PACKED_TORN_TAIL,
    /** Packed single appends under NONE; unsynced writes put back as {@link #HEALTHY_REORDERED}. */
    PACKED_REORDERED,
    /**
     * Packed single appends under INTERVAL (1 to 5 ms, so the syncer runs between the appends of a
     * frame); a torn prefix of the unsynced writes survives.
     */
    PACKED_INTERVAL_TORN_TAIL,
    NO_DATA_FSYNC,
    NO_DIRECTORY_FSYNC;

    boolean healthy() {
      return this != NO_DATA_FSYNC && this != NO_DIRECTORY_FSYNC;
    }

    boolean putsBackUnsyncedWrites() {
      return this != HEALTHY && healthy();
    }

    boolean reorders() {
      return this == HEALTHY_REORDERED || this == PACKED_REORDERED;
    }
  }

  @TempDir(factory = MemoryTempDirFactory.class)
  Path tmp;

  @ParameterizedTest
  @EnumSource(Variant.class)
  void powerLossAtRandomPoints(Variant variant) throws IOException {
    long baseSeed = Scale.seed(83_000);
    int cases = Scale.of(CASES);
    List<String> caught = new ArrayList<>();
    long promisedTotal = 0;
    for (int c = 0; c < cases; c++) {
      long seed = baseSeed + c;
      List<String> v = runCase(tmp.resolve("case-" + c), seed, variant);
      if (variant.healthy()) {
        assertThat(v).as("seed %d (replay: -Dseglog.seed=%d, case 0)", seed, seed).isEmpty();
      } else if (!v.isEmpty()) {
        caught.add("seed " + seed + ": " + v);
      }
      promisedTotal += lastPromised;
    }
    if (variant.healthy()) {
      if (variant.putsBackUnsyncedWrites()) {
        assertThat(writesPutBack)
            .as("unsynced writes put back after the power losses")
            .isPositive();
      }
      System.out.printf(
          "SimulatedPowerLossTest %s: %d power losses, %d promised records, none lost;"
              + " %d of %d unsynced writes put back%s%n",
          variant,
          cases,
          promisedTotal,
          writesPutBack,
          unsyncedWrites,
          variant.reorders()
              ? " ("
                  + inSurvivingFiles
                  + " in files whose names survived; a later write kept and an earlier one lost"
                  + " in "
                  + filesWithHoles
                  + " files)"
              : "");
      if (variant.reorders()) {
        assertThat(filesWithHoles).as("files left with a hole by the reordering").isPositive();
      }
    } else {
      assertThat(caught)
          .as("%s acknowledges what is not durable; the check must catch it", variant)
          .isNotEmpty();
      assertThat(caught).anyMatch(s -> s.contains("LOST ACKNOWLEDGED RECORDS"));
      System.out.printf(
          "SimulatedPowerLossTest negative control %s: caught in %d of %d cases, first: %s%n",
          variant, caught.size(), cases, caught.get(0));
    }
  }

  private long lastPromised;
  private long writesPutBack;
  private long unsyncedWrites;
  private long inSurvivingFiles;
  private long filesWithHoles;

  private List<String> runCase(Path dir, long seed, Variant variant) throws IOException {
    // Under ALWAYS nothing acknowledged is unsynced, so the torn-tail and reordered variants run
    // NONE.
    int packedBuffer = new SplittableRandom(seed ^ 0xB0FF).nextBoolean() ? 1024 : 64 * 1024;
    Workload w =
        switch (variant) {
          case HEALTHY_TORN_TAIL, HEALTHY_REORDERED -> new Workload(seed, SyncPolicy.NONE);
          case PACKED_TORN_TAIL, PACKED_REORDERED ->
              new Workload(seed, SyncPolicy.NONE, packedBuffer);
          case PACKED_INTERVAL_TORN_TAIL ->
              new Workload(
                  seed,
                  SyncPolicy.interval(Duration.ofMillis(1 + Math.floorMod(seed, 5))),
                  packedBuffer);
          default -> new Workload(seed);
        };
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EED);
    // A healthy, durable log holding one record: everything after it is what is under test.
    try (Log log = Log.open(dir, w.config())) {
      byte[] p = Payloads.make("creator", 0, rnd, 32);
      log.append(p);
      w.sent.add(p);
      w.promised = 1;
    }
    FaultInjectingFileIO model = new FaultInjectingFileIO().trackDurability(dir);
    w.crashed = model::crashed;
    if (rnd.nextBoolean()) {
      model.crashAtOperation(rnd.nextLong(1, 400));
    }
    UnsyncedWrites unsynced = new UnsyncedWrites(model);
    FileIO io =
        switch (variant) {
          case HEALTHY -> model;
          case HEALTHY_TORN_TAIL,
                  HEALTHY_REORDERED,
                  PACKED_TORN_TAIL,
                  PACKED_REORDERED,
                  PACKED_INTERVAL_TORN_TAIL ->
              unsynced;
          case NO_DATA_FSYNC -> new NoFsyncFileIO(model, true, false);
          case NO_DIRECTORY_FSYNC -> new NoFsyncFileIO(model, false, true);
        };
    try {
      Log log = SegmentedLog.open(dir, w.config(), io);
      w.run(log, rnd.nextInt(1, OPERATIONS + 1));
      // no close: the power goes
    } catch (RuntimeException e) {
      if (!model.crashed()) {
        throw e;
      }
    }
    if (w.failure != null && !model.crashed()) {
      throw new AssertionError("seed " + seed + ": workload failed without a fault", w.failure);
    }
    model.powerLoss();
    String replayed =
        switch (variant) {
          case HEALTHY_TORN_TAIL, PACKED_TORN_TAIL, PACKED_INTERVAL_TORN_TAIL ->
              unsynced.replayPrefix(rnd);
          case HEALTHY_REORDERED, PACKED_REORDERED -> unsynced.replaySubset(rnd);
          default -> "";
        };
    writesPutBack += unsynced.putBack();
    unsyncedWrites += unsynced.pendingCount();
    inSurvivingFiles += unsynced.inSurvivingFiles();
    filesWithHoles += unsynced.filesWithHoles();
    lastPromised = w.promised;
    List<String> v;
    try (Log log = Log.open(dir, w.config())) {
      v = LogContentCheck.violations(log, 1, w.sent, w.promised);
      if (v.isEmpty() && w.writeBufferBytes > 0) {
        v = onlyTheLastSegmentsTailCut(log);
      }
      if (v.isEmpty()) {
        long last = log.lastIndex();
        byte[] p = Payloads.make("after", last + 1, rnd, 32);
        assertThat(log.append(p)).as("seed %d: append after recovery", seed).isEqualTo(last + 1);
      }
    } catch (RuntimeException e) {
      v = List.of("reopen, check or append after the power loss failed: " + e);
    }
    if (!v.isEmpty() && !replayed.isEmpty()) {
      v = new ArrayList<>(v);
      v.add(replayed);
    }
    deleteRecursively(dir);
    return v;
  }

  /** Recovery ran in the default mode (TAIL) and cut nothing but the end of the last segment. */
  static List<String> onlyTheLastSegmentsTailCut(Log log) {
    List<String> v = new ArrayList<>();
    RecoveryReport report = log.recoveryReport();
    if (report.mode() != RecoveryMode.TAIL) {
      v.add("recovered in mode " + report.mode());
    }
    List<SegmentInfo> segments = log.segments();
    Path lastFile = segments.get(segments.size() - 1).file();
    for (RecoveryReport.Cut cut : report.cuts()) {
      if (!cut.file().equals(lastFile) || cut.offset() <= 0) {
        v.add("a cut other than the last segment's tail: " + cut);
      }
    }
    return v;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.delete(p);
      }
    }
  }
}
