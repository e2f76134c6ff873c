package io.seglog;

/**
 * The directory does not exist, or holds no log (no metadata file and no segment), where an
 * existing log was required: a read-only open, verification.
 */
public class NoSuchLogException extends SeglogException {
  private static final long serialVersionUID = 1L;

  public NoSuchLogException(String message) {
    super(message);
  }
}
