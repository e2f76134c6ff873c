package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** dump, read and stat: output shapes, ranges, errors, and that they never modify a log. */
class ReadOnlyCommandsTest {
  static final Pattern DUMP_JSON =
      Pattern.compile(
          "\\{\"index\":(\\d+),\"timestamp\":(\\d+),\"type\":(\\d+),\"payload\":\"([A-Za-z0-9+/=]*)\"\\}");

  @TempDir Path tmp;

  private Path log() {
    return tmp.resolve("log");
  }

  /** Three records written through the API, so types, timestamps and binary bytes are known. */
  private Path knownLog() {
    try (Log log = Log.open(log())) {
      log.append(Entry.of("hello world".getBytes(StandardCharsets.UTF_8), 7, 1_700_000_000_123L));
      log.append(Entry.of(new byte[] {0, 1, (byte) 0xFE, '\n'}, 0, 0));
      log.append(Entry.of(new byte[0], 65535, 86_400_000L));
    }
    return log();
  }

  @Test
  void dumpPrintsHumanLines() {
    CliRun.Result r = CliRun.run("dump", knownLog().toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines())
        .containsExactly(
            "1 2023-11-14T22:13:20.123Z 7 11 text:hello world",
            "2 1970-01-01T00:00:00.000Z 0 4 hex:0001fe0a",
            "3 1970-01-02T00:00:00.000Z 65535 0 text:");
    assertThat(r.stderr()).isEmpty();
  }

  @Test
  void dumpJsonHasTheContractShapeAndRoundTrips() {
    CliRun.Result r = CliRun.run("dump", knownLog().toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines())
        .containsExactly(
            "{\"index\":1,\"timestamp\":1700000000123,\"type\":7,\"payload\":\""
                + Base64.getEncoder().encodeToString("hello world".getBytes(StandardCharsets.UTF_8))
                + "\"}",
            "{\"index\":2,\"timestamp\":0,\"type\":0,\"payload\":\"AAH+Cg==\"}",
            "{\"index\":3,\"timestamp\":86400000,\"type\":65535,\"payload\":\"\"}");
  }

  @Test
  void dumpRangeIsFromInclusiveToExclusive() {
    TestLogs.appendLines(log(), 10);
    CliRun.Result r = CliRun.run("dump", log().toString(), "--from", "3", "--to", "6", "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    List<String> lines = r.stdoutLines();
    assertThat(lines).hasSize(3);
    for (int i = 0; i < 3; i++) {
      Matcher m = DUMP_JSON.matcher(lines.get(i));
      assertThat(m.matches()).as(lines.get(i)).isTrue();
      assertThat(Long.parseLong(m.group(1))).isEqualTo(3 + i);
      assertThat(new String(Base64.getDecoder().decode(m.group(4)), StandardCharsets.UTF_8))
          .isEqualTo("line-" + (3 + i));
    }
    assertThat(CliRun.run("dump", log().toString(), "--from", "9").stdoutLines())
        .hasSize(2)
        .allMatch(l -> l.startsWith("9 ") || l.startsWith("10 "));
    assertThat(CliRun.run("dump", log().toString(), "--to", "2").stdoutLines())
        .singleElement()
        .asString()
        .startsWith("1 ")
        .endsWith(" text:line-1");
    CliRun.Result beyond = CliRun.run("dump", log().toString(), "--from", "10", "--to", "99");
    assertThat(beyond.exitCode()).isZero();
    assertThat(beyond.stdoutLines()).hasSize(1);
    CliRun.Result empty = CliRun.run("dump", log().toString(), "--from", "4", "--to", "4");
    assertThat(empty.exitCode()).isZero();
    assertThat(empty.stdout()).isEmpty();
  }

  @Test
  void dumpStopsWithOneLineWhenStdoutCloses() {
    TestLogs.appendLines(log(), 5000);
    OutputStream closesAfter4K =
        new OutputStream() {
          long written;

          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            written += len;
            if (written > 4096) {
              throw new IOException("Broken pipe");
            }
          }
        };
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        SeglogCli.commandLine(new ByteArrayInputStream(new byte[0]), closesAfter4K, err)
            .execute("dump", log().toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo("seglog: cannot write to standard output (closed pipe?)\n");
  }

  @Test
  void dumpFromOutsideTheLogFailsWithOneLine() {
    TestLogs.appendLines(log(), 3);
    CliRun.Result r = CliRun.run("dump", log().toString(), "--from", "0");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines()).singleElement().asString().startsWith("seglog: ").contains("0");
  }

