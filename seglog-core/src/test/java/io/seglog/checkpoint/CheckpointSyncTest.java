package io.seglog.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.CheckpointInfo;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.internal.checkpoint.CheckpointedLog;
import io.seglog.internal.io.NioFileIO;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.KvStateMachine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StateMachineLog#checkpoint()} promises a checkpoint "durable once the records after it
 * are, or after sync()". A checkpoint written after the last record, when that record is durable
 * already (always so under ALWAYS), is a write no index covers: sync() must still put it on disk.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckpointSyncTest {
  @TempDir Path dir;

  private static byte[] put(int i) {
    return ("put k" + i + " v" + i).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Under ALWAYS the active segment buffers 64 KiB by default: the checkpoint's chunks wait in the
   * buffer, and sync(), finding every record durable, returned without writing them: another
   * process (a read-only open, or this one after a crash) did not see the checkpoint at all.
   */
  @Test
  void aCheckpointAfterDurableRecordsIsInTheFileAfterSyncUnderAlways() {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    try (StateMachineLog log =
        CheckpointedLog.open(dir, config, NioFileIO.INSTANCE, new KvStateMachine(), null)) {
      for (int i = 1; i <= 3; i++) {
        log.append(put(i));
      }
      CheckpointInfo c = log.checkpoint();
      assertThat(c.index()).isEqualTo(3);
      log.sync();
      try (Log follower = Log.openReadOnly(dir, config)) {
        assertThat(StateMachineLog.scanCheckpoints(follower))
            .extracting(CheckpointInfo::index)
            .as("the synced checkpoint, seen by another opener")
            .contains(3L);
      }
    }
  }

  /**
   * Without any buffer (NONE): the chunks reach the page cache, but sync(), finding every record
   * durable, did not fsync them, so a power loss took the checkpoint sync() had returned for.
   */
  @Test
  void aCheckpointAfterDurableRecordsSurvivesAPowerLossAfterSync() {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir);
    StateMachineLog log = CheckpointedLog.open(dir, config, io, new KvStateMachine(), null);
    for (int i = 1; i <= 3; i++) {
      log.append(put(i));
    }
    log.sync(); // every record durable
    CheckpointInfo c = log.checkpoint();
    assertThat(c.index()).isEqualTo(3);
    log.sync(); // and now the checkpoint
    io.powerLoss();
    try (Log reopened = Log.openReadOnly(dir, config)) {
      assertThat(reopened.lastIndex()).isEqualTo(3);
      assertThat(StateMachineLog.scanCheckpoints(reopened))
          .extracting(CheckpointInfo::index)
          .as("the synced checkpoint survived the power loss")
          .contains(3L);
    }
  }
}
