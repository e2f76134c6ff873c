package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built jar, run as a child process: the contract scripts and crash tests depend on. */
class CliProcessIT {
  @TempDir Path tmp;

  private Path log() {
    return tmp.resolve("log");
  }

  private static byte[] lines(List<String> lines) {
    return lines.stream()
        .map(l -> l + "\n")
        .collect(Collectors.joining())
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void appendReadsStdinAndPrintsContiguousIndices() throws Exception {
    List<String> input =
        IntStream.rangeClosed(1, 20_000).mapToObj(i -> "event " + i).collect(Collectors.toList());
    Processes.Result r = Processes.seglog(tmp, lines(input), "append", log().toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stderr()).isEmpty();
    assertThat(r.stdoutLines())
        .isEqualTo(LongStream.rangeClosed(1, 20_000).mapToObj(Long::toString).toList());

    Processes.Result more =
        Processes.seglog(
            tmp, lines(List.of("a", "b")), "append", log().toString(), "--sync", "none");
    assertThat(more.stdoutLines()).containsExactly("20001", "20002");
  }

  @Test
  void dumpJsonRoundTripsWhatAppendWrote() throws Exception {
    List<String> input =
        List.of("plain", "", "ünïcödé 😀", "{\"json\":\"in a record\"}", "tab\there", " ");
    Processes.Result a =
        Processes.seglog(tmp, lines(input), "append", log().toString(), "--type", "5");
    assertThat(a.exitCode()).as("%s", a).isZero();

    Processes.Result r = Processes.seglog(tmp, "dump", log().toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    List<String> payloads = new ArrayList<>();
    long expectedIndex = 1;
    for (String line : r.stdoutLines()) {
      Matcher m = ReadOnlyCommandsTest.DUMP_JSON.matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      assertThat(Long.parseLong(m.group(1))).isEqualTo(expectedIndex++);
      assertThat(Long.parseLong(m.group(2))).isPositive();
      assertThat(m.group(3)).isEqualTo("5");
      payloads.add(new String(Base64.getDecoder().decode(m.group(4)), StandardCharsets.UTF_8));
    }
    assertThat(payloads).isEqualTo(input);

    Processes.Result read = Processes.seglog(tmp, "read", log().toString(), "3");
    assertThat(read.exitCode()).isZero();
    assertThat(read.stdout()).isEqualTo("ünïcödé 😀");
  }

  @Test
  void statJson() throws Exception {
    Processes.seglog(tmp, lines(List.of("1", "2", "3")), "append", log().toString());
    Processes.Result r = Processes.seglog(tmp, "stat", log().toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .matches(
            "\\{\"firstIndex\":1,\"lastIndex\":3,\"durableIndex\":3,\"records\":3,"
                + "\"segments\":1,\"bytes\":([1-9]\\d*),\"segmentList\":\\[\\{"
                + "\"file\":\"00000000000000000001.seg\",\"baseIndex\":1,\"records\":3,"
                + "\"bytes\":\\1,\"sealed\":false,\"minTimestamp\":[1-9]\\d*,"
                + "\"maxTimestamp\":[1-9]\\d*,\"digest\":null\\}\\]\\}\n");
  }

  @Test
  void verifyExitsZeroWhenIntactAndOneWithTheFileAndOffsetOfDamage() throws Exception {
    String line = "r".repeat(300) + "\n";
    Processes.Result a =
        Processes.seglog(
            tmp,
            line.repeat(200).getBytes(StandardCharsets.US_ASCII),
            "append",
            log().toString(),
            "--segment-bytes",
            "4096",
            "--sync",
            "none");
    assertThat(a.exitCode()).as("%s", a).isZero();

    Processes.Result intact = Processes.seglog(tmp, "verify", log().toString());
    assertThat(intact.exitCode()).as("%s", intact).isZero();
    assertThat(intact.stderr()).isEmpty();

    Path sealed = TestLogs.segments(log()).get(1);
    long offset;
    try (RandomAccessFile raf = new RandomAccessFile(sealed.toFile(), "rw")) {
      offset = raf.length() / 2;
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0x01);
    }
    Processes.Result damaged = Processes.seglog(tmp, "verify", log().toString());
    Processes.assertOneLineFailure(damaged, 1);
    assertThat(damaged.stdout()).containsPattern(sealed + " offset \\d+: ");
    assertThat(damaged.stderr()).contains(sealed.toString(), "byte offset");

    Processes.Result json = Processes.seglog(tmp, "verify", log().toString(), "--json");
    assertThat(json.exitCode()).isEqualTo(1);
    assertThat(json.stdout())
        .startsWith("{\"intact\":false,")
        .contains("\"file\":\"" + sealed + "\"");
  }

  @Test
  void usageErrorsExitTwoWithOneStderrLineAndNoStackTrace() throws Exception {
    String[][] cases = {
      {},
      {"nosuchcommand"},
      {"append"},
      {"append", log().toString(), "--sync", "maybe"},
      {"read", log().toString(), "x"},
      {"dump", log().toString(), "--bogus"}
    };
    for (String[] args : cases) {
      Processes.Result r = Processes.seglog(tmp, args);
      Processes.assertOneLineFailure(r, 2);
      assertThat(r.stdout()).isEmpty();
    }
  }

  @Test
  void operationFailuresExitOneWithOneLine() throws Exception {
    Path missing = tmp.resolve("missing");
    Processes.Result r = Processes.seglog(tmp, "dump", missing.toString());
    Processes.assertOneLineFailure(r, 1);
    assertThat(r.stderr()).isEqualTo("seglog: log directory " + missing + " does not exist\n");

    Processes.seglog(tmp, lines(List.of("only")), "append", log().toString());
    Processes.Result outOfRange = Processes.seglog(tmp, "read", log().toString(), "2");
    Processes.assertOneLineFailure(outOfRange, 1);
    assertThat(outOfRange.stderr()).contains("index 2");

    Processes.Result verbose = Processes.seglog(tmp, "read", log().toString(), "2", "--verbose");
    assertThat(verbose.exitCode()).isEqualTo(1);
    assertThat(verbose.stderrLines().get(0)).isEqualTo(outOfRange.stderrLines().get(0));
    assertThat(verbose.stderr()).contains("\tat ");
  }

  @Test
  void appendToALogHeldByAnotherProcessFailsAtOnce() throws Exception {
    try (Log held = Log.open(log())) {
      Processes.Result r = Processes.seglog(tmp, lines(List.of("x")), "append", log().toString());
      Processes.assertOneLineFailure(r, 1);
      assertThat(r.stderr()).contains("locked by another process", log().toString());
      assertThat(r.stdout()).isEmpty();
      assertThat(held.lastIndex()).isEqualTo(held.firstIndex() - 1);
    }
  }

  @Test
  void demoRunsEndToEnd() throws Exception {
    Processes.Result r =
        Processes.seglog(
            tmp, "demo", log().toString(), "--records", "5000", "--segment-bytes", "262144");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .contains("5000 of 5000 records written by this run match", "result       OK");
  }
}
