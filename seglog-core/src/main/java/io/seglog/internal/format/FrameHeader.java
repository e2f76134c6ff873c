package io.seglog.internal.format;

/**
 * The decoded header of a frame. See {@link SegmentFormat} for its layout.
 *
 * @param bodyLength bytes of body following the 32-byte header
 * @param type {@link SegmentFormat#FRAME_RECORDS} or {@link SegmentFormat#FRAME_TRAILER}
 * @param flags 0, or (a v2 records frame) its codec and encryption bits: the body is then a {@link
 *     FrameEnvelope}
 * @param recordCount records in the body (0 for a trailer)
 * @param firstIndex index of the first record (for a trailer: the index after the segment's last)
 * @param syncedIndex highest index known fsynced when the frame was written
 */
public record FrameHeader(
    int bodyLength, int type, int flags, int recordCount, long firstIndex, long syncedIndex) {

  /** A frame header without flags. */
  public FrameHeader(int bodyLength, int type, int recordCount, long firstIndex, long syncedIndex) {
    this(bodyLength, type, 0, recordCount, firstIndex, syncedIndex);
  }

  /** Whether the body is a {@link FrameEnvelope} (compressed and/or encrypted). */
  public boolean coded() {
    return flags != 0;
  }

  /** Header plus body. */
  public int frameLength() {
    return SegmentFormat.FRAME_HEADER_BYTES + bodyLength;
  }
}
