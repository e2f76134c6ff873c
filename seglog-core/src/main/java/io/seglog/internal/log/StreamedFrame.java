package io.seglog.internal.log;

import io.seglog.RecordTooLargeException;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.zip.CRC32C;

/**
 * Writes one record of unknown length from a channel as a records frame at a given position of the
 * active segment, through a bounded buffer, never holding the record in memory.
 *
 * <p>Design note. A frame header holds the body length and the checksum, and the checksum covers
 * the header before the body (FORMAT.md 3.2), so neither is known until the source ends. The body
 * is therefore written first, from {@code position + 48} on (after the 32-byte frame header and the
 * 16-byte record header), with its CRC32C computed as it goes; then the 48 bytes of headers are
 * written at {@code position}, their checksum combined with the body's ({@link
 * io.seglog.internal.format.Crc32cCombine}). Until that last write the frame's header bytes are
 * zeros (a hole: nothing was ever written there since the segment was cut back to its published
 * size), which never parse as a frame: a crash in the middle leaves a torn tail that recovery cuts.
 * Nothing is published here: the caller publishes after {@link #write} returns, or cuts the file
 * back to {@code position} if it throws.
 *
 * <p>Not thread-safe: the log's writer (holding its append lock) uses it.
 */
final class StreamedFrame {
  /** Bytes read from the source and written per step. */
  static final int CHUNK_BYTES = 64 << 10;

  /** The source failed: its exception, to rethrow as is once the frame is cut back. */
  static final class SourceFailure extends Exception {
    private static final long serialVersionUID = 1L;

    SourceFailure(Throwable cause) {
      super(cause);
    }
  }

  private StreamedFrame() {}

  /**
   * Writes the frame; returns its length in bytes.
   *
   * @param maxBytes the record's largest allowed payload
   * @throws SourceFailure if reading the source threw (the exception is its cause)
   * @throws RecordTooLargeException if the source holds more than {@code maxBytes} bytes
   * @throws IOException if writing to the segment failed
   */
  static int write(
      FileHandle segment,
      long position,
      ReadableByteChannel source,
      long maxBytes,
      long timestamp,
      int type,
      long firstIndex,
      long syncedIndex)
      throws SourceFailure, IOException {
    long payloadAt =
        position + SegmentFormat.FRAME_HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES;
    ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, maxBytes + 1));
    CRC32C crc = new CRC32C();
    long length = 0;
    while (true) {
      // read at most one byte past the bound: enough to know it was crossed
      chunk.clear().limit((int) Math.min(chunk.capacity(), maxBytes + 1 - length));
      int n;
      try {
        n = source.read(chunk);
      } catch (IOException | RuntimeException | Error e) {
        // An Error too: the payload written so far must be cut back before it propagates.
        throw new SourceFailure(e);
      }
      if (n < 0) {
        break;
      }
      if (length + n > maxBytes) {
        throw new RecordTooLargeException(
            "streamed record exceeds its limit of " + maxBytes + " bytes; nothing was appended");
      }
      chunk.flip();
      crc.update(chunk.duplicate());
      segment.writeFully(chunk, payloadAt + length);
      length += n;
    }
    ByteBuffer head =
        ByteBuffer.allocate(SegmentFormat.FRAME_HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES);
    head.position(SegmentFormat.FRAME_HEADER_BYTES);
    SegmentFormat.putRecordHeader(head, timestamp, (int) length, type);
    SegmentFormat.sealStreamedFrame(
        head, head.capacity(), 1, firstIndex, syncedIndex, (int) crc.getValue(), length);
    segment.writeFully(head.clear(), position);
    return (int) (head.capacity() + length);
  }
}
