package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.PackedFrameProbe;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import io.seglog.testing.LogChecks;
import io.seglog.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Crashes of a log that packs single appends into shared frames (a write buffer under NONE or
 * INTERVAL; see "Packed single appends" in {@code SegmentedLog}'s class note), at every point of a
 * fixed workload: a torn write at every write (cut at several byte counts) followed by a process
 * crash, so that the torn prefix of a packed frame stays in the file; a process crash at every I/O
 * operation; a power loss at every I/O operation. After each, the log must open in the default mode
 * ({@link RecoveryMode#TAIL}), cutting at most the end of its last segment, hold an exact prefix of
 * what was appended that reaches every index reported durable ({@code sync()}'s result, any {@code
 * durableIndex()} seen), take more packed appends and reopen the same.
 *
 * <p>Also: a process that dies with a frame open (and with sealed frames still in the buffer) loses
 * exactly the records that never reached the file, and the log opens clean.
 *
 * <p>The INTERVAL configurations use an interval of an hour, so that the syncer never runs and the
 * I/O operations are the same in every run; the seeded model runs of seglog-reliability ({@code
 * ModelCrashTest}) cover a syncer running between the appends of a frame.
 */
class PackedCrashTest {
  static final UUID LOG_ID = UUID.fromString("9ac4ed00-0000-4000-8000-000000000001");
  static final SyncPolicy HOURLY = SyncPolicy.interval(Duration.ofHours(1));

  /** Bytes a torn write keeps: inside a frame header, at its end, inside records, past them. */
  static final int[] TORN_AT = {0, 1, 31, 32, 45, 300, 1000, 5000};

  @TempDir(factory = MemoryTempDir.class)
  static Path base;

  static final AtomicInteger RUNS = new AtomicInteger();

  /** What the scenarios met, summed and printed once (the test proves little if all are zero). */
  static final AtomicLong CUTS = new AtomicLong();

  static final AtomicLong LOST_UNSYNCED = new AtomicLong();
  static final AtomicLong SCENARIOS = new AtomicLong();

  /**
   * In {@code /dev/shm} when there is one: the durability is modelled by {@link
   * FaultInjectingFileIO}, so real fsyncs only cost time. Elsewhere the default temporary
   * directory.
   */
  public static final class MemoryTempDir implements TempDirFactory {
    @Override
    public Path createTempDirectory(
        AnnotatedElementContext elementContext, ExtensionContext extensionContext)
        throws Exception {
      Path shm = Path.of("/dev/shm");
      if (Files.isDirectory(shm) && Files.isWritable(shm)) {
        return Files.createTempDirectory(shm, "seglog-packed-crash");
      }
      return Files.createTempDirectory("seglog-packed-crash");
    }
  }

  @AfterAll
  static void summary() {
    System.out.printf(
        "PackedCrashTest: %d crash scenarios, %d recoveries that cut a torn tail, %d unsynced"
            + " records lost in all; nothing durable lost%n",
        SCENARIOS.get(), CUTS.get(), LOST_UNSYNCED.get());
  }

  /** A packing configuration: 4 KiB segments (a roll every ~30 records), a clock of its own. */
  record Setup(SyncPolicy policy, int buffer) {
    LogConfig config() {
      return LogConfig.builder()
          .syncPolicy(policy)
          .writeBufferBytes(buffer)
          .segmentBytes(4096)
          .maxRecordBytes(1024)
          .clock(new TestClock(1_700_000_000_000L))
          .build();
    }

    @Override
    public String toString() {
      return (policy == HOURLY ? "INTERVAL(1h)" : policy.toString()) + " buffer " + buffer;
    }
  }

  static List<Setup> setups() {
    return List.of(
        new Setup(SyncPolicy.NONE, 1024),
        new Setup(SyncPolicy.NONE, 64 * 1024),
        new Setup(HOURLY, 1024),
        new Setup(HOURLY, 64 * 1024));
  }

  /** What a run of {@link #workload} did. */
  static final class Outcome {
    final List<ExpectedRecord> attempted = new ArrayList<>();

    /** The highest index reported durable: sync()'s result, any durableIndex() seen. */
    long durable;

    RuntimeException failure;
    String failedAt;

    /** The log, still open after a failure; closed by {@link #closeDead} after the crash. */
    Log open;

    /** Closes the log of a dead process: stops its background work; its I/O fails. */
    void closeDead() {
      if (open != null) {
        try {
          open.close();
        } catch (SeglogException e) {
          // the process is dead
        }
        open = null;
      }
    }

    @Override
    public String toString() {
      return "attempted "
          + attempted.size()
          + ", durable "
          + durable
          + ", failed at "
          + failedAt
          + ": "
          + failure;
    }
  }

  /**
   * 90 single appends of 0 to 150 bytes (one in ten of 400 to 1000, which a 1 KiB buffer does not
   * pack) with explicit types and timestamps; a batch, two syncs, a read of the last record (which
   * seals an open frame), an explicit roll, and rolls by size; then a clean close. Stops at the
   * first exception, leaving the log open (for the crash to come).
   */
  static Outcome workload(Path dir, Setup setup, FaultInjectingFileIO io) {
    Outcome out = new Outcome();
    SegmentedLog log;
    try {
      log = SegmentedLog.open(dir, setup.config(), io, LOG_ID);
    } catch (SeglogException e) {
      out.failure = e;
      out.failedAt = "open";
      return out;
    }
    SplittableRandom rnd = new SplittableRandom(17);
    String step = "";
    try {
      for (int i = 0; i < 90; i++) {
        long next = out.attempted.size() + 1;
        if (i == 25 || i == 70) {
          step = "sync " + i;
          assertThat(log.sync()).as("sync()").isEqualTo(next - 1);
          out.durable = next - 1;
        } else if (i == 40) {
          step = "batch " + i;
          List<Entry> batch = new ArrayList<>();
          for (int j = 0; j < 3; j++) {
            byte[] p = new byte[rnd.nextInt(100)];
            rnd.nextBytes(p);
            batch.add(Entry.of(p, 200 + j, 5_000 + next + j));
            out.attempted.add(new ExpectedRecord(next + j, 5_000 + next + j, 200 + j, p));
          }
          assertThat(log.appendBatch(batch)).isEqualTo(next);
          next += 3;
        } else if (i == 50) {
          step = "read " + i;
          LogChecks.assertRecord(out.attempted.get((int) next - 2), log.read(next - 1));
        } else if (i == 60) {
          step = "roll " + i;
          log.roll();
        }
        step = "append " + next;
        byte[] p = new byte[i % 10 == 9 ? rnd.nextInt(400, 1000) : rnd.nextInt(151)];
        rnd.nextBytes(p);
        int type = rnd.nextInt(256);
        long ts = 1_000_000 + next * 7;
        out.attempted.add(new ExpectedRecord(next, ts, type, p));
        assertThat(log.append(Entry.of(p, type, ts))).as("index of the append").isEqualTo(next);
        out.durable = Math.max(out.durable, log.durableIndex());
      }
      step = "close";
      log.close();
      out.durable = out.attempted.size();
    } catch (SeglogException e) {
      out.failure = e;
      out.failedAt = step;
      out.durable = Math.max(out.durable, log.durableIndex());
      if (!step.equals("close")) {
        out.open = log;
      }
    }
    return out;
  }

  /**
   * Reopens with a healthy file system in the default mode: it cut nothing but the last segment's
   * tail, holds an exact prefix of what was attempted reaching every durable record; then takes 40
   * more packed appends (some rolled into new segments), is closed, and reopens clean with them.
   */
  static void reopenAndCheck(Path dir, Setup setup, Outcome out) {
    List<ExpectedRecord> present;
    try (Log log = SegmentedLog.open(dir, setup.config(), NioFileIO.INSTANCE, LOG_ID)) {
      checkTailOnlyRecovery(log);
      assertThat(log.firstIndex()).as("firstIndex").isEqualTo(1);
      long count = log.lastIndex();
      CUTS.addAndGet(log.recoveryReport().cuts().isEmpty() ? 0 : 1);
      LOST_UNSYNCED.addAndGet(out.attempted.size() - count);
      assertThat(count)
          .as("records after reopen: at least the durable ones, at most the attempted")
          .isBetween(out.durable, (long) out.attempted.size());
      present = new ArrayList<>(out.attempted.subList(0, (int) count));
      LogChecks.assertExactly(log, 1, present);
      SplittableRandom rnd = new SplittableRandom(count);
      for (int i = 0; i < 40; i++) {
        long next = present.size() + 1;
        byte[] p = new byte[rnd.nextInt(120)];
        rnd.nextBytes(p);
        assertThat(log.append(Entry.of(p, 9, 42 + i))).isEqualTo(next);
        present.add(new ExpectedRecord(next, 42 + i, 9, p));
      }
      LogChecks.assertExactly(log, 1, present);
    }
    try (Log log = SegmentedLog.open(dir, setup.config(), NioFileIO.INSTANCE)) {
      assertThat(log.recoveryReport().cuts()).as("cuts of a reopen after a clean close").isEmpty();
      LogChecks.assertExactly(log, 1, present);
    }
  }

  /** The open ran in TAIL mode and cut nothing but the end of the last segment. */
  static void checkTailOnlyRecovery(Log log) {
    RecoveryReport report = log.recoveryReport();
    assertThat(report.mode()).as("recovery mode").isEqualTo(RecoveryMode.TAIL);
    List<SegmentInfo> segments = log.segments();
    Path last = segments.get(segments.size() - 1).file();
    for (RecoveryReport.Cut cut : report.cuts()) {
      assertThat(cut.file()).as("a cut not in the last segment: %s", cut).isEqualTo(last);
      assertThat(cut.offset()).as("a cut of the last segment's header: %s", cut).isPositive();
    }
  }

  /** A crash scenario: arm the file system, run, crash or lose the power, reopen and check. */
  static DynamicTest scenario(
      String name, Setup setup, Consumer<FaultInjectingFileIO> arm, boolean powerLoss) {
    return DynamicTest.dynamicTest(
        name,
        () -> {
          Path dir = base.resolve("run-" + RUNS.incrementAndGet());
          FaultInjectingFileIO io = new FaultInjectingFileIO();
          if (powerLoss) {
            io.trackDurability(dir);
          }
          arm.accept(io);
          Outcome out = workload(dir, setup, io);
          try {
            assertThat(io.injectedFailures()).as("the armed failure happened").isNotEmpty();
            if (powerLoss) {
              io.powerLoss();
            } else {
              io.crash(); // a process crash: what was written to the files stays
            }
            out.closeDead();
            reopenAndCheck(dir, setup, out);
            SCENARIOS.incrementAndGet();
          } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                setup
                    + ", "
                    + name
                    + ": "
                    + out
                    + "\ninjected: "
                    + io.injectedFailures()
                    + "\n"
                    + e,
                e);
          } finally {
            out.closeDead();
          }
          FaultInjectionTest.deleteRecursively(dir);
        });
  }

  @TestFactory
  Stream<DynamicNode> tornWritesCrashesAndPowerLossesAtEveryPoint() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Setup setup : setups()) {
      Path healthyDir = base.resolve("healthy-" + RUNS.incrementAndGet());
      FaultInjectingFileIO healthy = new FaultInjectingFileIO();
      Outcome ok = workload(healthyDir, setup, healthy);
      assertThat(ok.failure).as("%s: the healthy run", setup).isNull();
      reopenAndCheck(healthyDir, setup, ok);
      long writes = healthy.count(Op.WRITE);
      long operations = healthy.totalOperations();
      List<DynamicTest> tests = new ArrayList<>();
      for (long n = 1; n <= writes; n++) {
        for (int bytes : TORN_AT) {
          long nth = n;
          tests.add(
              scenario(
                  "WRITE#" + nth + " torn after " + bytes + " bytes, then a process crash",
                  setup,
                  io -> io.tornWriteNth(nth, bytes),
                  false));
        }
      }
      for (long n = 1; n <= operations; n++) {
        long nth = n;
        tests.add(
            scenario(
                "process crash at operation " + nth, setup, io -> io.crashAtOperation(nth), false));
        tests.add(
            scenario(
                "power loss at operation " + nth, setup, io -> io.crashAtOperation(nth), true));
      }
      nodes.add(
          DynamicContainer.dynamicContainer(
              setup + " (" + writes + " writes, " + operations + " operations)", tests));
    }
    return nodes.stream();
  }

  // ---- a process crash with a frame open

  static Path activeFile(Log log) {
    List<SegmentInfo> s = log.segments();
    return s.get(s.size() - 1).file();
  }

  /**
   * 10 records synced; then 16 more (one frame, sealed as full), 3 more of which a read seals the
   * last, 5 more left in the open frame; the process dies. The 64 KiB buffer never wrote them: the
   * log reopens with exactly the 10. The 1 KiB buffer wrote some frames when it filled: those
   * survive whole, nothing after them. Either way the reopened files end where the dead process's
   * writes ended (no cut), and the open frame's records are gone.
   */
  @Test
  void aProcessCrashWithAFrameOpenLosesExactlyTheUnwrittenRecordsAndOpensClean() throws Exception {
    for (Setup setup : setups()) {
      Path dir = base.resolve("open-frame-" + RUNS.incrementAndGet());
      FaultInjectingFileIO io = new FaultInjectingFileIO();
      LogConfig config =
          LogConfig.builder()
              .syncPolicy(setup.policy())
              .writeBufferBytes(setup.buffer())
              .segmentBytes(1 << 20)
              .build();
      List<ExpectedRecord> expected = new ArrayList<>();
      SegmentedLog log = SegmentedLog.open(dir, config, io, LOG_ID);
      Path file = activeFile(log); // 1 MiB segments: no roll
      for (int i = 1; i <= 10; i++) {
        byte[] p = {(byte) i, 1, 2, 3};
        assertThat(log.append(Entry.of(p, i, 100 + i))).isEqualTo(i);
        expected.add(new ExpectedRecord(i, 100 + i, i, p));
      }
      assertThat(log.sync()).isEqualTo(10);
      long fileAfterSync = Files.size(file);
      for (int i = 11; i <= 34; i++) {
        byte[] p = new byte[40];
        p[0] = (byte) i;
        assertThat(log.append(Entry.of(p, 1, 100 + i))).isEqualTo(i);
        expected.add(new ExpectedRecord(i, 100 + i, 1, p));
        if (i == 29) {
          LogChecks.assertRecord(expected.get(28), log.read(29));
        }
      }
      // no call that publishes (lastIndex, segments, stats) from here to the crash: it would seal
      assertThat(PackedFrameProbe.hasOpenFrame(log)).as("%s: a frame is open", setup).isTrue();
      long published = PackedFrameProbe.publishedLastIndex(log);
      assertThat(published).as("%s: the read sealed 29", setup).isEqualTo(29);
      long inFileAtCrash = Files.size(file);
      if (setup.buffer() == 1024) {
        assertThat(inFileAtCrash)
            .as("%s: frames written when full", setup)
            .isGreaterThan(fileAfterSync);
      } else {
        assertThat(inFileAtCrash)
            .as("%s: nothing written after the sync", setup)
            .isEqualTo(fileAfterSync);
      }
      io.crash();
      try {
        log.close();
      } catch (SeglogException e) {
        // the process is dead: nothing more reaches the files
      }
      long last;
      List<ExpectedRecord> present;
      try (Log reopened = SegmentedLog.open(dir, config, NioFileIO.INSTANCE, LOG_ID)) {
        assertThat(reopened.recoveryReport().cuts())
            .as("%s: the file ends at a frame boundary", setup)
            .isEmpty();
        assertThat(Files.size(file))
            .as("%s: every byte the dead process wrote is kept", setup)
            .isEqualTo(inFileAtCrash);
        last = reopened.lastIndex();
        if (setup.buffer() == 1024) {
          assertThat(last)
              .as("%s: records written when the buffer filled", setup)
              .isBetween(11L, 28L);
        } else {
          assertThat(last).as("%s: only the synced records", setup).isEqualTo(10);
        }
        present = new ArrayList<>(expected.subList(0, (int) last));
        LogChecks.assertExactly(reopened, 1, present);
        for (int i = 1; i <= 20; i++) {
          byte[] p = {7, (byte) i};
          assertThat(reopened.append(Entry.of(p, 2, 3))).isEqualTo(last + i);
          present.add(new ExpectedRecord(last + i, 3, 2, p));
        }
      }
      try (Log again = SegmentedLog.open(dir, config, NioFileIO.INSTANCE, LOG_ID)) {
        assertThat(again.recoveryReport().cuts())
            .as("%s: cuts after a clean close", setup)
            .isEmpty();
        LogChecks.assertExactly(again, 1, present);
      }
    }
  }

  // ---- truncateAfter over unsynced (packed) records

  /**
   * A regression test: a power loss inside {@code truncateAfter}, after the metadata naming the
   * pending cut was committed and before the cut segment was fsynced, left a log the next open
   * refused ({@code CorruptLogException: segment is shorter than the cut offset N of the pending
   * truncation}) when the kept records of the active segment were not synced: the commit point was
   * durable, the bytes below the cut offset were not. With or without a write buffer. Now the
   * active segment is fsynced before that commit point.
   *
   * <p>{@code truncateAfter} into the active segment of a log whose last records are not synced (30
   * synced, then more appended until the active segment holds at least 6 records, none synced; the
   * cut keeps the active segment's first 3), with a power loss at every I/O operation of the call
   * and right after it returned: the log must open (TAIL) to an exact prefix of what was appended
   * holding every durable record, to exactly the kept records once the call returned, and take
   * appends. Also run without a write buffer: the bug it found is not one of packing.
   */
  @TestFactory
  Stream<DynamicNode> truncateAfterOverUnsyncedRecordsSurvivesAPowerLossAtEveryOperation() {
    List<DynamicNode> nodes = new ArrayList<>();
    List<Setup> setups = new ArrayList<>(setups());
    setups.add(0, new Setup(SyncPolicy.NONE, 0));
    for (Setup setup : setups) {
      TruncateRun healthy =
          truncateRun(base.resolve("trunc-healthy-" + RUNS.incrementAndGet()), setup, 0);
      List<DynamicTest> tests = new ArrayList<>();
      for (long nth = healthy.before + 1; nth <= healthy.done + 1; nth++) {
        long at = nth;
        boolean returned = nth > healthy.done;
        tests.add(
            DynamicTest.dynamicTest(
                "power loss at operation "
                    + (at - healthy.before)
                    + " of "
                    + (healthy.done - healthy.before)
                    + (returned ? " (after it returned)" : ""),
                () -> {
                  Path dir = base.resolve("trunc-" + RUNS.incrementAndGet());
                  TruncateRun run = truncateRun(dir, setup, at);
                  try (Log log = SegmentedLog.open(dir, setup.config(), NioFileIO.INSTANCE)) {
                    checkTailOnlyRecovery(log);
                    long last = log.lastIndex();
                    if (returned) {
                      assertThat(last)
                          .as("the call returned: exactly the kept records")
                          .isEqualTo(run.keep);
                    } else {
                      assertThat(last)
                          .as("a prefix holding the durable records")
                          .isBetween(run.durable, run.appended);
                    }
                    List<ExpectedRecord> present = new ArrayList<>();
                    for (long i = 1; i <= last; i++) {
                      present.add(truncateRecord(i));
                    }
                    LogChecks.assertExactly(log, 1, present);
                    assertThat(log.append(new byte[] {1})).isEqualTo(last + 1);
                  } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError(
                        setup + ": " + run + ", power loss at I/O operation " + at + "\n" + e, e);
                  }
                  FaultInjectionTest.deleteRecursively(dir);
                }));
      }
      nodes.add(
          DynamicContainer.dynamicContainer(
              setup + ", " + healthy.appended + " records, truncateAfter(" + healthy.keep + ")",
              tests));
    }
    return nodes.stream();
  }

  static ExpectedRecord truncateRecord(long index) {
    byte[] p = new byte[60];
    p[0] = (byte) index;
    p[59] = (byte) (index >> 8);
    return new ExpectedRecord(index, 500 + index, (int) (index % 7), p);
  }

  /** What {@link #truncateRun} did: records appended, durable before the call, the cut point. */
  record TruncateRun(long appended, long durable, long keep, long before, long done) {}

  /**
   * Appends 50 records (a sync after 30), then 10 more at a time until the active segment holds at
   * least 6, and runs {@code truncateAfter} of its third record, losing the power at I/O operation
   * {@code crashAt} (0: never; the log is then closed). Returns what it did and the operations
   * counted before the call and when it returned.
   */
  static TruncateRun truncateRun(Path dir, Setup setup, long crashAt) {
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir);
    if (crashAt > 0) {
      io.crashAtOperation(crashAt);
    }
    SegmentedLog log = SegmentedLog.open(dir, setup.config(), io, LOG_ID);
    long appended = 0;
    long durable = 0;
    long keep = -1;
    long before = -1;
    try {
      SegmentInfo active = null;
      while (appended < 50 || active.records() < 6) {
        for (int i = 0; i < 10 && appended < 500; i++) {
          ExpectedRecord e = truncateRecord(++appended);
          log.append(Entry.of(e.payload(), e.type(), e.timestamp()));
          if (appended == 30) {
            assertThat(log.sync()).isEqualTo(30);
          }
        }
        List<SegmentInfo> segments = log.segments(); // seals an open frame, writes nothing
        active = segments.get(segments.size() - 1);
        assertThat(appended).as("records appended").isLessThan(500);
      }
      durable = log.durableIndex();
      keep = active.baseIndex() + 2;
      assertThat(durable)
          .as("the kept records of the active segment are not synced")
          .isLessThan(keep);
      before = io.totalOperations();
      log.truncateAfter(keep);
      long done = io.totalOperations();
      if (crashAt == 0) {
        log.close();
        return new TruncateRun(appended, durable, keep, before, done);
      }
    } catch (SeglogException e) {
      assertThat(io.crashed()).as("failed without the crash: " + e).isTrue();
    }
    assertThat(before).as("the power went before truncateAfter").isPositive();
    io.powerLoss();
    try {
      log.close();
    } catch (SeglogException e) {
      // the process is dead
    }
    return new TruncateRun(appended, durable, keep, before, -1);
  }
}
