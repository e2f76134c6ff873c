package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {
  private static final Pattern JSON_HEAD =
      Pattern.compile(
          "\\{\"intact\":(true|false),\"firstIndex\":(-?\\d+),\"lastIndex\":(-?\\d+),"
              + "\"segments\":(\\d+),\"bytes\":(\\d+),\"records\":(\\d+),"
              + "\"chainAnchor\":(null|\"[0-9a-f]{64}\"),\"findings\":\\[(.*)\\]\\}");
  private static final Pattern JSON_FINDING =
      Pattern.compile(
          "\\{\"file\":\"((?:[^\"\\\\]|\\\\.)*)\",\"offset\":(-?\\d+),"
              + "\"kind\":\"((?:[^\"\\\\]|\\\\.)*)\",\"message\":\"((?:[^\"\\\\]|\\\\.)*)\""
              + ",\"firstAffectedIndex\":(null|\\d+),\"lastAffectedIndex\":(null|\\d+)\\}");

  @TempDir Path tmp;

  private Path log() {
    return tmp.resolve("log");
  }

  @Test
  void anIntactLogExitsZero() {
    TestLogs.logWithSealedSegments(log());
    CliRun.Result r = CliRun.run("verify", log().toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines()).hasSize(2);
    assertThat(r.stdoutLines().get(0))
        .startsWith("intact: 0 finding(s); ")
        .contains("300 record(s) verified", "indices 1..300");
    assertThat(r.stdoutLines().get(1)).matches("chain anchor: [0-9a-f]{64}");
    assertThat(r.stderr()).isEmpty();
  }

  @Test
  void anIntactLogAsJson() {
    TestLogs.logWithSealedSegments(log());
    CliRun.Result r = CliRun.run("verify", log().toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    Matcher m = JSON_HEAD.matcher(r.stdoutLines().get(0));
    assertThat(m.matches()).as(r.stdout()).isTrue();
    assertThat(m.group(1)).isEqualTo("true");
    assertThat(m.group(2)).isEqualTo("1");
    assertThat(m.group(3)).isEqualTo("300");
    assertThat(Integer.parseInt(m.group(4))).isGreaterThan(2);
    assertThat(m.group(6)).isEqualTo("300");
    assertThat(m.group(7)).startsWith("\"").hasSize(66);
    assertThat(m.group(8)).isEmpty();
    assertThat(r.stdoutLines()).hasSize(1);
  }

  @Test
  void aFlippedBitInASealedSegmentExitsOneNamingFileAndOffset() throws Exception {
    TestLogs.logWithSealedSegments(log());
    TestLogs.Damage damage = TestLogs.flipBitInSealedSegment(log());
    CliRun.Result r = CliRun.run("verify", log().toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    // One finding line per damage: "<file> offset <n>: <kind>: <message>".
    Pattern line =
        Pattern.compile(Pattern.quote(damage.file().toString()) + " offset (\\d+): \\S+: .+");
    List<Long> offsets = new ArrayList<>();
    for (String l : r.stdoutLines()) {
      Matcher m = line.matcher(l);
      if (m.matches()) {
        offsets.add(Long.parseLong(m.group(1)));
      }
    }
    assertThat(offsets).as("%s", r).isNotEmpty();
    assertThat(r.stdoutLines())
        .as("the damaged frame's line names the affected indices")
        .anyMatch(l -> l.matches(".* \\(indices \\d+\\.\\.\\d+ affected\\)"));
    // The damaged frame starts at or before the flipped byte.
    assertThat(offsets).anyMatch(o -> o <= damage.offset());
    assertThat(r.stdoutLines().get(r.stdoutLines().size() - 2)).startsWith("DAMAGED: ");
    assertThat(r.stdoutLines().get(r.stdoutLines().size() - 1)).startsWith("chain anchor: ");
    assertThat(r.stderrLines())
        .singleElement()
        .asString()
        .startsWith("seglog: log " + log() + " is damaged: ");
  }

  @Test
  void aDirectoryWithoutALogIsRefusedWithOneClearLine() throws Exception {
    Path empty = java.nio.file.Files.createDirectory(log());
    CliRun.Result r = CliRun.run("verify", empty.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdoutLines()).isEmpty();
    assertThat(r.stderrLines())
        .singleElement()
        .asString()
        .isEqualTo("seglog: no seglog log in " + empty + " (no seglog.meta and no segments)");
    assertThat(TestLogs.snapshot(empty)).isEmpty();
  }

  @Test
  void aFlippedBitAsJson() throws Exception {
    TestLogs.logWithSealedSegments(log());
    TestLogs.Damage damage = TestLogs.flipBitInSealedSegment(log());
    CliRun.Result r = CliRun.run("verify", log().toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdoutLines()).hasSize(1);
    Matcher m = JSON_HEAD.matcher(r.stdoutLines().get(0));
    assertThat(m.matches()).as(r.stdout()).isTrue();
    assertThat(m.group(1)).isEqualTo("false");
    long lastReadable = Long.parseLong(m.group(3));
    // The damage is in the first segment: it affects its records up to where the second starts.
    long secondBase =
        Long.parseLong(TestLogs.segments(log()).get(1).getFileName().toString().substring(0, 20));
    Matcher f = JSON_FINDING.matcher(m.group(8));
    boolean namesTheDamage = false;
    int findings = 0;
    int end = 0;
    while (f.find()) {
      assertThat(f.start()).as("findings are contiguous: %s", m.group(8)).isIn(end, end + 1);
      end = f.end();
      findings++;
      if (f.group(1).equals(damage.file().toString())
          && Long.parseLong(f.group(2)) <= damage.offset()
          && !f.group(3).isEmpty()
          && !f.group(4).isEmpty()) {
        namesTheDamage = true;
        // The first record of the damaged frame, right after the readable prefix.
        assertThat(f.group(5)).isEqualTo(Long.toString(lastReadable + 1));
        assertThat(f.group(6)).isEqualTo(Long.toString(secondBase - 1));
      }
    }
    assertThat(end).as("every finding matched the pattern").isEqualTo(m.group(8).length());
    assertThat(findings).isPositive();
    assertThat(namesTheDamage).as(r.stdout()).isTrue();
    // The readable prefix ends before the damaged segment's records run out.
    assertThat(lastReadable).isLessThan(secondBase - 1);
  }

  /** Runs with progress bars due at once (no one-second delay), then restores the delay. */
  private static CliRun.Result runWithoutProgressDelay(String... args) {
    ProgressBar.commandDelayNanos = 0;
    try {
      return CliRun.run(args);
    } finally {
      ProgressBar.commandDelayNanos = ProgressBar.DEFAULT_DELAY_NANOS;
    }
  }

  /** The final state of each bar drawn on stderr (the text after the last carriage return). */
  static List<String> finalBars(String stderr) {
    List<String> bars = new ArrayList<>();
    for (String line : stderr.split("\n")) {
      if (line.contains("\r")) {
        bars.add(line.substring(line.lastIndexOf('\r') + 1).stripTrailing());
      }
    }
    return bars;
  }

  @Test
  void progressGoesToStderrOnlyAndEndsAtEveryByteOfTheSegments() throws Exception {
    TestLogs.logWithSealedSegments(log());
    String json = CliRun.run("verify", log().toString(), "--json").stdout();
    long segmentBytes = 0;
    for (Path segment : TestLogs.segments(log())) {
      segmentBytes += java.nio.file.Files.size(segment);
    }

    CliRun.Result r = runWithoutProgressDelay("verify", log().toString(), "--json", "--progress");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).as("stdout is the same JSON, no bar").isEqualTo(json);
    String total = Units.bytes(segmentBytes);
    assertThat(finalBars(r.stderr()))
        .as(r.stderr())
        .singleElement()
        .asString()
        .matches(
            Pattern.quote("verify [" + "#".repeat(30) + "] 100% " + total + "/" + total + " ")
                + "(\\d+\\.\\d MB/s|n/a)");
    assertThat(r.stderr()).endsWith("\n").doesNotContain("Exception");
  }

  @Test
  void withoutProgressOrATerminalNoBarIsDrawn() {
    org.assertj.core.api.Assumptions.assumeThat(ProgressBar.interactive())
        .as("stderr of the test JVM is not a terminal")
        .isFalse();
    TestLogs.logWithSealedSegments(log());
    CliRun.Result r = runWithoutProgressDelay("verify", log().toString(), "--deep");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stderr()).isEmpty();
  }

  @Test
  void deepWithProgressDrawsTheVerifyBarThenTheReadBar() {
    TestLogs.logWithSealedSegments(log());
    CliRun.Result r = runWithoutProgressDelay("verify", log().toString(), "--deep", "--progress");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(finalBars(r.stderr()))
        .as(r.stderr())
        .satisfiesExactly(
            verify -> assertThat(verify).startsWith("verify [" + "#".repeat(30) + "] 100% "),
            read ->
                assertThat(read).startsWith("deep read [" + "#".repeat(30) + "] 100% 300/300 "));
    assertThat(r.stdoutLines()).contains("deep: 300 record(s) read through the engine");
  }

  @Test
  void repairWithProgressDrawsABarPerPassAndKeepsStdoutClean() {
    TestLogs.logWithSealedSegments(log());
    String plain = CliRun.run("repair", log().toString(), "--dry-run", "--json").stdout();

    CliRun.Result r =
        runWithoutProgressDelay("repair", log().toString(), "--dry-run", "--json", "--progress");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).isEqualTo(plain);
    String full = "[" + "#".repeat(30) + "] 100% ";
    assertThat(finalBars(r.stderr()))
        .as(r.stderr())
        .satisfiesExactly(
            check -> assertThat(check).startsWith("check " + full),
            verify -> assertThat(verify).startsWith("verify " + full),
            repair -> assertThat(repair).startsWith("repair (dry run) " + full));
  }

  @Test
  void bytesBarRendering() {
    assertThat(ProgressBar.renderBytes("verify", 0, 3L << 30, 1_000_000_000L))
        .isEqualTo("verify [------------------------------]   0% 0 B/3.0 GiB 0.0 MB/s");
    assertThat(ProgressBar.renderBytes("verify", 3L << 29, 3L << 30, 2_000_000_000L))
        .isEqualTo("verify [###############---------------]  50% 1.5 GiB/3.0 GiB 805.3 MB/s");
  }

  @Test
  void stderrIsATerminalOnlyWhenItsDescriptorNamesOne() throws Exception {
    Path pts = java.nio.file.Files.createSymbolicLink(tmp.resolve("pts"), Path.of("/dev/pts/3"));
    Path tty = java.nio.file.Files.createSymbolicLink(tmp.resolve("tty"), Path.of("/dev/tty1"));
    Path file = java.nio.file.Files.createSymbolicLink(tmp.resolve("file"), tmp.resolve("err"));
    Path pipe =
        java.nio.file.Files.createSymbolicLink(tmp.resolve("pipe"), Path.of("pipe:[12345]"));
    assertThat(ProgressBar.stderrIsTerminal(pts)).isTrue();
    assertThat(ProgressBar.stderrIsTerminal(tty)).isTrue();
    assertThat(ProgressBar.stderrIsTerminal(file)).isFalse();
    assertThat(ProgressBar.stderrIsTerminal(pipe)).isFalse();
    assertThat(ProgressBar.stderrIsTerminal(tmp.resolve("absent"))).isNull();
  }

  @Test
  void aDeletedLastSegmentWhoseIndexFileRemainsExitsOneAndOnlyPointInTimeRepairCutsIt()
      throws Exception {
    TestLogs.logWithSealedSegments(log());
    List<Path> segments = TestLogs.segments(log());
    Path last = segments.get(segments.size() - 1);
    String index = last.getFileName().toString().replace(".seg", ".idx");
    assertThat(log().resolve(index)).exists();
    Files.delete(last);

    CliRun.Result verify = CliRun.run("verify", log().toString());
    assertThat(verify.exitCode()).as("%s", verify).isEqualTo(1);
    assertThat(verify.stdoutLines())
        .anyMatch(
            l ->
                l.startsWith(last.toString())
                    && l.contains("missing-segment")
                    && l.contains(index));

    CliRun.Result tail = CliRun.run("repair", log().toString());
    assertThat(tail.exitCode()).as("tail repair refuses: %s", tail).isEqualTo(1);
    assertThat(log().resolve(index)).exists();

    CliRun.Result pit = CliRun.run("repair", log().toString(), "--mode", "point-in-time");
    assertThat(pit.exitCode()).as("%s", pit).isZero();
    assertThat(pit.stdout()).contains(last.getFileName().toString()).contains(index);
    CliRun.Result after = CliRun.run("verify", log().toString());
    assertThat(after.exitCode()).as("%s", after).isZero();
  }
}
