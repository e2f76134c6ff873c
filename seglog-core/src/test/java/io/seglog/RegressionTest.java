package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.LogChecks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each test pins one bug found by the model, corruption or fault tests, and is named after it. */
class RegressionTest {
  @TempDir Path dir;

  /**
   * Found by LogModelTest seed=93. The trailer frame's 72-byte body was checked against the largest
   * body the configuration allows for records; with maxBatchBytes below 56 every sealed segment's
   * trailer was refused at the next open ("missing or damaged trailer"), so a log could not be
   * reopened after its first roll.
   */
  @Test
  void trailerIsReadableWhenMaxBatchBytesIsSmallerThanATrailer() {
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .maxRecordBytes(16)
            .maxBatchBytes(16)
            .build();
    List<ExpectedRecord> expected = new ArrayList<>();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 0; i < 3; i++) {
        byte[] p = {(byte) i, 2, 3};
        long index = log.append(Entry.of(p, 1, 1000 + i));
        expected.add(new ExpectedRecord(index, 1000 + i, 1, p));
        log.roll();
      }
    }
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, expected);
    }
    try (Log log = SegmentedLog.openReadOnly(dir, config, NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, expected);
    }
  }

  /**
   * Found by LogModelTest (most seeds with batches). LogConfig#maxBatchBytes is "the largest total
   * payload of one batch", and build() accepts maxBatchBytes == maxRecordBytes, but the engine
   * compared the batch's encoded size (payloads plus 16-byte record headers) with it: a batch of
   * one record of maxRecordBytes, which append() accepts, was refused by appendBatch().
   */
  @Test
  void batchWhosePayloadsTotalMaxBatchBytesIsAccepted() {
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .maxRecordBytes(100)
            .maxBatchBytes(200)
            .build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.appendBatch(List.of(Entry.of(new byte[100])))).isEqualTo(1);
      assertThat(log.appendBatch(List.of(Entry.of(new byte[100]), Entry.of(new byte[100]))))
          .isEqualTo(2);
      assertThat(log.read(3).size()).isEqualTo(100);
    }
  }
}
