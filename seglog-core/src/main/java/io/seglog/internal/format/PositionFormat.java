package io.seglog.internal.format;

import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Byte layout of a named reader position file, {@code positions/<name>.pos}, format version 1: the
 * committed position of one named tailer. Like the metadata file it is small and only ever replaced
 * atomically: written to {@code <name>.pos.tmp}, fsynced, renamed over, then the {@code positions}
 * directory fsynced. Big-endian.
 *
 * <pre>
 *   0   magic           4   'S' 'G' 'L' 'P'
 *   4   version         2   1
 *   6   reserved        2   0
 *   8   log id         16   the log's id (a position of another log is refused)
 *  24   position        8   the next index the named tailer reads
 *  32   committed at    8   epoch millis of the commit
 *  40   reserved       20   0
 *  60   crc             4   CRC32C of bytes [0, 60)
 * </pre>
 */
public final class PositionFormat {
  private PositionFormat() {}

  public static final int VERSION = 1;
  public static final int MAGIC = 0x53474C50; // "SGLP"
  public static final int BYTES = 64;
  public static final String DIRECTORY = "positions";
  public static final String SUFFIX = ".pos";

  private static final int MAGIC_AT = 0;
  private static final int VERSION_AT = 4;
  private static final int LOG_ID_AT = 8;
  private static final int POSITION_AT = 24;
  private static final int COMMITTED_AT = 32;
  private static final int CRC_AT = 60;

  /** 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]{0,63}");

  /** A decoded position file. */
  public record Position(UUID logId, long position, long committedAt) {}

  /** Whether {@code name} may name a tailer (it becomes a file name). */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  public static ByteBuffer encode(Position p) {
    ByteBuffer b = ByteBuffer.allocate(BYTES);
    b.putInt(MAGIC_AT, MAGIC);
    b.putShort(VERSION_AT, (short) VERSION);
    b.putLong(LOG_ID_AT, p.logId().getMostSignificantBits());
    b.putLong(LOG_ID_AT + 8, p.logId().getLeastSignificantBits());
    b.putLong(POSITION_AT, p.position());
    b.putLong(COMMITTED_AT, p.committedAt());
    b.putInt(CRC_AT, Checksums.crc32c(b, 0, CRC_AT));
    return b;
  }

  public static Position decode(ByteBuffer b) throws FormatException {
    if (b.remaining() < 8) {
      throw new FormatException(0, "position file truncated (" + b.remaining() + " bytes)");
    }
    if (b.getInt(MAGIC_AT) != MAGIC) {
      throw new FormatException(MAGIC_AT, "not a seglog position file (bad magic)");
    }
    int version = Short.toUnsignedInt(b.getShort(VERSION_AT));
    if (version != VERSION) {
      throw new FormatException(VERSION_AT, "unsupported position format version " + version);
    }
    if (b.remaining() != BYTES) {
      throw new FormatException(
          0, "position file is " + b.remaining() + " bytes, expected " + BYTES);
    }
    if (b.getInt(CRC_AT) != Checksums.crc32c(b, 0, CRC_AT)) {
      throw new FormatException(CRC_AT, "position checksum mismatch");
    }
    long position = b.getLong(POSITION_AT);
    if (position < 0) {
      throw new FormatException(POSITION_AT, "negative position " + position);
    }
    return new Position(
        new UUID(b.getLong(LOG_ID_AT), b.getLong(LOG_ID_AT + 8)),
        position,
        b.getLong(COMMITTED_AT));
  }
}
