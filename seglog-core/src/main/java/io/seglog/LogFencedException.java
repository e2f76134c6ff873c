package io.seglog;

/**
 * A write or fsync failed earlier, so the log refuses every further append until it is closed and
 * reopened (which recovers it). The cause is the original I/O failure. An fsync is never retried:
 * after a failed fsync the kernel may have dropped the dirty pages, so retrying could report
 * success for data that is gone.
 */
public class LogFencedException extends SeglogException {
  private static final long serialVersionUID = 1L;

  public LogFencedException(String message, Throwable cause) {
    super(message, cause);
  }
}
