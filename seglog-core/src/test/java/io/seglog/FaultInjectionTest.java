package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import io.seglog.testing.LogChecks;
import io.seglog.testing.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection at every commit point of a small fixed workload: creating the log, appends,
 * batches, sync, size-driven and explicit rolls (sealing a segment and creating the next), and
 * close. The workload is first run on a counting {@link FaultInjectingFileIO}; then, for every
 * operation kind and every N up to its count, it is run again with the Nth operation of that kind
 * failing; and again crashing at every operation; and with torn writes and a full disk.
 *
 * <p>After each injected failure: the append it hit throws {@link LogFencedException}, and so does
 * every later append when a write or an fsync failed; the log is closed (or the process "crashes")
 * and reopened with a healthy file system. Then every acknowledged record (every append that
 * returned) is there with its exact bytes, nothing but a prefix of what was attempted is there,
 * appends continue at the next index, and a second reopen finds the same log.
 */
class FaultInjectionTest {
  static final UUID LOG_ID = UUID.fromString("fa017000-0000-4000-8000-000000000001");

  @TempDir static Path base;
  static final AtomicInteger RUNS = new AtomicInteger();

  /** One step of the workload. */
  record Step(String name, List<Entry> entries) {
    static Step append(Entry e) {
      return new Step("append", List.of(e));
    }

    static Step batch(List<Entry> entries) {
      return new Step("appendBatch", entries);
    }

    static Step of(String name) {
      return new Step(name, List.of());
    }

    boolean appends() {
      return !entries.isEmpty();
    }
  }

  /**
   * About 30 records in 4096-byte segments: three rolls by size and one explicit roll, a batch, a
   * 0-byte record, two syncs, then a clean close.
   */
  static List<Step> workload() {
    SplittableRandom rnd = new SplittableRandom(7);
    List<Step> steps = new ArrayList<>();
    long ts = 1_000;
    for (int i = 0; i < 26; i++) {
      if (i == 8 || i == 21) {
        steps.add(Step.of("sync"));
      }
      if (i == 12) {
        steps.add(Step.of("roll"));
      }
      if (i == 17) {
        List<Entry> batch = new ArrayList<>();
        for (int j = 0; j < 4; j++) {
          byte[] p = new byte[rnd.nextInt(0, 250)];
          rnd.nextBytes(p);
          batch.add(Entry.of(p, 100 + j, ++ts));
        }
        steps.add(Step.batch(batch));
      }
      byte[] p = new byte[i == 3 ? 0 : rnd.nextInt(1, 400)];
      rnd.nextBytes(p);
      steps.add(Step.append(Entry.of(p, i, ++ts)));
    }
    steps.add(Step.of("close"));
    return steps;
  }

  static LogConfig config(SyncPolicy policy) {
    return LogConfig.builder()
        .syncPolicy(policy)
        .segmentBytes(4096)
        .maxRecordBytes(1024)
        .clock(new TestClock(1_700_000_000_000L))
        .build();
  }

  static ExpectedRecord expected(long index, Entry e) {
    byte[] p = new byte[e.size()];
    e.payload().get(p);
    return new ExpectedRecord(index, e.timestamp(), e.type(), p);
  }

  /** What a run of the workload did. */
  static final class Outcome {
    final List<ExpectedRecord> attempted = new ArrayList<>();
    int acked;

    /** Records the log said were durable (durableIndex, or all after a clean close). */
    long durable;

    boolean opened;
    String failedStep;
    RuntimeException failure;
    final List<String> notes = new ArrayList<>();

    @Override
    public String toString() {
      return "opened="
          + opened
          + ", attempted="
          + attempted.size()
          + ", acked="
          + acked
          + ", failed at "
          + failedStep
          + ": "
          + failure
          + (notes.isEmpty() ? "" : ", " + notes);
    }
  }

  /** Whether a failure of this kind of operation must fence the log. */
  static boolean fences(Op kind) {
    return kind == Op.WRITE || kind == Op.FORCE || kind == Op.FORCE_DIRECTORY;
  }

