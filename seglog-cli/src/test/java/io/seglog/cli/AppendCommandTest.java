package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.Record;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppendCommandTest {
  @TempDir Path tmp;

  static List<Record> readAll(Path dir) {
    List<Record> records = new ArrayList<>();
    try (Log log = Log.openReadOnly(dir, LogConfig.defaults());
        LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
      reader.forEachRemaining(records::add);
    }
    return records;
  }

  static List<String> payloads(Path dir) {
    return readAll(dir).stream()
        .map(r -> new String(r.payloadBytes(), StandardCharsets.UTF_8))
        .collect(Collectors.toList());
  }

  private static List<String> indices(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(Long::toString).collect(Collectors.toList());
  }

  @Test
  void createsTheLogAndPrintsOneIndexPerLine() {
    Path dir = tmp.resolve("new/log");
    CliRun.Result r = CliRun.runWithInput("alpha\nbeta\ngamma\n", "append", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines()).containsExactly("1", "2", "3");
    assertThat(r.stderr()).isEmpty();
    assertThat(payloads(dir)).containsExactly("alpha", "beta", "gamma");
  }

  @Test
  void stripsCrLfKeepsEmptyLinesAndTakesALastLineWithoutNewline() {
    Path dir = tmp.resolve("log");
    CliRun.Result r = CliRun.runWithInput("a\r\n\nb\r\nlast", "append", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines()).containsExactly("1", "2", "3", "4");
    assertThat(payloads(dir)).containsExactly("a", "", "b", "last");
  }

  @Test
  void emptyInputCreatesAnEmptyLogAndPrintsNothing() {
    Path dir = tmp.resolve("log");
    CliRun.Result r = CliRun.runWithInput("", "append", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).isEmpty();
    assertThat(readAll(dir)).isEmpty();
  }

  @Test
  void appendsAfterWhatTheLogHolds() {
    Path dir = tmp.resolve("log");
    assertThat(CliRun.runWithInput("1\n2\n", "append", dir.toString()).exitCode()).isZero();
    CliRun.Result r = CliRun.runWithInput("3\n4\n5\n", "append", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines()).containsExactly("3", "4", "5");
    assertThat(payloads(dir)).containsExactly("1", "2", "3", "4", "5");
  }

  @ParameterizedTest
  @ValueSource(strings = {"always", "interval", "none", "NONE"})
  void everySyncPolicyAcknowledgesEveryRecord(String sync) {
    Path dir = tmp.resolve("log");
    String input =
        IntStream.range(0, 5000).mapToObj(i -> "record-" + i + "\n").collect(Collectors.joining());
    CliRun.Result r = CliRun.runWithInput(input, "append", dir.toString(), "--sync", sync);
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines()).isEqualTo(indices(1, 5000));
    List<String> payloads = payloads(dir);
    assertThat(payloads).hasSize(5000);
    assertThat(payloads.get(4999)).isEqualTo("record-4999");
  }

  @Test
  void typeIsSetOnEveryRecord() {
    Path dir = tmp.resolve("log");
    CliRun.Result r = CliRun.runWithInput("x\ny\n", "append", dir.toString(), "--type", "65535");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(readAll(dir)).extracting(Record::type).containsExactly(65535, 65535);
  }

  @Test
  void segmentBytesRollsSegments() throws Exception {
    Path dir = tmp.resolve("log");
    String line = "y".repeat(200) + "\n";
    CliRun.Result r =
        CliRun.runWithInput(
            line.repeat(200),
            "append",
            dir.toString(),
            "--segment-bytes",
            "4096",
            "--sync",
            "none");
    assertThat(r.exitCode()).as("%s", r).isZero();
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.toString().endsWith(".seg")).count()).isGreaterThan(5);
    }
    assertThat(payloads(dir)).hasSize(200).allMatch(p -> p.length() == 200);
  }

  @Test
  void binaryBytesInALineArePreserved() {
    Path dir = tmp.resolve("log");
    byte[] input = {0, (byte) 0xFF, '\r', 'a', '\n', (byte) 0xC3, '\n'};
    CliRun.Result r = CliRun.runWithInput(input, "append", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    List<Record> records = readAll(dir);
    assertThat(records.get(0).payloadBytes()).containsExactly(0, 0xFF, '\r', 'a');
    assertThat(records.get(1).payloadBytes()).containsExactly(0xC3);
  }

  @Test
  void aLineOverTheRecordLimitFailsAfterAcknowledgingTheLinesBeforeIt() {
    Path dir = tmp.resolve("log");
    int max = LogConfig.defaults().maxRecordBytes();
    byte[] tooLong = new byte[max + 1];
    java.util.Arrays.fill(tooLong, (byte) 'x');
    byte[] input =
        ByteBuffer.allocate(4 + tooLong.length + 1)
            .put("a\nb\n".getBytes(StandardCharsets.US_ASCII))
            .put(tooLong)
            .put((byte) '\n')
            .array();
    CliRun.Result r = CliRun.runWithInput(input, "append", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdoutLines()).containsExactly("1", "2");
    assertThat(r.stderrLines())
        .containsExactly(
            "seglog: input line 3 is longer than the maximum record size of " + max + " bytes");
    assertThat(payloads(dir)).containsExactly("a", "b");
  }

  @Test
  void aLockedLogFailsWithOneLine() {
    Path dir = tmp.resolve("log");
    try (Log held = Log.open(dir)) {
      CliRun.Result r = CliRun.runWithInput("x\n", "append", dir.toString());
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.stderrLines()).hasSize(1);
      assertThat(r.stderr()).startsWith("seglog: ").contains("locked by another process");
      assertThat(r.stderr()).contains(dir.toString());
      assertThat(r.stdout()).isEmpty();
      assertThat(held.lastIndex()).isEqualTo(held.firstIndex() - 1);
    }
  }

  @Test
  void aFileInPlaceOfTheDirectoryFailsWithOneLine() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "not a log");
    CliRun.Result r = CliRun.runWithInput("x\n", "append", file.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderrLines()).containsExactly("seglog: " + file + " is not a directory");
  }
}
