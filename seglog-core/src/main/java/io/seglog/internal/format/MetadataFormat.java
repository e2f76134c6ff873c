package io.seglog.internal.format;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Byte layout of the metadata file {@code seglog.meta}, format versions 1 and 2. It is small and
 * only ever replaced atomically: written to {@code seglog.meta.tmp}, fsynced, renamed over, then
 * the directory fsynced. Big-endian.
 *
 * <p>Version 1 (64 bytes) is what a log at rest holds. Version 2 is written only while a truncation
 * that removes records at the end of the log ({@code truncateAfter}, {@code reset}) is in progress:
 * the 64 bytes of version 1 (with version 2) followed by the {@link Pending} operation, which the
 * next open finishes before anything else (docs/FORMAT.md sections 2 and 9). So a log at rest stays
 * readable by a version-1 reader, and a log with an unfinished truncation is refused by one.
 *
 * <pre>
 *   0   magic           4   'S' 'G' 'L' 'M'
 *   4   version         2   1
 *   6   reserved        2   0
 *   8   log id         16   random at creation; every segment must carry it
 *  24   created at      8   epoch millis
 *  32   first index     8   the log's first index (initial index, or as moved by truncation)
 *  40   max body bytes  4   largest frame body ever allowed in this log; only grows
 *  44   reserved       16   0
 *  60   crc             4   CRC32C of bytes [0, 60)
 * version 2 only:
 *  64   operation       1   1 = truncate after
 *  65   reserved        3   0
 *  68   tail length     4   L, bytes of tail below: 0 .. 32 + max body bytes (+ 68 coded)
 *  72   keep through    8   records above this index are removed; segments whose base index is
 *                           above it are deleted (-1: every segment)
 *  80   cut segment     8   base index of the segment cut in place, or -1 for none
 *  88   cut offset      8   the byte offset that segment is cut at
 *  96   tail            L   bytes written at the cut offset after the cut (a re-encoded frame)
 *  96+L crc             4   CRC32C of bytes [64, 96 + L)
 * </pre>
 */
public final class MetadataFormat {
  private MetadataFormat() {}

  public static final int VERSION = 1;

  /** The version written while a truncation is pending. */
  public static final int VERSION_PENDING = 2;

  public static final int MAGIC = 0x53474C4D; // "SGLM"
  public static final int BYTES = 64;

  /** Bytes of a version 2 file besides its tail. */
  public static final int PENDING_BYTES = BYTES + 32 + 4;

  /** Largest metadata file: version 2 with a tail of the largest frame (coded, docs 3.5). */
  public static final long MAX_FILE_BYTES = PENDING_BYTES + maxTail(SegmentFormat.MAX_BODY_BYTES);

  /** Pending operation: truncate after an index. */
  public static final int OP_TRUNCATE_AFTER = 1;

  private static final int MAGIC_AT = 0;
  private static final int VERSION_AT = 4;
  private static final int LOG_ID_AT = 8;
  private static final int CREATED_AT = 24;
  private static final int FIRST_INDEX_AT = 32;
  private static final int MAX_BODY_AT = 40;
  private static final int CRC_AT = 60;
  private static final int OP_AT = 64;
  private static final int TAIL_LENGTH_AT = 68;
  private static final int KEEP_THROUGH_AT = 72;
  private static final int CUT_SEGMENT_AT = 80;
  private static final int CUT_OFFSET_AT = 88;
  private static final int TAIL_AT = 96;

  /** Decoded metadata. */
  public record Metadata(UUID logId, long createdAt, long firstIndex, int maxBodyBytes) {}

  /**
   * A truncation in progress: every segment whose base index is above {@code keepThrough} is
   * deleted, and segment {@code cutSegment} (unless -1) is cut at byte {@code cutOffset}, then
   * {@code tail} is written there. Finishing it twice gives the same files.
   */
  public record Pending(long keepThrough, long cutSegment, long cutOffset, byte[] tail) {
    public Pending {
      if (cutSegment >= 0 && cutOffset < SegmentFormat.HEADER_BYTES) {
        throw new IllegalArgumentException("cut offset " + cutOffset + " is inside the header");
      }
    }
  }

  /** The whole metadata file: the metadata and the truncation pending, or null. */
  public record MetadataFile(Metadata metadata, Pending pending) {}

  /** Version 1: the log at rest. */
  public static ByteBuffer encode(Metadata m) {
    return encode(m, null);
  }