  /**
   * Runs the workload on {@code io}, asserting the fencing contract as failures surface. Stops at
   * the first exception from the log (after checking that later appends are refused); leaves the
   * log closed (close may throw after a failure) or, with {@code crash}, crashes the file system.
   */
  static Outcome runWorkload(
      Path dir, SyncPolicy policy, FaultInjectingFileIO io, Op kind, boolean crash) {
    Outcome out = new Outcome();
    Log log;
    try {
      log = SegmentedLog.open(dir, config(policy), io, LOG_ID);
    } catch (SeglogException e) {
      out.failedStep = "open";
      out.failure = e;
      assertThat(io.injectedFailures())
          .as("open failed without an injected failure: " + e)
          .isNotEmpty();
      return out;
    }
    out.opened = true;
    boolean closed = false;
    for (Step step : workload()) {
      long next = log.lastIndex() + 1;
      try {
        switch (step.name) {
          case "append" -> {
            out.attempted.add(expected(next, step.entries.get(0)));
            assertThat(log.append(step.entries.get(0))).isEqualTo(next);
            out.acked = out.attempted.size();
          }
          case "appendBatch" -> {
            for (int i = 0; i < step.entries.size(); i++) {
              out.attempted.add(expected(next + i, step.entries.get(i)));
            }
            assertThat(log.appendBatch(step.entries)).isEqualTo(next);
            out.acked = out.attempted.size();
          }
          case "sync" -> assertThat(log.sync()).isEqualTo(log.lastIndex());
          case "roll" -> log.roll();
          case "close" -> {
            closed = true;
            log.close();
          }
          default -> throw new IllegalStateException(step.name);
        }
        if (closed) {
          out.durable = out.acked;
        } else {
          out.durable = Math.max(out.durable, log.durableIndex());
        }
        if (policy == SyncPolicy.ALWAYS && step.appends()) {
          assertThat(log.durableIndex()).as("durableIndex under ALWAYS").isEqualTo(log.lastIndex());
        }
      } catch (SeglogException e) {
        out.failedStep = step.name;
        out.failure = e;
        // A failure injected here, or a persistent one (crash, full disk) injected earlier.
        assertThat(io.injectedFailures())
            .as("exception without an injected failure: " + e)
            .isNotEmpty();
        if (!closed) {
          afterFailure(log, step, e, kind, out);
        }
        break;
      } catch (RuntimeException e) {
        throw new AssertionError(
            "step " + step.name + " threw " + e + ", not a SeglogException (" + out + ")", e);
      }
    }
    if (crash) {
      io.crash();
    } else if (!closed) {
      try {
        log.close();
      } catch (SeglogException e) {
        out.notes.add("close threw " + e);
      }
    }
    return out;
  }

  /** The fencing contract, right after a failure surfaced from {@code step}. */
  static void afterFailure(Log log, Step step, RuntimeException e, Op kind, Outcome out) {
    boolean mustFence = kind == null || fences(kind) || step.name.equals("sync");
    if (step.appends() && mustFence) {
      assertThat(e)
          .as("the append that hit a failed " + kind + " throws LogFencedException")
          .isInstanceOf(LogFencedException.class);
    }
    if (step.name.equals("sync")) {
      assertThat(e).as("a failed sync fences").isInstanceOf(LogFencedException.class);
    }
    byte[] more = {42};
    long next = log.lastIndex() + 1;
    try {
      out.attempted.add(new ExpectedRecord(next, 77, 0, more));
      log.append(Entry.of(more, 0, 77));
      out.acked = out.attempted.size();
      if (mustFence) {
        fail("an append after a failed " + kind + " in " + step.name + " succeeded: " + e);
      }
      out.notes.add("append after the failure succeeded");
    } catch (LogFencedException fenced) {
      out.attempted.remove(out.attempted.size() - 1);
      assertThat(fenced.getCause()).as("a fenced append names the original failure").isNotNull();
      // and stays fenced
      try {
        log.append(more);
        fail("a second append after fencing succeeded");
      } catch (LogFencedException expected) {
        // the contract
      }
    } catch (SeglogException other) {
      out.attempted.remove(out.attempted.size() - 1);
      if (mustFence) {
        throw new AssertionError(
            "an append after a failed " + kind + " threw " + other + ", not LogFencedException",
            other);
      }
      out.notes.add("append after the failure threw " + other);
    }
  }

  /**
   * Reopens with a healthy file system and checks: every acknowledged record present and exact,
   * nothing beyond what was attempted, appends continue, a second reopen is stable.
   */
  static void reopenAndCheck(Path dir, SyncPolicy policy, Outcome out) {
    reopenAndCheck(dir, policy, out, out.acked);
  }

