package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.SyncPolicy;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.NioFileIO;
import io.seglog.testing.FaultInjectingFileIO;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Findings of the review of the write path under failure, each named after the bug it pins. */
class WritePathFailureReviewTest {
  @TempDir Path dir;

  private static byte[] record(long i) {
    byte[] p = new byte[100];
    p[0] = (byte) i;
    return p;
  }

  /** How many appends of {@link #record} fill the first segment: the next one rolls. */
  private static int appendsBeforeTheFirstRoll(Path dry, LogConfig config) {
    try (SegmentedLog log = SegmentedLog.open(dry, config, NioFileIO.INSTANCE)) {
      for (int n = 1; ; n++) {
        log.append(record(n));
        if (log.segments().size() > 1) {
          return n - 1;
        }
      }
    }
  }

  @ParameterizedTest(name = "write buffer {0}")
  @ValueSource(ints = {0, 1024})
  void aFullDiskDuringASealLeavesNoPartialWriteSoReopeningNeedsNoSpaceToCutIt(int buffer)
      throws Exception {
    // Without a write buffer the trailer is torn; with one, the buffered frames' write is.
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .segmentBytes(4096)
            .writeBufferBytes(buffer)
            .build();
    int fill = appendsBeforeTheFirstRoll(dir.resolve("dry"), config);
    Path logDir = dir.resolve("log");
    Path segment = logDir.resolve(FileNames.segment(1));
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    long published;
    try (SegmentedLog log = SegmentedLog.open(logDir, config, io)) {
      for (int i = 1; i <= fill; i++) {
        log.append(record(i));
        assertThat(log.segments()).hasSize(1); // as in the dry run, which may seal an open frame
      }
      published = Files.size(segment);
      io.diskBudget(10); // what the seal writes is longer: part of it is written, then ENOSPC
      assertThatThrownBy(() -> log.append(record(fill + 1)))
          .isInstanceOf(LogFencedException.class)
          .hasMessageContaining(FaultInjectingFileIO.NO_SPACE);
      assertThat(Files.size(segment)).as("partial write discarded").isEqualTo(published);
    } catch (LogFencedException closeAfterFence) {
      // close of a fenced log may report the failure; nothing acknowledged depends on it
    }
    try (SegmentedLog log = SegmentedLog.open(logDir, config, NioFileIO.INSTANCE)) {
      assertThat(log.recoveryReport().cuts()).isEmpty();
      long last = log.lastIndex();
      assertThat(last).isLessThanOrEqualTo(fill); // buffered records were never made durable
      if (buffer == 0) {
        assertThat(last).isEqualTo(fill);
      }
      assertThat(log.read(last).payloadBytes()).isEqualTo(record(last));
    }
  }

  /** What writes the write buffer's frames to the file before anything else touches the file. */
  enum Flusher {
    CLOSE,
    TRUNCATE_AFTER,
    APPEND_STREAM
  }

  @ParameterizedTest
  @EnumSource(Flusher.class)
  void aFullDiskWhenTheWriteBufferIsWrittenOutLeavesNoPartialWrite(Flusher flusher)
      throws Exception {
    LogConfig config =
        LogConfig.builder().syncPolicy(SyncPolicy.NONE).writeBufferBytes(4096).build();
    Path segment = dir.resolve(FileNames.segment(1));
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    SegmentedLog log = SegmentedLog.open(dir, config, io);
    log.append(record(1));
    log.sync(); // record 1 is durable
    log.append(record(2));
    log.append(record(3)); // buffered, not in the file
    long published = Files.size(segment);
    io.diskBudget(10); // the buffered frames are longer: part of them is written, then ENOSPC
    Runnable flush =
        switch (flusher) {
          case CLOSE -> log::close;
          case TRUNCATE_AFTER -> () -> log.truncateAfter(2);
          case APPEND_STREAM ->
              () -> {
                try {
                  log.appendStream(new ByteArrayInputStream(record(4)), 100);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              };
        };
    assertThatThrownBy(flush::run).hasRootCauseMessage(FaultInjectingFileIO.NO_SPACE);
    assertThat(Files.size(segment)).as("partial write discarded").isEqualTo(published);
    try {
      log.close();
    } catch (LogFencedException closeAfterFence) {
      // close of a fenced log may report the failure; nothing acknowledged depends on it
    }
    try (SegmentedLog reopened = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(reopened.recoveryReport().cuts()).isEmpty();
      assertThat(reopened.lastIndex()).isEqualTo(1);
      assertThat(reopened.read(1).payloadBytes()).isEqualTo(record(1));
    }
  }

  @Test
  void aFlushWorkerThatFailedToStartIsStartedByTheNextAsyncAppend() throws Exception {
    LogConfig always = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    try (SegmentedLog log = SegmentedLog.open(dir, always, NioFileIO.INSTANCE)) {
      SyncCoordinator sync = log.syncCoordinatorForTest();
      sync.workerThreadsForTest(
          r ->
              new Thread(r) {
                @Override
                public synchronized void start() {
                  throw new OutOfMemoryError("unable to create native thread (a thread limit)");
                }
              });
      assertThatThrownBy(() -> log.appendAsync(record(1))).isInstanceOf(OutOfMemoryError.class);
      sync.workerThreadsForTest(null); // the limit is gone
      CompletableFuture<Long> next = log.appendAsync(record(2));
      assertThat(next.get(30, TimeUnit.SECONDS)).isEqualTo(2);
      assertThat(log.durableIndex()).isEqualTo(2);
    }
  }
}
