package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
              + "(?:,\"fromIndex\":(\\d+))?\\}");

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
    Matcher f = JSON_FINDING.matcher(m.group(8));
    boolean namesTheDamage = false;
    int findings = 0;
    while (f.find()) {
      findings++;
      if (f.group(1).equals(damage.file().toString())
          && Long.parseLong(f.group(2)) <= damage.offset()
          && !f.group(3).isEmpty()
          && !f.group(4).isEmpty()) {
        namesTheDamage = true;
      }
    }
    assertThat(findings).isPositive();
    assertThat(namesTheDamage).as(r.stdout()).isTrue();
    // The readable prefix ends before the damaged segment's records run out.
    assertThat(Long.parseLong(m.group(3))).isLessThan(300);
  }
}
