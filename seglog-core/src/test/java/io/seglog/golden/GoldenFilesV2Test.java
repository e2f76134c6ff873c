package io.seglog.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogVerifier;
import io.seglog.RecoveryMode;
import io.seglog.RecoveryReport;
import io.seglog.VerifyReport;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden files of format version 2 (src/test/resources/golden/v2, see its README): compressed
 * and encrypted frames beside a plain one. Today's code reads them exactly (with the keys), checks
 * their structure without the keys, and writes the very same bytes for the same log.
 */
class GoldenFilesV2Test {
  static final int SEGMENTS = 3;

  @TempDir Path tmp;

  static Path golden() throws URISyntaxException {
    return Path.of(GoldenFilesV2Test.class.getResource("/golden/v2/seglog.meta").toURI())
        .getParent();
  }

  /** A copy of the golden log, so opening it cannot change the originals. */
  Path copy() throws Exception {
    Path dir = tmp.resolve("copy");
    Files.createDirectories(dir);
    for (Path p : logFiles(golden())) {
      Files.copy(p, dir.resolve(p.getFileName()));
    }
    return dir;
  }

  static List<Path> logFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(GoldenLogV1::isLogFile)
          .filter(p -> !p.getFileName().toString().endsWith(".md"))
          .sorted()
          .toList();
    }
  }

  @Test
  void theGoldenLogHoldsWhatItsGeneratorWrote() {
    List<ExpectedRecord> records = GoldenLogV2.records();
    assertThat(records).hasSize(60);
  }

  @Test
  void everyRecordReadsExactlyReadOnly() throws Exception {
    Path dir = copy();
    DirectorySnapshot before = DirectorySnapshot.of(dir);
    try (Log log = SegmentedLog.openReadOnly(dir, GoldenLogV2.config(), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, GoldenLogV2.records());
      assertThat(log.stats().segmentCount()).isEqualTo(SEGMENTS);
    }
    assertThat(before.differences(DirectorySnapshot.of(dir))).isEmpty();
  }

  @Test
  void everyRecordReadsExactlyReadWriteAndTakesAppends() throws Exception {
    Path dir = copy();
    List<ExpectedRecord> records = new ArrayList<>(GoldenLogV2.records());
    for (RecoveryMode mode : RecoveryMode.values()) {
      LogConfig config = GoldenLogV2.config().toBuilder().recoveryMode(mode).build();
      try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
        RecoveryReport report = log.recoveryReport();
        assertThat(report.cuts()).as(mode + " cuts").isEmpty();
        assertThat(report.temporaryFilesRemoved()).isEmpty();
        LogChecks.assertExactly(log, 1, records);
        assertThat(log.durableIndex()).isEqualTo(records.size());
        byte[] p = {(byte) records.size()};
        long index = log.append(io.seglog.Entry.of(p, 1, 5));
        assertThat(index).isEqualTo(records.size() + 1);
        records.add(new ExpectedRecord(index, 5, 1, p));
      }
    }
    try (Log log = SegmentedLog.open(dir, GoldenLogV2.config(), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, records);
    }
  }

  @Test
  void theVerifierFindsTheGoldenLogIntact() throws Exception {
    Path dir = copy();
    VerifyReport report = LogVerifier.verify(dir);
    assertThat(report.findings()).isEmpty();
    assertThat(report.firstIndex()).isEqualTo(1);
    assertThat(report.lastIndex()).isEqualTo(60);
    assertThat(report.records()).isEqualTo(60);
    assertThat(report.segments()).isEqualTo(SEGMENTS);
  }

  /** Pins the format: the same log written today is the same bytes, file by file. */
  @Test
  void regeneratingGivesByteIdenticalFiles() throws Exception {
    Path fresh = tmp.resolve("fresh");
    GoldenLogV2.generate(fresh);
    List<String> goldenNames = logFiles(golden()).stream().map(this::name).toList();
    List<String> freshNames = logFiles(fresh).stream().map(this::name).toList();
    assertThat(freshNames).as("files written").containsExactlyElementsOf(goldenNames);
    for (String name : goldenNames) {
      byte[] want = Files.readAllBytes(golden().resolve(name));
      byte[] got = Files.readAllBytes(fresh.resolve(name));
      assertThat(got)
          .as(name + " (first difference at byte " + java.util.Arrays.mismatch(want, got) + ")")
          .isEqualTo(want);
    }
  }

  /** Every codec and key combination is in the files, in a version 2 segment. */
  @Test
  void theGoldenLogHoldsEveryKindOfFrame() throws Exception {
    java.util.Set<Integer> flags = new java.util.TreeSet<>();
    for (Path s : SegmentScan.segments(golden())) {
      byte[] bytes = Files.readAllBytes(s);
      assertThat(java.nio.ByteBuffer.wrap(bytes).getShort(4))
          .as(s + " version")
          .isEqualTo((short) 2);
      for (SegmentScan.Frame f : SegmentScan.recordFrames(s)) {
        flags.add(bytes[(int) f.offset() + 9] & 0xff);
      }
    }
    assertThat(flags).containsExactly(0, 1, 2, 8, 9, 10);
  }

  /**
   * Without the keys, the plain and compressed frames read and the encrypted ones name their key.
   */
  @Test
  void withoutKeysEncryptedFramesNameTheirKey() throws Exception {
    Path dir = copy();
    LogConfig noKeys = GoldenLogV2.config().toBuilder().encryption(null).build();
    try (Log log = SegmentedLog.openReadOnly(dir, noKeys, NioFileIO.INSTANCE)) {
      LogChecks.assertRecord(GoldenLogV2.records().get(0), log.read(1));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.read(log.lastIndex()))
          .isInstanceOf(io.seglog.EncryptionKeyException.class)
          .hasMessageContaining("key id 2");
    }
  }

  private String name(Path p) {
    return p.getFileName().toString();
  }
}
