package io.seglog.internal.format;

/**
 * The decoded header of a frame. See {@link SegmentFormat} for its layout.
 *
 * @param bodyLength bytes of body following the 32-byte header
 * @param type {@link SegmentFormat#FRAME_RECORDS} or {@link SegmentFormat#FRAME_TRAILER}
 * @param recordCount records in the body (0 for a trailer)
 * @param firstIndex index of the first record (for a trailer: the index after the segment's last)
 * @param syncedIndex highest index known fsynced when the frame was written
 */
public record FrameHeader(
    int bodyLength, int type, int recordCount, long firstIndex, long syncedIndex) {

  /** Header plus body. */
  public int frameLength() {
    return SegmentFormat.FRAME_HEADER_BYTES + bodyLength;
  }
}
