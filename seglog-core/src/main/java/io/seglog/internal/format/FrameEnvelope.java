package io.seglog.internal.format;

import java.nio.ByteBuffer;

/**
 * Byte layout of the body of a coded frame (format version 2: a records frame whose flags are
 * nonzero, see {@link SegmentFormat}). Every offset of the envelope lives here. docs/FORMAT.md
 * section 3.5 describes the same layout and proves the nonces unique.
 *
 * <pre>
 * Coded body (frame flags: codec = bits 0-2, encrypted = bit 3)
 *   0   raw length      4   bytes of the decoded body: records laid out as in a flags-0 frame;
 *                           record count * 16 .. max body bytes
 *   4   min timestamp   8   smallest record timestamp of the frame
 *  12   max timestamp   8   largest record timestamp of the frame
 *  -- only when encrypted (bit 3):
 *  20   key id          4   u32, names the key in the key provider
 *  24   key check       4   first 4 bytes of HMAC-SHA256(key, "seglog key check v2")
 *  28   salt           16   random per writer session and key: the frame key is
 *                           HMAC-SHA256(key, "seglog frame key v2" || salt)
 *  44   counter         8   per session and key, from 0, +1 per frame; the GCM nonce is
 *                           4 zero bytes || counter
 *  -- then
 *  20 or 52  data       n   the codec's output (the raw records when codec 0); when encrypted,
 *                           AES-256-GCM ciphertext of it followed by the 16-byte tag, with
 *                           additional data = log id (16) || frame header [8, 32) || [0, 52)
 * </pre>
 *
 * The timestamps are kept in clear so that recovery, index rebuilds and verification can seal a
 * segment (its trailer carries min and max timestamps) without the codec library or the key; a read
 * checks them against the decoded records.
 */
public final class FrameEnvelope {
  private FrameEnvelope() {}

  private static final int E_RAW_LENGTH = 0;
  private static final int E_MIN_TIMESTAMP = 4;
  private static final int E_MAX_TIMESTAMP = 12;
  private static final int E_KEY_ID = 20;
  private static final int E_KEY_CHECK = 24;
  private static final int E_SALT = 28;
  private static final int E_COUNTER = 44;

  /** Envelope header bytes of a compressed, not encrypted, body. */
  public static final int PLAIN_HEADER_BYTES = 20;

  /** Envelope header bytes of an encrypted body. */
  public static final int ENCRYPTED_HEADER_BYTES = 52;

  public static final int SALT_BYTES = 16;
  public static final int TAG_BYTES = 16;
  public static final int NONCE_BYTES = 12;

  /**
   * Most bytes a coded body can exceed its raw records by: an encrypted envelope and tag
   * (compression is kept only when it saves bytes).
   */
  public static final int MAX_OVERHEAD = ENCRYPTED_HEADER_BYTES + TAG_BYTES;

  /** Envelope header bytes for frame {@code flags}. */
  public static int headerBytes(int flags) {
    return (flags & SegmentFormat.FLAG_ENCRYPTED) != 0
        ? ENCRYPTED_HEADER_BYTES
        : PLAIN_HEADER_BYTES;
  }

  /** Bytes the data must have at least (the GCM tag when encrypted). */
  public static int minDataBytes(int flags) {
    return (flags & SegmentFormat.FLAG_ENCRYPTED) != 0 ? TAG_BYTES : 0;
  }

  /** The envelope fields of a coded body. */
  public record Fields(
      int rawLength,
      long minTimestamp,
      long maxTimestamp,
      int keyId,
      int keyCheck,
      byte[] salt,
      long counter) {}

  /** Writes the envelope header at {@code body} (absolute offset in {@code b}). */
  public static void put(ByteBuffer b, int body, int flags, Fields f) {
    b.putInt(body + E_RAW_LENGTH, f.rawLength());
    b.putLong(body + E_MIN_TIMESTAMP, f.minTimestamp());
    b.putLong(body + E_MAX_TIMESTAMP, f.maxTimestamp());
    if ((flags & SegmentFormat.FLAG_ENCRYPTED) != 0) {
      b.putInt(body + E_KEY_ID, f.keyId());
      b.putInt(body + E_KEY_CHECK, f.keyCheck());
      b.put(body + E_SALT, f.salt(), 0, SALT_BYTES);
      b.putLong(body + E_COUNTER, f.counter());
    }
  }

  /**
   * Reads and checks the envelope header of a coded frame's body at {@code body}, whose length is
   * {@code bodyLength}.
   *
   * @param maxBody largest raw length allowed
   * @throws FormatException if a field is out of range
   */
  public static Fields read(
      ByteBuffer b, int body, int bodyLength, FrameHeader h, int maxBody, long fileOffset)
      throws FormatException {
    int flags = h.flags();
    int header = headerBytes(flags);
    if (bodyLength < header + minDataBytes(flags)) {
      throw new FormatException(
          fileOffset, "coded frame body of " + bodyLength + " bytes is shorter than its envelope");
    }
    int raw = b.getInt(body + E_RAW_LENGTH);
    if (raw < 0
        || raw > maxBody
        || (long) h.recordCount() * SegmentFormat.RECORD_HEADER_BYTES > raw) {
      throw new FormatException(
          fileOffset,
          "coded frame raw length " + raw + " does not fit " + h.recordCount() + " records");
    }
    long min = b.getLong(body + E_MIN_TIMESTAMP);
    long max = b.getLong(body + E_MAX_TIMESTAMP);
    if (min > max) {
      throw new FormatException(
          fileOffset, "coded frame min timestamp " + min + " is above its max " + max);
    }
    if ((flags & SegmentFormat.FLAG_ENCRYPTED) == 0) {
      return new Fields(raw, min, max, 0, 0, null, 0);
    }
    byte[] salt = new byte[SALT_BYTES];
    b.get(body + E_SALT, salt);
    return new Fields(
        raw,
        min,
        max,
        b.getInt(body + E_KEY_ID),
        b.getInt(body + E_KEY_CHECK),
        salt,
        b.getLong(body + E_COUNTER));
  }
}
