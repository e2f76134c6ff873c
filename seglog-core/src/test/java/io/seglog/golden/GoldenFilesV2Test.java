package io.seglog.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.CorruptLogException;
import io.seglog.Log;
import io.seglog.LogVerifier;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.MetadataFormat;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.LogChecks;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden files of metadata version 2 (src/test/resources/golden/v2-pending, see its README): a
 * log whose truncateAfter was interrupted after its commit point.
 */
class GoldenFilesV2Test {
  @TempDir Path tmp;

  static Path golden() throws Exception {
    return Path.of(GoldenFilesV2Test.class.getResource("/golden/v2-pending/seglog.meta").toURI())
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
  void theMetadataIsVersion2WithThePendingTruncation() throws Exception {
    byte[] bytes = Files.readAllBytes(golden().resolve(FileNames.METADATA));
    assertThat(bytes).hasSize(MetadataFormat.PENDING_BYTES + 64);
    assertThat(ByteBuffer.wrap(bytes).getShort(4)).isEqualTo((short) 2);
    MetadataFormat.MetadataFile f = MetadataFormat.decodeFile(ByteBuffer.wrap(bytes));
    assertThat(f.metadata().logId()).isEqualTo(GoldenLogV1.LOG_ID);
    assertThat(f.metadata().firstIndex()).isEqualTo(1);
    MetadataFormat.Pending p = f.pending();
    assertThat(p.keepThrough()).isEqualTo(17);
    assertThat(p.cutSegment()).isEqualTo(1);
    assertThat(p.cutOffset()).isEqualTo(2411);
    assertThat(p.tail()).hasSize(SegmentFormat.FRAME_HEADER_BYTES + 16 + 16);
    // The same metadata encodes to the same bytes.
    ByteBuffer again = MetadataFormat.encode(f.metadata(), p);
    assertThat(again.array()).isEqualTo(bytes);
    // Version 1 readers of this code still get the metadata from decode().
    assertThat(MetadataFormat.decode(ByteBuffer.wrap(bytes))).isEqualTo(f.metadata());
  }

  @Test
  void aReadOnlyOpenRefusesAndChangesNothing() throws Exception {
    Path dir = copy();
    DirectorySnapshot before = DirectorySnapshot.of(dir);
    assertThatThrownBy(
            () -> SegmentedLog.openReadOnly(dir, GoldenLogV1.config(), NioFileIO.INSTANCE))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("truncation keeping the records up to 17 was interrupted");
    assertThat(before.differences(DirectorySnapshot.of(dir))).isEmpty();
  }

  @Test
  void aWritableOpenFinishesTheTruncation() throws Exception {
    Path dir = copy();
    try (Log log = SegmentedLog.open(dir, GoldenLogV1.config(), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, GoldenPendingTruncationV2.recordsAfter());
      assertThat(log.segments()).hasSize(1);
      assertThat(log.append(new byte[] {1})).isEqualTo(18);
    }
    assertThat(Files.size(dir.resolve(FileNames.METADATA))).isEqualTo(MetadataFormat.BYTES);
    assertThat(LogVerifier.verify(dir).findings()).isEmpty();
    try (Log log = Log.openReadOnly(dir, GoldenLogV1.config())) {
      assertThat(log.lastIndex()).isEqualTo(18);
    }
  }

  @Test
  void regeneratingGivesByteIdenticalFiles() throws Exception {
    Path fresh = tmp.resolve("fresh");
    GoldenPendingTruncationV2.generate(fresh);
    List<String> names =
        GoldenFilesV1Test.logFiles(golden()).stream().map(p -> p.getFileName().toString()).toList();
    assertThat(
            GoldenFilesV1Test.logFiles(fresh).stream()
                .map(p -> p.getFileName().toString())
                .toList())
        .containsExactlyElementsOf(names);
    for (String name : names) {
      assertThat(Files.readAllBytes(fresh.resolve(name)))
          .as(name)
          .isEqualTo(Files.readAllBytes(golden().resolve(name)));
    }
  }
}
