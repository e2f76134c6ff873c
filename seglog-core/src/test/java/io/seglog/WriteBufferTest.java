package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import io.seglog.testing.LogChecks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogConfig#writeBufferBytes()}: appends buffered in user space for the active segment.
 * Readers see buffered records; the file gets them when the buffer fills, before every fsync, on
 * roll and on close; a failed flush fences the log; nothing reported durable is ever lost, also
 * through process crashes and full disks at every write.
 */
class WriteBufferTest {
  static final UUID LOG_ID = UUID.fromString("b0ff0000-0000-4000-8000-000000000001");

  @TempDir Path dir;

  static LogConfig config(SyncPolicy policy, int buffer) {
    return LogConfig.builder()
        .syncPolicy(policy)
        .segmentBytes(8192)
        .maxRecordBytes(2000)
        .writeBufferBytes(buffer)
        .build();
  }

  static Path activeFile(Log log) {
    List<SegmentInfo> s = log.segments();
    return s.get(s.size() - 1).file();
  }

  @Test
  void bufferedRecordsAreReadableBeforeTheyReachTheFileAndReachItOnSync() throws IOException {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE, 4096))) {
      long fileSizeAtStart = Files.size(activeFile(log));
      List<ExpectedRecord> expected = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        byte[] p = new byte[50 + i];
        Arrays.fill(p, (byte) i);
        long index = log.append(Entry.of(p, i, 1000 + i));
        expected.add(new ExpectedRecord(index, 1000 + i, i, p));
      }
      assertThat(Files.size(activeFile(log)))
          .as("nothing written to the file before the buffer fills or a sync")
          .isEqualTo(fileSizeAtStart);
      LogChecks.assertExactly(log, 1, expected);
      assertThat(log.durableIndex()).isEqualTo(0);

      assertThat(log.sync()).isEqualTo(10);
      assertThat(Files.size(activeFile(log))).isEqualTo(log.stats().totalBytes());
      LogChecks.assertExactly(log, 1, expected);
    }
  }

  @Test
  void aFullBufferIsWrittenAndAFrameLargerThanTheBufferGoesStraightToTheFile() throws IOException {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE, 512))) {
      List<ExpectedRecord> expected = new ArrayList<>();
      SplittableRandom rnd = new SplittableRandom(3);
      for (int i = 0; i < 200; i++) {
        byte[] p = new byte[i % 17 == 0 ? 600 + rnd.nextInt(1000) : rnd.nextInt(120)];
        rnd.nextBytes(p);
        long index = log.append(Entry.of(p, 0, 7));
        expected.add(new ExpectedRecord(index, 7, 0, p));
        long inFile = Files.size(activeFile(log));
        long published = log.segments().get(log.segments().size() - 1).bytes();
        assertThat(published - inFile)
            .as("bytes only in the buffer after append %d", i)
            .isBetween(0L, 512L);
      }
      assertThat(log.segments().size()).as("rolled several times").isGreaterThan(3);
      LogChecks.assertExactly(log, 1, expected);
    }
    try (Log log = Log.open(dir, config(SyncPolicy.NONE, 512))) {
      assertThat(log.recoveryReport().cuts()).as("a clean close flushed everything").isEmpty();
      assertThat(log.lastIndex()).isEqualTo(200);
    }
  }

  @Test
  void sealedSegmentsCarryTheSameDigestAsAReadBackOfTheirContent() throws Exception {
    List<SegmentInfo> sealed;
    try (Log log = Log.open(dir, config(SyncPolicy.NONE, 1024))) {
      SplittableRandom rnd = new SplittableRandom(5);
      for (int i = 0; i < 300; i++) {
        byte[] p = new byte[rnd.nextInt(300)];
        rnd.nextBytes(p);
        log.append(p);
      }
      sealed = log.segments().stream().filter(SegmentInfo::sealed).toList();
    }
    assertThat(sealed).hasSizeGreaterThan(3);
    LogChecks.assertSealedDigestsMatchContent(sealed);
    try (Log log = Log.open(dir, config(SyncPolicy.NONE, 1024))) {
      // a reopened active segment with content: its digest is completed by a read-back at seal
      log.append(new byte[10]);
      log.roll();
      SegmentInfo s = log.segments().get(log.segments().size() - 2);
      byte[] bytes = Files.readAllBytes(s.file());
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(bytes, 0, bytes.length - SegmentFormat.TRAILER_FRAME_BYTES);
      assertThat(s.digest()).isEqualTo(HexFormat.of().formatHex(sha.digest()));
    }
  }

  @Test
  void underAlwaysEveryAcknowledgedAppendSurvivesAProcessCrash() {
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    List<ExpectedRecord> expected = new ArrayList<>();
    SegmentedLog log = SegmentedLog.open(dir, config(SyncPolicy.ALWAYS, 4096), io, LOG_ID);
    for (int i = 0; i < 40; i++) {
      byte[] p = {(byte) i, 1, 2};
      long index = log.append(Entry.of(p, 0, 9));
      expected.add(new ExpectedRecord(index, 9, 0, p));
      assertThat(log.durableIndex()).isEqualTo(index);
    }
    io.crash();
    try (Log reopened =
        SegmentedLog.open(dir, config(SyncPolicy.ALWAYS, 4096), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(reopened, 1, expected);
    }
  }

  /** What a run of {@link #workload} did. */
  static final class Outcome {
    final List<ExpectedRecord> attempted = new ArrayList<>();
    long durable;
    RuntimeException failure;
  }

  /**
   * Appends 120 records of 0..299 bytes with a sync every 25 and an explicit roll, into 8 KiB
   * segments through a 1 KiB buffer, then closes; stops at the first failure, then checks the log
   * refuses appends (fenced) and closes it (or crashes).
   */
  static Outcome workload(Path dir, SyncPolicy policy, FaultInjectingFileIO io, boolean crash) {
    Outcome out = new Outcome();
    SegmentedLog log;
    try {
      log = SegmentedLog.open(dir, config(policy, 1024), io, LOG_ID);
    } catch (SeglogException e) {
      out.failure = e;
      return out;
    }
    SplittableRandom rnd = new SplittableRandom(11);
    boolean closed = false;
    try {
      for (int i = 0; i < 120; i++) {
        byte[] p = new byte[rnd.nextInt(300)];
        rnd.nextBytes(p);
        long next = log.lastIndex() + 1;
        out.attempted.add(new ExpectedRecord(next, 5, 0, p));
        assertThat(log.append(Entry.of(p, 0, 5))).isEqualTo(next);
        if (i % 25 == 24) {
          assertThat(log.sync()).isEqualTo(next);
        }
        if (i == 60) {
          log.roll();
        }
        out.durable = Math.max(out.durable, log.durableIndex());
      }
      closed = true;
      log.close();
      out.durable = out.attempted.size();
    } catch (SeglogException e) {
      out.failure = e;
      if (!closed) {
        assertThatThrownBy(() -> log.append(new byte[1]))
            .as("an append after a failed write or fsync (%s)", e)
            .isInstanceOf(LogFencedException.class);
      }
    }
    if (crash) {
      io.crash();
    } else if (!closed) {
      try {
        log.close();
      } catch (SeglogException e) {
        // reported; what matters is what reopening finds
      }
    }
    return out;
  }

  /** Reopens healthy: a prefix of what was attempted, holding at least every durable record. */
  static void reopenAndCheck(Path dir, SyncPolicy policy, Outcome out) {
    try (Log log = SegmentedLog.open(dir, config(policy, 1024), NioFileIO.INSTANCE, LOG_ID)) {
      long count = log.lastIndex() - log.firstIndex() + 1;
      assertThat(count)
          .as("records after reopen: at least the durable ones, at most the attempted")
          .isBetween(out.durable, (long) out.attempted.size());
      LogChecks.assertExactly(log, 1, out.attempted.subList(0, (int) count));
      long next = log.append(new byte[] {1});
      assertThat(next).isEqualTo(count + 1);
    }
  }

  static DynamicTest scenario(
      String name,
      SyncPolicy policy,
      boolean crash,
      java.util.function.Consumer<FaultInjectingFileIO> arm,
      Path base,
      int[] run) {
    return DynamicTest.dynamicTest(
        name,
        () -> {
          Path d = base.resolve("run-" + run[0]++);
          FaultInjectingFileIO io = new FaultInjectingFileIO();
          arm.accept(io);
          Outcome out = workload(d, policy, io, crash);
          try {
            assertThat(io.injectedFailures()).as("the armed failure happened").isNotEmpty();
            if (out.failure == null && !crash) {
              fail("no failure surfaced from an injected " + io.injectedFailures());
            }
            reopenAndCheck(d, policy, out);
          } catch (AssertionError e) {
            throw new AssertionError(
                name + ": failure " + out.failure + ", durable " + out.durable + "\n" + e, e);
          }
        });
  }

  @TestFactory
  Stream<DynamicTest> everyFailedWriteFullDiskAndCrashKeepsEveryDurableRecord() {
    List<DynamicTest> tests = new ArrayList<>();
    int[] run = {0};
    for (SyncPolicy policy : List.of(SyncPolicy.NONE, SyncPolicy.ALWAYS)) {
      FaultInjectingFileIO healthy = new FaultInjectingFileIO();
      Outcome ok = workload(dir.resolve("healthy-" + policy), policy, healthy, false);
      assertThat(ok.failure).isNull();
      reopenAndCheck(dir.resolve("healthy-" + policy), policy, ok);
      long writes = healthy.count(Op.WRITE);
      long forces = healthy.count(Op.FORCE);
      long total = healthy.bytesWritten();
      long operations = healthy.totalOperations();
      for (long n = 1; n <= writes; n++) {
        long nth = n;
        for (boolean crash : n % 2 == 0 ? new boolean[] {false} : new boolean[] {false, true}) {
          tests.add(
              scenario(
                  policy + " WRITE#" + nth + " fails" + (crash ? ", then crash" : ""),
                  policy,
                  crash,
                  io -> io.failNth(Op.WRITE, nth, false),
                  dir,
                  run));
        }
      }
      for (long n = 1; n <= forces; n++) {
        long nth = n;
        tests.add(
            scenario(
                policy + " FORCE#" + nth + " fails",
                policy,
                false,
                io -> io.failNth(Op.FORCE, nth, false),
                dir,
                run));
      }
      for (long budget = 0; budget < total; budget += 1009) {
        long b = budget;
        tests.add(
            scenario(
                policy + " disk full after " + b + " bytes",
                policy,
                false,
                io -> io.diskBudget(b),
                dir,
                run));
      }
      for (long n = 1; n <= operations; n += 7) {
        long nth = n;
        tests.add(
            scenario(
                policy + " crash at operation " + nth,
                policy,
                true,
                io -> io.crashAtOperation(nth),
                dir,
                run));
      }
    }
    return tests.stream();
  }
}
