package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.LogConfig;
import io.seglog.LogVerifier;
import io.seglog.SyncPolicy;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.IndexFileFormat;
import io.seglog.internal.io.NioFileIO;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In TAIL mode an open checks each sealed index file's header only; damage inside its entries is
 * found by their checksum when the index is first used, and the file is rebuilt then. Reads are
 * never served from a damaged index.
 */
class LazyIndexRebuildTest {
  @TempDir Path dir;

  @Test
  void damagedIndexEntriesAreRebuiltOnFirstUseAndReadsStayCorrect() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(8192).build();
    try (SegmentedLog log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 1; i <= 500; i++) {
        log.append(("record " + i).getBytes());
      }
    }
    Path idx = dir.resolve(FileNames.index(1));
    byte[] bytes = Files.readAllBytes(idx);
    bytes[bytes.length - 7] ^= 0x10; // inside the entries, under their checksum
    Files.write(idx, bytes);
    assertThat(LogVerifier.verify(dir).findings())
        .extracting(f -> f.kind())
        .containsExactly("index-file");

    try (SegmentedLog log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.recoveryReport().indexFilesRebuilt()).isEmpty();
      for (long i = 1; i <= 500; i++) {
        assertThat(new String(log.read(i).payloadBytes())).isEqualTo("record " + i);
      }
    }
    IndexFileFormat.decode(ByteBuffer.wrap(Files.readAllBytes(idx))); // rewritten: decodes
    assertThat(LogVerifier.verify(dir).intact()).isTrue();
  }
}
