package io.seglog;

/** Base of every exception seglog throws. All are unchecked; each subtype names what went wrong. */
public class SeglogException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SeglogException(String message) {
    super(message);
  }

  public SeglogException(String message, Throwable cause) {
    super(message, cause);
  }
}
