package io.seglog;

/**
 * The requested records were in the log but are gone: truncation ({@code truncateBefore}, {@code
 * truncateAfter}, a reset) or retention removed them while a reader or tailer was positioned on
 * them. Says which index is gone and where the log now starts and ends; a reader that gets it never
 * returned stale or wrong data before it.
 */
public class RecordsGoneException extends IndexOutOfRangeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param index the first index the reader wanted and cannot have
   * @param firstIndex the log's first index now
   * @param lastIndex the log's last index now
   */
  public RecordsGoneException(long index, long firstIndex, long lastIndex) {
    super(index, firstIndex, lastIndex, describe(index, firstIndex, lastIndex));
  }

  /**
   * For what the indices alone do not say, such as a log opened read-only that found its writer
   * truncated it.
   *
   * @param index the first index the reader wanted and cannot have
   * @param firstIndex the log's first index as the reader knows it
   * @param lastIndex the log's last index as the reader knows it
   * @param message what removed the record, naming the log
   */
  public RecordsGoneException(long index, long firstIndex, long lastIndex, String message) {
    super(index, firstIndex, lastIndex, message);
  }

  private static String describe(long index, long firstIndex, long lastIndex) {
    if (index < firstIndex) {
      return "record "
          + index
          + " is gone: truncation or retention removed it; the log now starts at "
          + firstIndex;
    }
    return "record "
        + index
        + " is gone: the log was truncated after "
        + lastIndex
        + " (first index "
        + firstIndex
        + ")";
  }
}
