package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.CheckpointInfo;
import io.seglog.LogConfig;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.KvStateMachine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seglog dump --checkpoints}: checkpoint lines, distinct from records, in log order. */
class DumpCheckpointsTest {
  @TempDir Path dir;

  private List<CheckpointInfo> writeLog() {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build();
    try (StateMachineLog log = StateMachineLog.open(dir, config, new KvStateMachine())) {
      for (int i = 1; i <= 200; i++) {
        log.append(("put k" + (i % 7) + " value-" + i).getBytes(StandardCharsets.UTF_8));
        if (i == 150) {
          log.checkpoint();
        }
      }
      return log.checkpoints();
    }
  }

  @Test
  void checkpointsAppearOnlyWithTheOptionBeforeTheRecordAfterThem() throws Exception {
    List<CheckpointInfo> cps = writeLog();
    assertThat(cps.size()).isGreaterThan(3);
    DirectorySnapshot before = DirectorySnapshot.of(dir);

    CliRun.Result plain = CliRun.run("dump", dir.toString());
    assertThat(plain.exitCode()).as(plain.toString()).isZero();
    assertThat(plain.stdoutLines()).hasSize(200).noneMatch(l -> l.startsWith("checkpoint"));

    CliRun.Result r = CliRun.run("dump", dir.toString(), "--checkpoints");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<String> lines = r.stdoutLines();
    assertThat(lines).hasSize(200 + cps.size());
    long previousRecord = 0;
    int seen = 0;
    for (String line : lines) {
      if (line.startsWith("checkpoint ")) {
        CheckpointInfo c = cps.get(seen++);
        assertThat(line)
            .isEqualTo(
                "checkpoint "
                    + c.index()
                    + " "
                    + c.bytes()
                    + " "
                    + c.segment().getFileName()
                    + "@"
                    + c.offset());
        assertThat(c.index())
            .as("printed right after the record it covers")
            .isEqualTo(previousRecord);
      } else {
        previousRecord = Long.parseLong(line.substring(0, line.indexOf(' ')));
      }
    }
    assertThat(seen).isEqualTo(cps.size());
    assertThat(lines).anyMatch(l -> l.startsWith("checkpoint 150 ")); // the one on demand

    CliRun.Result json =
        CliRun.run(
            "dump", dir.toString(), "--checkpoints", "--json", "--from", "100", "--to", "160");
    assertThat(json.exitCode()).isZero();
    assertThat(json.stdoutLines())
        .filteredOn(l -> l.startsWith("{\"checkpoint\":"))
        .isNotEmpty()
        .allMatch(
            l ->
                l.matches(
                    "\\{\"checkpoint\":\\d+,\"bytes\":\\d+,\"segment\":\"\\d{20}\\.seg\",\"offset\":\\d+}"));
    assertThat(json.stdoutLines()).contains(jsonOf(cps, 150));
    assertThat(before.differences(DirectorySnapshot.of(dir))).isEmpty();
  }

  private static String jsonOf(List<CheckpointInfo> cps, long index) {
    CheckpointInfo c = cps.stream().filter(x -> x.index() == index).findFirst().orElseThrow();
    return "{\"checkpoint\":"
        + c.index()
        + ",\"bytes\":"
        + c.bytes()
        + ",\"segment\":\""
        + c.segment().getFileName()
        + "\",\"offset\":"
        + c.offset()
        + "}";
  }
}
