package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.Record;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench: the summary's shape, the log it leaves, its argument checks; the progress bar. */
class BenchCommandTest {
  private static final String LATENCY = "\\d+(\\.\\d+)? (ns|us|ms|s)";

  @TempDir Path tmp;

  @Test
  void groupCommitRunPrintsTheTableAndRecordsPerFsync() throws Exception {
    Path dir = tmp.resolve("bench");
    CliRun.Result r =
        CliRun.run(
            "bench",
            dir.toString(),
            "--records",
            "400",
            "--size",
            "64",
            "--sync",
            "always",
            "--threads",
            "4");
    assertThat(r.exitCode()).as("%s", r).isZero();
    // stderr is not a terminal and no --progress: nothing on stderr.
    assertThat(r.stderr()).isEmpty();
    List<String> lines = r.stdoutLines();
    assertThat(lines.get(0))
        .isEqualTo("log " + dir + ": 400 records of 64 bytes, 4 thread(s), sync always");
    assertThat(lines.get(1)).isEmpty();
    assertThat(lines.get(2))
        .matches("phase +records +seconds +records/s +MB/s +p50 +p90 +p99 +p99\\.9 +max");
    String row = " +%s +\\d+\\.\\d{3} +\\d+ +\\d+\\.\\d" + (" +" + LATENCY).repeat(5);
    assertThat(lines.get(3)).matches("append" + String.format(row, "400"));
    assertThat(lines.get(4)).matches("sequential read" + String.format(row, "400"));
    assertThat(lines.get(5))
        .isEqualTo("latency: per append call (its durable ack under sync always), per record read");
    assertThat(lines.get(6))
        .matches("fsyncs: [1-9]\\d*, records per fsync: \\d+\\.\\d\\d, mean fsync: " + LATENCY);
    assertThat(lines).hasSize(7);

    // Every record is in the log, with the bench's payload size.
    try (Log log = Log.openReadOnly(dir, LogConfig.defaults());
        LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
      assertThat(log.lastIndex()).isEqualTo(400);
      while (reader.hasNext()) {
        Record rec = reader.next();
        assertThat(rec.size()).isEqualTo(64);
      }
    }
  }

  @Test
  void aSyncWaitSpinIsShownInTheHeaderAndTheRunIsWhole() throws Exception {
    Path dir = tmp.resolve("bench");
    CliRun.Result r =
        CliRun.run(
            "bench",
            dir.toString(),
            "--records",
            "400",
            "--sync",
            "always",
            "--threads",
            "8",
            "--sync-wait-spin",
            "1000");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines().get(0))
        .isEqualTo(
            "log "
                + dir
                + ": 400 records of 100 bytes, 8 thread(s), sync always, sync wait spin 1000 us");
    try (Log log = Log.openReadOnly(dir, LogConfig.defaults())) {
      assertThat(log.lastIndex()).isEqualTo(400);
    }
  }

  @Test
  void noSyncRunHasNoFsyncLine() {
    Path dir = tmp.resolve("bench");
    CliRun.Result r = CliRun.run("bench", dir.toString(), "--records", "1000", "--size", "0");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).contains("sync none").doesNotContain("fsyncs:");
    assertThat(r.stdoutLines()).hasSize(6);
  }

  @Test
  void refusesADirectoryThatIsNotEmpty() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("busy"));
    Files.writeString(dir.resolve("keep.txt"), "mine");
    CliRun.Result r = CliRun.run("bench", dir.toString(), "--records", "10");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines())
        .containsExactly(
            "seglog: bench writes a new log: " + dir + " is not empty (choose a new directory)");
    assertThat(TestLogs.snapshot(dir)).containsOnlyKeys("keep.txt");
  }

  @Test
  void argumentsAreCheckedBeforeAnythingIsWritten() {
    Path dir = tmp.resolve("bench");
    for (String[] args :
        new String[][] {
          {"--records", "0"},
          {"--threads", "0"},
          {"--threads", "1025"},
          {"--size", "-1"},
          {"--size", "2000", "--segment-bytes", "4096"},
          {"--segment-bytes", "100"},
          {"--sync", "interval"},
          {"--sync-wait-spin", "-1"},
          {"--sync-wait-spin", "1000001"}
        }) {
      String[] argv = new String[args.length + 2];
      argv[0] = "bench";
      argv[1] = dir.toString();
      System.arraycopy(args, 0, argv, 2, args.length);
      CliRun.Result r = CliRun.run(argv);
      assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
      assertThat(r.stderrLines()).as("%s", r).singleElement().asString().contains("--help");
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void latencyKeepsThreeSignificantDigitsInTheRightUnit() {
    assertThat(BenchCommand.latency(999)).isEqualTo("999 ns");
    assertThat(BenchCommand.latency(1_500)).isEqualTo("1.5 us");
    assertThat(BenchCommand.latency(2_345_678)).isEqualTo("2.35 ms");
    assertThat(BenchCommand.latency(3_210_000_000L)).isEqualTo("3.21 s");
  }

  @Test
  void progressBarRendering() {
    assertThat(ProgressBar.render("append", 0, 1000, 1_000_000_000L))
        .isEqualTo("append [------------------------------]   0% 0/1000 0/s");
    assertThat(ProgressBar.render("append", 600, 1000, 2_000_000_000L))
        .isEqualTo("append [##################------------]  60% 600/1000 300/s");
    assertThat(ProgressBar.render("read", 1000, 1000, 1_000_000_000L))
        .isEqualTo("read [##############################] 100% 1000/1000 1000/s");
  }

  @Test
  void progressBarDrawsItsFinalStateOnceDueAndEndsTheLine() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintWriter w = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    // A delay of 0: the bar is due at once, so close() draws the final state.
    ProgressBar bar = ProgressBar.start("append", 10, () -> 10, ProgressBar.to(w), 0);
    bar.close();
    String out = err.toString(StandardCharsets.UTF_8);
    assertThat(out).endsWith("\n");
    String[] frames = out.substring(0, out.length() - 1).split("\r", -1);
    assertThat(frames[0]).isEmpty();
    assertThat(frames[frames.length - 1])
        .matches(Pattern.quote("append [##############################] 100% 10/10 ") + "\\d+/s *");
  }

  @Test
  void progressBarWithoutOutputDrawsNothing() {
    ProgressBar bar = ProgressBar.start("append", 10, () -> 5, null, 0);
    bar.close();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintWriter w = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    // Closed long before its (one hour) delay: never due, never drawn.
    ProgressBar quiet =
        ProgressBar.start("append", 10, () -> 5, ProgressBar.to(w), 3_600_000_000_000L);
    quiet.close();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void tableAlignsColumns() {
    assertThat(
            Table.render(
                List.of(
                    new String[] {"name", "n"},
                    new String[] {"a", "100"},
                    new String[] {"longer", "7"}),
                new boolean[] {false, true}))
        .isEqualTo("name      n\n" + "a       100\n" + "longer    7\n");
  }
}
