package io.seglog.internal.format;

import java.nio.ByteBuffer;

/**
 * Byte layout of a checkpoint chunk frame (frame type 3, segment format version 2). docs/FORMAT.md
 * section 3.6 describes the same layout for readers of the bytes.
 *
 * <pre>
 * Frame header (as every frame, SegmentFormat): type 3, flags 0, record count 0,
 *   first index  = the index after the last record the checkpoint covers (covered index + 1),
 *   synced index = as for every frame.
 *
 * Chunk body = 16-byte chunk header + data
 *   0   sequence        4   chunk number within its checkpoint, 0 for the first
 *   4   chunk flags     1   bit 0 FIRST (exactly when sequence is 0), bit 1 LAST; others zero
 *   5   reserved        3   zeros
 *   8   offset          8   bytes of checkpoint data before this chunk
 *  16   data            n   the next n bytes of the checkpoint (n = body length - 16, may be 0)
 * </pre>
 *
 * A checkpoint is a run of consecutive chunk frames in one segment, sequence 0, 1, 2, ... with the
 * same first index, each offset the previous offset plus the previous data length, the last one
 * flagged LAST. Nothing else lies between its chunks.
 */
public final class CheckpointFormat {
  private CheckpointFormat() {}

  public static final int CHUNK_HEADER_BYTES = 16;
  public static final int FLAG_FIRST = 1;
  public static final int FLAG_LAST = 2;

  private static final int C_SEQUENCE = 0;
  private static final int C_FLAGS = 4;
  private static final int C_RESERVED = 5;
  private static final int C_OFFSET = 8;

  /** One decoded chunk header. {@code dataLength} is the chunk's data bytes. */
  public record Chunk(int sequence, boolean first, boolean last, long offset, int dataLength) {}

  /**
   * Seals a chunk frame whose data is already in {@code b} at {@code [48, frameEnd)}: writes the
   * chunk header and the frame header, and the checksum over both.
   */
  public static void sealChunk(
      ByteBuffer b,
      int frameEnd,
      int sequence,
      boolean last,
      long offset,
      long coveredIndex,
      long syncedIndex) {
    int body = SegmentFormat.FRAME_HEADER_BYTES;
    b.putInt(body + C_SEQUENCE, sequence);
    b.put(body + C_FLAGS, (byte) ((sequence == 0 ? FLAG_FIRST : 0) | (last ? FLAG_LAST : 0)));
    b.put(body + C_RESERVED, (byte) 0);
    b.putShort(body + C_RESERVED + 1, (short) 0);
    b.putLong(body + C_OFFSET, offset);
    SegmentFormat.sealFrame(
        b, 0, frameEnd, SegmentFormat.FRAME_CHECKPOINT, 0, coveredIndex + 1, syncedIndex);
  }

  /**
   * Decodes the chunk header of a checkpoint frame at {@code pos} whose header is {@code h}.
   *
   * @throws FormatException if a field is out of range (a frame whose checksum matched: written
   *     wrong, never torn)
   */
  public static Chunk decodeChunk(ByteBuffer b, int pos, FrameHeader h, long fileOffset)
      throws FormatException {
    int body = pos + SegmentFormat.FRAME_HEADER_BYTES;
    int sequence = b.getInt(body + C_SEQUENCE);
    int flags = Byte.toUnsignedInt(b.get(body + C_FLAGS));
    long offset = b.getLong(body + C_OFFSET);
    boolean first = (flags & FLAG_FIRST) != 0;
    if (sequence < 0
        || (flags & ~(FLAG_FIRST | FLAG_LAST)) != 0
        || first != (sequence == 0)
        || b.get(body + C_RESERVED) != 0
        || b.getShort(body + C_RESERVED + 1) != 0
        || offset < 0
        || (sequence == 0 && offset != 0)) {
      throw new FormatException(
          fileOffset,
          "bad checkpoint chunk header (sequence "
              + sequence
              + ", flags "
              + flags
              + ", offset "
              + offset
              + ")");
    }
    return new Chunk(
        sequence, first, (flags & FLAG_LAST) != 0, offset, h.bodyLength() - CHUNK_HEADER_BYTES);
  }
}
