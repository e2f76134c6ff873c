package io.seglog;

/** The requested index is not in the log: below {@code firstIndex} or above {@code lastIndex}. */
public class IndexOutOfRangeException extends SeglogException {
  private static final long serialVersionUID = 1L;

  private final long index;
  private final long firstIndex;
  private final long lastIndex;

  public IndexOutOfRangeException(long index, long firstIndex, long lastIndex) {
    this(index, firstIndex, lastIndex, describe(index, firstIndex, lastIndex));
  }

  /** For subclasses that say more about why the index is out of range. */
  protected IndexOutOfRangeException(long index, long firstIndex, long lastIndex, String message) {
    super(message);
    this.index = index;
    this.firstIndex = firstIndex;
    this.lastIndex = lastIndex;
  }

  private static String describe(long index, long firstIndex, long lastIndex) {
    if (lastIndex < firstIndex) {
      return "index "
          + index
          + " is out of range: the log is empty (next index "
          + firstIndex
          + ")";
    }
    if (index < firstIndex) {
      return "index " + index + " is below firstIndex " + firstIndex;
    }
    return "index " + index + " is above lastIndex " + lastIndex;
  }

  public long index() {
    return index;
  }

  public long firstIndex() {
    return firstIndex;
  }

  public long lastIndex() {
    return lastIndex;
  }
}
