package io.seglog.internal.format;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Byte layout of an index file, format version 1: derived data mapping each frame of a segment to
 * its first index and byte position, so a read finds its frame without scanning. Index files are
 * checksummed and rebuilt from the segment when missing or damaged. Big-endian.
 *
 * <pre>
 * Index file  NNNNNNNNNNNNNNNNNNNN.idx  (same base index as its segment)
 *   0   magic           4   'S' 'G' 'L' 'X'
 *   4   version         2   1
 *   6   reserved        2   0
 *   8   log id         16
 *  24   base index      8
 *  32   covered bytes   8   the segment's length up to the end of the last frame covered
 *                           (the trailer included when sealed)
 *  40   record count    8   records in the covered frames
 *  48   frame count     4   entries that follow
 *  52   flags           4   bit 0: the segment is sealed
 *  56   min timestamp   8   smallest record timestamp covered, Long.MAX_VALUE if none
 *  64   max timestamp   8   largest record timestamp covered, -1 if none
 *  72   segment crc     4   header checksum of the segment this index was built from, so an index
 *                           file never applies to another segment that got the same name
 *  76   header crc      4   CRC32C of bytes [0, 76)
 *  80   entries         frame count x 8 bytes:
 *         0  relative first index   4   first index of the frame minus base index
 *         4  position               4   byte offset of the frame in the segment
 *  80+8n entries crc    4   CRC32C of the entries
 * </pre>
 *
 * The index of an unsealed (active) segment is written at a clean close; it covers a prefix of the
 * segment, and opening scans only the frames after {@code covered bytes}.
 */
public final class IndexFileFormat {
  private IndexFileFormat() {}

  public static final int VERSION = 1;
  public static final int MAGIC = 0x53474C58; // "SGLX"
  public static final int HEADER_BYTES = 80;
  public static final int ENTRY_BYTES = 8;
  public static final int FLAG_SEALED = 1;

  private static final int MAGIC_AT = 0;
  private static final int VERSION_AT = 4;
  private static final int LOG_ID_AT = 8;
  private static final int BASE_INDEX_AT = 24;
  private static final int COVERED_AT = 32;
  private static final int RECORDS_AT = 40;
  private static final int FRAMES_AT = 48;
  private static final int FLAGS_AT = 52;
  private static final int MIN_TS_AT = 56;
  private static final int MAX_TS_AT = 64;
  private static final int SEGMENT_CRC_AT = 72;
  private static final int CRC_AT = 76;

  /**
   * Decoded index file.
   *
   * @param relIndex first index of each frame, relative to the base index
   * @param positions byte offset of each frame
   */
  public record IndexFile(
      UUID logId,
      long baseIndex,
      int segmentHeaderCrc,
      long coveredBytes,
      long recordCount,
      boolean sealed,
      long minTimestamp,
      long maxTimestamp,
      int[] relIndex,
      int[] positions) {}

  public static ByteBuffer encode(
      UUID logId,
      long baseIndex,
      int segmentHeaderCrc,
      long coveredBytes,
      long recordCount,
      boolean sealed,
      long minTimestamp,
      long maxTimestamp,
      int frameCount,
      int[] relIndex,
      int[] positions) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + frameCount * ENTRY_BYTES + 4);
    b.putInt(MAGIC_AT, MAGIC);
    b.putShort(VERSION_AT, (short) VERSION);
    b.putLong(LOG_ID_AT, logId.getMostSignificantBits());
    b.putLong(LOG_ID_AT + 8, logId.getLeastSignificantBits());
    b.putLong(BASE_INDEX_AT, baseIndex);
    b.putInt(SEGMENT_CRC_AT, segmentHeaderCrc);
    b.putLong(COVERED_AT, coveredBytes);
    b.putLong(RECORDS_AT, recordCount);
    b.putInt(FRAMES_AT, frameCount);
    b.putInt(FLAGS_AT, sealed ? FLAG_SEALED : 0);
    b.putLong(MIN_TS_AT, minTimestamp);
    b.putLong(MAX_TS_AT, maxTimestamp);
    b.putInt(CRC_AT, Checksums.crc32c(b, 0, CRC_AT));
    int p = HEADER_BYTES;
    for (int i = 0; i < frameCount; i++) {
      b.putInt(p, relIndex[i]);
      b.putInt(p + 4, positions[i]);
      p += ENTRY_BYTES;
    }
    b.putInt(p, Checksums.crc32c(b, HEADER_BYTES, p));
    return b;
  }

  /**
   * Decodes only the header, given the file's size: checks magic, version, header checksum and that
   * the size matches the frame count. The entries are left empty (not read).
   */
  public static IndexFile decodeHeader(ByteBuffer b, long fileSize) throws FormatException {
    if (b.remaining() < HEADER_BYTES) {
      throw new FormatException(0, "index file truncated (" + b.remaining() + " bytes)");
    }
    if (b.getInt(MAGIC_AT) != MAGIC) {
      throw new FormatException(MAGIC_AT, "not a seglog index file (bad magic)");
    }
    int version = Short.toUnsignedInt(b.getShort(VERSION_AT));
    if (version != VERSION) {
      throw new FormatException(VERSION_AT, "unsupported index format version " + version);
    }
    if (b.getInt(CRC_AT) != Checksums.crc32c(b, 0, CRC_AT)) {
      throw new FormatException(CRC_AT, "index header checksum mismatch");
    }
    int frames = b.getInt(FRAMES_AT);
    if (frames < 0 || HEADER_BYTES + (long) frames * ENTRY_BYTES + 4 != fileSize) {
      throw new FormatException(
          FRAMES_AT, "index file length " + fileSize + " does not match its frame count " + frames);
    }
    return new IndexFile(
        new UUID(b.getLong(LOG_ID_AT), b.getLong(LOG_ID_AT + 8)),
        b.getLong(BASE_INDEX_AT),
        b.getInt(SEGMENT_CRC_AT),
        b.getLong(COVERED_AT),
        b.getLong(RECORDS_AT),
        (b.getInt(FLAGS_AT) & FLAG_SEALED) != 0,
        b.getLong(MIN_TS_AT),
        b.getLong(MAX_TS_AT),
        new int[0],
        new int[0]);
  }

  /** Decodes a whole index file, checking both checksums and that entries ascend. */
  public static IndexFile decode(ByteBuffer b) throws FormatException {
    IndexFile h = decodeHeader(b, b.remaining());
    int frames = b.getInt(FRAMES_AT);
    int end = HEADER_BYTES + frames * ENTRY_BYTES;
    if (b.getInt(end) != Checksums.crc32c(b, HEADER_BYTES, end)) {
      throw new FormatException(end, "index entries checksum mismatch");
    }
    int[] rel = new int[frames];
    int[] pos = new int[frames];
    for (int i = 0, p = HEADER_BYTES; i < frames; i++, p += ENTRY_BYTES) {
      rel[i] = b.getInt(p);
      pos[i] = b.getInt(p + 4);
      if (i > 0 && (rel[i] <= rel[i - 1] || pos[i] <= pos[i - 1])) {
        throw new FormatException(p, "index entries out of order at entry " + i);
      }
    }
    return new IndexFile(
        h.logId(),
        h.baseIndex(),
        h.segmentHeaderCrc(),
        h.coveredBytes(),
        h.recordCount(),
        h.sealed(),
        h.minTimestamp(),
        h.maxTimestamp(),
        rel,
        pos);
  }
}
