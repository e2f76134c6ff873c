package io.seglog.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.CorruptLogException;
import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.LogReader;
import io.seglog.SyncPolicy;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.NioFileIO;
import io.seglog.testing.FaultInjectingFileIO;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for the findings of the independent engine review, each named after the bug it
 * pins.
 */
class ReviewFindingsTest {
  @TempDir Path dir;

  private static final LogConfig NONE =
      LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build();

  private static byte[] record(long i) {
    return ("record " + i).getBytes();
  }

  @Test
  void anInterruptedReaderDoesNotCloseTheSegmentForEveryoneElse() {
    try (SegmentedLog log = SegmentedLog.open(dir, NONE, NioFileIO.INSTANCE)) {
      for (long i = 1; i <= 200; i++) {
        log.append(record(i));
      }
      Thread.currentThread().interrupt();
      try {
        assertThat(log.read(7).payloadBytes()).isEqualTo(record(7));
        try (LogReader reader = log.reader(1, 201)) {
          for (long i = 1; i <= 200; i++) {
            assertThat(reader.next().payloadBytes()).isEqualTo(record(i));
          }
        }
        assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag kept").isTrue();
        assertThat(log.append(record(201))).isEqualTo(201); // the writer is not fenced
      } finally {
        Thread.interrupted();
      }
      assertThat(log.read(201).payloadBytes()).isEqualTo(record(201));
    }
  }

  @Test
  void reopeningAfterAKillDuringTheSealFsyncMakesTheSealedSegmentDurable() throws Exception {
    try (SegmentedLog log = SegmentedLog.open(dir, NONE, NioFileIO.INSTANCE)) {
      for (long i = 1; i <= 50; i++) {
        log.append(record(i));
      }
      log.roll();
    }
    // The state a kill between sealing and creating the next segment leaves: a sealed last segment.
    Path next = dir.resolve(FileNames.segment(51));
    Files.delete(next);
    Files.deleteIfExists(dir.resolve(FileNames.index(51)));

    FaultInjectingFileIO io = new FaultInjectingFileIO().tracing(true);
    try (SegmentedLog log = SegmentedLog.open(dir, NONE, io)) {
      Path sealed = dir.resolve(FileNames.segment(1));
      List<String> trace = io.trace();
      int forceOfSealed = indexOf(trace, "FORCE", sealed.toString());
      int newSegment = indexOf(trace, "RENAME", next.toString());
      assertThat(forceOfSealed)
          .as("the sealed segment is fsynced at open: " + trace)
          .isNotNegative();
      assertThat(forceOfSealed).isLessThan(newSegment);
      assertThat(log.durableIndex()).isEqualTo(50);
    }
  }

  @Test
  void everyWritableOpenFsyncsTheLogDirectory() {
    try (SegmentedLog log = SegmentedLog.open(dir, NONE, NioFileIO.INSTANCE)) {
      log.append(record(1));
    }
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    try (SegmentedLog log = SegmentedLog.open(dir, NONE, io)) {
      assertThat(io.count(FaultInjectingFileIO.Op.FORCE_DIRECTORY)).isPositive();
      assertThat(log.lastIndex()).isEqualTo(1);
    }
  }

  @Test
  void newAncestorDirectoriesAreFsyncedWhenTheLogIsCreated() {
    Path nested = dir.resolve("a/b/log");
    FaultInjectingFileIO io = new FaultInjectingFileIO().tracing(true);
    try (SegmentedLog log = SegmentedLog.open(nested, NONE, io)) {
      assertThat(log.directory()).isEqualTo(nested);
      List<String> trace = io.trace();
      assertThat(indexOf(trace, "FORCE_DIRECTORY", dir.toString())).isNotNegative();
      assertThat(indexOf(trace, "FORCE_DIRECTORY", dir.resolve("a").toString())).isNotNegative();
      assertThat(indexOf(trace, "FORCE_DIRECTORY", dir.resolve("a/b").toString())).isNotNegative();
    }
  }

  @Test
  void aSegmentShorterThanItsCleanCloseIndexFileIsRefusedNotCutAsATornTail() throws Exception {
    LogConfig always = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    try (SegmentedLog log = SegmentedLog.open(dir, always, NioFileIO.INSTANCE)) {
      for (long i = 1; i <= 5; i++) {
        log.append(record(i));
      }
    }
    Path segment = dir.resolve(FileNames.segment(1));
    long size = Files.size(segment);
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      f.setLength(size - 10); // fsynced bytes lost: media or file system damage, not a crash
    }
    assertThatThrownBy(() -> SegmentedLog.open(dir, always, NioFileIO.INSTANCE))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining(segment.toString())
        .hasMessageContaining("offset " + (size - 10));
    assertThat(Files.size(segment)).as("nothing cut").isEqualTo(size - 10);
  }

  @Test
  void aFullDiskLeavesNoPartialFrameSoReopeningNeedsNoSpaceToCutIt() throws Exception {
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    LogConfig always = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    Path segment = dir.resolve(FileNames.segment(1));
    try (SegmentedLog log = SegmentedLog.open(dir, always, io)) {
      for (long i = 1; i <= 5; i++) {
        log.append(record(i));
      }
      long published = Files.size(segment);
      io.diskBudget(20); // the next frame is longer: part of it is written, then ENOSPC
      assertThatThrownBy(() -> log.append(new byte[100])).isInstanceOf(LogFencedException.class);
      assertThat(Files.size(segment)).as("partial frame discarded").isEqualTo(published);
    } catch (RuntimeException closeAfterFence) {
      // close of a fenced log may report the failure; nothing acknowledged depends on it
    }
    try (SegmentedLog log = SegmentedLog.open(dir, always, NioFileIO.INSTANCE)) {
      assertThat(log.recoveryReport().cuts()).isEmpty();
      assertThat(log.lastIndex()).isEqualTo(5);
      assertThat(log.read(5).payloadBytes()).isEqualTo(record(5));
    }
  }

  @Test
  void aPayloadBufferMovedByTheCallerAfterTheAppendDoesNotChangeWhatWasWritten() {
    try (SegmentedLog log = SegmentedLog.open(dir, NONE, NioFileIO.INSTANCE)) {
      ByteBuffer payload = ByteBuffer.wrap("0123456789".getBytes());
      payload.position(2);
      long index = log.append(payload);
      payload.position(5);
      assertThat(new String(log.read(index).payloadBytes())).isEqualTo("23456789");
    }
  }

  private static int indexOf(List<String> trace, String op, String target) {
    for (int i = 0; i < trace.size(); i++) {
      String line = trace.get(i);
      if (line.contains(" " + op + "#") && line.endsWith(" " + target)) {
        return i;
      }
    }
    return -1;
  }
}
