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
   * Seeded layouts against a linear scan: frames of equal size (where the search starts at the
   * right slot), of mixed sizes, skewed (one huge frame among small ones, at the start, middle or
   * end, where the first guess is far off), and one-record frames followed by larger ones; every
   * relative index from below the first to past the last.
   */
  @Test
  void findsTheSameFrameAsALinearScanInEveryLayout() {
    java.util.Random random = new java.util.Random(20261121);
    for (int layout = 0; layout < 400; layout++) {
      int frames = 1 + random.nextInt(layout < 200 ? 40 : 3000);
      int[] sizes = new int[frames];
      int kind = layout % 5;
      for (int i = 0; i < frames; i++) {
        sizes[i] =
            switch (kind) {
              case 0 -> 8; // packed 100 B records
              case 1 -> 1 + random.nextInt(16);
              case 2 -> i == frames / 2 ? 100_000 : 1 + random.nextInt(3);
              case 3 -> i < frames / 3 ? 1 : 1 + random.nextInt(50);
              default -> random.nextInt(10) == 0 ? 1 + random.nextInt(5_000) : 1;
            };
      }
      if (kind == 2 && random.nextBoolean()) {
        sizes[random.nextBoolean() ? 0 : frames - 1] = 50_000;
      }
      FrameIndex fi = new FrameIndex(4);
      int[] firsts = new int[frames];
      int first = random.nextInt(3) == 0 ? random.nextInt(5) : 0; // a cut may leave a gap at 0
      for (int i = 0; i < frames; i++) {
        firsts[i] = first;
        fi.add(first, 64 + i, i);
        first += sizes[i];
      }
      for (int rel = -2; rel < first + 3; rel += rel < 200 || sizes.length < 50 ? 1 : 7) {
        int expected = -1;
        for (int i = 0; i < frames && firsts[i] <= rel; i++) {
          expected = i;
        }
        assertThat(fi.find(rel))
            .as("layout %d (kind %d), rel %d", layout, kind, rel)
            .isEqualTo(expected);
      }
    }
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