  /** Version 1 when {@code pending} is null, else version 2 carrying it. */
  public static ByteBuffer encode(Metadata m, Pending pending) {
    int length = pending == null ? BYTES : PENDING_BYTES + pending.tail().length;
    ByteBuffer b = ByteBuffer.allocate(length);
    b.putInt(MAGIC_AT, MAGIC);
    b.putShort(VERSION_AT, (short) (pending == null ? VERSION : VERSION_PENDING));
    b.putLong(LOG_ID_AT, m.logId().getMostSignificantBits());
    b.putLong(LOG_ID_AT + 8, m.logId().getLeastSignificantBits());
    b.putLong(CREATED_AT, m.createdAt());
    b.putLong(FIRST_INDEX_AT, m.firstIndex());
    b.putInt(MAX_BODY_AT, m.maxBodyBytes());
    b.putInt(CRC_AT, Checksums.crc32c(b, 0, CRC_AT));
    if (pending != null) {
      b.put(OP_AT, (byte) OP_TRUNCATE_AFTER);
      b.putInt(TAIL_LENGTH_AT, pending.tail().length);
      b.putLong(KEEP_THROUGH_AT, pending.keepThrough());
      b.putLong(CUT_SEGMENT_AT, pending.cutSegment());
      b.putLong(CUT_OFFSET_AT, pending.cutOffset());
      b.put(TAIL_AT, pending.tail());
      int end = TAIL_AT + pending.tail().length;
      b.putInt(end, Checksums.crc32c(b, OP_AT, end));
    }
    return b;
  }

  /** Decodes either version; the pending operation of a version 2 file is ignored. */
  public static Metadata decode(ByteBuffer b) throws FormatException {
    return decodeFile(b).metadata();
  }

  /** Decodes either version, with the pending operation of a version 2 file. */
  public static MetadataFile decodeFile(ByteBuffer b) throws FormatException {
    if (b.remaining() < 8) {
      throw new FormatException(0, "metadata file truncated (" + b.remaining() + " bytes)");
    }
    if (b.getInt(MAGIC_AT) != MAGIC) {
      throw new FormatException(MAGIC_AT, "not a seglog metadata file (bad magic)");
    }
    int version = Short.toUnsignedInt(b.getShort(VERSION_AT));
    if (version != VERSION && version != VERSION_PENDING) {
      throw new FormatException(VERSION_AT, "unsupported metadata format version " + version);
    }
    if (version == VERSION_PENDING ? b.remaining() < PENDING_BYTES : b.remaining() != BYTES) {
      throw new FormatException(
          0,
          "metadata file is "
              + b.remaining()
              + " bytes, expected "
              + (version == VERSION ? BYTES : "at least " + PENDING_BYTES));
    }
    if (b.getInt(CRC_AT) != Checksums.crc32c(b, 0, CRC_AT)) {
      throw new FormatException(CRC_AT, "metadata checksum mismatch");
    }
    int maxBody = b.getInt(MAX_BODY_AT);
    if (maxBody <= 0 || maxBody > SegmentFormat.MAX_BODY_BYTES) {
      throw new FormatException(MAX_BODY_AT, "bad max body bytes " + maxBody);
    }
    Metadata m =
        new Metadata(
            new UUID(b.getLong(LOG_ID_AT), b.getLong(LOG_ID_AT + 8)),
            b.getLong(CREATED_AT),
            b.getLong(FIRST_INDEX_AT),
            maxBody);
    return new MetadataFile(m, version == VERSION_PENDING ? decodePending(b, maxBody) : null);
  }

  /**
   * Longest tail of a log whose frame bodies hold at most {@code maxBody} bytes of records: a
   * re-encoded frame, coded as the log's appends are, whose stored body may exceed its records by
   * the encryption envelope and tag (docs/FORMAT.md section 3.5).
   */
  private static long maxTail(int maxBody) {
    return (long) SegmentFormat.FRAME_HEADER_BYTES + maxBody + FrameEnvelope.MAX_OVERHEAD;
  }

  private static Pending decodePending(ByteBuffer b, int maxBody) throws FormatException {
    int tailLength = b.getInt(TAIL_LENGTH_AT);
    long maxTail = maxTail(maxBody);
    if (tailLength < 0 || tailLength > maxTail) {
      throw new FormatException(TAIL_LENGTH_AT, "bad pending tail length " + tailLength);
    }
    int end = TAIL_AT + tailLength;
    if (b.remaining() != end + 4) {
      throw new FormatException(
          0, "metadata file is " + b.remaining() + " bytes, expected " + (end + 4));
    }
    if (b.getInt(end) != Checksums.crc32c(b, OP_AT, end)) {
      throw new FormatException(end, "pending truncation checksum mismatch");
    }
    int op = Byte.toUnsignedInt(b.get(OP_AT));
    if (op != OP_TRUNCATE_AFTER) {
      throw new FormatException(OP_AT, "unknown pending operation " + op);
    }
    long keepThrough = b.getLong(KEEP_THROUGH_AT);
    long cutSegment = b.getLong(CUT_SEGMENT_AT);
    long cutOffset = b.getLong(CUT_OFFSET_AT);
    if (keepThrough < -1
        || cutSegment < -1
        || cutSegment > keepThrough
        || (cutSegment >= 0 && cutOffset < SegmentFormat.HEADER_BYTES)) {
      throw new FormatException(
          KEEP_THROUGH_AT,
          "bad pending truncation: keep through "
              + keepThrough
              + ", cut segment "
              + cutSegment
              + " at "
              + cutOffset);
    }
    byte[] tail = new byte[tailLength];
    b.get(TAIL_AT, tail);
    return new Pending(keepThrough, cutSegment, cutOffset, tail);
  }
}
