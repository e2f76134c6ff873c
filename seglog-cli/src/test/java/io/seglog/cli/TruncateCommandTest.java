package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.internal.format.MetadataFormat;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seglog truncate}: both directions, output, and the exit-code contract. */
class TruncateCommandTest {
  @TempDir Path tmp;

  private Path log() {
    return tmp.resolve("log");
  }

  @Test
  void afterRemovesTheSuffixAndAppendsContinue() {
    TestLogs.logWithSealedSegments(log());
    CliRun.Result r = CliRun.run("truncate", log().toString(), "--after", "41");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines())
        .containsExactly(
            "truncated "
                + log().toAbsolutePath()
                + " after index 41: 259 record(s) removed; the log now holds 1..41");
    assertThat(r.stderr()).isEmpty();
    try (Log log = Log.open(log())) {
      assertThat(log.lastIndex()).isEqualTo(41);
      assertThat(new String(log.read(41).payloadBytes())).startsWith("00041-");
      assertThat(log.append(new byte[] {1})).isEqualTo(42);
    }
    CliRun.Result read = CliRun.run("read", log().toString(), "42");
    assertThat(read.exitCode()).as("%s", read).isZero();
  }

  @Test
  void beforeRemovesThePrefixWithJsonOutput() {
    TestLogs.logWithSealedSegments(log());
    CliRun.Result r = CliRun.run("truncate", log().toString(), "--before", "150", "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines())
        .containsExactly(
            "{\"directory\":\""
                + log().toAbsolutePath()
                + "\",\"operation\":\"before\",\"index\":150,\"recordsRemoved\":149,"
                + "\"firstIndex\":150,\"lastIndex\":300}");
    try (Log log = Log.openReadOnly(log(), LogConfig.defaults())) {
      assertThat(log.firstIndex()).isEqualTo(150);
    }
    CliRun.Result gone = CliRun.run("read", log().toString(), "149");
    assertThat(gone.exitCode()).isEqualTo(1);
    assertThat(gone.stderr()).contains("record 149 is gone").contains("now starts at 150");
  }

  @Test
  void emptyingTheLogBothWays() {
    TestLogs.appendLines(log(), 5);
    CliRun.Result r = CliRun.run("truncate", log().toString(), "--after", "0");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .contains("5 record(s) removed; the log now holds no records (next index 1)");
    TestLogs.appendLines(log(), 3);
    r = CliRun.run("truncate", log().toString(), "--before", "4");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).contains("no records (next index 4)");
  }

  @Test
  void anIndexOutsideTheLogFailsWithExit1AndChangesNothing() throws Exception {
    TestLogs.appendLines(log(), 5);
    Map<String, String> before = TestLogs.snapshot(log());
    CliRun.Result r = CliRun.run("truncate", log().toString(), "--after", "9");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines()).hasSize(1);
    assertThat(r.stderr()).startsWith("seglog: ").contains("9").contains("lastIndex 5");
    r = CliRun.run("truncate", log().toString(), "--before", "7");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(TestLogs.snapshot(log())).isEqualTo(before);
  }

  @Test
  void usageErrorsExit2() {
    TestLogs.appendLines(log(), 2);
    for (String[] args :
        new String[][] {
          {"truncate", log().toString()},
          {"truncate", log().toString(), "--before", "1", "--after", "1"},
          {"truncate", log().toString(), "--after", "x"},
          {"truncate", log().toString(), "--before", "-3"},
          {"truncate", "--after", "1"},
        }) {
      CliRun.Result r = CliRun.run(args);
      assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
      assertThat(r.stderrLines()).as("%s", r).hasSize(1);
      assertThat(r.stderr()).startsWith("seglog: ");
    }
  }

  @Test
  void repairFinishesAnInterruptedTruncationThatReadOnlyCommandsRefuse() throws Exception {
    TestLogs.logWithSealedSegments(log());
    // As a crash right after truncateAfter(99)'s commit point leaves it.
    Path meta = log().resolve("seglog.meta");
    MetadataFormat.Metadata m = MetadataFormat.decode(ByteBuffer.wrap(Files.readAllBytes(meta)));
    long secondBase =
        Long.parseLong(TestLogs.segments(log()).get(1).getFileName().toString().substring(0, 20));
    ByteBuffer v2 =
        MetadataFormat.encode(m, new MetadataFormat.Pending(secondBase - 1, -1, 0, new byte[0]));
    Files.write(meta, Arrays.copyOf(v2.array(), v2.limit()));
    CliRun.Result stat = CliRun.run("stat", log().toString());
    assertThat(stat.exitCode()).as("%s", stat).isEqualTo(1);
    assertThat(stat.stderr()).contains("was interrupted").contains("writable");
    CliRun.Result dry = CliRun.run("repair", log().toString(), "--dry-run");
    assertThat(dry.exitCode()).as("%s", dry).isEqualTo(1);
    assertThat(dry.stderr()).contains("without --dry-run");
    CliRun.Result repair = CliRun.run("repair", log().toString());
    assertThat(repair.exitCode()).as("%s", repair).isZero();
    try (Log log = Log.openReadOnly(log(), LogConfig.defaults())) {
      assertThat(log.lastIndex()).isEqualTo(secondBase - 1);
    }
  }

  @Test
  void aMissingLogIsNotCreated() {
    Path missing = tmp.resolve("missing");
    CliRun.Result r = CliRun.run("truncate", missing.toString(), "--after", "1");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).contains("does not exist");
    assertThat(missing).doesNotExist();
  }

  @Test
  void aLockedLogFailsWithExit1() {
    TestLogs.appendLines(log(), 2);
    try (Log held = Log.open(log())) {
      CliRun.Result r = CliRun.run("truncate", log().toString(), "--after", "1");
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.stderr()).contains("locked by another process");
      assertThat(held.lastIndex()).isEqualTo(2);
    }
  }
}
