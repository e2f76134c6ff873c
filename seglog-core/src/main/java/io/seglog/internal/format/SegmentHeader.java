package io.seglog.internal.format;

import java.util.UUID;

/**
 * The decoded fixed header of a segment file. See {@link SegmentFormat} for its layout.
 *
 * @param version format version the segment was written with
 * @param logId the log the segment belongs to
 * @param sequence the segment's position in the log's history of segments, 0 for the first
 * @param baseIndex index of the segment's first record (its name)
 * @param createdAt epoch millis
 * @param previousDigest SHA-256 of the previous sealed segment, all zeros for a log's first segment
 */
public record SegmentHeader(
    int version,
    UUID logId,
    long sequence,
    long baseIndex,
    long createdAt,
    byte[] previousDigest) {}
