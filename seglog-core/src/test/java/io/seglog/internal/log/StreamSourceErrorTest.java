package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogVerifier;
import io.seglog.RecoveryMode;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.NioFileIO;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A streamed record whose source throws an {@link Error} (not an exception) after part of its
 * payload reached the file is cut back like any failed source: before, the payload stayed past the
 * published size, the next frames and the trailer were written over its start, and the sealed
 * segment held bytes after its trailer, which verify reports and every recovery mode refuses.
 */
class StreamSourceErrorTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(
      value = RecoveryMode.class,
      names = {"TAIL", "STRICT"})
  void anErrorFromTheSourceLeavesNothingOfTheRecordBehind(RecoveryMode mode) {
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .recoveryMode(mode)
            .maxStreamedRecordBytes(1 << 20)
            .build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      log.append(new byte[100]);
      ReadableByteChannel source =
          new ReadableByteChannel() {
            int calls;

            @Override
            public int read(ByteBuffer dst) {
              if (calls++ == 5) {
                throw new AssertionError("a bug in the source");
              }
              int n = Math.min(dst.remaining(), 10_000);
              dst.position(dst.position() + n);
              return n;
            }

            @Override
            public boolean isOpen() {
              return true;
            }

            @Override
            public void close() {}
          };
      assertThatThrownBy(() -> log.appendStream(source, 1 << 20))
          .isInstanceOf(AssertionError.class)
          .hasMessage("a bug in the source");
      log.append(new byte[10]);
      log.roll();
      log.append(new byte[10]);
    }
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.lastIndex()).isEqualTo(3);
    }
    assertThat(LogVerifier.verify(dir).findings()).isEmpty();
  }
}
