package io.seglog;

import java.nio.file.Path;

/**
 * One segment of an open log, as {@link Log#segments()} saw it.
 *
 * @param file the segment file
 * @param baseIndex index of its first record
 * @param records records it holds
 * @param bytes its size in bytes (trailer included when sealed)
 * @param sealed whether it is sealed (only the last segment of a writable log is not)
 * @param minTimestamp smallest record timestamp, {@link Long#MAX_VALUE} when empty
 * @param maxTimestamp largest record timestamp, -1 when empty
 * @param digest hex SHA-256 of a sealed segment (its link in the hash chain), null while active
 */
public record SegmentInfo(
    Path file,
    long baseIndex,
    long records,
    long bytes,
    boolean sealed,
    long minTimestamp,
    long maxTimestamp,
    String digest) {}
