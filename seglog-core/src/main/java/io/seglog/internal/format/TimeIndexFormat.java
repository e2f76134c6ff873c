package io.seglog.internal.format;

import java.nio.ByteBuffer;

/**
 * Byte layout of a time index file, format version 1: derived data that lets a seek by timestamp
 * start reading a sealed segment near the first record at or after a time instead of at its start.
 * Written lazily (by the first seek that needs it), checksummed, tied to one exact sealed segment
 * by its header checksum and content digest, and rebuilt from the segment whenever missing, damaged
 * or stale. Big-endian.
 *
 * <pre>
 * Time index file  NNNNNNNNNNNNNNNNNNNN.tix  (same base index as its segment)
 *   0   magic           4   'S' 'G' 'L' 'T'
 *   4   version         2   1
 *   6   reserved        2   0
 *   8   base index      8
 *  16   segment crc     4   header checksum of the segment (its bytes 124..128)
 *  20   sample count    4   samples that follow (m)
 *  24   digest         32   the segment's trailer digest: a time index applies to one exact
 *                           sealed content, never to a segment cut and written again
 *  56   sample bytes    4   the sampling interval the writer used, in segment bytes
 *  60   header crc      4   CRC32C of bytes [0, 60)
 *  64   samples         m x 12 bytes, ascending:
 *         0  frame slot        4   the frame's position in the segment's frame order (0-based)
 *         4  max before        8   largest record timestamp in the frames before it,
 *                                  Long.MIN_VALUE for slot 0
 *  64+12m samples crc   4   CRC32C of the samples
 * </pre>
 *
 * A sample is taken at the first frame and then at the first frame at least {@code sample bytes}
 * past the previous sample. "max before" never decreases, so a seek for time t binary-searches the
 * last sample whose max before is below t: no record before that frame is at or after t, and one is
 * before the next sample's frame (if the segment holds one at all).
 */
public final class TimeIndexFormat {
  private TimeIndexFormat() {}

  public static final int VERSION = 1;
  public static final int MAGIC = 0x53474C54; // "SGLT"
  public static final int HEADER_BYTES = 64;
  public static final int SAMPLE_BYTES = 12;

  private static final int MAGIC_AT = 0;
  private static final int VERSION_AT = 4;
  private static final int BASE_INDEX_AT = 8;
  private static final int SEGMENT_CRC_AT = 16;
  private static final int COUNT_AT = 20;
  private static final int DIGEST_AT = 24;
  private static final int INTERVAL_AT = 56;
  private static final int CRC_AT = 60;

  /** Decoded time index file. */
  public record TimeIndexFile(
      long baseIndex,
      int segmentHeaderCrc,
      byte[] digest,
      int sampleBytes,
      int[] slots,
      long[] maxBefore) {}

  /** Bytes of a file with {@code samples} samples. */
  public static long fileBytes(int samples) {
    return HEADER_BYTES + (long) samples * SAMPLE_BYTES + 4;
  }

  public static ByteBuffer encode(
      long baseIndex,
      int segmentHeaderCrc,
      byte[] digest,
      int sampleBytes,
      int count,
      int[] slots,
      long[] maxBefore) {
    ByteBuffer b = ByteBuffer.allocate((int) fileBytes(count));
    b.putInt(MAGIC_AT, MAGIC);
    b.putShort(VERSION_AT, (short) VERSION);
    b.putLong(BASE_INDEX_AT, baseIndex);
    b.putInt(SEGMENT_CRC_AT, segmentHeaderCrc);
    b.putInt(COUNT_AT, count);
    b.put(DIGEST_AT, digest, 0, SegmentFormat.DIGEST_BYTES);
    b.putInt(INTERVAL_AT, sampleBytes);
    b.putInt(CRC_AT, Checksums.crc32c(b, 0, CRC_AT));
    int p = HEADER_BYTES;
    for (int i = 0; i < count; i++) {
      b.putInt(p, slots[i]);
      b.putLong(p + 4, maxBefore[i]);
      p += SAMPLE_BYTES;
    }
    b.putInt(p, Checksums.crc32c(b, HEADER_BYTES, p));
    return b;
  }

  /** Decodes a whole file: magic, version, both checksums, length and ascending samples. */
  public static TimeIndexFile decode(ByteBuffer b) throws FormatException {
    if (b.remaining() < HEADER_BYTES + 4) {
      throw new FormatException(0, "time index file truncated (" + b.remaining() + " bytes)");
    }
    if (b.getInt(MAGIC_AT) != MAGIC) {
      throw new FormatException(MAGIC_AT, "not a seglog time index file (bad magic)");
    }
    int version = Short.toUnsignedInt(b.getShort(VERSION_AT));
    if (version != VERSION) {
      throw new FormatException(VERSION_AT, "unsupported time index format version " + version);
    }
    if (b.getInt(CRC_AT) != Checksums.crc32c(b, 0, CRC_AT)) {
      throw new FormatException(CRC_AT, "time index header checksum mismatch");
    }
    int count = b.getInt(COUNT_AT);
    if (count < 0 || fileBytes(count) != b.remaining()) {
      throw new FormatException(
          COUNT_AT,
          "time index file length " + b.remaining() + " does not match its sample count " + count);
    }
    int end = HEADER_BYTES + count * SAMPLE_BYTES;
    if (b.getInt(end) != Checksums.crc32c(b, HEADER_BYTES, end)) {
      throw new FormatException(end, "time index samples checksum mismatch");
    }
    int[] slots = new int[count];
    long[] maxBefore = new long[count];
    for (int i = 0, p = HEADER_BYTES; i < count; i++, p += SAMPLE_BYTES) {
      slots[i] = b.getInt(p);
      maxBefore[i] = b.getLong(p + 4);
      if (i > 0 && (slots[i] <= slots[i - 1] || maxBefore[i] < maxBefore[i - 1])) {
        throw new FormatException(p, "time index samples out of order at sample " + i);
      }
    }
    byte[] digest = new byte[SegmentFormat.DIGEST_BYTES];
    b.get(DIGEST_AT, digest);
    return new TimeIndexFile(
        b.getLong(BASE_INDEX_AT),
        b.getInt(SEGMENT_CRC_AT),
        digest,
        b.getInt(INTERVAL_AT),
        slots,
        maxBefore);
  }
}
