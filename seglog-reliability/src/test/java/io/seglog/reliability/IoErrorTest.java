package io.seglog.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.seglog.Log;
import io.seglog.LogFencedException;
import io.seglog.SeglogException;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * I/O errors injected in process ({@link FaultInjectingFileIO}) into seeded random workloads: EIO
 * on a write or an fsync, once or from then on, a full disk (ENOSPC: the write that crosses a byte
 * budget writes what fits and fails), and a torn write. The Nth operation of the kind is chosen at
 * random within what a healthy run of the same workload does, so every case hits the workload.
 *
 * <p>Each case checks: the operation that met the error throws a {@link SeglogException}, never
 * returns; every later append and sync throws {@link LogFencedException} (the log is fenced and
 * never retries an fsync); reopening with a healthy disk recovers the log with every record
 * promised durable before the error, a contiguous prefix of what was sent, and appends working; a
 * second reopen finds the same log. For ENOSPC the log is first reopened while the disk is still
 * full, and what that does is counted and printed: it must either open with every promised record
 * or refuse with a clear exception, and change nothing that the healthy reopen then sees.
 */
class IoErrorTest {
  static final int CASES_PER_FAULT = 60;
  static final int OPERATIONS = 50;

  enum Fault {
    WRITE_EIO_ONCE,
    WRITE_EIO_PERSISTENT,
    FSYNC_EIO_ONCE,
    FSYNC_EIO_PERSISTENT,
    ENOSPC,
    TORN_WRITE
  }

  @TempDir(factory = MemoryTempDirFactory.class)
  Path tmp;

  @ParameterizedTest
  @EnumSource(Fault.class)
  void ioErrorFencesTheLogLosesNothingPromisedAndRecovers(Fault fault) throws IOException {
    long baseSeed = Scale.seed(84_000 + fault.ordinal() * 10_000L);
    int cases = Scale.of(CASES_PER_FAULT);
    Map<String, Integer> outcomes = new TreeMap<>();
    long promised = 0;
    for (int c = 0; c < cases; c++) {
      long seed = baseSeed + c;
      String where = fault + " seed " + seed;
      Path dir = tmp.resolve("case-" + c);

      // The same workload on a healthy, counting disk: how many writes, fsyncs and bytes it does.
      FaultInjectingFileIO counting = new FaultInjectingFileIO();
      Workload dry = new Workload(seed);
      try (Log log = SegmentedLog.open(tmp.resolve("dry-" + c), dry.config(), counting)) {
        dry.run(log, OPERATIONS);
      }
      assertThat(dry.failure).as(where).isNull();
      SimulatedPowerLossTest.deleteRecursively(tmp.resolve("dry-" + c));

      SplittableRandom rnd = new SplittableRandom(seed ^ 0xFA17);
      FaultInjectingFileIO io = new FaultInjectingFileIO();
      long writes = counting.count(Op.WRITE);
      long forces = counting.count(Op.FORCE);
      switch (fault) {
        case WRITE_EIO_ONCE -> io.failNth(Op.WRITE, rnd.nextLong(1, writes + 1), false);
        case WRITE_EIO_PERSISTENT -> io.failNth(Op.WRITE, rnd.nextLong(1, writes + 1), true);
        case FSYNC_EIO_ONCE -> io.failNth(Op.FORCE, rnd.nextLong(1, forces + 1), false);
        case FSYNC_EIO_PERSISTENT -> io.failNth(Op.FORCE, rnd.nextLong(1, forces + 1), true);
        case ENOSPC -> io.diskBudget(rnd.nextLong(0, counting.bytesWritten()));
        case TORN_WRITE -> io.tornWriteNth(rnd.nextLong(1, writes + 1), rnd.nextInt(0, 200));
      }

      Workload w = new Workload(seed);
      Log log = null;
      try {
        log = SegmentedLog.open(dir, w.config(), io);
      } catch (SeglogException e) {
        outcome(outcomes, "failed while creating the log");
      }
      if (log != null) {
        w.run(log, OPERATIONS);
        if (io.injectedFailures().isEmpty()) {
          // The fault falls in close(), which this workload reaches only here.
          outcome(outcomes, "hit close()");
        } else {
          if (w.failure == null) {
            fail(where + ": " + io.injectedFailures() + " injected but no operation failed");
          }
          assertThat(w.failure).as(where).isInstanceOf(SeglogException.class);
          outcome(outcomes, "fenced after " + w.failure.getClass().getSimpleName());
          Log fenced = log;
          assertThatThrownBy(() -> fenced.append(new byte[] {1}))
              .as("%s: an append after the error", where)
              .isInstanceOf(LogFencedException.class);
          assertThatThrownBy(fenced::sync)
              .as("%s: a sync after the error", where)
              .isInstanceOf(LogFencedException.class);
        }
        try {
          log.close();
        } catch (SeglogException e) {
          // closing a fenced log, or a close that met the fault, may report it
        }
      }
      if (fault == Fault.ENOSPC && log != null) {
        outcome(outcomes, "reopen while full: " + reopenWhileFull(dir, w, where));
      }
      promised += w.promised;
      long last = reopenAndCheck(dir, w, where, true);
      assertThat(reopenAndCheck(dir, w, where, false))
          .as("%s: second reopen", where)
          .isEqualTo(last);
      SimulatedPowerLossTest.deleteRecursively(dir);
    }
    System.out.printf(
        "IoErrorTest %s: %d cases, %d records promised before the error, none lost; outcomes %s%n",
        fault, cases, promised, outcomes);
  }

  private static String reopenWhileFull(Path dir, Workload w, String where) {
    FaultInjectingFileIO full = new FaultInjectingFileIO().diskBudget(0);
    try (Log log = SegmentedLog.open(dir, w.config(), full)) {
      assertThat(LogContentCheck.violations(log, 1, w.sent, w.promised)).as(where).isEmpty();
      try {
        log.append(new byte[] {1});
        return "opened, and an append succeeded";
      } catch (LogFencedException e) {
        return "opened, an append was fenced";
      }
    } catch (SeglogException e) {
      String message = e.getMessage().replace(dir.toString(), "DIR").replaceAll("[0-9]{20}", "N");
      return "refused with " + e.getClass().getSimpleName() + " (" + message + ")";
    }
  }

  /** Reopens with a healthy disk, checks, appends one record (kept in the model); the lastIndex. */
  private static long reopenAndCheck(Path dir, Workload w, String where, boolean append) {
    try (Log log = Log.open(dir, w.config())) {
      List<String> v = LogContentCheck.violations(log, 1, w.sent, w.promised);
      assertThat(v).as(where).isEmpty();
      long last = log.lastIndex();
      w.sent.subList((int) last, w.sent.size()).clear();
      if (append) {
        byte[] p = Payloads.make("after", last + 1, new SplittableRandom(last), 32);
        assertThat(log.append(p)).as("%s: append after recovery", where).isEqualTo(last + 1);
        log.sync();
        w.sent.add(p);
        w.promised = last + 1;
        return last + 1;
      }
      return last;
    }
  }

  private static void outcome(Map<String, Integer> outcomes, String what) {
    outcomes.merge(what, 1, Integer::sum);
  }
}
