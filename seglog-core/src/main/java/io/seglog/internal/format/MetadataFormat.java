package io.seglog.internal.format;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Byte layout of the metadata file {@code seglog.meta}, format version 1. It is small and only ever
 * replaced atomically: written to {@code seglog.meta.tmp}, fsynced, renamed over, then the
 * directory fsynced. Big-endian.
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
 * </pre>
 */
public final class MetadataFormat {
  private MetadataFormat() {}

  public static final int VERSION = 1;
  public static final int MAGIC = 0x53474C4D; // "SGLM"
  public static final int BYTES = 64;

  private static final int MAGIC_AT = 0;
  private static final int VERSION_AT = 4;
  private static final int LOG_ID_AT = 8;
  private static final int CREATED_AT = 24;
  private static final int FIRST_INDEX_AT = 32;
  private static final int MAX_BODY_AT = 40;
  private static final int CRC_AT = 60;

  /** Decoded metadata. */
  public record Metadata(UUID logId, long createdAt, long firstIndex, int maxBodyBytes) {}

  public static ByteBuffer encode(Metadata m) {
    ByteBuffer b = ByteBuffer.allocate(BYTES);
    b.putInt(MAGIC_AT, MAGIC);
    b.putShort(VERSION_AT, (short) VERSION);
    b.putLong(LOG_ID_AT, m.logId().getMostSignificantBits());
    b.putLong(LOG_ID_AT + 8, m.logId().getLeastSignificantBits());
    b.putLong(CREATED_AT, m.createdAt());
    b.putLong(FIRST_INDEX_AT, m.firstIndex());
    b.putInt(MAX_BODY_AT, m.maxBodyBytes());
    b.putInt(CRC_AT, Checksums.crc32c(b, 0, CRC_AT));
    return b;
  }

  public static Metadata decode(ByteBuffer b) throws FormatException {
    if (b.remaining() < 8) {
      throw new FormatException(0, "metadata file truncated (" + b.remaining() + " bytes)");
    }
    if (b.getInt(MAGIC_AT) != MAGIC) {
      throw new FormatException(MAGIC_AT, "not a seglog metadata file (bad magic)");
    }
    int version = Short.toUnsignedInt(b.getShort(VERSION_AT));
    if (version != VERSION) {
      throw new FormatException(VERSION_AT, "unsupported metadata format version " + version);
    }
    if (b.remaining() != BYTES) {
      throw new FormatException(
          0, "metadata file is " + b.remaining() + " bytes, expected " + BYTES);
    }
    if (b.getInt(CRC_AT) != Checksums.crc32c(b, 0, CRC_AT)) {
      throw new FormatException(CRC_AT, "metadata checksum mismatch");
    }
    int maxBody = b.getInt(MAX_BODY_AT);
    if (maxBody <= 0 || maxBody > SegmentFormat.MAX_BODY_BYTES) {
      throw new FormatException(MAX_BODY_AT, "bad max body bytes " + maxBody);
    }
    return new Metadata(
        new UUID(b.getLong(LOG_ID_AT), b.getLong(LOG_ID_AT + 8)),
        b.getLong(CREATED_AT),
        b.getLong(FIRST_INDEX_AT),
        maxBody);
  }
}
