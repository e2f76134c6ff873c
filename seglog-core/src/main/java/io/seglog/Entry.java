package io.seglog;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A record to append: payload bytes, a small user type and a timestamp. Immutable value; the
 * payload buffer is not copied, so do not modify it until the append returns. The bytes appended
 * are the buffer's remaining bytes; its position is not changed.
 */
public final class Entry {
  /** Timestamp value meaning "assign the log clock's time when appended". */
  public static final long ASSIGN_TIMESTAMP = Long.MIN_VALUE;

  /** The largest user type: types are unsigned 16-bit values. */
  public static final int MAX_TYPE = 0xFFFF;

  private final ByteBuffer payload;
  private final int type;
  private final long timestamp;

  private Entry(ByteBuffer payload, int type, long timestamp) {
    this.payload = Objects.requireNonNull(payload, "payload");
    if (type < 0 || type > MAX_TYPE) {
      throw new IllegalArgumentException("type " + type + " is outside 0.." + MAX_TYPE);
    }
    if (timestamp < 0 && timestamp != ASSIGN_TIMESTAMP) {
      throw new IllegalArgumentException("timestamp " + timestamp + " is negative");
    }
    this.type = type;
    this.timestamp = timestamp;
  }

  /** An entry of type 0 whose timestamp is assigned at append. */
  public static Entry of(byte[] payload) {
    return new Entry(ByteBuffer.wrap(payload), 0, ASSIGN_TIMESTAMP);
  }

  /** An entry of type 0 whose timestamp is assigned at append. */
  public static Entry of(ByteBuffer payload) {
    return new Entry(payload, 0, ASSIGN_TIMESTAMP);
  }

  /**
   * An entry with every field given.
   *
   * @param type 0..65535
   * @param timestamp epoch millis, or {@link #ASSIGN_TIMESTAMP}
   * @throws IllegalArgumentException if the type or timestamp is out of range
   */
  public static Entry of(byte[] payload, int type, long timestamp) {
    return new Entry(ByteBuffer.wrap(payload), type, timestamp);
  }

  /** This entry with another type (0..65535). */
  public Entry withType(int newType) {
    return new Entry(payload, newType, timestamp);
  }

  /** This entry with a given timestamp (epoch millis, non-negative). */
  public Entry withTimestamp(long newTimestamp) {
    return new Entry(payload, type, newTimestamp);
  }

  /** The payload: a read-only view of the caller's bytes. */
  public ByteBuffer payload() {
    return payload.asReadOnlyBuffer();
  }

  /** Number of payload bytes. */
  public int size() {
    return payload.remaining();
  }

  public int type() {
    return type;
  }

  /** Epoch millis, or {@link #ASSIGN_TIMESTAMP}. */
  public long timestamp() {
    return timestamp;
  }
}
