package io.seglog.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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
 * Process crashes: {@code seglog append DIR --sync MODE} is started as a child process, fed a
 * stream of self-checking records, and killed with SIGKILL at a seeded random moment; the log is
 * then reopened with the library in this JVM and checked ({@link LogContentCheck}), and the next
 * cycle appends to the same log. Every index the child printed is kept in this JVM and in an
 * acknowledgement journal outside the log directory.
 *
 * <p>A SIGKILL keeps the page cache, so what the child printed must survive under every policy:
 * under {@code always} because it was fsynced, under {@code interval} and {@code none} because it
 * was written to the OS before it was printed (the CLI's contract). So this test asserts, for all
 * three modes, that every acknowledged record is present with its exact payload, that the log is a
 * contiguous prefix of what was sent (nothing invented, nothing reordered), and that appends work
 * after recovery.
 *
 * <p>The kill moment: the test feeds bursts of 1..64 lines and waits for their acknowledgements
 * until a random number of records (0..150) is acknowledged, then writes a last burst of 0..200
 * lines, waits for a random part of their acknowledgements (so the kill lands while the child
 * appends, fsyncs or rolls a segment) and kills. Waiting on the child's output is the only
 * synchronization; there is no sleep. With 0 acknowledgements the kill lands during JVM start or
 * recovery. Every other cycle checks through a writable open that appends one record and closes
 * cleanly; the others check through a read-only open, so that the next child recovers the crashed
 * log itself (and may be killed while it does).
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES) // a hang guard for -Plong, not a performance bound
class ProcessCrashIT {
  /** Kill cycles per mode in the default build; three modes make 210. */
  static final int CYCLES_PER_MODE = 70;

  static final long SEGMENT_BYTES = 64 * 1024;

  static final Path JAR =
      Path.of(System.getProperty("seglog.jar", "../seglog-cli/target/seglog.jar"))
          .toAbsolutePath()
          .normalize();

  @TempDir Path tmp;

