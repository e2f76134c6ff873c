package io.seglog.testing;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads segment files the test's own way, with the format descriptor only (not the engine): where
 * each frame is, how long, which indices it holds. Used to aim damage at exact bytes.
 */
public final class SegmentScan {
  private SegmentScan() {}

  /** Segments of 4 KiB, no fsync: a few records make a log of several segments. */
  public static final io.seglog.LogConfig SMALL_SEGMENTS =
      io.seglog.LogConfig.builder()
          .syncPolicy(io.seglog.SyncPolicy.NONE)
          .segmentBytes(4096)
          .build();

  /**
   * Writes records 1..n ("record i", type 1, timestamp 1000 + i) to a new log in {@code dir} with
   * {@link #SMALL_SEGMENTS}, closes it cleanly, and returns its segment files in index order: at
   * least four of them.
   */
  public static List<Path> writeSmallSegments(Path dir, int records) {
    try (io.seglog.Log log = io.seglog.Log.open(dir, SMALL_SEGMENTS)) {
      for (int i = 1; i <= records; i++) {
        log.append(io.seglog.Entry.of(("record " + i).getBytes(), 1, 1000 + i));
      }
    }
    List<Path> segments = segments(dir);
    if (segments.size() < 4) {
      throw new AssertionError(records + " records made " + segments.size() + " segments, not 4+");
    }
    return segments;
  }

  /** The base index a segment file's name gives. */
  public static long baseOf(Path segment) {
    return FileNames.baseIndexOf(segment.getFileName().toString());
  }

  /** One valid frame of a segment file. */
  public record Frame(
      long offset, int length, int type, int recordCount, long firstIndex, long syncedIndex) {
    public long end() {
      return offset + length;
    }

    public boolean isTrailer() {
      return type == SegmentFormat.FRAME_TRAILER;
    }

    /** Index after the frame's last record. */
    public long nextIndex() {
      return firstIndex + recordCount;
    }
  }

  /** The segment files of a log directory, in index order. */
  public static List<Path> segments(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> FileNames.isSegment(p.getFileName().toString())).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The segment files of a log directory as {@code io} sees it, in index order. */
  public static List<Path> segments(FileIO io, Path dir) {
    try {
      return io.list(dir).stream()
          .filter(p -> FileNames.isSegment(p.getFileName().toString()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The valid record frames (trailer and checkpoint frames excluded) of a segment file, read
   * through {@code io}.
   */
  public static List<Frame> recordFrames(FileIO io, Path segment) {
    try {
      return frames(DirectorySnapshot.readAll(io, segment)).stream()
          .filter(f -> f.type() == SegmentFormat.FRAME_RECORDS)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The valid frames of a segment file, from its header on, up to the first invalid one. */
  public static List<Frame> frames(Path segment) {
    try {
      return frames(Files.readAllBytes(segment));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The valid frames in a segment file's bytes, up to the first invalid one. */
  public static List<Frame> frames(byte[] file) {
    ByteBuffer b = ByteBuffer.wrap(file);
    List<Frame> frames = new ArrayList<>();
    int pos = SegmentFormat.HEADER_BYTES;
    while (pos + SegmentFormat.FRAME_HEADER_BYTES <= file.length) {
      FrameHeader h;
      try {
        h = SegmentFormat.decodeFrameHeader(b, pos, SegmentFormat.MAX_BODY_BYTES, pos);
      } catch (FormatException e) {
        break;
      }
      if ((long) pos + h.frameLength() > file.length
          || !SegmentFormat.checksumMatches(b, pos, h.frameLength())) {
        break;
      }
      frames.add(
          new Frame(
              pos, h.frameLength(), h.type(), h.recordCount(), h.firstIndex(), h.syncedIndex()));
      pos += h.frameLength();
    }
    return frames;
  }

  /** The valid record frames (trailer and checkpoint frames excluded) of a segment file. */
  public static List<Frame> recordFrames(Path segment) {
    return frames(segment).stream().filter(f -> f.type() == SegmentFormat.FRAME_RECORDS).toList();
  }
}
