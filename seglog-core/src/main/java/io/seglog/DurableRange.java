package io.seglog;

/**
 * Records that became durable in one fsync, reported to a {@link DurabilityListener}.
 *
 * @param fromIndex the first record of the range
 * @param toIndex the last record of the range (the log's durable index after the fsync)
 * @param checkpoint the newest checkpoint this log knows that covers at most {@code fromIndex - 1}:
 *     restoring it and applying records up to {@code toIndex} rebuilds the state as of {@code
 *     toIndex}; null if none
 */
public record DurableRange(long fromIndex, long toIndex, CheckpointInfo checkpoint) {}