  @ParameterizedTest(name = "--sync {0}, seed {1}")
  @CsvSource({"always, 81001", "interval, 81002", "none, 81003"})
  void everyAcknowledgedRecordSurvivesSigkill(String mode, long defaultSeed) throws Exception {
    assertThat(JAR).as("seglog-cli must be packaged first").isRegularFile();
    long seed = Scale.seed(defaultSeed);
    int cycles = Scale.of(CYCLES_PER_MODE);
    SplittableRandom rnd = new SplittableRandom(seed);
    Path dir = tmp.resolve("log");
    LogConfig config =
        LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).segmentBytes(SEGMENT_BYTES).build();
    List<byte[]> sent = new ArrayList<>(); // index i holds sent.get(i - 1)
    long acked = 0; // highest index the child ever printed
    long seq = 0;
    long totalAcks = 0;
    long recovered = 0; // records kept beyond the acknowledged ones
    try (BufferedWriter journal = Files.newBufferedWriter(tmp.resolve("acks-" + mode + ".txt"))) {
      for (int cycle = 0; cycle < cycles; cycle++) {
        String where = "--sync " + mode + " seed " + seed + " cycle " + cycle;
        long base = sent.size(); // the log holds exactly [1, base] now
        Path stderr = tmp.resolve("stderr-" + cycle);
        Process child =
            new ProcessBuilder(
                    javaCommand(
                        "append",
                        dir.toString(),
                        "--sync",
                        mode,
                        "--segment-bytes",
                        Long.toString(SEGMENT_BYTES)))
                .redirectError(stderr.toFile())
                .start();
        long cycleAcks = 0;
        try (OutputStream in = child.getOutputStream()) {
          AckStream acks = new AckStream(child.getInputStream());
          int target = rnd.nextInt(0, 151);
          long fed = 0;
          while (cycleAcks < target) {
            int lines = rnd.nextInt(1, 65);
            feed(in, lines, sent, mode, seq + 1, rnd);
            seq += lines;
            fed += lines;
            while (cycleAcks < fed) {
              cycleAcks += expectAck(acks, base + cycleAcks + 1, where, stderr, journal);
            }
          }
          int inFlight = rnd.nextInt(0, 201);
          feed(in, inFlight, sent, mode, seq + 1, rnd);
          seq += inFlight;
          int waitFor = rnd.nextInt(0, inFlight + 1);
          for (int i = 0; i < waitFor; i++) {
            cycleAcks += expectAck(acks, base + cycleAcks + 1, where, stderr, journal);
          }
          // SIGKILL through the handle: Process.destroyForcibly() would also close our end of the
          // child's stdout, and what it printed before dying must still be read.
          child.toHandle().destroyForcibly();
          assertThat(child.waitFor(60, TimeUnit.SECONDS))
              .as("%s: the killed child exited", where)
              .isTrue();
          // Whatever it printed before dying is acknowledged too.
          long index;
          while ((index = acks.nextIndex()) >= 0) {
            assertThat(index)
                .as("%s: acknowledgement order", where)
                .isEqualTo(base + cycleAcks + 1);
            journal.write(index + "\n");
            cycleAcks++;
          }
        } finally {
          child.destroyForcibly();
          child.waitFor(60, TimeUnit.SECONDS); // bounded; no assertion, not to hide one in flight
        }
        journal.flush();
        totalAcks += cycleAcks;
        acked = Math.max(acked, base + cycleAcks);
        boolean writable = cycle % 2 == 0;
        try (Log log = writable ? Log.open(dir, config) : Log.openReadOnly(dir, config)) {
          List<String> violations = LogContentCheck.violations(log, 1, sent, acked);
          if (!violations.isEmpty()) {
            fail(where + ": " + violations + "\nchild stderr: " + Files.readString(stderr));
          }
          long last = log.lastIndex();
          recovered += last - (base + cycleAcks);
          sent.subList((int) last, sent.size()).clear(); // never written: forget them
          if (writable) {
            byte[] p = Payloads.make("verifier", ++seq, rnd, 64);
            assertThat(log.append(p)).as("%s: append after recovery", where).isEqualTo(last + 1);
            sent.add(p);
            acked = last + 1;
          }
        }
        Files.delete(stderr);
      }
    }
    try (Log log = Log.open(dir, config)) {
      assertThat(LogContentCheck.violations(log, 1, sent, acked)).isEmpty();
    }
    // Output to files, so that a hung verify cannot hang the test in a read of its pipe.
    Path out = tmp.resolve("verify.out");
    Path err = tmp.resolve("verify.err");
    Process verify =
        new ProcessBuilder(javaCommand("verify", dir.toString()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      assertThat(verify.waitFor(5, TimeUnit.MINUTES))
          .as("seglog verify exited: %s %s", Files.readString(out), Files.readString(err))
          .isTrue();
    } finally {
      verify.destroyForcibly();
    }
    assertThat(verify.exitValue())
        .as("seglog verify: %s %s", Files.readString(out), Files.readString(err))
        .isZero();
    System.out.printf(
        "ProcessCrashIT --sync %s seed %d: %d kill cycles, %d acknowledged records, all present;"
            + " %d unacknowledged records recovered too; final log %d records%n",
        mode, seed, cycles, totalAcks, recovered, sent.size());
  }

  /** Writes {@code lines} new records, sequence numbers from {@code firstSeq}, and flushes. */
  private static void feed(
      OutputStream in,
      int lines,
      List<byte[]> sent,
      String mode,
      long firstSeq,
      SplittableRandom rnd)
      throws IOException {
    ByteArrayOutputStream burst = new ByteArrayOutputStream();
    for (int i = 0; i < lines; i++) {
      byte[] p = Payloads.make(mode, firstSeq + i, rnd, 200);
      sent.add(p);
      burst.write(p);
      burst.write('\n');
    }
    in.write(burst.toByteArray());
    in.flush();
  }

  /** Reads one acknowledgement, which must be {@code expected}; returns 1. */
  private static int expectAck(
      AckStream acks, long expected, String where, Path stderr, BufferedWriter journal)
      throws IOException {
    long index = acks.nextIndex();
    if (index < 0) {
      fail(
          where
              + ": the child exited before acknowledging "
              + expected
              + ": "
              + Files.readString(stderr));
    }
    assertThat(index).as("%s: acknowledgement order", where).isEqualTo(expected);
    journal.write(index + "\n");
    return 1;
  }

  static List<String> javaCommand(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Faster start-up for a short-lived child; no effect on what it writes.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    return command;
  }
}