  /** As above, requiring only the first {@code mustHave} records (what survives a power loss). */
  static void reopenAndCheck(Path dir, SyncPolicy policy, Outcome out, long mustHave) {
    LogConfig config = config(policy);
    List<ExpectedRecord> present;
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE, LOG_ID)) {
      long first = log.firstIndex();
      assertThat(first).as("firstIndex").isEqualTo(1);
      long count = log.lastIndex() - first + 1;
      assertThat(count)
          .as("records after reopen: at least the acknowledged, at most the attempted")
          .isBetween(mustHave, (long) out.attempted.size());
      present = new ArrayList<>(out.attempted.subList(0, (int) count));
      LogChecks.assertExactly(log, 1, present);
      byte[] p = {9, 9, 9};
      long next = log.lastIndex() + 1;
      assertThat(log.append(Entry.of(p, 5, 99))).isEqualTo(next);
      present.add(new ExpectedRecord(next, 99, 5, p));
      assertThat(log.sync()).isEqualTo(next);
    }
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, present);
      assertThat(log.recoveryReport().cuts()).as("cuts of a reopen after a clean close").isEmpty();
    }
  }

  static Path newDir() {
    return newDir(base);
  }

  static Path newDir(Path under) {
    return under.resolve("run-" + RUNS.incrementAndGet());
  }

  static DynamicTest scenario(
      String name,
      SyncPolicy policy,
      Op kind,
      boolean crash,
      java.util.function.Consumer<FaultInjectingFileIO> arm) {
    return DynamicTest.dynamicTest(
        name,
        () -> {
          Path dir = newDir();
          FaultInjectingFileIO io = new FaultInjectingFileIO();
          arm.accept(io);
          Outcome out = null;
          try {
            out = runWorkload(dir, policy, io, kind, crash);
            assertThat(io.injectedFailures()).as("the armed failure happened").isNotEmpty();
            reopenAndCheck(dir, policy, out);
          } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                name + ": " + out + "\ninjected: " + io.injectedFailures() + "\n" + e.getMessage(),
                e);
          }
          deleteRecursively(dir);
        });
  }

  /** The file system of one healthy run of the workload, with its counts. */
  static FaultInjectingFileIO healthyRun(SyncPolicy policy) {
    return healthyRun(base, policy);
  }

  static FaultInjectingFileIO healthyRun(Path under, SyncPolicy policy) {
    Path dir = newDir(under);
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    Outcome out = runWorkload(dir, policy, io, null, false);
    assertThat(out.failure).as("healthy run").isNull();
    assertThat(out.acked).isEqualTo(out.attempted.size());
    reopenAndCheck(dir, policy, out);
    return io;
  }

  static final List<SyncPolicy> POLICIES = List.of(SyncPolicy.ALWAYS, SyncPolicy.NONE);
  static final List<Op> KINDS =
      List.of(
          Op.CREATE,
          Op.OPEN,
          Op.WRITE,
          Op.FORCE,
          Op.TRUNCATE,
          Op.RENAME,
          Op.DELETE,
          Op.FORCE_DIRECTORY,
          Op.CREATE_DIRECTORIES,
          Op.LIST,
          Op.LOCK,
          Op.READ);

  @TestFactory
  Stream<DynamicNode> failTheNthOperationOfEachKind() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (SyncPolicy policy : POLICIES) {
      Map<Op, Long> counts = healthyRun(policy).counts();
      for (Op kind : KINDS) {
        long n = counts.getOrDefault(kind, 0L);
        List<DynamicTest> tests = new ArrayList<>();
        for (long i = 1; i <= n; i++) {
          long nth = i;
          for (boolean crash : new boolean[] {false, true}) {
            tests.add(
                scenario(
                    policy
                        + " "
                        + kind
                        + "#"
                        + nth
                        + " fails"
                        + (crash ? ", then crash" : ", then close"),
                    policy,
                    kind,
                    crash,
                    io -> io.failNth(kind, nth, false)));
          }
        }
        nodes.add(DynamicContainer.dynamicContainer(policy + " " + kind + " (" + n + ")", tests));
      }
    }
    return nodes.stream();
  }

  @TestFactory
  Stream<DynamicNode> crashAtEveryOperation() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (SyncPolicy policy : POLICIES) {
      long total = healthyRun(policy).totalOperations();
      List<DynamicTest> tests = new ArrayList<>();
      for (long i = 1; i <= total; i++) {
        long nth = i;
        tests.add(
            scenario(
                policy + " crash at operation " + nth,
                policy,
                null,
                true,
                io -> io.crashAtOperation(nth)));
      }
      nodes.add(DynamicContainer.dynamicContainer(policy + " (" + total + " operations)", tests));
    }
    return nodes.stream();
  }

  @TestFactory
  Stream<DynamicNode> tornWrites() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (SyncPolicy policy : POLICIES) {
      long writes = healthyRun(policy).count(Op.WRITE);
      List<DynamicTest> tests = new ArrayList<>();
      for (long i = 1; i <= writes; i++) {
        long nth = i;
        for (int prefix : new int[] {1, 33, 5000}) {
          tests.add(
              scenario(
                  policy + " WRITE#" + nth + " torn after " + prefix + " bytes, then crash",
                  policy,
                  Op.WRITE,
                  true,
                  io -> io.tornWriteNth(nth, prefix)));
        }
      }
      nodes.add(DynamicContainer.dynamicContainer(policy + " (" + writes + " writes)", tests));
    }
    return nodes.stream();
  }

  @TestFactory
  Stream<DynamicNode> fullDisk() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (SyncPolicy policy : POLICIES) {
      long total = healthyRun(policy).bytesWritten();
      List<DynamicTest> tests = new ArrayList<>();
      for (long budget = 0; budget < total; budget += 151) {
        long b = budget;
        for (boolean crash : new boolean[] {false, true}) {
          tests.add(
              scenario(
                  policy + " disk full after " + b + " bytes" + (crash ? ", then crash" : ""),
                  policy,
                  Op.WRITE,
                  crash,
                  io -> io.diskBudget(b)));
        }
      }
      nodes.add(DynamicContainer.dynamicContainer(policy.toString(), tests));
    }
    return nodes.stream();
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(p);
      }
    }
  }
}
