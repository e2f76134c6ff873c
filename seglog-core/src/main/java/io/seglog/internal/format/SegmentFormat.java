package io.seglog.internal.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * Byte layout of a segment file, format versions 1 and 2. Every offset of a segment file lives here
 * (the body of a coded v2 frame: {@link FrameEnvelope}). All integers are big-endian.
 * docs/FORMAT.md describes the same layout for readers of the bytes.
 *
 * <p>Version 2 differs from version 1 only in frame flags: a v2 records frame may carry a codec and
 * an encryption flag, and then its body is a {@link FrameEnvelope}. A log writes v2 segments only
 * when compression or encryption is configured; v1 segments stay readable.
 *
 * <pre>
 * Segment file  NNNNNNNNNNNNNNNNNNNN.seg  (20-digit zero-padded base index)
 * +-----------------+---------+---------+-----+---------+-----------------+
 * | header (128 B)  | frame 0 | frame 1 | ... | frame n | trailer frame   |  (trailer only once sealed)
 * +-----------------+---------+---------+-----+---------+-----------------+
 *
 * Segment header, 128 bytes
 *   0   magic           4   'S' 'G' 'L' 'S'
 *   4   version         2   1, or 2 (frame flags allowed)
 *   6   header length   2   128
 *   8   log id         16   UUID, most significant long first
 *  24   sequence        8   0 for the log's first segment, +1 for each next one
 *  32   base index      8   index of the first record; equals the file name
 *  40   created at      8   epoch millis
 *  48   prev digest    32   SHA-256 of the previous sealed segment (its trailer's digest), zeros if none
 *  80   reserved       44   zeros
 * 124   header crc      4   CRC32C of bytes [0, 124)
 *
 * Frame = 32-byte frame header + body. One append or one batch is one frame.
 *   0   crc             4   CRC32C of bytes [4, 32 + body length): header and body
 *   4   body length     4
 *   8   type            1   1 = records, 2 = trailer, 3 = checkpoint chunk (version 2)
 *   9   flags           1   v1: 0. v2 records frames: bits 0-2 codec (0 none, 1 zstd, 2 lz4),
 *                           bit 3 AES-256-GCM, bits 4-7 zero; nonzero means the body is a
 *                           FrameEnvelope. Trailers and checkpoint chunks: 0
 *  10   reserved        2   0
 *  12   record count    4   records in the body; 0 for a trailer
 *  16   first index     8   index of the first record; for a trailer, the index after the last
 *  24   synced index    8   highest index fsynced when the frame was written (recovery uses it to
 *                           tell unsynced tail damage from damage to synced data)
 *  32   body
 *
 * Record (inside a records frame body, repeated record-count times; indices are implicit:
 * first index + position in the frame)
 *   0   timestamp       8   epoch millis
 *   8   payload length  4
 *  12   type            2   unsigned user type
 *  14   reserved        2   0
 *  16   payload
 *
 * Trailer body, 72 bytes (frame type 2, written when the segment is sealed; always the last frame)
 *   0   record count    8
 *   8   frame count     8   record frames, the trailer excluded
 *  16   min timestamp   8   Long.MAX_VALUE if no records
 *  24   max timestamp   8   -1 if no records
 *  32   digest         32   SHA-256 of the segment's bytes [0, trailer position)
 *  64   reserved        8   zeros
 * </pre>
 */
public final class SegmentFormat {
  private SegmentFormat() {}

  /** The version of segments written by a log that needs no version 2 feature. */
  public static final int VERSION = 1;

  /** The same, by number: the segment format of logs without coded or checkpoint frames. */
  public static final int VERSION_1 = VERSION;

  /**
   * The version of segments that may hold coded (compressed or encrypted) frames and checkpoint
   * frames (type 3, see {@link CheckpointFormat}).
   */
  public static final int VERSION_2 = 2;

  /** Frame flags, bits 0-2: the codec of a coded body. */
  public static final int FLAG_CODEC_MASK = 0x07;

  public static final int CODEC_NONE = 0;
  public static final int CODEC_ZSTD = 1;
  public static final int CODEC_LZ4 = 2;

  /** Frame flags, bit 3: the body is encrypted with AES-256-GCM. */
  public static final int FLAG_ENCRYPTED = 0x08;

  public static final int MAGIC = 0x53474C53; // "SGLS"

  public static final int HEADER_BYTES = 128;
  private static final int H_MAGIC = 0;
  private static final int H_VERSION = 4;
  private static final int H_LENGTH = 6;
  private static final int H_LOG_ID = 8;
  private static final int H_SEQUENCE = 24;
  private static final int H_BASE_INDEX = 32;
  private static final int H_CREATED_AT = 40;
  private static final int H_PREV_DIGEST = 48;
  private static final int H_CRC = 124;

  public static final int DIGEST_BYTES = 32;

  public static final int FRAME_HEADER_BYTES = 32;
  private static final int F_CRC = 0;
  private static final int F_BODY_LENGTH = 4;
  private static final int F_TYPE = 8;
  private static final int F_FLAGS = 9;
  private static final int F_RECORD_COUNT = 12;
  private static final int F_FIRST_INDEX = 16;
  private static final int F_SYNCED_INDEX = 24;

  public static final int FRAME_RECORDS = 1;
  public static final int FRAME_TRAILER = 2;

  /** A chunk of a state-machine checkpoint (format version 2; {@link CheckpointFormat}). */
  public static final int FRAME_CHECKPOINT = 3;

  public static final int RECORD_HEADER_BYTES = 16;
  private static final int R_TIMESTAMP = 0;
  private static final int R_LENGTH = 8;
  private static final int R_TYPE = 12;

  public static final int TRAILER_BODY_BYTES = 72;
  public static final int TRAILER_FRAME_BYTES = FRAME_HEADER_BYTES + TRAILER_BODY_BYTES;
  private static final int T_RECORD_COUNT = 0;
  private static final int T_FRAME_COUNT = 8;
  private static final int T_MIN_TIMESTAMP = 16;
  private static final int T_MAX_TIMESTAMP = 24;
  private static final int T_DIGEST = 32;

  /**
   * Most records one segment may hold: index entries store a record's index relative to the
   * segment's base index in 32 bits. Plain records take 16 bytes or more, so a 1 GiB segment holds
   * at most 2^26; compressed batches of tiny records can take less than a byte each, so the writer
   * rolls at this bound.
   */
  public static final long MAX_SEGMENT_RECORDS = Integer.MAX_VALUE;

  /** A frame body can never be longer than this, whatever the configuration. */
  public static final int MAX_BODY_BYTES = 1 << 30;

  // ---- header

  /** The header checksum field of an encoded header: identifies one exact segment incarnation. */
  public static int headerChecksum(SegmentHeader h) {
    return encodeHeader(h).getInt(H_CRC);
  }

  public static ByteBuffer encodeHeader(SegmentHeader h) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
    b.putInt(H_MAGIC, MAGIC);
    b.putShort(H_VERSION, (short) h.version());
    b.putShort(H_LENGTH, (short) HEADER_BYTES);
    b.putLong(H_LOG_ID, h.logId().getMostSignificantBits());
    b.putLong(H_LOG_ID + 8, h.logId().getLeastSignificantBits());
    b.putLong(H_SEQUENCE, h.sequence());
    b.putLong(H_BASE_INDEX, h.baseIndex());
    b.putLong(H_CREATED_AT, h.createdAt());
    b.put(H_PREV_DIGEST, h.previousDigest(), 0, DIGEST_BYTES);
    b.putInt(H_CRC, Checksums.crc32c(b, 0, H_CRC));
    return b;
  }

  /**
   * Decodes a header from the {@link #HEADER_BYTES} bytes at the buffer's start.
   *
   * @throws FormatException naming the first field that is wrong
   */
  public static SegmentHeader decodeHeader(ByteBuffer b) throws FormatException {
    if (b.remaining() < HEADER_BYTES) {
      throw new FormatException(
          0, "segment header truncated: " + b.remaining() + " of " + HEADER_BYTES + " bytes");
    }
    int p = b.position();
    if (b.getInt(p + H_MAGIC) != MAGIC) {
      throw new FormatException(H_MAGIC, "not a seglog segment (bad magic)");
    }
    int version = Short.toUnsignedInt(b.getShort(p + H_VERSION));
    if (version != VERSION && version != VERSION_2) {
      throw new FormatException(H_VERSION, "unsupported segment format version " + version);
    }
    int stored = b.getInt(p + H_CRC);
    if (stored != Checksums.crc32c(b, p, p + H_CRC)) {
      throw new FormatException(H_CRC, "segment header checksum mismatch");
    }
    if (Short.toUnsignedInt(b.getShort(p + H_LENGTH)) != HEADER_BYTES) {
      throw new FormatException(H_LENGTH, "unexpected segment header length");
    }
    byte[] digest = new byte[DIGEST_BYTES];
    b.get(p + H_PREV_DIGEST, digest);
    return new SegmentHeader(
        version,
        new UUID(b.getLong(p + H_LOG_ID), b.getLong(p + H_LOG_ID + 8)),
        b.getLong(p + H_SEQUENCE),
        b.getLong(p + H_BASE_INDEX),
        b.getLong(p + H_CREATED_AT),
        digest);
  }

  // ---- frames

  /** Bytes a records frame takes for payloads totalling {@code payloadBytes} in {@code count}. */
  public static long recordsFrameLength(int count, long payloadBytes) {
    return FRAME_HEADER_BYTES + (long) count * RECORD_HEADER_BYTES + payloadBytes;
  }

  /** Writes a record header at the buffer's position and advances past it. */
  public static void putRecordHeader(ByteBuffer b, long timestamp, int length, int type) {
    int p = b.position();
    putRecordHeaderAt(b, p, timestamp, length, type);
    b.position(p + RECORD_HEADER_BYTES);
  }

  /** Writes a record header at offset {@code p} of the buffer; its position is left alone. */
  public static void putRecordHeaderAt(ByteBuffer b, int p, long timestamp, int length, int type) {
    b.putLong(p + R_TIMESTAMP, timestamp);
    b.putInt(p + R_LENGTH, length);
    b.putShort(p + R_TYPE, (short) type);
    b.putShort(p + R_TYPE + 2, (short) 0);
  }

  public static long recordTimestamp(ByteBuffer b, int recordPos) {
    return b.getLong(recordPos + R_TIMESTAMP);
  }

  public static int recordLength(ByteBuffer b, int recordPos) {
    return b.getInt(recordPos + R_LENGTH);
  }

  public static int recordType(ByteBuffer b, int recordPos) {
    return Short.toUnsignedInt(b.getShort(recordPos + R_TYPE));
  }

  /**
   * Fills in the frame header at {@code frameStart}, whose body is already in {@code [frameStart +
   * 32, frameEnd)}, and computes the checksum over both.
   */
  public static void sealFrame(
      ByteBuffer b, int frameStart, int frameEnd, int type, int count, long first, long synced) {
    sealFrame(b, frameStart, frameEnd, type, 0, count, first, synced);
  }

  /** {@link #sealFrame} for a frame with {@code flags} (a coded v2 frame). */
  public static void sealFrame(
      ByteBuffer b,
      int frameStart,
      int frameEnd,
      int type,
      int flags,
      int count,
      long first,
      long synced) {
    putFrameHeader(b, frameStart, frameEnd, type, flags, count, first, synced);
    putFrameChecksum(b, frameStart, frameEnd);
  }

  /**
   * Fills in the frame header at {@code frameStart} but its checksum ({@link #putFrameChecksum}).
   */
  public static void putFrameHeader(
      ByteBuffer b,
      int frameStart,
      int frameEnd,
      int type,
      int flags,
      int count,
      long first,
      long synced) {
    b.putInt(frameStart + F_BODY_LENGTH, frameEnd - frameStart - FRAME_HEADER_BYTES);
    b.put(frameStart + F_TYPE, (byte) type);
    b.put(frameStart + F_FLAGS, (byte) flags);
    b.putShort(frameStart + F_FLAGS + 1, (short) 0);
    b.putInt(frameStart + F_RECORD_COUNT, count);
    b.putLong(frameStart + F_FIRST_INDEX, first);
    b.putLong(frameStart + F_SYNCED_INDEX, synced);
  }

  /** Computes the checksum of the complete frame {@code [frameStart, frameEnd)} into its header. */
  public static void putFrameChecksum(ByteBuffer b, int frameStart, int frameEnd) {
    b.putInt(frameStart + F_CRC, Checksums.crc32c(b, frameStart + F_BODY_LENGTH, frameEnd));
  }

  /**
   * Seals a streamed records frame, whose body is written before its header: fills in the header in
   * {@code b[0, 32)}, with the start of the body in {@code b[32, end)} and the rest of the body
   * elsewhere, {@code restLength} bytes whose CRC32C is {@code restCrc}. The checksum is the same
   * as {@link #sealFrame} computes over the whole frame (FORMAT.md 3.2), combined from the parts.
   */
  public static void sealStreamedFrame(
      ByteBuffer b, int end, int count, long first, long synced, int restCrc, long restLength) {
    long bodyLength = end - FRAME_HEADER_BYTES + restLength;
    if (bodyLength > MAX_BODY_BYTES) {
      throw new IllegalArgumentException("frame body of " + bodyLength + " bytes is too long");
    }
    sealFrame(b, 0, end, FRAME_RECORDS, count, first, synced);
    b.putInt(F_BODY_LENGTH, (int) bodyLength);
    int head = Checksums.crc32c(b, F_BODY_LENGTH, end);
    b.putInt(F_CRC, Crc32cCombine.combine(head, restCrc, restLength));
  }

  /** Where a frame's checksummed bytes start: the checksum covers {@code [4, frame end)}. */
  public static final int FRAME_CHECKSUM_FROM = F_BODY_LENGTH;

  /** The checksum stored in the frame header at {@code pos}. */
  public static int storedChecksum(ByteBuffer b, int pos) {
    return b.getInt(pos + F_CRC);
  }

  /**
   * Decodes the header at {@code pos} without checking the checksum (the body may not be read yet).
   * Checks only what can be judged from the header: type, flags and length bounds. Flags are
   * checked against version 2 (known codec and encryption bits on records frames); that a version 1
   * segment holds no flags at all is checked by the callers that know the segment's version ({@link
   * #checkFlagsAllowed}).
   *
   * @param maxBody largest body length this log may hold
   * @param fileOffset where the header sits in its file, for error messages
   */
  public static FrameHeader decodeFrameHeader(ByteBuffer b, int pos, int maxBody, long fileOffset)
      throws FormatException {
    int length = b.getInt(pos + F_BODY_LENGTH);
    int type = Byte.toUnsignedInt(b.get(pos + F_TYPE));
    int flags = Byte.toUnsignedInt(b.get(pos + F_FLAGS));
    int count = b.getInt(pos + F_RECORD_COUNT);
    if (type != FRAME_RECORDS && type != FRAME_TRAILER && type != FRAME_CHECKPOINT) {
      throw new FormatException(fileOffset, "bad frame type " + type);
    }
    if (flags != 0
        && (type != FRAME_RECORDS
            || (flags & ~(FLAG_CODEC_MASK | FLAG_ENCRYPTED)) != 0
            || (flags & FLAG_CODEC_MASK) > CODEC_LZ4)) {
      throw new FormatException(fileOffset, "unknown frame flags " + flags);
    }
    // A coded body is the records (at most maxBody) in an envelope: compression is only kept when
    // it saves bytes, encryption adds a fixed overhead.
    long bound = flags == 0 ? maxBody : (long) maxBody + FrameEnvelope.MAX_OVERHEAD;
    if (length < 0 || (type != FRAME_TRAILER && length > bound)) {
      throw new FormatException(
          fileOffset, "frame length " + length + " exceeds the maximum " + bound);
    }
    if (type == FRAME_CHECKPOINT
        ? (count != 0 || length < CheckpointFormat.CHUNK_HEADER_BYTES)
        : type == FRAME_TRAILER
            ? (count != 0 || length != TRAILER_BODY_BYTES)
            : (count <= 0
                || (flags == 0
                    ? (long) count * RECORD_HEADER_BYTES > length
                    : length < FrameEnvelope.headerBytes(flags)))) {
      throw new FormatException(
          fileOffset, "frame record count " + count + " does not fit its length " + length);
    }
    long first = b.getLong(pos + F_FIRST_INDEX);
    long synced = b.getLong(pos + F_SYNCED_INDEX);
    if (first < 0 || synced >= first) {
      throw new FormatException(
          fileOffset, "frame first index " + first + " and synced index " + synced + " disagree");
    }
    return new FrameHeader(length, type, flags, count, first, synced);
  }

  /**
   * Refuses frame flags in a segment of {@code segmentVersion} 1: a v1 segment never holds coded
   * frames (FORMAT.md section 10).
   */
  public static void checkFlagsAllowed(FrameHeader h, int segmentVersion, long fileOffset)
      throws FormatException {
    if (h.flags() != 0 && segmentVersion < VERSION_2) {
      throw new FormatException(
          fileOffset, "frame flags " + h.flags() + " in a version " + segmentVersion + " segment");
    }
  }

  /** The version field of a segment header at the buffer's position (not checked). */
  public static int headerVersion(ByteBuffer b) {
    return Short.toUnsignedInt(b.getShort(b.position() + H_VERSION));
  }

  /** Offset of the version field in a segment header. */
  public static final int HEADER_VERSION_OFFSET = H_VERSION;

  /** Offset of the flags byte in a frame header. */
  public static final int FRAME_FLAGS_OFFSET = F_FLAGS;

  /** Offset of the bytes of a frame header that a coded frame authenticates: [8, 32). */
  public static final int FRAME_AUTHENTICATED_FROM = F_TYPE;

  /** The record count field of the frame header at {@code pos} (not checked). */
  public static int frameRecordCount(ByteBuffer b, int pos) {
    return b.getInt(pos + F_RECORD_COUNT);
  }

  /** Whether the checksum of the whole frame at {@code [pos, pos + frameLength)} matches. */
  public static boolean checksumMatches(ByteBuffer b, int pos, int frameLength) {
    return b.getInt(pos + F_CRC) == Checksums.crc32c(b, pos + F_BODY_LENGTH, pos + frameLength);
  }

  /**
   * Checks that the records of a frame whose checksum matched fill its body exactly. A matching
   * checksum over a body that does not parse means a bug that wrote it, never a torn write.
   */
  public static void checkRecordsFit(ByteBuffer b, int pos, FrameHeader h, long fileOffset)
      throws FormatException {
    int p = pos + FRAME_HEADER_BYTES;
    int end = pos + h.frameLength();
    for (int i = 0; i < h.recordCount(); i++) {
      if (end - p < RECORD_HEADER_BYTES) {
        throw new FormatException(fileOffset, "frame body too short for record " + i);
      }
      int len = recordLength(b, p);
      if (len < 0 || len > end - p - RECORD_HEADER_BYTES) {
        throw new FormatException(
            fileOffset, "record " + i + " length " + len + " overruns its frame");
      }
      p += RECORD_HEADER_BYTES + len;
    }
    if (p != end) {
      throw new FormatException(
          fileOffset, "frame has " + (end - p) + " bytes after its last record");
    }
  }

  /**
   * The length of the plain records frame at {@code pos} if the buffer holds it whole below {@code
   * limit} and it passes every check a full decode makes ({@link #decodeFrameHeader}, {@link
   * #checksumMatches}, {@link #checkRecordsFit}), with no flags (so valid in a version 1 segment)
   * and first index {@code expectedFirst}; else -1, and the caller's full decode names the fault.
   * One pass without allocation, for sequential reads of many small frames already in memory.
   *
   * @param maxBody largest body length this log may hold
   */
  public static int verifiedPlainFrameLength(
      ByteBuffer b, int pos, int limit, int maxBody, long expectedFirst) {
    if (limit - pos < FRAME_HEADER_BYTES) {
      return -1;
    }
    int body = b.getInt(pos + F_BODY_LENGTH);
    int count = b.getInt(pos + F_RECORD_COUNT);
    long first = b.getLong(pos + F_FIRST_INDEX);
    if (b.get(pos + F_TYPE) != FRAME_RECORDS
        || b.get(pos + F_FLAGS) != 0
        || body < 0
        || body > maxBody
        || body > limit - pos - FRAME_HEADER_BYTES
        || count <= 0
        || (long) count * RECORD_HEADER_BYTES > body
        || first != expectedFirst
        || first < 0
        || b.getLong(pos + F_SYNCED_INDEX) >= first) {
      return -1;
    }
    int end = pos + FRAME_HEADER_BYTES + body;
    if (!checksumMatches(b, pos, FRAME_HEADER_BYTES + body)) {
      return -1;
    }
    int p = pos + FRAME_HEADER_BYTES;
    for (int i = 0; i < count; i++) {
      if (end - p < RECORD_HEADER_BYTES) {
        return -1;
      }
      int len = recordLength(b, p);
      if (len < 0 || len > end - p - RECORD_HEADER_BYTES) {
        return -1;
      }
      p += RECORD_HEADER_BYTES + len;
    }
    return p == end ? FRAME_HEADER_BYTES + body : -1;
  }

  // ---- trailer

  /** Encodes a complete trailer frame. */
  public static ByteBuffer encodeTrailerFrame(Trailer t, long syncedIndex) {
    ByteBuffer b = ByteBuffer.allocate(TRAILER_FRAME_BYTES);
    int body = FRAME_HEADER_BYTES;
    b.putLong(body + T_RECORD_COUNT, t.recordCount());
    b.putLong(body + T_FRAME_COUNT, t.frameCount());
    b.putLong(body + T_MIN_TIMESTAMP, t.minTimestamp());
    b.putLong(body + T_MAX_TIMESTAMP, t.maxTimestamp());
    b.put(body + T_DIGEST, t.digest(), 0, DIGEST_BYTES);
    sealFrame(b, 0, TRAILER_FRAME_BYTES, FRAME_TRAILER, 0, t.nextIndex(), syncedIndex);
    return b;
  }

  /** Decodes the trailer body of a checksum-verified trailer frame at {@code pos}. */
  public static Trailer decodeTrailer(ByteBuffer b, int pos, FrameHeader h) {
    int body = pos + FRAME_HEADER_BYTES;
    byte[] digest = new byte[DIGEST_BYTES];
    b.get(body + T_DIGEST, digest);
    return new Trailer(
        h.firstIndex(),
        b.getLong(body + T_RECORD_COUNT),
        b.getLong(body + T_FRAME_COUNT),
        b.getLong(body + T_MIN_TIMESTAMP),
        b.getLong(body + T_MAX_TIMESTAMP),
        digest);
  }
}
