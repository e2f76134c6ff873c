package io.seglog;

/**
 * A snapshot of a log's extent.
 *
 * @param firstIndex the first index in the log
 * @param lastIndex the last index written; {@code firstIndex - 1} when empty
 * @param durableIndex the last index known to be fsynced
 * @param segmentCount number of segment files
 * @param totalBytes bytes in segment files
 */
public record LogStats(
    long firstIndex, long lastIndex, long durableIndex, int segmentCount, long totalBytes) {

  /** Number of records in the log. */
  public long recordCount() {
    return lastIndex - firstIndex + 1;
  }
}
