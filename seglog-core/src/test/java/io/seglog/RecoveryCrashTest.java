package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.CorruptionTableTest.Original;
import io.seglog.CorruptionTableTest.Writes;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan.Frame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery is idempotent: a crash or a power loss at any operation of a recovering open, then a
 * healthy open, gives the same log as one uninterrupted recovery, with the cut bytes still kept,
 * exactly, in their side files (DESIGN.md section 5).
 */
class RecoveryCrashTest {
  @TempDir static Path base;
  static final AtomicInteger RUNS = new AtomicInteger();

  /** A damaged log and what one healthy recovery makes of it. */
  record Damaged(
      String name,
      RecoveryMode mode,
      Path dir,
      List<ExpectedRecord> records,
      List<RecoveryReport.Cut> cuts,
      DirectorySnapshot damagedFiles) {}

  interface Damage {
    void apply(Original o, Path dir) throws IOException;
  }

  static Damaged prepare(String name, RecoveryMode mode, Damage damage) throws IOException {
    Original o =
        CorruptionTableTest.write(
            Writes.NONE, base.resolve("orig-" + name), CorruptionTableTest.LOG_ID);
    Path dir = base.resolve("damaged-" + name);
    Files.createDirectories(dir);
    DirectorySnapshot.copyFiles(o.dir(), dir);
    damage.apply(o, dir);
    DirectorySnapshot damagedFiles = DirectorySnapshot.of(dir);
    Path reference = base.resolve("reference-" + name);
    Files.createDirectories(reference);
    DirectorySnapshot.copyFiles(dir, reference);
    LogConfig config = CorruptionTableTest.config(Writes.NONE, mode);
    try (Log log = SegmentedLog.open(reference, config, NioFileIO.INSTANCE)) {
      List<ExpectedRecord> kept = o.records().subList(0, (int) (log.lastIndex() - o.first() + 1));
      LogChecks.assertExactly(log, o.first(), kept);
      assertThat(log.recoveryReport().cuts()).as(name + ": the damage needs a cut").isNotEmpty();
      return new Damaged(name, mode, dir, kept, log.recoveryReport().cuts(), damagedFiles);
    }
  }

  static List<Damaged> cases() throws IOException {
    List<Damaged> cases = new ArrayList<>();
    cases.add(
        prepare(
            "torn-tail",
            RecoveryMode.TAIL,
            (o, dir) -> {
              Path seg = dir.resolve(o.last());
              byte[] b = Files.readAllBytes(seg);
              Files.write(seg, Arrays.copyOf(b, b.length - 7));
            }));
    cases.add(
        prepare(
            "second-to-last-frame-flipped",
            RecoveryMode.TAIL,
            (o, dir) -> {
              Path seg = dir.resolve(o.last());
              List<Frame> fs = o.frames().get(o.last());
              byte[] b = Files.readAllBytes(seg);
              b[(int) fs.get(fs.size() - 2).offset() + 40] ^= 4;
              Files.write(seg, b);
            }));
    cases.add(
        prepare(
            "point-in-time-middle-header",
            RecoveryMode.POINT_IN_TIME,
            (o, dir) -> {
              Path seg = dir.resolve(o.segments().get(1));
              byte[] b = Files.readAllBytes(seg);
              b[41] ^= 1;
              Files.write(seg, b);
              Files.delete(dir.resolve(FileNames.index(o.baseOf(o.segments().get(0)))));
              Files.write(dir.resolve(FileNames.METADATA + FileNames.TEMP_SUFFIX), new byte[3]);
            }));
    return cases;
  }

  /** Operations a healthy recovering open of {@code d} performs. */
  static long operationsOfRecovery(Damaged d) throws IOException {
    Path dir = copy(d);
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    Log log = SegmentedLog.open(dir, config(d), io);
    long total = io.totalOperations();
    log.close();
    return total;
  }

  static LogConfig config(Damaged d) {
    return CorruptionTableTest.config(Writes.NONE, d.mode);
  }

  static Path copy(Damaged d) throws IOException {
    Path dir = base.resolve("run-" + RUNS.incrementAndGet());
    Files.createDirectories(dir);
    DirectorySnapshot.copyFiles(d.dir, dir);
    return dir;
  }

  @TestFactory
  Stream<DynamicNode> crashOrPowerLossAtEveryOperationOfRecovery() throws IOException {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Damaged d : cases()) {
      long total = operationsOfRecovery(d);
      List<DynamicTest> tests = new ArrayList<>();
      for (long i = 1; i <= total; i++) {
        long nth = i;
        for (boolean powerLoss : new boolean[] {false, true}) {
          String name =
              d.name + " " + (powerLoss ? "power loss" : "crash") + " at operation " + nth;
          tests.add(DynamicTest.dynamicTest(name, () -> interruptedRecovery(d, nth, powerLoss)));
        }
      }
      nodes.add(DynamicContainer.dynamicContainer(d.name + " (" + total + " operations)", tests));
    }
    return nodes.stream();
  }

  static void interruptedRecovery(Damaged d, long nth, boolean powerLoss) throws IOException {
    Path dir = copy(d);
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir).crashAtOperation(nth);
    try {
      SegmentedLog.open(dir, config(d), io).close();
    } catch (SeglogException expected) {
      // the interrupted recovery
    }
    if (powerLoss) {
      io.powerLoss();
    } else {
      io.crash();
    }
    assertNoIndexFileWithoutItsSegment(dir);
    long first = d.records.isEmpty() ? 1 : d.records.get(0).index();
    try (Log log = SegmentedLog.open(dir, config(d), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, first, d.records);
    }
    // The bytes cut are kept, exactly, whichever recovery cut them.
    for (RecoveryReport.Cut cut : d.cuts) {
      String segment = cut.file().getFileName().toString();
      Path side = dir.resolve(FileNames.cut(dir.resolve(segment), cut.offset()).getFileName());
      byte[] damaged = d.damagedFiles.bytes(segment);
      assertThat(side).as("side file of " + cut).exists();
      assertThat(Files.readAllBytes(side))
          .as("side file of " + cut)
          .isEqualTo(Arrays.copyOfRange(damaged, (int) cut.offset(), damaged.length));
    }
    try (Log log = SegmentedLog.open(dir, config(d), NioFileIO.INSTANCE)) {
      assertThat(log.recoveryReport().cuts()).as("a third open cuts nothing").isEmpty();
      LogChecks.assertExactly(log, first, d.records);
      assertThat(log.append(new byte[] {1})).isEqualTo(first + d.records.size());
    }
    FaultInjectionTest.deleteRecursively(dir);
  }

  /**
   * An index file proves its segment was fsynced: one left without its segment would make the next
   * open refuse the log as having lost that segment. Moving a segment aside deletes its index file
   * first, so no crash leaves one.
   */
  static void assertNoIndexFileWithoutItsSegment(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (FileNames.isIndex(name)) {
          long base = FileNames.baseIndexOf(name);
          assertThat(dir.resolve(FileNames.segment(base)))
              .as("the segment of index file " + name + " after the interrupted recovery")
              .exists();
        }
      }
    }
  }
}
