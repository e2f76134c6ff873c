package io.seglog.internal.log;

import io.seglog.Entry;
import io.seglog.internal.codec.FrameCoder;
import io.seglog.internal.format.SegmentFormat;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.UUID;

/**
 * Encodes a {@link Batch} into a records frame in a reused direct buffer. Not thread-safe: the
 * log's writer (holding its append lock) owns it.
 */
final class FrameEncoder {
  private final Clock clock;
  private final FrameCoder coder; // null: frames are never coded
  private ByteBuffer buffer = ByteBuffer.allocateDirect(64 << 10);
  private long minTimestamp;
  private long maxTimestamp;

  FrameEncoder(Clock clock) {
    this(clock, null);
  }

  /** An encoder that compresses and/or encrypts frames with {@code coder} where allowed. */
  FrameEncoder(Clock clock, FrameCoder coder) {
    this.clock = clock;
    this.coder = coder != null && coder.codes() ? coder : null;
  }

  /** Whether frames may come out coded: they then need a version 2 segment. */
  boolean codes() {
    return coder != null;
  }

  /**
   * {@link #encode(Batch, long, long)}, then compressed and/or encrypted if this encoder codes and
   * {@code segmentVersion} allows coded frames (2); {@code logId} is authenticated with encrypted
   * frames.
   */
  ByteBuffer encode(Batch batch, long first, long syncedIndex, int segmentVersion, UUID logId) {
    if (coder == null || segmentVersion < SegmentFormat.VERSION_2) {
      return encode(batch, first, syncedIndex);
    }
    ByteBuffer plain = encodeUnsealed(batch);
    return coder.code(plain, batch.size(), first, syncedIndex, minTimestamp, maxTimestamp, logId);
  }

  /**
   * Encodes {@code batch} as the frame starting at index {@code first}; the result is valid until
   * the next call. Assigned timestamps are read from the clock once per batch.
   *
   * @param syncedIndex the highest index fsynced now, recorded in the frame for recovery
   */
  ByteBuffer encode(Batch batch, long first, long syncedIndex) {
    ByteBuffer b = encodeUnsealed(batch);
    SegmentFormat.sealFrame(
        b, 0, b.limit(), SegmentFormat.FRAME_RECORDS, batch.size(), first, syncedIndex);
    return b;
  }

  /** The records frame of {@code batch}, its header not yet filled in; position 0. */
  private ByteBuffer encodeUnsealed(Batch batch) {
    int frameLength = batch.frameLength();
    if (buffer.capacity() < frameLength) {
      buffer = ByteBuffer.allocateDirect(Math.max(frameLength, buffer.capacity() * 2));
    }
    ByteBuffer b = buffer.clear();
    b.position(SegmentFormat.FRAME_HEADER_BYTES);
    long now = -1;
    long min = Long.MAX_VALUE;
    long max = -1;
    for (int i = 0; i < batch.size(); i++) {
      Entry e = batch.entries().get(i);
      ByteBuffer payload = batch.payloads()[i];
      long ts = e.timestamp();
      if (ts == Entry.ASSIGN_TIMESTAMP) {
        if (now < 0) {
          now = clock.millis();
        }
        ts = now;
      }
      min = Math.min(min, ts);
      max = Math.max(max, ts);
      SegmentFormat.putRecordHeader(b, ts, payload.remaining(), e.type());
      b.put(payload.duplicate());
    }
    if (b.position() != frameLength) {
      throw new IllegalStateException(
          "encoded " + b.position() + " bytes for a frame of " + frameLength);
    }
    minTimestamp = min;
    maxTimestamp = max;
    return b.flip();
  }

  /** Bytes the records frame of one record of {@code payloadBytes} takes. */
  static int singleRecordFrameLength(int payloadBytes) {
    return SegmentFormat.FRAME_HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES + payloadBytes;
  }

  /**
   * The plain records frame of one record, at position 0 of this encoder's reused buffer: the bytes
   * {@link #encode(Batch, long, long)} gives for a batch of that one entry with {@code timestamp}
   * assigned. Valid until the next call. The payload is as {@link #encodeRecordAt} takes it.
   */
  ByteBuffer encodeRecord(
      byte[] array, ByteBuffer view, int type, long timestamp, long first, long syncedIndex) {
    int frameLength = singleRecordFrameLength(array != null ? array.length : view.remaining());
    if (buffer.capacity() < frameLength) {
      buffer = ByteBuffer.allocateDirect(Math.max(frameLength, buffer.capacity() * 2));
    }
    ByteBuffer b = buffer.clear();
    encodeRecordAt(b, 0, array, view, type, timestamp, first, syncedIndex);
    minTimestamp = timestamp;
    maxTimestamp = timestamp;
    return b.limit(frameLength);
  }

  /**
   * Encodes the plain records frame of one record at offset {@code at} of {@code b}, which has room
   * for {@link #singleRecordFrameLength} bytes there: the bytes {@link #encode(Batch, long, long)}
   * gives for a batch of that one entry with {@code timestamp} assigned. Leaves the position and
   * limit of {@code b} alone. Returns the frame's length.
   *
   * @param array the payload, or null to take it from {@code view}
   * @param view the payload (position to limit, not consumed) when {@code array} is null
   */
  static int encodeRecordAt(
      ByteBuffer b,
      int at,
      byte[] array,
      ByteBuffer view,
      int type,
      long timestamp,
      long first,
      long syncedIndex) {
    int end = putRecordAt(b, at + SegmentFormat.FRAME_HEADER_BYTES, array, view, type, timestamp);
    SegmentFormat.sealFrame(b, at, end, SegmentFormat.FRAME_RECORDS, 1, first, syncedIndex);
    return end - at;
  }

  /**
   * Puts one record (its header, then its payload as {@link #encodeRecordAt} takes it) at offset
   * {@code at} of {@code b}, which has room for it; returns the offset after it. Leaves the
   * position and limit of {@code b} alone.
   */
  static int putRecordAt(
      ByteBuffer b, int at, byte[] array, ByteBuffer view, int type, long timestamp) {
    int size = array != null ? array.length : view.remaining();
    SegmentFormat.putRecordHeaderAt(b, at, timestamp, size, type);
    int payload = at + SegmentFormat.RECORD_HEADER_BYTES;
    if (array != null) {
      b.put(payload, array, 0, size);
    } else {
      b.put(payload, view, view.position(), size);
    }
    return payload + size;
  }

  /** Smallest record timestamp of the frame last encoded. */
  long minTimestamp() {
    return minTimestamp;
  }

  /** Largest record timestamp of the frame last encoded. */
  long maxTimestamp() {
    return maxTimestamp;
  }
}
