package io.seglog.internal.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.CorruptLogException;
import io.seglog.LogConfig;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FrameIndex#find}: the frame holding a relative index, or -1. */
class FrameIndexTest {
  @TempDir Path tmp;

  /** Frames of 1, 3 and 2 records at relative indexes 0, 1 and 4. */
  private static FrameIndex threeFrames() {
    FrameIndex fi = new FrameIndex(4);
    fi.add(0, 64, 10);
    fi.add(1, 128, 20);
    fi.add(4, 256, 30);
    return fi;
  }

  @Test
  void findsTheFrameHoldingARelativeIndex() {
    FrameIndex fi = threeFrames();
    assertThat(fi.find(0)).isEqualTo(0);
    assertThat(fi.find(1)).isEqualTo(1);
    assertThat(fi.find(2)).isEqualTo(1);
    assertThat(fi.find(3)).isEqualTo(1);
    assertThat(fi.find(4)).isEqualTo(2);
    assertThat(fi.find(5)).isEqualTo(2); // the last frame's records are not bounded here
  }

  /**
   * Regression: a reader racing a prefix removal can ask a segment for an index below its base
   * index (a negative relative index); the direct-hit check read entries[rel] and threw
   * ArrayIndexOutOfBoundsException instead of answering "no frame".
   */
  @Test
  void aNegativeRelativeIndexIsNotFound() {
    FrameIndex fi = threeFrames();
    assertThat(fi.find(-1)).isEqualTo(-1);
    assertThat(fi.find(-3)).isEqualTo(-1);
    assertThat(fi.find(Integer.MIN_VALUE)).isEqualTo(-1);
    assertThat(new FrameIndex(4).find(-1)).isEqualTo(-1);
  }

  /**
   * What a read that picked a segment after a prefix removal sees when asking it for an index below
   * its base: the log's read paths catch this CorruptLogException and report the record gone (the
   * index is below the first index) or retry; an ArrayIndexOutOfBoundsException escaped them all.
   */
  @Test
  void aSegmentAskedForAnIndexBelowItsBaseFindsNoFrame() {
    LogConfig config = LogConfig.builder().segmentBytes(4096).build();
    try (SegmentedLog log = SegmentedLog.open(tmp.resolve("log"), config, NioFileIO.INSTANCE)) {
      while (log.segmentArray().length < 2) {
        log.append(new byte[100]);
      }
      log.append(new byte[100]);
      Segment second = log.segmentArray()[1];
      long below = second.baseIndex() - 1;
      assertThatThrownBy(() -> second.read(below, new FrameView()))
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining("no frame holds index " + below);
    }
  }
}