  @Test
  void readWritesTheRawPayload() {
    knownLog();
    CliRun.Result r = CliRun.run("read", log().toString(), "2");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutBytes()).containsExactly(0, 1, 0xFE, '\n');
    assertThat(CliRun.run("read", log().toString(), "1").stdout()).isEqualTo("hello world");
    assertThat(CliRun.run("read", log().toString(), "3").stdoutBytes()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "4", "-1", "9223372036854775807"})
  void readOutOfRangeFailsWithTheMessage(String index) {
    knownLog();
    CliRun.Result r = CliRun.run("read", log().toString(), index);
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderrLines()).singleElement().asString().startsWith("seglog: index " + index);
  }

  @Test
  void statJsonHasTheStableKeys() {
    TestLogs.appendLines(log(), 25);
    CliRun.Result r = CliRun.run("stat", log().toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines())
        .singleElement()
        .asString()
        .matches(
            "\\{\"firstIndex\":1,\"lastIndex\":25,\"durableIndex\":25,\"records\":25,"
                + "\"segments\":1,\"bytes\":([1-9]\\d*),\"segmentList\":\\[\\{"
                + "\"file\":\"00000000000000000001.seg\",\"baseIndex\":1,\"records\":25,"
                + "\"bytes\":\\1,\"sealed\":false,\"minTimestamp\":[1-9]\\d*,"
                + "\"maxTimestamp\":[1-9]\\d*,\"digest\":null\\}\\]\\}");
  }

  @Test
  void statHumanNamesEveryFigure() {
    TestLogs.logWithSealedSegments(log());
    CliRun.Result r = CliRun.run("stat", log().toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .contains("first index    1\n", "last index     300\n", "records        300\n")
        .containsPattern("segments       ([3-9]|\\d\\d+)\n")
        .contains("bytes");
  }

  @Test
  void statOfAnEmptyLog() {
    assertThat(CliRun.runWithInput("", "append", log().toString()).exitCode()).isZero();
    CliRun.Result r = CliRun.run("stat", log().toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .startsWith("{\"firstIndex\":1,\"lastIndex\":0,")
        .contains("\"records\":0,");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dump", "read", "stat", "verify"})
  void aMissingDirectoryFailsWithOneLineNamingIt(String command) {
    Path missing = tmp.resolve("no/such/log");
    CliRun.Result r =
        command.equals("read")
            ? CliRun.run(command, missing.toString(), "1")
            : CliRun.run(command, missing.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines())
        .containsExactly("seglog: log directory " + missing + " does not exist");
    assertThat(r.stdout()).isEmpty();
    assertThat(missing).doesNotExist();
  }

  @Test
  void aDirectoryWithoutALogFailsWithOneLine() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    for (String command : new String[] {"dump", "stat"}) {
      CliRun.Result r = CliRun.run(command, empty.toString());
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.stderrLines()).singleElement().asString().startsWith("seglog: ");
    }
    assertThat(TestLogs.snapshot(empty)).isEmpty();
  }

  @Test
  void readOnlyCommandsNeverModifyADamagedLog() throws Exception {
    TestLogs.logWithSealedSegments(log());
    TestLogs.flipBitInSealedSegment(log());
    Map<String, String> before = TestLogs.snapshot(log());
    CliRun.run("dump", log().toString());
    CliRun.run("dump", log().toString(), "--json");
    CliRun.run("read", log().toString(), "1");
    CliRun.run("stat", log().toString());
    CliRun.run("verify", log().toString());
    assertThat(TestLogs.snapshot(log())).isEqualTo(before);
  }

  @Test
  void dumpOfALogDamagedInASealedSegmentFailsNamingTheFile() throws Exception {
    TestLogs.logWithSealedSegments(log());
    TestLogs.Damage damage = TestLogs.flipBitInSealedSegment(log());
    CliRun.Result r = CliRun.run("dump", log().toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines())
        .singleElement()
        .asString()
        .startsWith("seglog: ")
        .contains(damage.file().getFileName().toString());
  }

  @Test
  void readOnlyCommandsWorkWhileAnotherProcessHoldsTheLog() {
    TestLogs.appendLines(log(), 3);
    try (Log held = Log.open(log(), LogConfig.defaults())) {
      assertThat(CliRun.run("stat", log().toString()).exitCode()).isZero();
      assertThat(CliRun.run("dump", log().toString()).stdoutLines()).hasSize(3);
      assertThat(CliRun.run("read", log().toString(), "2").stdout()).isEqualTo("line-2");
      assertThat(held.lastIndex()).isEqualTo(3);
    }
  }
}
