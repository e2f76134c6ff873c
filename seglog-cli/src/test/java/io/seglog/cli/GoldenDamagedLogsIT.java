package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.cli.golden.GoldenDamagedLogs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The golden damaged logs through the built jar, as a child process. */
class GoldenDamagedLogsIT {
  @TempDir Path tmp;

  static List<String> cases() {
    return GoldenDamagedLogs.CASES;
  }

  @ParameterizedTest
  @MethodSource("cases")
  void verifyJsonIsExactAndDoesNotModifyTheLog(String name) throws Exception {
    Path dir = GoldenLogs.copy(name, tmp);
    Map<String, String> before = TestLogs.snapshot(dir);

    Processes.Result r = Processes.seglog(tmp, "verify", dir.toString(), "--json");

    GoldenDamagedExpectations.Expected expected = GoldenDamagedExpectations.VERIFY_JSON.get(name);
    assertThat(r.exitCode()).as("%s", r).isEqualTo(expected.exitCode());
    assertThat(GoldenLogs.placeholder(r.stdout(), dir)).isEqualTo(expected.stdoutLine() + "\n");
    assertThat(GoldenLogs.placeholder(r.stderr(), dir))
        .isEqualTo(expected.stderrLine().isEmpty() ? "" : expected.stderrLine() + "\n");
    assertThat(TestLogs.snapshot(dir)).isEqualTo(before);
  }

  @Test
  void verifyAndStatWorkOnALogAnotherProcessHoldsOpen() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    try (Log held = Log.open(dir, LogConfig.defaults())) {
      Processes.Result verify = Processes.seglog(tmp, "verify", dir.toString(), "--deep");
      assertThat(verify.exitCode()).as("%s", verify).isZero();
      assertThat(verify.stdoutLines())
          .contains("deep: 100 record(s) read through the engine")
          .last()
          .asString()
          .startsWith("chain anchor: ");
      Processes.Result stat = Processes.seglog(tmp, "stat", dir.toString(), "--json");
      assertThat(stat.exitCode()).as("%s", stat).isZero();
      assertThat(stat.stdout()).startsWith("{\"firstIndex\":1,\"lastIndex\":100,");
      assertThat(held.lastIndex()).isEqualTo(100);
    }
  }

  @Test
  void repairOfALogHeldByAnotherProcessFailsAtOnceAndChangesNothing() throws Exception {
    Path dir = GoldenLogs.copy("torn-tail", tmp);
    try (Log held = Log.open(dir, LogConfig.defaults())) {
      Map<String, String> before = TestLogs.snapshotOfHeldLog(dir);
      Processes.Result r = Processes.seglog(tmp, "repair", dir.toString());
      Processes.assertOneLineFailure(r, 1);
      assertThat(r.stderr())
          .isEqualTo("seglog: log directory " + dir + " is locked by another process\n");
      assertThat(TestLogs.snapshotOfHeldLog(dir)).isEqualTo(before);
      // The holder recovered the torn tail on open; it still has every record.
      assertThat(held.lastIndex()).isEqualTo(100);
    }
  }

  @Test
  void repairThenVerifyThroughTheJar() throws Exception {
    Path dir = GoldenLogs.copy("bit-flip", tmp);
    Processes.Result refused = Processes.seglog(tmp, "repair", dir.toString());
    Processes.assertOneLineFailure(refused, 1);
    assertThat(refused.stderr()).contains("--mode point-in-time");

    Processes.Result r =
        Processes.seglog(tmp, "repair", dir.toString(), "--mode", "point-in-time", "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).contains("\"recordsCut\":55,");
    Processes.Result verify = Processes.seglog(tmp, "verify", dir.toString());
    assertThat(verify.exitCode()).as("%s", verify).isZero();
  }

  @Test
  void usageErrorsAndMissingDirectoriesOfTheNewCommands() throws Exception {
    Path missing = tmp.resolve("missing");
    for (String[] args :
        new String[][] {
          {"repair"},
          {"repair", missing.toString(), "--mode", "sometimes"},
          {"verify", missing.toString(), "--expect-digest", "xyz"},
          {"dump", missing.toString(), "--hex", "--json"},
          {"bench", missing.toString(), "--records", "0"},
          {"bench", missing.toString(), "--sync", "interval"}
        }) {
      Processes.Result r = Processes.seglog(tmp, args);
      Processes.assertOneLineFailure(r, 2);
      assertThat(r.stdout()).isEmpty();
    }
    for (String command : new String[] {"repair", "verify", "stat", "dump"}) {
      Processes.Result r = Processes.seglog(tmp, command, missing.toString());
      Processes.assertOneLineFailure(r, 1);
      assertThat(r.stderr()).isEqualTo("seglog: log directory " + missing + " does not exist\n");
    }
    assertThat(missing).doesNotExist();
  }
}
