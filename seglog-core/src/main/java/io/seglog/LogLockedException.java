package io.seglog;

/** The log directory is locked by another process (or another open log in this process). */
public class LogLockedException extends SeglogException {
  private static final long serialVersionUID = 1L;

  public LogLockedException(String message) {
    super(message);
  }
}
