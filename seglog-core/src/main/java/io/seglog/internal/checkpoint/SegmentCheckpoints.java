package io.seglog.internal.checkpoint;

import io.seglog.internal.format.CheckpointFormat;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.segment.FileWindow;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the checkpoints of one segment by walking its frames: records frames by their header only
 * (a replay verifies them when it reads them), checkpoint chunk frames in full when verifying.
 * Version 1 segments hold none and are not read.
 */
final class SegmentCheckpoints {
  private SegmentCheckpoints() {}

  /**
   * A checkpoint found, or damage met.
   *
   * @param index the last record it covers (-1 if unknown: damage before any chunk was read)
   * @param offset its first chunk frame, or where the damage is when {@code damage} is set
   * @param complete whether its LAST chunk was found
   * @param damage a checksum mismatch, a bad chunk or an unreadable frame; the walk stops there
   */
  record Found(
      long index,
      Path segment,
      long offset,
      long bytes,
      int chunks,
      boolean complete,
      FormatException damage) {}

  /**
   * Walks {@code segment}'s frames, oldest first.
   *
   * @param leadingOnly stop after the frames at the segment's start that are checkpoint chunks
   * @param verify check the checksum of every checkpoint chunk frame
   */
  static List<Found> walk(Segment segment, int maxBody, boolean leadingOnly, boolean verify)
      throws IOException {
    List<Found> found = new ArrayList<>();
    if (segment.header().version() < 2) {
      return found;
    }
    try (Segment.ReadReference file = segment.openForReading()) {
      return walk(segment, file.file(), maxBody, leadingOnly, verify);
    }
  }

  private static List<Found> walk(
      Segment segment, FileHandle file, int maxBody, boolean leadingOnly, boolean verify)
      throws IOException {
    List<Found> found = new ArrayList<>();
    long end = segment.framesEnd();
    FileWindow window = new FileWindow(file, end);
    Path path = segment.path();
    long pos = SegmentFormat.HEADER_BYTES;
    // the open run of chunks
    long runAt = -1;
    long runIndex = -1;
    long runBytes = 0;
    int runChunks = 0;
    while (pos < end) {
      try {
        if (end - pos < SegmentFormat.FRAME_HEADER_BYTES) {
          throw new FormatException(pos, "truncated frame header");
        }
        int off = window.ensure(pos, SegmentFormat.FRAME_HEADER_BYTES);
        ByteBuffer b = window.buffer();
        FrameHeader h = SegmentFormat.decodeFrameHeader(b, off, maxBody, pos);
        int length = h.frameLength();
        if (length > end - pos) {
          throw new FormatException(pos, "frame of " + length + " bytes runs past the segment");
        }
        if (h.type() != SegmentFormat.FRAME_CHECKPOINT) {
          if (runAt >= 0) {
            found.add(new Found(runIndex, path, runAt, runBytes, runChunks, false, null));
            runAt = -1;
          }
          if (leadingOnly) {
            return found;
          }
          pos += length;
          continue;
        }
        int need = verify ? length : SegmentFormat.FRAME_HEADER_BYTES + 16;
        off = window.ensure(pos, need);
        b = window.buffer();
        if (verify && !SegmentFormat.checksumMatches(b, off, length)) {
          throw new FormatException(pos, "checkpoint chunk frame checksum mismatch");
        }
        CheckpointFormat.Chunk c = CheckpointFormat.decodeChunk(b, off, h, pos);
        long index = h.firstIndex() - 1;
        if (c.first()) {
          if (runAt >= 0) {
            found.add(new Found(runIndex, path, runAt, runBytes, runChunks, false, null));
          }
          runAt = pos;
          runIndex = index;
          runBytes = 0;
          runChunks = 0;
        } else if (runAt < 0) {
          // a continuation without its start: the start was lost with a cut, or never written
          if (leadingOnly) {
            return found;
          }
          pos += length;
          continue;
        } else if (c.sequence() != runChunks || index != runIndex || c.offset() != runBytes) {
          throw new FormatException(
              pos,
              "checkpoint chunk "
                  + c.sequence()
                  + " (index "
                  + index
                  + ", offset "
                  + c.offset()
                  + ") does not continue chunk "
                  + (runChunks - 1)
                  + " (index "
                  + runIndex
                  + ", "
                  + runBytes
                  + " bytes)");
        }
        runBytes += c.dataLength();
        runChunks++;
        pos += length;
        if (c.last()) {
          found.add(new Found(runIndex, path, runAt, runBytes, runChunks, true, null));
          runAt = -1;
          if (leadingOnly) {
            return found;
          }
        }
      } catch (FormatException e) {
        found.add(new Found(runAt >= 0 ? runIndex : -1, path, e.offset(), 0, 0, false, e));
        return found;
      }
    }
    if (runAt >= 0) {
      found.add(new Found(runIndex, path, runAt, runBytes, runChunks, false, null));
    }
    return found;
  }
}
