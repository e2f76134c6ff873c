package io.seglog.internal.log;

import io.seglog.Entry;
import io.seglog.LogConfig;
import io.seglog.RecordTooLargeException;
import io.seglog.internal.format.SegmentFormat;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A batch of entries checked against the configuration before any lock is taken: one frame.
 * Immutable. The payloads are views taken once: sizes and bytes come from them, so a caller that
 * moves its buffer's position or limit during the append cannot make the frame inconsistent.
 *
 * @param entries the entries (types and timestamps)
 * @param payloads one view of each entry's payload
 * @param frameLength bytes the encoded frame takes
 */
record Batch(List<Entry> entries, ByteBuffer[] payloads, int frameLength) {

  /**
   * Validates and measures a batch.
   *
   * @throws IllegalArgumentException if it is empty
   * @throws RecordTooLargeException if a record, the record count or the payload total is over its
   *     limit
   */
  static Batch of(List<Entry> entries, LogConfig config) {
    int count = entries.size();
    if (count == 0) {
      throw new IllegalArgumentException("cannot append an empty batch");
    }
    if (count > config.maxBatchRecords()) {
      throw new RecordTooLargeException(
          "batch of " + count + " records exceeds maxBatchRecords " + config.maxBatchRecords());
    }
    ByteBuffer[] payloads = new ByteBuffer[count];
    long payload = 0;
    for (int i = 0; i < count; i++) {
      payloads[i] = entries.get(i).payload();
      int size = payloads[i].remaining();
      checkRecordSize(size, config);
      payload += size;
    }
    if (payload > config.maxBatchBytes()) { // a single record always fits: checked above
      throw new RecordTooLargeException(
          "batch of "
              + count
              + " records holds "
              + payload
              + " payload bytes, exceeding"
              + " maxBatchBytes "
              + config.maxBatchBytes());
    }
    long body = payload + (long) SegmentFormat.RECORD_HEADER_BYTES * count;
    return new Batch(entries, payloads, SegmentFormat.FRAME_HEADER_BYTES + (int) body);
  }

  /**
   * Throws if one record's payload of {@code size} bytes is over {@link LogConfig#maxRecordBytes}.
   */
  static void checkRecordSize(int size, LogConfig config) {
    if (size > config.maxRecordBytes()) {
      throw new RecordTooLargeException(
          "record of " + size + " bytes exceeds maxRecordBytes " + config.maxRecordBytes());
    }
  }

  int size() {
    return payloads.length;
  }
}
