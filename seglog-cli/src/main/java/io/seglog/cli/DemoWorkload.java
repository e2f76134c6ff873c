package io.seglog.cli;

import io.seglog.Entry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * The demo's records: JSON-ish application events of 50..2000 bytes (most of them small), with a
 * user type per kind of event. The sequence depends only on the seed, so a run is reproducible. Not
 * thread-safe.
 */
final class DemoWorkload {
  static final int MIN_BYTES = 50;
  static final int MAX_BYTES = 2000;

  private static final String[] KINDS = {
    "order.created",
    "order.paid",
    "order.shipped",
    "cart.updated",
    "user.login",
    "user.logout",
    "payment.refused",
    "stock.adjusted"
  };

  private static final String[] WORDS = {
    "alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "oscar", "papa", "quartz", "romeo",
    "sierra", "tango", "vector", "whiskey", "zulu", "amber", "cobalt", "ember", "flint", "garnet"
  };

  private final Random random;
  private long sequence;

  DemoWorkload(long seed) {
    this.random = new Random(seed);
  }

  /** One event: a user type (1..8) and its payload. */
  record Event(int type, byte[] payload) {
    Entry entry() {
      return Entry.of(payload, type, Entry.ASSIGN_TIMESTAMP);
    }

    /** See {@link DemoWorkload#digest(int, ByteBuffer)}. */
    int digest() {
      return DemoWorkload.digest(type, ByteBuffer.wrap(payload));
    }
  }

  /** The next event of the sequence. */
  Event next() {
    sequence++;
    int kind = random.nextInt(KINDS.length);
    double r = random.nextDouble();
    // Squared, so most events are small and a few are large: mean about 700 bytes.
    int target = MIN_BYTES + (int) ((MAX_BYTES - MIN_BYTES) * r * r);
    StringBuilder sb = new StringBuilder(target + 64);
    sb.append("{\"seq\":")
        .append(sequence)
        .append(",\"kind\":\"")
        .append(KINDS[kind])
        .append("\",\"user\":")
        .append(random.nextInt(100_000))
        .append(",\"data\":\"");
    // The smallest events are just their header; the others are padded to exactly the target.
    int dataEnd = Math.max(target - 2, sb.length());
    while (sb.length() < dataEnd) {
      sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
    }
    sb.setLength(dataEnd);
    sb.append("\"}");
    return new Event(kind + 1, sb.toString().getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * The check value the demo keeps per record instead of the record: CRC32C of the type (two bytes,
   * big-endian) followed by the payload.
   */
  static int digest(int type, ByteBuffer payload) {
    CRC32C crc = new CRC32C();
    crc.update(type >>> 8);
    crc.update(type);
    crc.update(payload.duplicate());
    return (int) crc.getValue();
  }
}
