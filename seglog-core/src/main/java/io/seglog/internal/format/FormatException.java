package io.seglog.internal.format;

/**
 * Bytes that do not decode as the format says. Carries the offset (within the file being decoded)
 * and a description; callers add the file name and turn it into a {@link
 * io.seglog.CorruptLogException}.
 */
public final class FormatException extends Exception {
  private static final long serialVersionUID = 1L;

  private final long offset;

  public FormatException(long offset, String what) {
    super(what, null, false, false);
    this.offset = offset;
  }

  public long offset() {
    return offset;
  }
}
