package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import java.nio.file.Files;
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

  /**
   * Found by CorruptionTableTest (bit flips in the second-to-last frame of a NONE log, and
   * POINT_IN_TIME cuts). RecoveryReport.Cut#records is "how many complete, valid records were
   * removed"; the engine reported 0 even when the cut dropped valid frames after the damage (here a
   * whole valid batch of 3), so recordsCut() hid the loss.
   */
  @Test
  void cutReportCountsTheValidRecordsItRemoved() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    Log log = SegmentedLog.open(dir, config, io);
    log.append(new byte[] {1, 2, 3});
    log.append(new byte[] {4, 5, 6});
    log.appendBatch(
        List.of(Entry.of(new byte[] {7}), Entry.of(new byte[] {8}), Entry.of(new byte[] {9})));
    io.crash();
    Path segment = dir.resolve(FileNames.segment(1));
    List<SegmentScan.Frame> frames = SegmentScan.recordFrames(segment);
    byte[] bytes = Files.readAllBytes(segment);
    bytes[(int) frames.get(1).end() - 1] ^= 1; // the second record's payload
    Files.write(segment, bytes);
    try (Log reopened = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(reopened.lastIndex()).isEqualTo(1);
      RecoveryReport.Cut cut = reopened.recoveryReport().cuts().get(0);
      assertThat(cut.offset()).isEqualTo(frames.get(1).offset());
      assertThat(cut.records()).as("valid records removed by " + cut).isEqualTo(3);
    }
  }

  /**
   * Found by CorruptionTableTest (derived files). RecoveryReport#indexFilesRebuilt lists "index
   * files that were missing or damaged and were rebuilt", but a damaged (not missing) index file of
   * a sealed segment was only noticed at the first read, after the report was built, and in STRICT
   * and POINT_IN_TIME even a missing one was not listed.
   */
  @Test
  void damagedOrMissingIndexFileIsListedInTheReport() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(new byte[] {1});
      log.roll();
      log.append(new byte[] {2});
    }
    Path idx = dir.resolve(FileNames.index(1));
    byte[] b = Files.readAllBytes(idx);
    b[30] ^= 1;
    Files.write(idx, b);
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.recoveryReport().indexFilesRebuilt()).as("TAIL, damaged").contains(idx);
    }
    for (RecoveryMode mode : List.of(RecoveryMode.STRICT, RecoveryMode.POINT_IN_TIME)) {
      Files.delete(idx);
      try (Log log =
          SegmentedLog.open(
              dir, config.toBuilder().recoveryMode(mode).build(), NioFileIO.INSTANCE)) {
        assertThat(log.recoveryReport().indexFilesRebuilt()).as(mode + ", missing").contains(idx);
      }
    }
  }

  /**
   * Found while writing EdgeCaseTest. Log.openReadOnly documents {@code @throws SeglogIOException
   * if the directory does not hold a log}; the engine threw a plain SeglogException ("no seglog log
   * in ..."), so a caller catching the documented type missed it.
   */
  @Test
  void readOnlyOpenOfADirectoryWithoutALogThrowsNoSuchLogException() throws Exception {
    Path empty = dir.resolve("empty");
    Files.createDirectories(empty);
    assertThatThrownBy(() -> Log.openReadOnly(empty, LogConfig.defaults()))
        .isInstanceOf(NoSuchLogException.class)
        .hasMessageContaining(empty.toString());
    assertThat(DirectorySnapshot.of(empty).names()).as("nothing created").isEmpty();
    assertThatThrownBy(() -> Log.openReadOnly(dir.resolve("absent"), LogConfig.defaults()))
        .isInstanceOf(NoSuchLogException.class)
        .hasMessageContaining("absent");
    assertThat(dir.resolve("absent")).doesNotExist();
  }

  /**
   * Found by CorruptionTableTest (truncation after a clean close, STRICT, at a frame boundary).
   * After a clean close the active segment's index file proves its frames were fsynced; a TAIL open
   * refuses a segment that lost some of them ("segment ends at byte N but its index file, written
   * after an fsync, covers M bytes"), but a STRICT open, which scans every frame and ignores that
   * proof, accepted the shorter log when the loss ended on a frame boundary: STRICT was weaker than
   * TAIL and silently dropped durable records.
   */
  @Test
  void strictRefusesAnActiveSegmentThatLostFsyncedFramesAtAFrameBoundary() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(new byte[] {1});
      log.append(new byte[] {2});
      log.append(new byte[] {3});
    }
    Path segment = dir.resolve(FileNames.segment(1));
    List<SegmentScan.Frame> frames = SegmentScan.recordFrames(segment);
    byte[] b = Files.readAllBytes(segment);
    Files.write(segment, java.util.Arrays.copyOf(b, (int) frames.get(2).offset()));
    for (RecoveryMode mode : List.of(RecoveryMode.TAIL, RecoveryMode.STRICT)) {
      LogConfig strictOrTail = config.toBuilder().recoveryMode(mode).build();
      org.junit.jupiter.api.Assertions.assertThrows(
          CorruptLogException.class,
          () -> SegmentedLog.open(dir, strictOrTail, NioFileIO.INSTANCE).close(),
          mode + " must refuse");
    }
  }

  /**
   * Found by CorruptionTableTest's verifier checks (truncation after a clean close). When the
   * active segment of a cleanly closed log loses frames its index file proves were fsynced, a TAIL
   * open refuses ("not a torn tail"), but the verifier reported the very same bytes as a {@code
   * torn-tail}, the kind a tail repair fixes: the tool and recovery disagreed about whether durable
   * data was lost.
   */
  @Test
  void verifyDoesNotCallTheLossOfIndexProvenFramesATornTail() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(new byte[] {1});
      log.append(new byte[] {2, 2, 2, 2, 2, 2, 2, 2});
    }
    Path segment = dir.resolve(FileNames.segment(1));
    byte[] b = Files.readAllBytes(segment);
    Files.write(segment, java.util.Arrays.copyOf(b, b.length - 3));
    org.junit.jupiter.api.Assertions.assertThrows(
        CorruptLogException.class,
        () -> SegmentedLog.open(dir, config, NioFileIO.INSTANCE).close(),
        "TAIL refuses: the index file proves the frame was fsynced");
    VerifyReport report = LogVerifier.verify(dir);
    assertThat(report.findings())
        .as("verify must not call it only a torn tail")
        .anyMatch(f -> !f.kind().equals("torn-tail"));
  }

  /**
   * Found by reviewing the CLI's repair against recovery. A clean-close index file proves the
   * active segment's bytes it covers were fsynced, and the verifier calls damage below them a
   * {@code frame} (never a torn tail); but when the index file's entries were damaged too (its
   * header intact), a TAIL open scanned from the first frame, judged a damaged last frame a torn
   * tail and cut it: acknowledged records left the log and their indices were reused. The open also
   * deleted the index file before deciding, so even a refusal would have let the next open cut
   * them.
   */
  @Test
  void tailOpenRefusesDamageInIndexProvenBytesWhenTheIndexEntriesAreDamaged() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(new byte[] {1});
      log.append(new byte[] {2});
      log.append(new byte[] {3});
    }
    Path segment = dir.resolve(FileNames.segment(1));
    Path idx = dir.resolve(FileNames.index(1));
    byte[] index = Files.readAllBytes(idx);
    index[80] ^= 1; // the first entry: the entries' checksum fails, the header's holds
    Files.write(idx, index);
    List<SegmentScan.Frame> frames = SegmentScan.recordFrames(segment);
    byte[] bytes = Files.readAllBytes(segment);
    bytes[(int) frames.get(2).end() - 1] ^= 1; // the last record's payload
    Files.write(segment, bytes);
    assertRefusedAsLostDurableData(config, segment, idx, bytes);
  }

  /**
   * A sealed last segment, its index file written after the seal's fsync, and no next segment yet
   * (a crash between the seal and the roll's creation of the next one: FORMAT.md section 9). Damage
   * in its records later is lost durable data: under {@code NONE} the trailer's synced index did
   * not cover them, and a TAIL open cut them as a torn tail, trailer and all, and the next appends
   * reused their indices. The index file is the proof (FORMAT.md section 4), as for a clean close.
   */
  @Test
  void tailOpenRefusesDamageInASealedLastSegmentItsIndexFileProves() throws Exception {
    LogConfig config = sealedLastSegmentAlone();
    Path segment = dir.resolve(FileNames.segment(1));
    Path idx = dir.resolve(FileNames.index(1));
    assertThat(idx).exists();
    List<SegmentScan.Frame> frames = SegmentScan.recordFrames(segment);
    byte[] bytes = Files.readAllBytes(segment);
    bytes[(int) frames.get(1).end() - 1] ^= 1; // record 2's payload
    Files.write(segment, bytes);
    assertRefusedAsLostDurableData(config, segment, idx, bytes);
  }

  /** The same sealed last segment undamaged opens as it is, its index file kept. */
  @Test
  void aSealedLastSegmentWithItsIndexFileOpensAndKeepsTheIndexFile() throws Exception {
    LogConfig config = sealedLastSegmentAlone();
    Path idx = dir.resolve(FileNames.index(1));
    byte[] indexBytes = Files.readAllBytes(idx);
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.lastIndex()).isEqualTo(3);
      assertThat(log.read(2).payloadBytes()).containsExactly(2);
      assertThat(Files.readAllBytes(idx)).as("the sealed index file is kept").isEqualTo(indexBytes);
      assertThat(log.append(new byte[] {4})).isEqualTo(4);
    }
    assertThat(LogVerifier.verify(dir).findings()).isEmpty();
  }

  /**
   * Records 1..3 in a sealed segment with its index file, and no segment after it: as a crash
   * between the seal and the next segment's creation leaves it. Returns the log's configuration.
   */
  private LogConfig sealedLastSegmentAlone() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 1; i <= 3; i++) {
        log.append(new byte[] {(byte) i});
      }
      log.roll(); // seals [1..3] and creates the next segment, empty
    }
    Files.delete(dir.resolve(FileNames.segment(4)));
    Files.deleteIfExists(dir.resolve(FileNames.index(4)));
    Files.deleteIfExists(dir.resolve(FileNames.timeIndex(4)));
    return config;
  }

  /**
   * Damage in bytes {@code idx} proves fsynced: verify calls it a damaged frame, not a torn tail,
   * and a TAIL open refuses it, twice (a refusal must not delete the proof), cutting nothing.
   */
  private void assertRefusedAsLostDurableData(
      LogConfig config, Path segment, Path idx, byte[] bytes) throws Exception {
    assertThat(LogVerifier.verify(dir).findings())
        .as("verify")
        .anyMatch(f -> f.kind().equals("frame"))
        .noneMatch(f -> f.kind().equals("torn-tail"));
    for (int attempt = 1; attempt <= 2; attempt++) {
      assertThatThrownBy(() -> SegmentedLog.open(dir, config, NioFileIO.INSTANCE).close())
          .as("TAIL open, attempt %d", attempt)
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining("not a torn tail");
    }
    assertThat(idx).as("the proof is kept").exists();
    assertThat(Files.readAllBytes(segment)).as("nothing cut").isEqualTo(bytes);
  }
}
