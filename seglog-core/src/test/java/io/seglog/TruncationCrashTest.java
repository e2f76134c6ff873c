package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A crash, or a power loss, at every I/O operation of each multi-file operation (truncateAfter in a
 * batch of a sealed segment, at a sealed segment's end, in the active segment, down to an empty
 * log; truncateBefore; reset below and above; clear; retention): the log reopens to exactly the
 * state before or the state after, never a mix, never an error, and a third open agrees. The
 * operations are counted by tracing a healthy run first; "after the last operation" is included: a
 * power loss right after the operation returned must open to the state after it.
 */
class TruncationCrashTest {
  static Path base;
  static final AtomicInteger RUNS = new AtomicInteger();

  static final LogConfig CONFIG =
      LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build();

  /** The state of a log: its first index and its records. */
  record State(long first, List<ExpectedRecord> records) {
    State after(long newFirst, long keepThrough) {
      List<ExpectedRecord> kept = new ArrayList<>();
      for (ExpectedRecord r : records) {
        if (r.index() >= newFirst && r.index() <= keepThrough) {
          kept.add(r);
        }
      }
      return new State(newFirst, kept);
    }

    boolean matches(Log log) {
      try {
        LogChecks.assertExactly(log, first, records);
        return true;
      } catch (AssertionError e) {
        return false;
      }
    }
  }

  record Scenario(String name, LogConfig config, Consumer<Log> op, State after) {
    Scenario(String name, Consumer<Log> op, State after) {
      this(name, CONFIG, op, after);
    }
  }

  static Path template;
  static State before;

