package io.seglog.reliability;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Self-checking record payloads: {@code <origin>:<seq>:<padding>:<crc>}, ASCII, no line break, so
 * they are also valid input lines for {@code seglog append}. {@code crc} is the CRC32C of
 * everything before its colon, so a payload that was never written by a test (garbage, a torn or
 * spliced record, zeros) fails {@link #isWellFormed} even where the test's own model could not
 * tell.
 */
final class Payloads {
  private Payloads() {}

  private static final char[] ALPHABET =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_".toCharArray();

  /** A payload for sequence number {@code seq} of writer {@code origin}, 0..maxPad padding. */
  static byte[] make(String origin, long seq, SplittableRandom rnd, int maxPad) {
    StringBuilder sb = new StringBuilder(origin).append(':').append(seq).append(':');
    int pad = rnd.nextInt(0, maxPad + 1);
    for (int i = 0; i < pad; i++) {
      sb.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
    }
    String body = sb.toString();
    return (body + ':' + crcHex(body)).getBytes(StandardCharsets.US_ASCII);
  }

  /** Whether {@code payload} is a payload made by {@link #make}, its checksum intact. */
  static boolean isWellFormed(byte[] payload) {
    String s = new String(payload, StandardCharsets.US_ASCII);
    int colon = s.lastIndexOf(':');
    if (colon < 0 || s.length() - colon != 9) {
      return false;
    }
    String body = s.substring(0, colon);
    return body.chars().filter(c -> c == ':').count() == 2
        && crcHex(body).equals(s.substring(colon + 1));
  }

  private static String crcHex(String body) {
    CRC32C crc = new CRC32C();
    crc.update(body.getBytes(StandardCharsets.US_ASCII));
    return HexFormat.of().toHexDigits((int) crc.getValue());
  }
}
