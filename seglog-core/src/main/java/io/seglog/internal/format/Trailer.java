package io.seglog.internal.format;

/**
 * The decoded body of a segment's trailer frame, written when the segment is sealed.
 *
 * @param nextIndex index after the segment's last record ({@code baseIndex + recordCount})
 * @param recordCount records in the segment
 * @param frameCount record frames in the segment (the trailer excluded)
 * @param minTimestamp smallest record timestamp, {@link Long#MAX_VALUE} if no records
 * @param maxTimestamp largest record timestamp, -1 if no records
 * @param digest SHA-256 of the segment's bytes before the trailer
 */
public record Trailer(
    long nextIndex,
    long recordCount,
    long frameCount,
    long minTimestamp,
    long maxTimestamp,
    byte[] digest) {}
