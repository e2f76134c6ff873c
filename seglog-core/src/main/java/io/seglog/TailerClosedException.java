package io.seglog;

/**
 * The tailer was closed, before or while a thread waited in {@link Tailer#poll}: that thread wakes
 * at once with this exception. A subtype of {@link LogClosedException}, which a tailer throws when
 * its log closes, so callers that only care that reading is over catch that one.
 */
public class TailerClosedException extends LogClosedException {
  private static final long serialVersionUID = 1L;

  public TailerClosedException(String message) {
    super(message);
  }
}
