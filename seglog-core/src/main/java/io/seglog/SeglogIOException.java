package io.seglog;

import java.io.IOException;

/** An I/O operation failed outside the append path (opening, reading, closing). */
public class SeglogIOException extends SeglogException {
  private static final long serialVersionUID = 1L;

  public SeglogIOException(String message, IOException cause) {
    super(message + ": " + cause, cause);
  }
}
