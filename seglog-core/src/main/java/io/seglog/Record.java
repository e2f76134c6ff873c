package io.seglog;

import java.nio.ByteBuffer;

/**
 * A record read from the log. Immutable; its payload is a read-only buffer that the record owns.
 */
public final class Record {
  private final long index;
  private final long timestamp;
  private final int type;
  private final ByteBuffer payload;

  /** For seglog's readers; applications receive records, they do not build them. */
  public Record(long index, long timestamp, int type, ByteBuffer payload) {
    this.index = index;
    this.timestamp = timestamp;
    this.type = type;
    this.payload = payload.asReadOnlyBuffer();
  }

  /** The record's position in the log. */
  public long index() {
    return index;
  }

  /** Epoch millis, given at append or assigned by the log's clock. */
  public long timestamp() {
    return timestamp;
  }

  /** The user type, 0..65535. */
  public int type() {
    return type;
  }

  /** The payload as a read-only buffer positioned at its first byte. */
  public ByteBuffer payload() {
    return payload.duplicate();
  }

  /** Number of payload bytes. */
  public int size() {
    return payload.remaining();
  }

  /** A fresh copy of the payload bytes. */
  public byte[] payloadBytes() {
    byte[] bytes = new byte[payload.remaining()];
    payload.duplicate().get(bytes);
    return bytes;
  }

  @Override
  public String toString() {
    return "Record{index="
        + index
        + ", timestamp="
        + timestamp
        + ", type="
        + type
        + ", size="
        + size()
        + "}";
  }
}
