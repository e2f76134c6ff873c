package io.seglog;

/**
 * A record or batch is larger than {@link LogConfig#maxRecordBytes()} allows. Nothing was written.
 */
public class RecordTooLargeException extends SeglogException {
  private static final long serialVersionUID = 1L;

  public RecordTooLargeException(String message) {
    super(message);
  }
}
