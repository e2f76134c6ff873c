package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.segment.FrameIndex;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.Segment;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The payload of one record as a stream, for records too large to hold in memory.
 *
 * <p>Design note. A record alone in its frame (every streamed record is) and larger than {@link
 * #VERIFIED_UP_TO} is read from the segment through a bounded buffer, its frame checksum computed
 * as the bytes go by; the read that reaches the end compares it with the stored one and throws
 * {@link CorruptLogException} instead of reporting the end. So bytes handed out before the end are
 * not verified yet: a caller acts on them only after reading to the end without an exception. The
 * alternative, reading the record twice (once to verify, once to hand out), costs twice the I/O and
 * still verifies other bytes than the ones handed out (a disk may return different bytes on the
 * second read), so it guarantees less. Smaller records, and records of a batch frame, are read and
 * verified whole first, as {@code Log.read} does, so their stream is verified from the first byte.
 *
 * <p>Not thread-safe, like any {@link InputStream}. The log's files may be read concurrently by
 * others; closing the log makes a later read throw.
 */
final class RecordInputStream extends InputStream {
  /** Records up to this size are read and verified whole before the first byte is handed out. */
  static final int VERIFIED_UP_TO = 1 << 20;

  private static final int BUFFER_BYTES = 64 << 10;

  private final SegmentedLog log;
  private final FileHandle handle;
  private final Closeable release; // gives back the hold on the segment's file, once
  private final Path path;
  private final long framePosition;
  private final long index;
  private final long epoch; // the log's cut epoch before the record's segment was looked up
  private final int storedCrc;
  private final CRC32C crc = new CRC32C();
  private final long end; // file position after the payload
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).flip();
  private long next; // file position of the next byte to buffer
  private boolean closed;

  private RecordInputStream(
      SegmentedLog log,
      Segment segment,
      FileHandle handle,
      Closeable release,
      long framePosition,
      long index,
      ByteBuffer head,
      int payloadLength,
      long epoch) {
    this.log = log;
    this.epoch = epoch;
    this.handle = handle;
    this.release = release;
    this.path = segment.path();
    this.framePosition = framePosition;
    this.index = index;
    this.storedCrc = SegmentFormat.storedChecksum(head, 0);
    crc.update(head.duplicate().position(SegmentFormat.FRAME_CHECKSUM_FROM));
    this.next = framePosition + head.capacity();
    this.end = next + payloadLength;
  }

  /**
   * A stream of record {@code index}'s payload, which the caller checked is in {@code segment} and
   * published.
   *
   * @throws CorruptLogException if the frame's header is damaged (or, for a record read whole, its
   *     checksum does not match)
   */
  static InputStream open(SegmentedLog log, Segment segment, long index, int maxBody, long epoch)
      throws IOException {
    FrameIndex fi = segment.frameIndex();
    int slot = fi.find((int) (index - segment.baseIndex()));
    if (slot < 0) {
      throw new CorruptLogException(segment.path(), -1, "no frame holds index " + index);
    }
    long position = fi.position(slot);
    long bound = slot + 1 < fi.count() ? fi.position(slot + 1) : segment.framesEnd();
    int headBytes = SegmentFormat.FRAME_HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES;
    if (bound - position < headBytes) {
      return whole(segment, index); // a small frame: read whole, which reports any damage
    }
    // The one place the stream takes hold of the segment's file: a reference that keeps the
    // file-handle pool from closing it under the stream, given back in close(); it reads through
    // the write buffer while the segment buffers (its newest frames may not be in the file yet).
    Segment.ReadReference file = segment.openForReading();
    FileHandle handle = file.file();
    Closeable release = file;
    boolean handedOut = false;
    try {
      InputStream in =
          openOn(log, segment, index, maxBody, handle, release, position, bound, epoch);
      handedOut = in instanceof RecordInputStream;
      return in;
    } finally {
      if (!handedOut) {
        release.close();
      }
    }
  }

  private static InputStream openOn(
      SegmentedLog log,
      Segment segment,
      long index,
      int maxBody,
      FileHandle handle,
      Closeable release,
      long position,
      long bound,
      long epoch)
      throws IOException {
    int headBytes = SegmentFormat.FRAME_HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES;
    ByteBuffer head = ByteBuffer.allocate(headBytes);
    handle.readFully(head, position);
    FrameHeader h;
    try {
      h = SegmentFormat.decodeFrameHeader(head, 0, maxBody, position);
    } catch (FormatException e) {
      throw new CorruptLogException(segment.path(), position, e.getMessage());
    }
    if (h.coded() || h.recordCount() != 1 || h.frameLength() <= VERIFIED_UP_TO) {
      // A coded (compressed, encrypted) body is not the record's bytes: decoded whole.
      return whole(segment, index);
    }
    if (h.type() != SegmentFormat.FRAME_RECORDS || h.firstIndex() != index) {
      throw new CorruptLogException(
          segment.path(), position, "frame holds index " + h.firstIndex() + ", expected " + index);
    }
    if (position + h.frameLength() > bound) {
      throw new CorruptLogException(
          segment.path(), position, "frame of " + h.frameLength() + " bytes runs past its end");
    }
    int payload = SegmentFormat.recordLength(head, SegmentFormat.FRAME_HEADER_BYTES);
    if (payload != h.frameLength() - headBytes) {
      throw new CorruptLogException(
          segment.path(),
          position,
          "record length " + payload + " does not fill its frame of " + h.frameLength());
    }
    return new RecordInputStream(
        log, segment, handle, release, position, index, head.clear(), payload, epoch);
  }

  private static InputStream whole(Segment segment, long index) throws IOException {
    return new ByteArrayInputStream(segment.read(index, new FrameView()).payloadBytes());
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return buffer.get() & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, buffer.remaining());
    buffer.get(b, off, n);
    return n;
  }

  @Override
  public int available() {
    return closed ? 0 : buffer.remaining();
  }

  /** Makes bytes available; false at the verified end. */
  private boolean fill() throws IOException {
    if (closed) {
      throw new IOException("stream of record " + index + " is closed");
    }
    if (buffer.hasRemaining()) {
      return true;
    }
    if (next >= end) {
      if ((int) crc.getValue() != storedCrc) {
        throw goneOr(
            new CorruptLogException(
                path,
                framePosition,
                "frame checksum mismatch at the end of record "
                    + index
                    + ": the bytes read from this stream are damaged"));
      }
      return false;
    }
    buffer.clear().limit((int) Math.min(buffer.capacity(), end - next));
    if (log.isClosed()) {
      // The stream's reference keeps the file open, but a closed log serves no more reads.
      throw new IOException("log was closed during the read of record " + index);
    }
    try {
      handle.readFully(buffer, next);
    } catch (IOException e) {
      if (log.isClosed()) {
        throw new IOException("log was closed during the read of record " + index, e);
      }
      throw goneOr(e);
    }
    buffer.flip();
    crc.update(buffer.duplicate());
    next += buffer.remaining();
    return true;
  }

  /**
   * {@code failure}, unless a truncation since the stream was opened removed its record (and
   * rewrote the bytes under it): then {@link io.seglog.RecordsGoneException}.
   */
  private <E extends Exception> E goneOr(E failure) {
    try {
      log.checkReadNotCut(index, epoch);
    } catch (io.seglog.RecordsGoneException gone) {
      gone.addSuppressed(failure);
      throw gone;
    }
    return failure;
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      release.close();
    }
  }
}
