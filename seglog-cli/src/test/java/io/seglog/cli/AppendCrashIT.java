package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogReader;
import io.seglog.Record;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILL {@code seglog append} mid-stream: every index it printed must be in the log with its
 * payload. The test waits for each acknowledgement by reading the child's stdout, so there is no
 * sleep and no timing assumption.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // a hang guard, not a performance threshold
class AppendCrashIT {
  private static final int ACKED = 300;
  private static final int IN_FLIGHT = 500;

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"always", "interval", "none"})
  void everyPrintedIndexSurvivesSigkill(String sync) throws Exception {
    Path dir = tmp.resolve("log");
    Process child =
        new ProcessBuilder(Processes.jarCommand("append", dir.toString(), "--sync", sync))
            .redirectError(tmp.resolve("stderr").toFile())
            .start();
    try (OutputStream in = child.getOutputStream();
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
      for (int i = 1; i <= ACKED; i++) {
        in.write(("payload-" + i + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
        assertThat(out.readLine()).as("ack of line %d", i).isEqualTo(Integer.toString(i));
      }
      // Lines in flight when the kill lands: each may or may not be in the log.
      StringBuilder burst = new StringBuilder();
      for (int i = ACKED + 1; i <= ACKED + IN_FLIGHT; i++) {
        burst.append("payload-").append(i).append('\n');
      }
      in.write(burst.toString().getBytes(StandardCharsets.US_ASCII));
      in.flush();
      child.destroyForcibly(); // SIGKILL
      child.waitFor();
    }

    // Reopening recovers the log: a torn tail, if the kill left one, is cut.
    try (Log log = Log.open(dir);
        LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
      assertThat(log.firstIndex()).isEqualTo(1);
      assertThat(log.lastIndex()).isBetween((long) ACKED, (long) ACKED + IN_FLIGHT);
      long expected = 1;
      while (reader.hasNext()) {
        Record r = reader.next();
        assertThat(r.index()).isEqualTo(expected);
        assertThat(new String(r.payloadBytes(), StandardCharsets.US_ASCII))
            .isEqualTo("payload-" + expected);
        expected++;
      }
      assertThat(expected - 1).isEqualTo(log.lastIndex());
    }
    Processes.Result verify = Processes.seglog(tmp, "verify", dir.toString());
    assertThat(verify.exitCode()).as("%s", verify).isZero();
  }
}