  /** 4 to 5 segments of 4 KiB holding batches of 5 records (frames [1..5], [6..10], ...). */
  @BeforeAll
  static void writeTemplate() throws IOException {
    base = Files.createTempDirectory("seglog-trunc-crash");
    template = base.resolve("template");
    List<ExpectedRecord> records = new ArrayList<>();
    try (Log log = SegmentedLog.open(template, CONFIG, NioFileIO.INSTANCE)) {
      for (int b = 0; b < 14; b++) {
        List<Entry> batch = new ArrayList<>();
        List<ExpectedRecord> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          long index = b * 5L + i + 1;
          byte[] p = new byte[150 + i];
          java.util.Arrays.fill(p, (byte) index);
          batch.add(Entry.of(p, i, 1000 + index));
          expected.add(new ExpectedRecord(index, 1000 + index, i, p));
        }
        log.appendBatch(batch);
        records.addAll(expected);
      }
      assertThat(log.segments().size()).as("segments of the template").isGreaterThanOrEqualTo(4);
    }
    before = new State(1, records);
  }

  @AfterAll
  static void cleanUp() throws IOException {
    FaultInjectionTest.deleteRecursively(base);
  }

  static List<Scenario> scenarios() {
    List<SegmentInfo> segs;
    try (Log log = Log.openReadOnly(template, CONFIG)) {
      segs = log.segments();
    }
    SegmentInfo second = segs.get(1);
    long secondLast = second.baseIndex() + second.records() - 1;
    long inSecond = second.baseIndex() + 2; // not a batch boundary: batches start at 5k + 1
    if ((inSecond - 1) % 5 == 4) {
      inSecond++;
    }
    long inActive = 68; // the last batch is [66..70]
    long mid = segs.get(2).baseIndex() + 1;
    List<Scenario> list = new ArrayList<>();
    long k1 = inSecond;
    list.add(
        new Scenario(
            "truncateAfter(" + k1 + ") inside a batch of a sealed segment",
            log -> log.truncateAfter(k1),
            before.after(1, k1)));
    list.add(
        new Scenario(
            "truncateAfter(" + secondLast + ") at the end of a sealed segment",
            log -> log.truncateAfter(secondLast),
            before.after(1, secondLast)));
    list.add(
        new Scenario(
            "truncateAfter(" + inActive + ") inside a batch of the active segment",
            log -> log.truncateAfter(inActive),
            before.after(1, inActive)));
    list.add(
        new Scenario(
            "truncateAfter(0) empties the log", log -> log.truncateAfter(0), before.after(1, 0)));
    list.add(
        new Scenario(
            "truncateBefore(" + mid + ")",
            log -> log.truncateBefore(mid),
            before.after(mid, Long.MAX_VALUE)));
    list.add(new Scenario("reset(40)", log -> log.reset(40), before.after(40, 39)));
    list.add(new Scenario("reset(500)", log -> log.reset(500), before.after(500, 499)));
    list.add(new Scenario("clear()", log -> log.clear(), before.after(71, 70)));
    long retainedFirst = segs.get(segs.size() - 2).baseIndex();
    // A limit that keeps exactly the last two segments: every older sealed segment goes.
    LogConfig retain = CONFIG.toBuilder().retentionRecords(70 - retainedFirst + 1).build();
    list.add(
        new Scenario(
            "applyRetention() by record count",
            retain,
            log -> assertThat(log.applyRetention().firstIndex()).isEqualTo(retainedFirst),
            before.after(retainedFirst, Long.MAX_VALUE)));
    return list;
  }

  static LogConfig configFor(Scenario s) {
    return s.config();
  }

  static void perform(Scenario s, Log log) {
    s.op().accept(log);
  }

  static Path copy() throws IOException {
    Path dir = base.resolve("run-" + RUNS.incrementAndGet());
    Files.createDirectories(dir);
    DirectorySnapshot.copyFiles(template, dir);
    return dir;
  }

  /** Operations of a healthy open, and of the operation itself. */
  static long[] trace(Scenario s) throws IOException {
    Path dir = copy();
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    Log log = SegmentedLog.open(dir, configFor(s), io);
    long opened = io.totalOperations();
    perform(s, log);
    long done = io.totalOperations();
    assertThat(s.after().matches(log))
        .as(s.name() + ": the healthy run reaches the after state")
        .isTrue();
    log.close();
    try (Log again = SegmentedLog.open(dir, configFor(s), NioFileIO.INSTANCE)) {
      assertThat(s.after().matches(again)).as(s.name() + ": after state survives reopen").isTrue();
    }
    FaultInjectionTest.deleteRecursively(dir);
    return new long[] {opened, done};
  }

  @TestFactory
  Stream<DynamicNode> crashOrPowerLossAtEveryOperation() throws IOException {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Scenario s : scenarios()) {
      long[] t = trace(s);
      List<DynamicTest> tests = new ArrayList<>();
      for (long nth = t[0] + 1; nth <= t[1] + 1; nth++) {
        long at = nth;
        boolean returned = nth > t[1];
        for (boolean powerLoss : new boolean[] {false, true}) {
          String name =
              (powerLoss ? "power loss" : "crash")
                  + " at operation "
                  + (at - t[0])
                  + " of "
                  + (t[1] - t[0])
                  + (returned ? " (after it returned)" : "");
          tests.add(DynamicTest.dynamicTest(name, () -> run(s, at, powerLoss, returned)));
        }
      }
      nodes.add(DynamicContainer.dynamicContainer(s.name(), tests));
    }
    return nodes.stream();
  }

  static void run(Scenario s, long crashAt, boolean powerLoss, boolean returned)
      throws IOException {
    Path dir = copy();
    FaultInjectingFileIO io =
        new FaultInjectingFileIO().trackDurability(dir).crashAtOperation(crashAt);
    Log log = SegmentedLog.open(dir, configFor(s), io);
    try {
      perform(s, log);
      log.close(); // crashes at its first operation when the operation itself did not
    } catch (SeglogException expected) {
      // the crash
    }
    assertThat(io.crashed()).as("the crash happened").isTrue();
    if (powerLoss) {
      io.powerLoss();
    } else {
      io.crash();
    }
    try (Log reopened = SegmentedLog.open(dir, configFor(s), NioFileIO.INSTANCE)) {
      boolean isBefore = before.matches(reopened);
      boolean isAfter = s.after().matches(reopened);
      if (returned) {
        assertThat(isAfter)
            .as("the operation returned: the log opens to the state after it")
            .isTrue();
      } else if (!isBefore && !isAfter) {
        fail(
            "the log opened to neither the state before nor after: first "
                + reopened.firstIndex()
                + ", last "
                + reopened.lastIndex());
      }
      List<Path> segments = SegmentScan.segments(dir);
      if (segments.size() > 1) {
        assertThat(FileNames.baseIndexOf(segments.get(1).getFileName().toString()))
            .as("no segment wholly below the first index is left after the open")
            .isGreaterThan(reopened.firstIndex());
      }
      long next = reopened.lastIndex() + 1;
      assertThat(reopened.append(new byte[] {7})).as("appends continue").isEqualTo(next);
      reopened.truncateAfter(next - 1);
    }
    try (Log third = SegmentedLog.open(dir, configFor(s), NioFileIO.INSTANCE)) {
      assertThat(before.matches(third) || s.after().matches(third))
          .as("a third open agrees")
          .isTrue();
      assertThat(third.recoveryReport().cuts()).as("nothing left to cut").isEmpty();
    }
    FaultInjectionTest.deleteRecursively(dir);
  }
}
