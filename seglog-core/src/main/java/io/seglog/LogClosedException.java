package io.seglog;

/** The log, reader or tailer was closed before or during the operation. */
public class LogClosedException extends SeglogException {
  private static final long serialVersionUID = 1L;

  public LogClosedException(String message) {
    super(message);
  }
}
