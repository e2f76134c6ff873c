package io.seglog.internal.segment;

import io.seglog.CorruptLogException;
import io.seglog.Record;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One records frame read from a segment and verified against its checksum, with a cursor to walk
 * its records. Reused across frames to avoid allocation. Not thread-safe.
 */
public final class FrameView {
  private static final int FIRST_READ = 16 << 10;

  private ByteBuffer buffer = ByteBuffer.allocate(FIRST_READ);
  private Path file;
  private long filePosition = -1;
  private long firstIndex;
  private int recordCount;
  // cursor: the record at cursorIndex starts at buffer offset cursorOffset
  private long cursorIndex;
  private int cursorOffset;

  /**
   * Reads and verifies the frame at {@code position}, which must end at or before {@code bound},
   * and must start with record {@code expectedFirst}.
   *
   * @throws CorruptLogException if the frame is damaged
   */
  public void load(
      FileHandle handle, Path path, long position, long bound, long expectedFirst, int maxBody)
      throws IOException {
    long available = bound - position;
    if (available < SegmentFormat.FRAME_HEADER_BYTES) {
      throw new CorruptLogException(path, position, "frame header runs past the segment's end");
    }
    int first = (int) Math.min(available, FIRST_READ);
    ensureCapacity(first);
    buffer.clear().limit(first);
    handle.readFully(buffer, position);
    FrameHeader h;
    try {
      h = SegmentFormat.decodeFrameHeader(buffer, 0, maxBody, position);
    } catch (FormatException e) {
      throw new CorruptLogException(path, position, e.getMessage());
    }
    int length = h.frameLength();
    if (length > available) {
      throw new CorruptLogException(
          path, position, "frame of " + length + " bytes runs past the segment's end");
    }
    if (length > first) {
      ByteBuffer bigger = ByteBuffer.allocate(length);
      buffer.position(0).limit(first);
      bigger.put(buffer);
      bigger.limit(length);
      handle.readFully(bigger, position + first);
      buffer = bigger;
    }
    buffer.position(0).limit(length);
    if (!SegmentFormat.checksumMatches(buffer, 0, length)) {
      throw new CorruptLogException(path, position, "frame checksum mismatch");
    }
    if (h.type() != SegmentFormat.FRAME_RECORDS || h.firstIndex() != expectedFirst) {
      throw new CorruptLogException(
          path,
          position,
          "frame holds index "
              + h.firstIndex()
              + " (type "
              + h.type()
              + "), expected index "
              + expectedFirst);
    }
    try {
      SegmentFormat.checkRecordsFit(buffer, 0, h, position);
    } catch (FormatException e) {
      throw new CorruptLogException(path, position, e.getMessage());
    }
    this.file = path;
    this.filePosition = position;
    this.firstIndex = h.firstIndex();
    this.recordCount = h.recordCount();
    this.cursorIndex = firstIndex;
    this.cursorOffset = SegmentFormat.FRAME_HEADER_BYTES;
  }

  private void ensureCapacity(int n) {
    if (buffer.capacity() < n) {
      buffer = ByteBuffer.allocate(n);
    }
  }

  /** Whether the loaded frame holds {@code index}. */
  public boolean contains(long index) {
    return filePosition >= 0 && index >= firstIndex && index < firstIndex + recordCount;
  }

  /** Whether this view holds the frame at {@code position} of {@code path}. */
  public boolean isAt(Path path, long position) {
    return filePosition == position && path.equals(file);
  }

  /** Forgets the loaded frame. */
  public void clear() {
    filePosition = -1;
  }

  public long firstIndex() {
    return firstIndex;
  }

  /** The index after the frame's last record. */
  public long endIndex() {
    return firstIndex + recordCount;
  }

  /** The record at {@code index}, which {@link #contains} must hold; its payload is a copy. */
  public Record record(long index) {
    if (index < cursorIndex) {
      cursorIndex = firstIndex;
      cursorOffset = SegmentFormat.FRAME_HEADER_BYTES;
    }
    while (cursorIndex < index) {
      cursorOffset +=
          SegmentFormat.RECORD_HEADER_BYTES + SegmentFormat.recordLength(buffer, cursorOffset);
      cursorIndex++;
    }
    int length = SegmentFormat.recordLength(buffer, cursorOffset);
    int payloadAt = cursorOffset + SegmentFormat.RECORD_HEADER_BYTES;
    byte[] payload = Arrays.copyOfRange(buffer.array(), payloadAt, payloadAt + length);
    return new Record(
        index,
        SegmentFormat.recordTimestamp(buffer, cursorOffset),
        SegmentFormat.recordType(buffer, cursorOffset),
        ByteBuffer.wrap(payload));
  }
}
