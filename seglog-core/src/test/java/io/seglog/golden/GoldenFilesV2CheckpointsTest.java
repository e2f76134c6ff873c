package io.seglog.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.CheckpointInfo;
import io.seglog.Log;
import io.seglog.LogVerifier;
import io.seglog.RecoveryMode;
import io.seglog.ReplayReport;
import io.seglog.StateMachineLog;
import io.seglog.VerifyReport;
import io.seglog.internal.checkpoint.CheckpointedLog;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.LogChecks;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden files with checkpoint frames (src/test/resources/golden/v2-checkpoint, see its
 * README): today's code reads their records exactly, finds their checkpoints, restores the state
 * from them, and writes the very same bytes for the same log.
 */
class GoldenFilesV2CheckpointsTest {
  @TempDir Path tmp;

  static Path golden() throws URISyntaxException {
    return Path.of(
            GoldenFilesV2CheckpointsTest.class
                .getResource("/golden/v2-checkpoint/seglog.meta")
                .toURI())
        .getParent();
  }

  Path copy() throws Exception {
    Path dir = tmp.resolve("copy");
    Files.createDirectories(dir);
    for (Path p : GoldenFilesV1Test.logFiles(golden())) {
      Files.copy(p, dir.resolve(p.getFileName()));
    }
    return dir;
  }

  @Test
  void everyRecordReadsExactlyReadOnlyAndCheckpointsAreFound() throws Exception {
    Path dir = copy();
    DirectorySnapshot before = DirectorySnapshot.of(dir);
    try (Log log =
        SegmentedLog.openReadOnly(dir, GoldenLogV2Checkpoints.config(), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, GoldenLogV2Checkpoints.records());
      List<CheckpointInfo> cps = StateMachineLog.scanCheckpoints(log);
      List<Long> indices = cps.stream().map(CheckpointInfo::index).toList();
      assertThat(indices).contains(0L, (long) GoldenLogV2Checkpoints.ON_DEMAND_AT);
      assertThat(indices).contains((long) GoldenLogV2Checkpoints.BIG_AT);
      assertThat(cps.stream().filter(c -> c.index() == GoldenLogV2Checkpoints.BIG_AT))
          .anyMatch(c -> c.bytes() > 10_000 && c.offset() > 128); // three chunks, mid-segment
      assertThat(log.segments().size()).isEqualTo(3);
      // every segment begins with a checkpoint
      for (var s : log.segments()) {
        assertThat(cps).anyMatch(c -> c.segment().equals(s.file()) && c.offset() == 128);
      }
      // segment headers are version 2
      for (var s : log.segments()) {
        ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(s.file()));
        assertThat(h.getShort(4)).isEqualTo((short) 2);
      }
    }
    assertThat(before.differences(DirectorySnapshot.of(dir))).isEmpty();
  }

  @Test
  void theStateComesBackFromTheNewestCheckpointInEveryMode() throws Exception {
    Path dir = copy();
    for (RecoveryMode mode : RecoveryMode.values()) {
      GoldenLogV2Checkpoints.MapState state = new GoldenLogV2Checkpoints.MapState();
      try (StateMachineLog log =
          CheckpointedLog.open(
              dir,
              GoldenLogV2Checkpoints.config().toBuilder().recoveryMode(mode).build(),
              NioFileIO.INSTANCE,
              state,
              null)) {
        assertThat(log.recoveryReport().cuts()).as(mode + " cuts").isEmpty();
        ReplayReport r = log.replayReport();
        assertThat(r.checkpoint()).isNotNull();
        assertThat(r.skipped()).isEmpty();
        assertThat(r.checkpoint().index() + r.recordsReplayed())
            .isEqualTo(GoldenLogV2Checkpoints.RECORDS);
        assertThat(state.map).isEqualTo(GoldenLogV2Checkpoints.finalState());
      }
    }
  }

  @Test
  void theVerifierFindsTheGoldenLogIntact() throws Exception {
    VerifyReport report = LogVerifier.verify(copy());
    assertThat(report.findings()).isEmpty();
    assertThat(report.records()).isEqualTo(GoldenLogV2Checkpoints.RECORDS);
  }

  /** Pins the format: the same log written today is the same bytes, file by file. */
  @Test
  void regeneratingGivesByteIdenticalFiles() throws Exception {
    Path fresh = tmp.resolve("fresh");
    GoldenLogV2Checkpoints.generate(fresh);
    List<String> goldenNames =
        GoldenFilesV1Test.logFiles(golden()).stream().map(p -> p.getFileName().toString()).toList();
    List<String> freshNames =
        GoldenFilesV1Test.logFiles(fresh).stream().map(p -> p.getFileName().toString()).toList();
    assertThat(freshNames).as("files written").containsExactlyElementsOf(goldenNames);
    for (String name : goldenNames) {
      byte[] want = Files.readAllBytes(golden().resolve(name));
      byte[] got = Files.readAllBytes(fresh.resolve(name));
      assertThat(got)
          .as(name + " (first difference at byte " + java.util.Arrays.mismatch(want, got) + ")")
          .isEqualTo(want);
    }
  }
}
