package io.seglog;

/**
 * What one application of the retention policies removed ({@link Log#applyRetention()}).
 *
 * @param segmentsRemoved whole sealed segments deleted
 * @param recordsRemoved records that were in the log and are now gone (the log's first index moved
 *     by this much)
 * @param bytesRemoved bytes of the segment files deleted
 * @param firstIndex the log's first index afterwards
 */
public record RetentionResult(
    int segmentsRemoved, long recordsRemoved, long bytesRemoved, long firstIndex) {

  /** Whether nothing was removed. */
  public boolean isEmpty() {
    return segmentsRemoved == 0;
  }
}
