package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seglog tail}: the last records or a range in dump's format, and {@code --follow} printing
 * records another writer appends (here, a writer in this JVM holding the lock) until interrupted.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only
class TailCommandTest {
  @TempDir Path tmp;

  private Path log(int records) {
    Path dir = tmp.resolve("log");
    try (Log log = Log.open(dir, LogConfig.builder().segmentBytes(4096).build())) {
      for (int i = 1; i <= records; i++) {
        log.append(entry(i));
      }
    }
    return dir;
  }

  static Entry entry(int i) {
    return Entry.of(
        ("record " + i).getBytes(StandardCharsets.UTF_8), i % 3, 1_700_000_000_000L + i);
  }

  @Test
  void printsTheLastTenRecordsInDumpsFormat() {
    Path dir = log(25);
    CliRun.Result r = CliRun.run("tail", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    List<String> dump = CliRun.run("dump", dir.toString(), "--from", "16").stdoutLines();
    assertThat(r.stdoutLines()).hasSize(10).isEqualTo(dump);
    assertThat(r.stdoutLines().get(0)).startsWith("16 ").endsWith("text:record 16");
  }

  @Test
  void fromAndLinesAndJsonSelectLikeDump() {
    Path dir = log(25);
    CliRun.Result r = CliRun.run("tail", dir.toString(), "--from", "3", "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines())
        .isEqualTo(CliRun.run("dump", dir.toString(), "--from", "3", "--json").stdoutLines());
    CliRun.Result n = CliRun.run("tail", dir.toString(), "-n", "2");
    assertThat(n.stdoutLines()).hasSize(2);
    assertThat(n.stdoutLines().get(1)).startsWith("25 ");
  }

  @Test
  void badArgumentsAreClearErrors() {
    Path dir = log(3);
    CliRun.Result out = CliRun.run("tail", dir.toString(), "--from", "9");
    assertThat(out.exitCode()).isEqualTo(SeglogCli.EXIT_FAILURE);
    assertThat(out.stderrLines())
        .containsExactly("seglog: --from 9 is outside the log: its records are 1..3");
    CliRun.Result usage = CliRun.run("tail", dir.toString(), "--json", "--hex");
    assertThat(usage.exitCode()).isEqualTo(SeglogCli.EXIT_USAGE);
    CliRun.Result missing = CliRun.run("tail", tmp.resolve("nope").toString());
    assertThat(missing.exitCode()).isEqualTo(SeglogCli.EXIT_FAILURE);
    assertThat(missing.stderr()).contains("nope");
  }

  @Test
  void followPrintsRecordsAsTheyAreAppendedUntilInterrupted() throws Exception {
    Path dir = tmp.resolve("live");
    int total = 300;
    try (Log writer =
        Log.open(dir, LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build())) {
      writer.append(entry(1));
      ByteArrayOutputStream out = new ByteArrayOutputStream(); // thread-safe
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      AtomicInteger exit = new AtomicInteger(-1);
      Thread tail =
          new Thread(
              () ->
                  exit.set(
                      SeglogCli.commandLine(new ByteArrayInputStream(new byte[0]), out, err)
                          .execute("tail", dir.toString(), "--from", "1", "--follow")));
      tail.start();
      for (int i = 2; i <= total; i++) {
        writer.append(entry(i));
        if (i % 50 == 0) {
          writer.roll();
        }
      }
      while (lines(out).size() < total) {
        Thread.sleep(5); // waiting for the tail thread's output; the class timeout bounds it
      }
      tail.interrupt();
      tail.join();
      assertThat(exit.get()).as("stderr: %s", err).isZero();
      writer.sync();
      assertThat(lines(out))
          .isEqualTo(CliRun.run("dump", dir.toString()).stdoutLines())
          .hasSize(total);
    }
  }

  private static List<String> lines(ByteArrayOutputStream out) {
    String s = out.toString(StandardCharsets.UTF_8);
    int end = s.lastIndexOf('\n');
    return end < 0 ? List.of() : s.substring(0, end).lines().toList();
  }
}
