package io.seglog.internal.segment;

import io.seglog.CorruptLogException;
import io.seglog.Record;
import io.seglog.internal.codec.FrameDecoder;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
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
  private static final int READ_AHEAD = 256 << 10;
  private static final int RETAINED_BYTES = 1 << 20;

  private final boolean readAhead;
  private ByteBuffer buffer = ByteBuffer.allocate(FIRST_READ);
  // The loaded frame's records: buffer for a plain frame, decoded for a coded one.
  private ByteBuffer data = buffer;
  private ByteBuffer decoded;
  // The buffer holds file bytes [windowStart, windowStart + buffer.limit()) of windowFile.
  private Path windowFile;
  private long windowStart;
  private Path file;
  private long filePosition = -1;
  private int frameOffset;
  private int maxBody; // the largest body the last load allowed: later frames are held to it
  private long firstIndex;
  private int recordCount;
  // cursor: the record at cursorIndex starts at buffer offset cursorOffset
  private long cursorIndex;
  private int cursorOffset;

  /** A view for random reads: each load reads about one frame. */
  public FrameView() {
    this(false);
  }

  /**
   * @param readAhead whether loads read up to 256 KiB ahead, so that sequential loads of small
   *     frames are served from memory
   */
  public FrameView(boolean readAhead) {
    this.readAhead = readAhead;
  }

  /**
   * Loads and verifies the frame at {@code position}, which must end at or before {@code bound},
   * and must start with record {@code expectedFirst}. Bytes up to {@code bound} are published and
   * never change, so a window read earlier may serve the frame.
   *
   * @throws CorruptLogException if the frame is damaged
   */
  public void load(
      FileHandle handle, Path path, long position, long bound, long expectedFirst, int maxBody)
      throws IOException {
    load(handle, path, position, bound, expectedFirst, maxBody, null, FrameDecoder.WITHOUT_KEYS);
  }

  /**
   * {@link #load(FileHandle, Path, long, long, long, int)} in a segment with {@code header}: a
   * version 2 segment may hold coded frames, which {@code decoder} authenticates, decrypts and
   * decompresses (a null header means version 1, where frame flags are damage).
   *
   * @throws CorruptLogException if the frame is damaged or fails authentication
   * @throws io.seglog.EncryptionKeyException if its key is missing or wrong
   */
  public void load(
      FileHandle handle,
      Path path,
      long position,
      long bound,
      long expectedFirst,
      int maxBody,
      SegmentHeader header,
      FrameDecoder decoder)
      throws IOException {
    filePosition = -1; // nothing is loaded until this frame checks out: fill() reuses the buffer
    // The offsets cache is keyed by (path, position), which a cut in place keeps while the bytes
    // there change: a load always builds them again.
    offsetsPosition = -1;
    long available = bound - position;
    if (available < SegmentFormat.FRAME_HEADER_BYTES) {
      throw new CorruptLogException(path, position, "frame header runs past the segment's end");
    }
    if (!inWindow(path, position, SegmentFormat.FRAME_HEADER_BYTES)) {
      fill(handle, path, position, (int) Math.min(available, readAhead ? READ_AHEAD : FIRST_READ));
    }
    int off = (int) (position - windowStart);
    FrameHeader h;
    try {
      h = SegmentFormat.decodeFrameHeader(buffer, off, maxBody, position);
    } catch (FormatException e) {
      throw new CorruptLogException(path, position, e.getMessage());
    }
    int length = h.frameLength();
    if (length > available) {
      throw new CorruptLogException(
          path, position, "frame of " + length + " bytes runs past the segment's end");
    }
    if (!inWindow(path, position, length)) {
      fill(
          handle,
          path,
          position,
          (int) Math.min(available, Math.max(length, readAhead ? READ_AHEAD : 0)));
      off = 0;
    }
    if (!SegmentFormat.checksumMatches(buffer, off, length)) {
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
    ByteBuffer records = buffer;
    try {
      SegmentFormat.checkFlagsAllowed(
          h, header == null ? SegmentFormat.VERSION : header.version(), position);
      if (!h.coded()) {
        SegmentFormat.checkRecordsFit(buffer, off, h, position);
      }
    } catch (FormatException e) {
      throw new CorruptLogException(path, position, e.getMessage());
    }
    if (h.coded()) {
      decoded = decoder.decode(buffer, off, h, maxBody, header.logId(), path, position, decoded);
      records = decoded;
      off = 0;
    }
    this.data = records;
    this.maxBody = maxBody;
    this.file = path;
    this.filePosition = position;
    this.frameLength = length;
    // Offsets of the frame loaded before: a cut may have put another frame at the same position.
    this.offsetsPosition = -1;
    this.frameOffset = off;
    this.firstIndex = h.firstIndex();
    this.recordCount = h.recordCount();
    this.cursorIndex = firstIndex;
    this.cursorOffset = off + SegmentFormat.FRAME_HEADER_BYTES;
  }

  /**
   * Loads the frame right after the loaded one out of the read-ahead window, without I/O: when the
   * loaded frame is a plain frame of {@code path} (the same object) read into the window, the
   * window holds the next frame whole, and that frame passes every check {@link #load} makes, with
   * first index {@code expectedFirst} and no flags. Otherwise returns false and changes nothing:
   * the caller then calls {@link #load}, which reads what is missing and names any damage with its
   * file and offset. The window holds published bytes only (see {@link #load}), so this needs no
   * handle.
   */
  public boolean loadNextInWindow(Path path, long expectedFirst) {
    if (filePosition < 0 || path != file || path != windowFile || data != buffer) {
      return false;
    }
    long position = filePosition + frameLength;
    // The loaded frame lies in the window (a fill forgets the frame until the next one checks out).
    int off = (int) (position - windowStart);
    int length =
        SegmentFormat.verifiedPlainFrameLength(buffer, off, buffer.limit(), maxBody, expectedFirst);
    if (length < 0) {
      return false;
    }
    this.filePosition = position;
    this.frameLength = length;
    this.offsetsPosition = -1;
    this.frameOffset = off;
    this.firstIndex = expectedFirst;
    this.recordCount = SegmentFormat.frameRecordCount(buffer, off);
    this.cursorIndex = expectedFirst;
    this.cursorOffset = off + SegmentFormat.FRAME_HEADER_BYTES;
    return true;
  }

  /** Whether loads read ahead past the requested frame. */
  public boolean readsAhead() {
    return readAhead;
  }

  private boolean inWindow(Path path, long position, int length) {
    // Identity, not equals: each segment passes its one Path object, and Path.equals compares
    // strings (it showed up as 43% of a sequential read's CPU).
    return path == windowFile
        && position >= windowStart
        && position + length <= windowStart + buffer.limit();
  }

  private void fill(FileHandle handle, Path path, long position, int length) throws IOException {
    if (buffer.capacity() < length) {
      buffer = ByteBuffer.allocate(length);
    }
    windowFile = null; // invalid until the read completes
    buffer.clear().limit(length);
    handle.readFully(buffer, position);
    buffer.flip();
    windowFile = path;
    windowStart = position;
  }

  /** Whether the loaded frame holds {@code index}. */
  public boolean contains(long index) {
    return filePosition >= 0 && index >= firstIndex && index < firstIndex + recordCount;
  }

  /** Whether this view holds the frame at {@code position} of {@code path} (the same object). */
  public boolean isAt(Path path, long position) {
    return filePosition == position && path == file;
  }

  /** Forgets the loaded frame and the window. */
  public void clear() {
    filePosition = -1;
    windowFile = null;
  }

  /**
   * Lets go of a buffer grown for a large frame, so a long-lived view (one per reading thread) does
   * not hold one; otherwise keeps the loaded frame, which stays valid (published bytes of a segment
   * never change while the log is open).
   */
  public void trim() {
    if (buffer.capacity() > RETAINED_BYTES
        || (decoded != null && decoded.capacity() > RETAINED_BYTES)) {
      buffer = ByteBuffer.allocate(FIRST_READ);
      decoded = null;
      data = buffer;
      clear();
    }
  }

  public long firstIndex() {
    return firstIndex;
  }

  /** The index after the frame's last record. */
  public long endIndex() {
    return firstIndex + recordCount;
  }

  /** The timestamp of the record at {@code index}, which {@link #contains} must hold. */
  public long timestamp(long index) {
    seek(index);
    return SegmentFormat.recordTimestamp(data, cursorOffset);
  }

  /** The record at {@code index}, which {@link #contains} must hold; its payload is a copy. */
  public Record record(long index) {
    seek(index);
    int length = SegmentFormat.recordLength(data, cursorOffset);
    int payloadAt = cursorOffset + SegmentFormat.RECORD_HEADER_BYTES;
    byte[] payload = Arrays.copyOfRange(data.array(), payloadAt, payloadAt + length);
    return new Record(
        index,
        SegmentFormat.recordTimestamp(data, cursorOffset),
        SegmentFormat.recordType(data, cursorOffset),
        ByteBuffer.wrap(payload));
  }

  // ---- in place: zero-copy views and backward steps (readers and tailers)

  // Record offsets of the frame at offsetsPosition of offsetsFile, built on the first backward
  // step inside a frame so a reverse reader walks a batch frame in linear time.
  private int frameLength;
  private int[] offsets = new int[0];
  private Path offsetsFile;
  private long offsetsPosition = -1;

  /**
   * Points {@code slot} at the record at {@code index}, which {@link #contains} must hold, without
   * copying: valid until this view loads another frame.
   */
  public RecordSlot view(long index, RecordSlot slot) {
    seek(index);
    slot.set(
        data,
        index,
        SegmentFormat.recordTimestamp(data, cursorOffset),
        SegmentFormat.recordType(data, cursorOffset),
        cursorOffset + SegmentFormat.RECORD_HEADER_BYTES,
        SegmentFormat.recordLength(data, cursorOffset));
    return slot;
  }

  /**
   * Whether the loaded frame is one of {@code path}'s (the same object) and ends right before
   * record {@code index}: then the frame holding it starts at {@link #nextFramePosition()}.
   */
  public boolean precedes(Path path, long index) {
    return filePosition >= 0 && path == file && index == firstIndex + recordCount;
  }

  /** The file position right after the loaded frame. */
  public long nextFramePosition() {
    return filePosition + frameLength;
  }

  /** Moves the cursor to {@code index}: forwards by walking, backwards through the offsets. */
  private void seek(long index) {
    if (index < cursorIndex) {
      if (offsetsFile != file || offsetsPosition != filePosition) {
        buildOffsets();
      }
      cursorIndex = index;
      cursorOffset = frameOffset + offsets[(int) (index - firstIndex)];
      return;
    }
    while (cursorIndex < index) {
      cursorOffset +=
          SegmentFormat.RECORD_HEADER_BYTES + SegmentFormat.recordLength(data, cursorOffset);
      cursorIndex++;
    }
  }

  private void buildOffsets() {
    if (offsets.length < recordCount) {
      offsets = new int[recordCount];
    }
    int at = frameOffset + SegmentFormat.FRAME_HEADER_BYTES;
    for (int i = 0; i < recordCount; i++) {
      offsets[i] = at - frameOffset; // relative: a reload may place the frame elsewhere
      at += SegmentFormat.RECORD_HEADER_BYTES + SegmentFormat.recordLength(data, at);
    }
    offsetsFile = file;
    offsetsPosition = filePosition;
  }
}
