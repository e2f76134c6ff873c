package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path tmp;

  private static String lineStarting(CliRun.Result r, String label) {
    return r.stdoutLines().stream()
        .filter(l -> l.startsWith(label))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no '" + label + "' line in\n" + r));
  }

  @Test
  void aSmallRunChecksEverythingAndSucceeds() {
    Path dir = tmp.resolve("demo");
    CliRun.Result r =
        CliRun.run("demo", dir.toString(), "--records", "3000", "--segment-bytes", "65536");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(lineStarting(r, "appended")).contains("3000 records");
    assertThat(lineStarting(r, "compared"))
        .contains("3000 of 3000 records written by this run match");
    assertThat(lineStarting(r, "verify")).startsWith("verify       intact: ");
    assertThat(lineStarting(r, "log   ")).contains("indices 1..3000");
    assertThat(lineStarting(r, "result")).isEqualTo("result       OK");
    assertThat(r.stderr()).isEmpty();
    // Several segments, and fsynced ALWAYS appends happened.
    assertThat(CliRun.run("stat", dir.toString(), "--json").stdout())
        .doesNotContain("\"segments\":1,");
    assertThat(r.stdout()).contains(" 15 fsynced appends (ALWAYS)");
  }

  @Test
  void aSecondRunAppendsAndChecksTheWholeLog() {
    Path dir = tmp.resolve("demo");
    assertThat(CliRun.run("demo", dir.toString(), "--records", "1000").exitCode()).isZero();
    CliRun.Result r = CliRun.run("demo", dir.toString(), "--records", "500", "--seed", "9");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(lineStarting(r, "log before")).contains("indices 1..1000");
    assertThat(lineStarting(r, "compared"))
        .contains("500 of 500 records written by this run match; 1000 earlier records read");
    assertThat(lineStarting(r, "log   ")).contains("indices 1..1500");
    assertThat(lineStarting(r, "result")).endsWith("OK");
  }

  @Test
  void theSameSeedWritesTheSamePayloads() {
    CliRun.Result a = CliRun.run("demo", tmp.resolve("a").toString(), "--records", "700");
    CliRun.Result b = CliRun.run("demo", tmp.resolve("b").toString(), "--records", "700");
    CliRun.Result c =
        CliRun.run("demo", tmp.resolve("c").toString(), "--records", "700", "--seed", "43");
    String crc = "payload crc32c ";
    String crcA = lineStarting(a, "compared").replaceAll(".*" + crc, "");
    assertThat(lineStarting(b, "compared")).endsWith(crc + crcA);
    assertThat(lineStarting(c, "compared")).doesNotEndWith(crc + crcA);
    assertThat(
            CliRun.run("dump", tmp.resolve("a").toString(), "--json")
                .stdout()
                .replaceAll("\"timestamp\":\\d+", ""))
        .isEqualTo(
            CliRun.run("dump", tmp.resolve("b").toString(), "--json")
                .stdout()
                .replaceAll("\"timestamp\":\\d+", ""));
  }

  @Test
  void damageInAnExistingLogMakesTheDemoFailNamingTheFile() throws Exception {
    // A cleanly closed log opens without a scan of its sealed segments, so the demo appends and
    // meets the damage when it reads everything back.
    Path dir = tmp.resolve("demo");
    TestLogs.logWithSealedSegments(dir);
    TestLogs.Damage damage = TestLogs.flipBitInSealedSegment(dir);
    CliRun.Result r = CliRun.run("demo", dir.toString(), "--records", "100");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines())
        .singleElement()
        .asString()
        .startsWith("seglog: demo on " + dir + " failed: ")
        .contains(damage.file().getFileName().toString());
    // The report goes on past the damage: verify shows it too.
    assertThat(lineStarting(r, "MISMATCH")).contains("failed: ", damage.file().toString());
    assertThat(lineStarting(r, "verify")).contains("DAMAGED");
    assertThat(r.stdout()).contains(damage.file() + " offset ");
    assertThat(lineStarting(r, "result")).startsWith("result       FAILED: ");
  }

  @Test
  void payloadsAreJsonishEventsOf50To2000Bytes() {
    DemoWorkload workload = new DemoWorkload(1);
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int i = 0; i < 20_000; i++) {
      DemoWorkload.Event e = workload.next();
      String s = new String(e.payload(), java.nio.charset.StandardCharsets.US_ASCII);
      assertThat(s).startsWith("{\"seq\":" + (i + 1) + ",").endsWith("\"}");
      assertThat(e.type()).isBetween(1, 8);
      min = Math.min(min, e.payload().length);
      max = Math.max(max, e.payload().length);
    }
    assertThat(min).isBetween(DemoWorkload.MIN_BYTES, 80);
    assertThat(max).isBetween(1900, DemoWorkload.MAX_BYTES);
  }
}
