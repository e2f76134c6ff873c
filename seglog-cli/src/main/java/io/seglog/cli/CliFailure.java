package io.seglog.cli;

/**
 * An operation failed for a reason the tool itself detected (a missing directory, an over-long
 * input line). The message is the one line printed on stderr; the exit code is 1.
 */
final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliFailure(String message) {
    super(message);
  }

  CliFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
