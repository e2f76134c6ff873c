package io.seglog.checkpoint;

import static io.seglog.checkpoint.CheckpointReplayTest.appendCommands;
import static io.seglog.checkpoint.CheckpointReplayTest.model;
import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.CheckpointInfo;
import io.seglog.LogConfig;
import io.seglog.ReplayReport;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.testing.KvStateMachine;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged, torn and large checkpoints take the documented paths. */
class CheckpointDamageTest {
  @TempDir Path dir;

  static LogConfig config() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(8192).build();
  }

  static void flipByte(Path file, long offset) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x5A);
    }
  }

  @Test
  void damagedNewestCheckpointsFallBackToAnOlderIntactOne() throws Exception {
    List<byte[]> payloads = new ArrayList<>();
    List<CheckpointInfo> known;
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine())) {
      appendCommands(log, new Random(5), 600, payloads);
      known = log.checkpoints();
    }
    // the leading checkpoints of the active segment and of the last sealed one
    CheckpointInfo newest = known.get(known.size() - 1);
    CheckpointInfo previous = known.get(known.size() - 2);
    CheckpointInfo intact = known.get(known.size() - 3);
    assertThat(newest.offset()).isEqualTo(128);
    flipByte(newest.segment(), newest.offset() + 50);
    flipByte(previous.segment(), previous.offset() + 40);
    KvStateMachine sm = new KvStateMachine();
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      ReplayReport r = log.replayReport();
      assertThat(r.fellBack()).isTrue();
      assertThat(r.checkpoint()).isEqualTo(intact);
      assertThat(r.skipped())
          .extracting(ReplayReport.SkippedCheckpoint::segment)
          .containsExactly(newest.segment(), previous.segment());
      assertThat(r.skipped().get(0).reason()).contains("checksum").contains("offset 128");
      assertThat(r.recordsReplayed()).isEqualTo(600 - intact.index());
      assertThat(sm.map()).isEqualTo(model(payloads, 600));
    }
  }

  @Test
  void aTornCheckpointAtTheUnsyncedTailIsCutByTailRecovery() throws Exception {
    List<byte[]> payloads = new ArrayList<>();
    CheckpointInfo torn;
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine(1 << 20))) {
      appendCommands(log, new Random(6), 100, payloads);
      log.sync();
      torn = log.checkpoint(); // two chunks: a 1 MiB pad
    }
    Path seg = torn.segment();
    Files.deleteIfExists(Path.of(seg.toString().replace(".seg", ".idx"))); // as after a crash
    long firstChunkFrame = 32 + 16 + (1 << 20) - 64;
    assertThat(Files.size(seg)).isGreaterThan(torn.offset() + firstChunkFrame + 32);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.setLength(torn.offset() + firstChunkFrame + 20); // the second, last chunk torn
    }
    KvStateMachine sm = new KvStateMachine(1 << 20);
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.recoveryReport().cuts()).hasSize(1);
      assertThat(log.recoveryReport().cuts().get(0).offset())
          .isEqualTo(torn.offset() + firstChunkFrame);
      ReplayReport r = log.replayReport();
      // the first chunk survived the cut: an incomplete checkpoint, ignored
      assertThat(r.skipped()).hasSize(1);
      assertThat(r.skipped().get(0).damaged()).isFalse();
      assertThat(r.checkpoint().index()).isLessThan(torn.index());
      assertThat(sm.map()).isEqualTo(model(payloads, 100));
      assertThat(log.lastIndex()).isEqualTo(100);
    }
  }

  @Test
  void aCheckpointLargerThanAChunkAndASegmentIsStreamedAndRestored() throws Exception {
    List<byte[]> payloads = new ArrayList<>();
    int pad = 3 << 20; // 3 MiB: four chunks, in 8 KiB segments
    try (StateMachineLog log = StateMachineLog.open(dir, config(), new KvStateMachine(pad))) {
      appendCommands(log, new Random(7), 40, payloads);
      CheckpointInfo c = log.checkpoint();
      assertThat(c.bytes()).isGreaterThan(pad);
      appendCommands(log, new Random(8), 5, payloads);
    }
    KvStateMachine sm = new KvStateMachine(pad);
    try (StateMachineLog log = StateMachineLog.open(dir, config(), sm)) {
      assertThat(log.replayReport().checkpoint().index()).isGreaterThanOrEqualTo(40);
      assertThat(sm.map()).isEqualTo(model(payloads, 45));
      for (long i = 1; i <= 45; i++) {
        assertThat(log.read(i).payloadBytes()).isEqualTo(payloads.get((int) (i - 1)));
      }
    }
  }
}
