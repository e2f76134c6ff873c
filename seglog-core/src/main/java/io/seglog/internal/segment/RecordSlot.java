package io.seglog.internal.segment;

import io.seglog.RecordView;
import java.nio.ByteBuffer;

/**
 * A {@link RecordView} over a record inside a {@link FrameView}'s buffer: set by {@link
 * FrameView#view}, valid until that view loads another frame. Keeps one read-only duplicate of the
 * buffer and repositions it, so handing out a record allocates nothing. Not thread-safe.
 */
public final class RecordSlot implements RecordView {
  private ByteBuffer source; // the frame view's buffer the duplicate was made from
  private ByteBuffer payload;
  private long index;
  private long timestamp;
  private int type;
  private int payloadAt;
  private int size;

  void set(ByteBuffer buffer, long index, long timestamp, int type, int payloadAt, int size) {
    if (buffer != source) {
      source = buffer;
      payload = buffer.asReadOnlyBuffer();
    }
    this.index = index;
    this.timestamp = timestamp;
    this.type = type;
    this.payloadAt = payloadAt;
    this.size = size;
  }

  @Override
  public long index() {
    return index;
  }

  @Override
  public long timestamp() {
    return timestamp;
  }

  @Override
  public int type() {
    return type;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public ByteBuffer payload() {
    payload.limit(payloadAt + size).position(payloadAt);
    return payload;
  }

  @Override
  public String toString() {
    return "RecordView{index=" + index + ", type=" + type + ", size=" + size + "}";
  }
}
